package forecourt.metering;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.metering.RefusedReading;
import forecourt.api.metering.VerifiedRecord;

/**
 * Checked against the world, not against ourselves: signed OCMF records from real meters
 * and their public keys, from SAFE e.V.'s transparency software and pyocmf
 * (../shared/testdata/ocmf/public-samples.json, see the README there).
 */
class OcmfSignatureVerifierTest {
    private final OcmfSignatureVerifier verifier = new OcmfSignatureVerifier();

    record Sample(String path, String record, String publicKey, boolean expected, String note) {
    }

    static List<Sample> samples() throws IOException {
        Path file = Paths.get(System.getProperty("forecourt.shared", "../../../shared"), "testdata", "ocmf", "public-samples.json");
        if (!Files.exists(file)) {
            file = Paths.get("../../../shared/testdata/ocmf/public-samples.json");
        }
        List<Sample> out = new ArrayList<>();
        for (JsonNode s : new ObjectMapper().readTree(file.toFile())) {
            out.add(new Sample(s.get("path").asText(), s.get("record").asText(), s.get("public_key").asText(), s.get("expected").asBoolean(),
                    s.get("note").asText()));
        }
        return out;
    }

    @Test
    void everyGenuinePublicSampleVerifiesAndEveryBadOneIsRefused() throws Exception {
        List<Sample> samples = samples();
        assertThat(samples).hasSizeGreaterThan(100);
        int genuine = 0;
        int refused = 0;
        for (Sample s : samples) {
            byte[] record = s.record().getBytes(StandardCharsets.UTF_8);
            if (s.expected()) {
                VerifiedRecord v = verifier.verify(record, s.publicKey());
                assertThat(v.readings()).as(s.path()).isNotEmpty();
                genuine++;
            } else {
                assertThatThrownBy(() -> verifier.verify(record, s.publicKey())).as(s.path() + ": " + s.note())
                        .isInstanceOf(RefusedReading.class);
                refused++;
            }
        }
        assertThat(genuine).isGreaterThan(140);
        assertThat(refused).isEqualTo(3);
    }

    @Test
    void anySingleByteChangeToAGenuineRecordIsRefused() throws Exception {
        Random random = new Random(1234);
        List<Sample> genuine = samples().stream().filter(Sample::expected).toList();
        int checked = 0;
        for (int n = 0; n < 3000; n++) {
            Sample s = genuine.get(random.nextInt(genuine.size()));
            byte[] record = s.record().getBytes(StandardCharsets.UTF_8);
            int at = 5 + random.nextInt(record.length - 5); // anywhere in payload or signature
            byte original = record[at];
            byte changed = (byte) (original ^ (1 + random.nextInt(255)));
            // an upper/lower-case change of a hex digit in SD spells the same bytes: not a change
            if (Character.isLetterOrDigit(original) && Character.toLowerCase((char) original) == Character.toLowerCase((char) changed)) {
                continue;
            }
            record[at] = changed;
            assertThatThrownBy(() -> verifier.verify(record, s.publicKey())).as("%s byte %d", s.path(), at)
                    .isInstanceOf(RefusedReading.class);
            checked++;
        }
        assertThat(checked).isGreaterThan(2500);
    }

    @Test
    void readingsAreParsedExactly() throws Exception {
        Sample keba = samples().stream().filter(s -> s.path().endsWith("test_ocmf_keba_kcp30.xml")).findFirst().orElseThrow();
        VerifiedRecord v = verifier.verify(keba.record().getBytes(StandardCharsets.UTF_8), keba.publicKey());
        assertThat(v.readings()).hasSize(2);
        assertThat(v.readings().get(0).transaction()).isEqualTo("B");
        assertThat(v.readings().get(1).transaction()).isEqualTo("E");
        assertThat(v.readings().get(1).value()).isEqualByComparingTo(new BigDecimal("0.2597"));
        assertThat(v.readings().get(1).energyWh()).isEqualByComparingTo(new BigDecimal("259.7"));
        assertThat(v.readings().get(1).obis()).isEqualTo("1-b:1.8.0");
        assertThat(v.pagination()).isEqualTo("T32");
        assertThat(v.meterSerial()).isEqualTo("17619300");
        assertThat(v.identification()).as("real meters often leave ID empty").isEmpty();
    }

    @Test
    void aRecordSignedByAnotherMetersKeyIsRefused() throws Exception {
        List<Sample> genuine = samples().stream().filter(Sample::expected).toList();
        Sample a = genuine.stream().filter(s -> s.path().endsWith("test_ocmf_keba_kcp30.xml")).findFirst().orElseThrow();
        Sample b = genuine.stream().filter(s -> s.path().endsWith("ocmf_tariff_1.xml")).findFirst().orElseThrow();
        assertThat(a.publicKey()).isNotEqualTo(b.publicKey());
        assertThatThrownBy(() -> verifier.verify(a.record().getBytes(StandardCharsets.UTF_8), b.publicKey()))
                .isInstanceOf(RefusedReading.class).hasMessageContaining("does not verify");
        assertThatThrownBy(() -> verifier.verify("OCMF|{}".getBytes(StandardCharsets.UTF_8), a.publicKey())).isInstanceOf(RefusedReading.class);
        assertThatThrownBy(() -> verifier.verify("hello".getBytes(StandardCharsets.UTF_8), a.publicKey())).isInstanceOf(RefusedReading.class);
        assertThatThrownBy(() -> verifier.verify(a.record().getBytes(StandardCharsets.UTF_8), "")).hasMessageContaining("no meter public key");
    }
}
