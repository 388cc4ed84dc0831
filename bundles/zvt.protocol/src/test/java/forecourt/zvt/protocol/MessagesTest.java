package forecourt.zvt.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Every message Forecourt sends or reads, checked against real ECR ↔ Feig cVEND captures
 * (shared/testdata/zvt, from EVerest/zvt; the field values are those EVerest's own tests
 * decode them to).
 */
class MessagesTest {
    private static final HexFormat HEX = HexFormat.of();

    static Apdu blob(String name) throws Exception {
        return Apdu.decode(Files.readAllBytes(ApduTest.testdata().resolve(name)));
    }

    static byte[] bytes(String name) throws Exception {
        return Files.readAllBytes(ApduTest.testdata().resolve(name));
    }

    @Test
    void registrationIsByteForByteTheCapturedOne() throws Exception {
        assertThat(Messages.registration(123456, 0xDE, 978).encode()).isEqualTo(bytes("1681273860.511128000_ecr_pt.blob"));
    }

    @Test
    void endOfDayIsByteForByteTheCapturedOne() throws Exception {
        assertThat(Messages.endOfDay(123456).encode()).isEqualTo(bytes("1681282621.302434000_ecr_pt.blob"));
    }

    @Test
    void preAuthReversalIsByteForByteTheCapturedOne() throws Exception {
        assertThat(Messages.preAuthReversal(231, 978).encode()).isEqualTo(bytes("1680728213.562478000_ecr_pt.blob"));
    }

    @Test
    void theCapturedPreAuthorisationDecodesToItsFields() throws Exception {
        Apdu preAuth = blob("1680728162.033575000_ecr_pt.blob");
        assertThat(preAuth.command()).isEqualTo(Messages.PRE_AUTHORISATION);
        Bmp.Fields f = Bmp.read(preAuth.data(), 0);
        assertThat(f.bcd(Bmp.AMOUNT)).hasValue(2500);
        assertThat(f.bcd(Bmp.CURRENCY)).hasValue(978);
        assertThat(f.byteValue(Bmp.PAYMENT_TYPE, -1)).isEqualTo(0x40);
        Tlv e9 = Tlv.find(f.tlv(), 0xE9).orElseThrow();
        assertThat(e9.isConstructed()).isTrue();
        assertThat(e9.children()).containsExactly(Tlv.of(0x1F62, "AC".getBytes(StandardCharsets.US_ASCII)),
                Tlv.of(0x1F63, "384HH2".getBytes(StandardCharsets.US_ASCII)));
        // and Forecourt's own pre-authorisation carries the same fields
        Bmp.Fields ours = Bmp.read(Messages.preAuthorisation(2500, 978).data(), 0);
        assertThat(ours.bcd(Bmp.AMOUNT)).hasValue(2500);
        assertThat(ours.bcd(Bmp.CURRENCY)).hasValue(978);
        assertThat(ours.byteValue(Bmp.PAYMENT_TYPE, -1)).isEqualTo(0x40);
    }

    @Test
    void theCapturedPartialReversalDecodesToItsFields() throws Exception {
        Apdu reversal = blob("1681455683.221609000_ecr_pt.blob");
        assertThat(reversal.command()).isEqualTo(Messages.PARTIAL_REVERSAL);
        Bmp.Fields f = Bmp.read(reversal.data(), 0);
        assertThat(Messages.receipt(f.get(Bmp.RECEIPT).orElseThrow())).isEqualTo(491);
        assertThat(f.bcd(Bmp.AMOUNT)).hasValue(1295);
        assertThat(f.bcd(Bmp.CURRENCY)).hasValue(978);
        Bmp.Fields ours = Bmp.read(Messages.partialReversal(491, 1295, 978).data(), 0);
        assertThat(Messages.receipt(ours.get(Bmp.RECEIPT).orElseThrow())).isEqualTo(491);
        assertThat(ours.bcd(Bmp.AMOUNT)).hasValue(1295);
        Bmp.Fields book = Bmp.read(Messages.bookTotal(491, 705, 978).data(), 0);
        assertThat(HEX.formatHex(Messages.bookTotal(491, 705, 978).encode())).isEqualTo("06240d870491040000000007054909" + "78");
        assertThat(book.bcd(Bmp.AMOUNT)).hasValue(705);
    }

