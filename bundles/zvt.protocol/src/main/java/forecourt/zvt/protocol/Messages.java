package forecourt.zvt.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * The ZVT messages Forecourt exchanges, built and taken apart in one place for both sides
 * (control fields as {@code class << 8 | instruction}). Field layouts follow the ZVT
 * specification; where a real Feig terminal's bytes are public (EVerest/zvt's captures), the
 * tests check against them.
 */
public final class Messages {
    // ECR → terminal
    public static final int REGISTRATION = 0x0600, PRE_AUTHORISATION = 0x0622, PARTIAL_REVERSAL = 0x0623, BOOK_TOTAL = 0x0624,
            PRE_AUTH_REVERSAL = 0x0625, END_OF_DAY = 0x0650, STATUS_ENQUIRY = 0x0501;
    // terminal → ECR
    public static final int ACK = 0x8000, STATUS_INFORMATION = 0x040F, INTERMEDIATE_STATUS = 0x04FF, COMPLETION = 0x060F,
            ABORT = 0x061E, PRINT_LINE = 0x06D1, PRINT_TEXT_BLOCK = 0x06D3;
    /** Class byte of a negative acknowledgement {@code 84 xx}; xx is the reason. */
    public static final int NAK_CLASS = 0x84;
    /** The receipt number that asks for open pre-authorisations instead of naming one. */
    public static final int ANY_OPEN_RECEIPT = 0xFFFF;
    /** Payment type: the terminal decides (girocard, credit card...) by the card. */
    public static final int PAYMENT_TYPE_TERMINAL_DECIDES = 0x40;
    /** TLV tags of the open pre-authorisation list in the abort answering {@link #openPreAuthorisationQuery()}. */
    public static final int TLV_RECEIPT_NUMBERS = 0x23, TLV_RECEIPT_NUMBER = 0x08;

    private Messages() {
    }

    private static Apdu apdu(int command, byte[] data) {
        return new Apdu(command >>> 8, command & 0xFF, data);
    }

    public static Apdu ack() {
        return apdu(ACK, new byte[0]);
    }

    public static Apdu nak(int reason) {
        return new Apdu(NAK_CLASS, reason, new byte[0]);
    }

    /** Registration (06 00): password, config byte, currency (untagged). */
    public static Apdu registration(int password, int configByte, int currency) {
        return apdu(REGISTRATION, Bmp.writer().raw(Bcd.encode(password, 3)).raw((byte) configByte).raw(Bcd.encode(currency, 2)).bytes());
    }

    /** Pre-authorisation (06 22) for {@code amount} minor units. */
    public static Apdu preAuthorisation(long amount, int currency) {
        return apdu(PRE_AUTHORISATION, Bmp.writer().bcd(Bmp.AMOUNT, amount).bcd(Bmp.CURRENCY, currency)
                .fixed(Bmp.PAYMENT_TYPE, (byte) PAYMENT_TYPE_TERMINAL_DECIDES).bytes());
    }

    /** Partial reversal (06 23) of pre-authorisation {@code receipt}: reverses {@code amount}, books the rest. */
    public static Apdu partialReversal(int receipt, long amount, int currency) {
        return apdu(PARTIAL_REVERSAL, Bmp.writer().fixed(Bmp.RECEIPT, Bcd.encode(receipt, 2)).bcd(Bmp.AMOUNT, amount)
                .fixed(Bmp.PAYMENT_TYPE, (byte) PAYMENT_TYPE_TERMINAL_DECIDES).bcd(Bmp.CURRENCY, currency).bytes());
    }

    /**
     * Partial reversal with receipt number {@code FFFF}: the terminal applies nothing and
     * answers with an abort naming its open pre-authorisations.
     */
    public static Apdu openPreAuthorisationQuery() {
        return apdu(PARTIAL_REVERSAL, Bmp.writer().fixed(Bmp.RECEIPT, (byte) 0xFF, (byte) 0xFF).bytes());
    }

    /** Book total (06 24): books {@code amount} of pre-authorisation {@code receipt}, releases the rest. */
    public static Apdu bookTotal(int receipt, long amount, int currency) {
        return apdu(BOOK_TOTAL, Bmp.writer().fixed(Bmp.RECEIPT, Bcd.encode(receipt, 2)).bcd(Bmp.AMOUNT, amount)
                .bcd(Bmp.CURRENCY, currency).bytes());
    }

