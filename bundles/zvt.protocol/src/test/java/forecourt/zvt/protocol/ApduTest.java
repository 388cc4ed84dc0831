package forecourt.zvt.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

/** APDU framing, checked against real captures between an ECR and a Feig terminal (EVerest/zvt test data). */
class ApduTest {
    static Path testdata() {
        return Path.of(System.getProperty("forecourt.testdata", "../../../shared/testdata")).resolve("zvt");
    }

    @Test
    void everyCapturedApduDecodesAndEncodesToTheSameBytes() throws Exception {
        List<Path> blobs;
        try (var files = Files.list(testdata())) {
            blobs = files.filter(p -> p.toString().endsWith(".blob")).sorted().toList();
        }
        assertThat(blobs).hasSizeGreaterThanOrEqualTo(20);
        for (Path blob : blobs) {
            byte[] bytes = Files.readAllBytes(blob);
            Apdu apdu = Apdu.decode(bytes);
            assertThat(apdu.encode()).as(blob.getFileName().toString()).isEqualTo(bytes);
        }
    }

    @Test
    void theOpenPreAuthorisationAnswerIsAnAbortCarryingTheReceiptNumber() throws Exception {
        // partial_reversal.blob: 06 1E 04 B8 87 FF FF — abort, result code B8, BMP 87 (receipt number) FFFF
        Apdu abort = Apdu.decode(Files.readAllBytes(testdata().resolve("partial_reversal.blob")));
        assertThat(abort.command()).isEqualTo(0x061E);
        assertThat(HexFormat.of().formatHex(abort.data())).isEqualTo("b887ffff");
    }

    @Test
    void longDataUsesTheThreeByteLength() throws Exception {
        byte[] data = new byte[300];
        Apdu big = new Apdu(0x06, 0xD3, data);
        byte[] encoded = big.encode();
        assertThat(HexFormat.of().formatHex(encoded, 0, 5)).isEqualTo("06d3ff2c01");
        assertThat(Apdu.decode(encoded)).isEqualTo(big);
        assertThat(HexFormat.of().formatHex(new Apdu(0x80, 0x00, new byte[0]).encode())).isEqualTo("800000");
    }

    @Test
    void malformedFramesAreRefusedWithAReason() {
        assertThatThrownBy(() -> Apdu.decode(new byte[] { 0x06 })).hasMessageContaining("shorter");
        assertThatThrownBy(() -> Apdu.decode(new byte[] { 0x06, 0x0F, 0x05, 0x01 })).hasMessageContaining("says 5 data bytes, has 1");
        assertThatThrownBy(() -> Apdu.decode(new byte[] { 0x06, 0x0F, (byte) 0xFF, 0x01 })).hasMessageContaining("extended length");
    }
}