    @Test
    void statusInformationAfterAPreAuthorisationHasEverythingTheHoldNeeds() throws Exception {
        StatusInformation info = StatusInformation.of(blob("1680728165.675509000_pt_ecr.blob"));
        assertThat(info.resultCode()).isZero();
        assertThat(info.amount()).hasValue(2500);
        assertThat(info.currency()).hasValue(978);
        assertThat(info.receiptNo()).hasValue(231);
        assertThat(info.traceNo()).hasValue(975);
        assertThat(info.terminalId()).hasValue(52523535);
        assertThat(info.cardName()).hasValue("MasterCard");
        assertThat(info.aid()).hasValue("750071");
        assertThat(info.maskedPan()).hasValue("559883******8074");
        assertThat(info.fields().text(Bmp.VU_NUMBER)).hasValue("804011926");
    }

    @Test
    void aFullCardNumberFromTheTerminalIsMaskedOnTheWayIn() throws Exception {
        // this girocard capture carries the card number in full
        StatusInformation info = StatusInformation.of(blob("1682066249.409078000_pt_ecr.blob"));
        assertThat(info.maskedPan()).hasValue("471100*********8004");
        assertThat(info.receiptNo()).hasValue(249);
        assertThat(info.traceNo()).hasValue(1012);
        assertThat(info.cardName()).hasValue("girocard");
        assertThat(info.fields().toString()).doesNotContain("4711008005757038004").contains("<card data>");
    }

    @Test
    void otherCapturedStatusInformationsDecode() throws Exception {
        StatusInformation booked = StatusInformation.of(blob("1680728215.659492000_pt_ecr.blob"));
        assertThat(booked.amount()).hasValue(0);
        assertThat(booked.receiptNo()).hasValue(232);
        assertThat(booked.fields().text(Bmp.ADDITIONAL_TEXT).orElseThrow()).contains("DAUER   7 TAGE");
        StatusInformation endOfDay = StatusInformation.of(blob("1680761828.489701000_pt_ecr.blob"));
        assertThat(endOfDay.amount()).hasValue(958);
        assertThat(endOfDay.traceNo()).hasValue(982);
        assertThat(endOfDay.fields().has(Bmp.SINGLE_AMOUNTS)).isTrue();
        StatusInformation cardRead = StatusInformation.of(blob("status_information_read_card.blob"));
        assertThat(cardRead.fields().has(Bmp.TRACK2)).isTrue();
        assertThat(StatusInformation.of(blob("1680728161.963129000_pt_ecr.blob")).fields().tlv()).isNotEmpty();
    }

    @Test
    void intermediateStatusAndCompletionDecode() throws Exception {
        Apdu intermediate = blob("1680728162.647465000_pt_ecr.blob");
        assertThat(intermediate.command()).isEqualTo(Messages.INTERMEDIATE_STATUS);
        assertThat(intermediate.data()).containsExactly(0x17);
        Apdu completion = blob("1680761818.641601000_pt_ecr.blob");
        assertThat(completion.command()).isEqualTo(Messages.COMPLETION);
        Bmp.Fields f = Bmp.read(completion.data(), 0);
        assertThat(f.byteValue(Bmp.PAYMENT_TYPE, -1)).isEqualTo(0x10);
        assertThat(f.bcd(Bmp.TERMINAL_ID)).hasValue(52523535);
        assertThat(f.bcd(Bmp.CURRENCY)).hasValue(978);
        assertThat(blob("1680728165.827009000_pt_ecr.blob")).isEqualTo(Messages.completion());
    }

    @Test
    void aPrintedReceiptIsATlvContainerOfLines() throws Exception {
        Bmp.Fields f = Bmp.read(blob("1680728215.585561000_pt_ecr.blob").data(), 0);
        Tlv lines = Tlv.find(f.tlv(), 0x25).orElseThrow();
        assertThat(lines.children().stream().filter(t -> t.tag() == 0x07)).hasSize(33);
        assertThat(Tlv.find(f.tlv(), 0x1F07).orElseThrow().value()).containsExactly(2);
        assertThat(Tlv.encode(f.tlv())).isEqualTo(f.get(Bmp.TLV).orElseThrow());
    }

