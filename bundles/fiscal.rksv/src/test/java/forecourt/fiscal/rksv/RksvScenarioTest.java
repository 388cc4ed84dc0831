package forecourt.fiscal.rksv;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.ledger.LedgerStore;

/**
 * The eight official RKSV test scenarios (shared/testdata/rksv, the A-SIT test suite's
 * format) run through the cash box with three signature devices, the DEP exported, and the
 * export checked by {@link DepVerifier}, written from the regulation's rules.
 */
class RksvScenarioTest {
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    @TempDir
    Path dir;

    /** A software device whose failure the scenario switches per receipt. */
    static final class ScenarioDevice implements SignatureDevice {
        final SoftwareSignatureDevice key;
        boolean damaged;

        ScenarioDevice(String id) {
            key = SoftwareSignatureDevice.generate(id);
        }

        @Override
        public String zda() {
            return key.zda();
        }

        @Override
        public String serial() {
            return key.serial();
        }

        @Override
        public byte[] certificateOrPublicKey() {
            return key.certificateOrPublicKey();
        }

        @Override
        public boolean hasCertificate() {
            return false;
        }

        @Override
        public byte[] sign(String input) throws DeviceUnavailableException {
            if (damaged) {
                throw new DeviceUnavailableException("scenario: device damaged");
            }
            return key.sign(input);
        }
    }

    static Path scenario(int n) {
        return Path.of(System.getProperty("forecourt.testdata", "../../../shared/testdata")).resolve("rksv")
                .resolve("TESTSUITE_TEST_SZENARIO_" + n + ".json");
    }

    static long cents(JsonNode amount) {
        return new BigDecimal(amount.asText()).movePointRight(2).longValueExact();
    }

    record Run(CashBox box, JsonNode suite, List<String> expectedIds, long expectedTurnover) {
    }

    Run run(int n, LedgerStore ledger) throws Exception {
        JsonNode suite = JSON.readTree(scenario(n).toFile());
        String cashBoxId = suite.get("cashBoxId").asText();
        List<ScenarioDevice> devices = new ArrayList<>();
        for (int i = 0; i < suite.get("numberOfSignatureDevices").asInt(); i++) {
            devices.add(new ScenarioDevice(suite.get("companyID").asText() + "-K" + i));
        }
        CashBox box = new CashBox(cashBoxId, Base64.getDecoder().decode(suite.get("base64AesKey").asText()), List.copyOf(devices), ledger,
                Clock.systemUTC(), Duration.ofHours(48));
        List<String> ids = new ArrayList<>();
        long turnover = 0;
        for (JsonNode step : suite.get("cashBoxInstructionList")) {
            JsonNode a = step.get("simplifiedReceipt");
            long[] amounts = { cents(a.get("taxSetNormal")), cents(a.get("taxSetErmaessigt1")), cents(a.get("taxSetErmaessigt2")),
                    cents(a.get("taxSetNull")), cents(a.get("taxSetBesonders")) };
            ReceiptType type = ReceiptType.valueOf(step.get("typeOfReceipt").asText());
            int device = step.get("usedSignatureDevice").asInt();
            devices.get(device).damaged = step.get("signatureDeviceDamaged").asBoolean();
            box.issue(type, step.get("receiptIdentifier").asText(), LocalDateTime.parse(step.get("dateToUse").asText()), amounts, device);
            devices.get(device).damaged = false;
            ids.add(step.get("receiptIdentifier").asText());
            if (type == ReceiptType.STANDARD_BELEG || type == ReceiptType.STORNO_BELEG) {
                for (long x : amounts) {
                    turnover += x;
                }
            }
        }
        return new Run(box, suite, ids, turnover);
    }

    @ParameterizedTest(name = "scenario {0}")
    @ValueSource(ints = { 1, 2, 3, 4, 5, 6, 7, 8 })
    void theOfficialScenarioProducesAValidDepExport(int n) throws Exception {
        try (LedgerStore ledger = new LedgerStore(dir.resolve("ledger-" + n + ".mv.db"), Clock.systemUTC(), 64)) {
            Run run = run(n, ledger);
            ObjectNode dep = run.box().depExport();
            ObjectNode material = run.box().cryptographicMaterial();
            Files.writeString(dir.resolve("dep-export.json"), dep.toString());
            Files.writeString(dir.resolve("cryptographicMaterialContainer.json"), material.toString());
            DepVerifier.Checked checked = DepVerifier.verify(run.box().cashBoxId(), JSON.readTree(dir.resolve("dep-export.json").toFile()),
                    JSON.readTree(dir.resolve("cryptographicMaterialContainer.json").toFile()));
            assertThat(checked.problems()).as("scenario " + n).isEmpty();
            // every scenario receipt, in order; the collective zero receipts after failures in between
            assertThat(checked.receiptIds().stream().filter(id -> !id.contains("-Z")).toList()).isEqualTo(run.expectedIds());
            assertThat(checked.turnover()).isEqualTo(run.expectedTurnover()).isEqualTo(run.box().turnoverCents());
            assertThat(checked.failed()).as("receipts issued with a failed device").isPositive();
        }
    }

