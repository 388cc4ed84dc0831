package forecourt.zvt.protocol;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * A status information (04 0F) from the terminal: the result of a payment command and what
 * the terminal knows of it. The card number is only ever handed out masked.
 */
public final class StatusInformation {
    private final Bmp.Fields fields;

    private StatusInformation(Bmp.Fields fields) {
        this.fields = fields;
    }

    public static StatusInformation of(Apdu apdu) throws ZvtProtocolException {
        if (apdu.command() != Messages.STATUS_INFORMATION) {
            throw new ZvtProtocolException("not a status information: " + apdu);
        }
        StatusInformation info = new StatusInformation(Bmp.read(apdu.data(), 0));
        info.amount(); // BCD fields checked once, here
        info.receiptNo();
        info.traceNo();
        info.maskedPan();
        return info;
    }

    public Bmp.Fields fields() {
        return fields;
    }

    public int resultCode() {
        return fields.byteValue(Bmp.RESULT_CODE, ResultCode.SUCCESS);
    }

    public OptionalLong amount() throws ZvtProtocolException {
        return fields.bcd(Bmp.AMOUNT);
    }

    public OptionalLong receiptNo() throws ZvtProtocolException {
        return fields.bcd(Bmp.RECEIPT);
    }

    public OptionalLong traceNo() throws ZvtProtocolException {
        return fields.bcd(Bmp.TRACE);
    }

    public OptionalLong terminalId() throws ZvtProtocolException {
        return fields.bcd(Bmp.TERMINAL_ID);
    }

    public OptionalLong currency() throws ZvtProtocolException {
        return fields.bcd(Bmp.CURRENCY);
    }

    public Optional<String> cardName() {
        return fields.text(Bmp.CARD_NAME);
    }

    public Optional<String> aid() {
        return fields.text(Bmp.AID);
    }

    /** The card number as PCI DSS allows it shown: at most the first six and last four digits. */
    public Optional<String> maskedPan() throws ZvtProtocolException {
        Optional<byte[]> pan = fields.get(Bmp.PAN);
        return pan.isPresent() ? Optional.of(Pan.mask(Bcd.digits(pan.get()))) : Optional.empty();
    }
}