    @Test
    void openPreAuthorisationQueryAndItsAnswer() throws Exception {
        assertThat(HEX.formatHex(Messages.openPreAuthorisationQuery().encode())).isEqualTo("06230387ffff");
        // none open: byte for byte the captured Feig answer
        assertThat(Messages.openPreAuthorisations(List.of()).encode()).isEqualTo(bytes("partial_reversal.blob"));
        assertThat(Messages.openReceipts(blob("partial_reversal.blob"))).isEmpty();
        Apdu two = Messages.openPreAuthorisations(List.of(12, 4711 % 10000));
        assertThat(Messages.openReceipts(Apdu.decode(two.encode()))).containsExactly(12, 4711);
    }

    @Test
    void statusEnquiryAcknowledgementsAndAborts() throws Exception {
        assertThat(HEX.formatHex(Messages.statusEnquiry(123456).encode())).isEqualTo("050103123456");
        assertThat(HEX.formatHex(Messages.ack().encode())).isEqualTo("800000");
        assertThat(HEX.formatHex(Messages.nak(ResultCode.PLEASE_WAIT).encode())).isEqualTo("849c00");
        assertThat(HEX.formatHex(Messages.intermediateStatus(0x17).encode())).isEqualTo("04ff0117");
        Apdu declined = Apdu.decode(Messages.abort(ResultCode.DECLINED, new byte[0]).encode());
        assertThat(HEX.formatHex(declined.encode())).isEqualTo("061e0105");
        assertThat(ResultCode.describe(declined.data()[0])).isEqualTo("05 declined by the card issuer");
        assertThat(ResultCode.isTransient(ResultCode.PLEASE_WAIT)).isTrue();
        assertThat(ResultCode.isTransient(ResultCode.DECLINED)).isFalse();
        // the captured status-enquiry completion: software version (LLLVAR), terminal status, TLV
        Apdu completion = blob("1680728219.054216000_pt_ecr.blob");
        assertThat(completion.command()).isEqualTo(Messages.COMPLETION);
        assertThat(new String(completion.data(), 3, 40, StandardCharsets.US_ASCII)).isEqualTo("GER-APP-v2.0.9;cS02.01.01-10.10-2-2;CC26");
    }

    @Test
    void badFieldsAreRefusedWithTheReason() {
        assertThatThrownBy(() -> Bmp.read(new byte[] { 0x42, 0x00 }, 0)).hasMessageContaining("unknown BMP 42");
        assertThatThrownBy(() -> Bmp.read(new byte[] { 0x04, 0x00, 0x00 }, 0)).hasMessageContaining("BMP 04 says 6 bytes");
        assertThatThrownBy(() -> Bmp.read(new byte[] { 0x22, 0x31, 0x30 }, 0)).hasMessageContaining("not Fx");
        assertThatThrownBy(() -> Bmp.read(new byte[] { 0x06, 0x05, 0x1F }, 0)).hasMessageContaining("BMP 06 says 5 bytes");
        assertThatThrownBy(() -> StatusInformation.of(new Apdu(0x04, 0x0F, new byte[] { 0x04, 0, 0, 0, 0, 0x1A, 0 })))
                .hasMessageContaining("not BCD");
        assertThatThrownBy(() -> StatusInformation.of(Messages.completion())).hasMessageContaining("not a status information");
    }

    @Test
    void bcdAndCardNumbers() throws Exception {
        assertThat(HEX.formatHex(Bcd.encode(2500, 6))).isEqualTo("000000002500");
        assertThat(Bcd.decode(Bcd.encode(999_999_999_999L, 6))).isEqualTo(999_999_999_999L);
        assertThatThrownBy(() -> Bcd.encode(1000, 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(Bcd.digits(Bcd.digitsToBytes("559883******807"))).isEqualTo("559883******807");
        assertThat(Pan.mask("4711008005757038004")).isEqualTo("471100*********8004");
        assertThat(Pan.mask("371449635398431")).isEqualTo("***********8431");
    }
}