    @Test
    void aTamperedOrMissingReceiptFailsTheCheck() throws Exception {
        try (LedgerStore ledger = new LedgerStore(dir.resolve("ledger.mv.db"), Clock.systemUTC(), 64)) {
            Run run = run(1, ledger);
            JsonNode material = run.box().cryptographicMaterial();
            // an amount changed in one signed receipt
            ObjectNode dep = run.box().depExport();
            ArrayNode receipts = findSignedStandard(dep);
            int i = 0;
            while (!isSignedStandard(receipts.get(i).asText())) {
                i++;
            }
            String[] parts = receipts.get(i).asText().split("\\.");
            String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
            String[] f = payload.split("_");
            f[5] = "0,01";
            String forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(String.join("_", f).getBytes(StandardCharsets.UTF_8))
                    + "." + parts[2];
            receipts.set(i, JSON.getNodeFactory().textNode(forged));
            assertThat(DepVerifier.verify(run.box().cashBoxId(), dep, material).problems()).anyMatch(p -> p.contains("signature does not verify"));
            // a receipt removed
            ObjectNode dep2 = run.box().depExport();
            ArrayNode longest = null;
            for (JsonNode g : dep2.get("Belege-Gruppe")) {
                if (longest == null || g.get("Belege-kompakt").size() > longest.size()) {
                    longest = (ArrayNode) g.get("Belege-kompakt");
                }
            }
            assertThat(longest.size()).isGreaterThan(2);
            longest.remove(1);
            assertThat(DepVerifier.verify(run.box().cashBoxId(), dep2, material).problems()).anyMatch(p -> p.contains("chain value"));
        }
    }

    private static boolean isSignedStandard(String jws) {
        String[] parts = jws.split("\\.");
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        return !"Sicherheitseinrichtung ausgefallen".equals(new String(Base64.getUrlDecoder().decode(parts[2]), StandardCharsets.UTF_8))
                && !payload.split("_")[5].equals("0,00");
    }

    private static ArrayNode findSignedStandard(ObjectNode dep) {
        for (JsonNode g : dep.get("Belege-Gruppe")) {
            for (JsonNode r : g.get("Belege-kompakt")) {
                if (isSignedStandard(r.asText())) {
                    return (ArrayNode) g.get("Belege-kompakt");
                }
            }
        }
        throw new AssertionError("no signed standard receipt");
    }

    @Test
    void theCashBoxContinuesFromItsJournalAfterARestart() throws Exception {
        Path file = dir.resolve("restart.mv.db");
        SoftwareSignatureDevice key = SoftwareSignatureDevice.generate("U:ATU12345678-K1");
        byte[] aes = new byte[32];
        long[] sale = { 1200, 0, 0, 0, 0 };
        String firstJws;
        try (LedgerStore ledger = new LedgerStore(file, Clock.systemUTC(), 64)) {
            CashBox box = new CashBox("KASSE-1", aes, List.of(key), ledger, Clock.systemUTC(), Duration.ofHours(48));
            box.issue(ReceiptType.START_BELEG, "1", LocalDateTime.parse("2026-11-24T10:00:00"), new long[5], 0);
            firstJws = box.issue(ReceiptType.STANDARD_BELEG, "2", LocalDateTime.parse("2026-11-24T10:05:00"), sale, 0).jws();
        }
        try (LedgerStore ledger = new LedgerStore(file, Clock.systemUTC(), 64)) {
            CashBox box = new CashBox("KASSE-1", aes, List.of(key), ledger, Clock.systemUTC(), Duration.ofHours(48));
            assertThat(box.receipts()).isEqualTo(2);
            assertThat(box.turnoverCents()).isEqualTo(1200);
            assertThat(box.issue(ReceiptType.STANDARD_BELEG, "2", LocalDateTime.parse("2026-11-24T10:05:00"), sale, 0).jws())
                    .as("the same receipt number again: the receipt already issued").isEqualTo(firstJws);
            CashBox.Receipt third = box.issue(ReceiptType.STANDARD_BELEG, "3", LocalDateTime.parse("2026-11-24T10:09:00"), sale, 0);
            assertThat(third.turnoverCents()).isEqualTo(2400);
            assertThat(DepVerifier.verify("KASSE-1", box.depExport(), box.cryptographicMaterial()).problems()).isEmpty();
        }
    }
}