    /** Reversal of a pre-authorisation (06 25): releases all of it. */
    public static Apdu preAuthReversal(int receipt, int currency) {
        return apdu(PRE_AUTH_REVERSAL, Bmp.writer().fixed(Bmp.PAYMENT_TYPE, (byte) PAYMENT_TYPE_TERMINAL_DECIDES)
                .fixed(Bmp.RECEIPT, Bcd.encode(receipt, 2)).bcd(Bmp.CURRENCY, currency).bytes());
    }

    public static Apdu endOfDay(int password) {
        return apdu(END_OF_DAY, Bcd.encode(password, 3));
    }

    public static Apdu statusEnquiry(int password) {
        return apdu(STATUS_ENQUIRY, Bcd.encode(password, 3));
    }

    public static Apdu intermediateStatus(int status) {
        return apdu(INTERMEDIATE_STATUS, new byte[] { (byte) status });
    }

    public static Apdu completion() {
        return apdu(COMPLETION, new byte[0]);
    }

    /** Abort (06 1E) with a result code and optional BMPs after it. */
    public static Apdu abort(int resultCode, byte[] fields) {
        return apdu(ABORT, Bmp.writer().raw((byte) resultCode).raw(fields).bytes());
    }

    /**
     * The terminal's answer to {@link #openPreAuthorisationQuery()}: abort with result code
     * B8, the first open receipt in BMP 87 ({@code FFFF}: none) and every open receipt in the
     * TLV container (tag 23 holding a tag 08 per receipt).
     */
    public static Apdu openPreAuthorisations(List<Integer> receipts) {
        Bmp.Writer w = Bmp.writer();
        if (receipts.isEmpty()) {
            w.fixed(Bmp.RECEIPT, (byte) 0xFF, (byte) 0xFF);
        } else {
            w.fixed(Bmp.RECEIPT, Bcd.encode(receipts.get(0), 2));
            List<Tlv> list = new ArrayList<>();
            for (int r : receipts) {
                list.add(Tlv.of(TLV_RECEIPT_NUMBER, Bcd.encode(r, 2)));
            }
            w.tlv(List.of(Tlv.constructed(TLV_RECEIPT_NUMBERS, list)));
        }
        return abort(ResultCode.PRE_AUTHORISATION_ERROR, w.bytes());
    }

    /** A receipt number field: BCD, or {@link #ANY_OPEN_RECEIPT} for {@code FFFF}. */
    public static int receipt(byte[] field) throws ZvtProtocolException {
        if (field.length != 2) {
            throw new ZvtProtocolException("receipt number of " + field.length + " bytes");
        }
        if ((field[0] & 0xFF) == 0xFF && (field[1] & 0xFF) == 0xFF) {
            return ANY_OPEN_RECEIPT;
        }
        return (int) Bcd.decode(field);
    }

    /** The open receipts an abort lists (BMP 87 and the TLV list), without duplicates. */
    public static List<Integer> openReceipts(Apdu abort) throws ZvtProtocolException {
        if (abort.command() != ABORT) {
            throw new ZvtProtocolException("not an abort: " + abort);
        }
        byte[] data = abort.data();
        if (data.length < 1) {
            throw new ZvtProtocolException("abort without a result code");
        }
        Bmp.Fields fields = Bmp.read(data, 1);
        List<Integer> out = new ArrayList<>();
        if (fields.has(Bmp.RECEIPT)) {
            int first = receipt(fields.get(Bmp.RECEIPT).orElseThrow());
            if (first != ANY_OPEN_RECEIPT) {
                out.add(first);
            }
        }
        var list = Tlv.find(fields.tlv(), TLV_RECEIPT_NUMBERS);
        if (list.isPresent()) {
            for (Tlv r : list.get().children()) {
                if (r.tag() == TLV_RECEIPT_NUMBER) {
                    int receipt = receipt(r.value());
                    if (receipt != ANY_OPEN_RECEIPT && !out.contains(receipt)) {
                        out.add(receipt);
                    }
                }
            }
        }
        return out;
    }
}
