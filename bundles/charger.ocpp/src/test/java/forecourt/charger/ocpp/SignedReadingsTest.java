package forecourt.charger.ocpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import forecourt.testsupport.Mosquitto;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.ledger.LedgerStore;
import forecourt.metering.OcmfSignatureVerifier;
import forecourt.sim.charger.SimulatedMeter;

/** A session's final reading is proven only by verified readings of the EVSE's own meter (the simulator's signing meter). */
class SignedReadingsTest {
    @TempDir
    Path dir;

    static final String TM = "2026-11-24T10:00:00,000+0000";

    static String event(String id, String type, int seqNo, String token, String ocmf) {
        String signed = ocmf == null ? "" : ",\"meterValue\":[{\"timestamp\":\"2026-11-24T10:00:00Z\",\"sampledValue\":[{\"value\":1,"
                + "\"signedMeterValue\":{\"signedMeterData\":\"" + Base64.getEncoder().encodeToString(ocmf.getBytes(StandardCharsets.UTF_8))
                + "\",\"signingMethod\":\"\",\"encodingMethod\":\"OCMF\",\"publicKey\":\"\"}}]}]";
        return "[2,\"" + id + "\",\"TransactionEvent\",{\"eventType\":\"" + type + "\",\"timestamp\":\"2026-11-24T10:00:00Z\","
                + "\"triggerReason\":\"Authorized\",\"seqNo\":" + seqNo + ",\"transactionInfo\":{\"transactionId\":\"tx-9\"}"
                + (token == null ? "" : ",\"idToken\":{\"idToken\":\"" + token + "\",\"type\":\"Central\"},\"evse\":{\"id\":1}") + signed + "}]";
    }

    @Test
    void verifiedBeginAndEndReadingsProveTheEnergyExactlyAndForgeriesProveNothing() throws Exception {
        SimulatedMeter meter = new SimulatedMeter("SIM-METER-1", "test-meter");
        SimulatedMeter other = new SimulatedMeter("SIM-METER-1", "another-meter's key");
        try (Mosquitto broker = new Mosquitto(dir); LedgerStore ledger = new LedgerStore(dir.resolve("l.mv.db"), Clock.systemUTC(), 64)) {
            for (String ref : List.of("AT0042-GOOD", "AT0042-FORGED")) {
                ledger.append(Fact.moving(FactType.HOLD_PLACED, NaturalKeys.hold(ref), ref, PaymentSessionState.AUTHORIZED, "{}"))
                        .toCompletableFuture().get();
            }
            OcppMqttDriver driver = new OcppMqttDriver(ledger, Clock.systemUTC(), OcppMqttDriverTest.siteWithMeterKey(meter.publicKeyHex(), "CH1", "CH2"),
                    new OcmfSignatureVerifier(), OcppMqttDriverTest.config(broker.url()));
            try (OcppMqttDriverTest.TestCharger ch1 = new OcppMqttDriverTest.TestCharger(broker.url(), "CH1");
                    OcppMqttDriverTest.TestCharger ch2 = new OcppMqttDriverTest.TestCharger(broker.url(), "CH2")) {
                for (int i = 0; i < 100 && !driver.isConnected(); i++) {
                    Thread.sleep(50);
                }
                Thread.sleep(200);
                meter.deliver(new BigDecimal("10000"));
                assertThat(ch1.call(event("s", "Started", 0, "AT0042-GOOD", meter.sign("B", TM)))).isEqualTo("[3,\"s\",{}]");
                meter.deliver(new BigDecimal("12345"));
                assertThat(ch1.call(event("e", "Ended", 1, null, meter.sign("E", TM)))).isEqualTo("[3,\"e\",{}]");
                List<JournalEntry> good = ledger.timeline("AT0042-GOOD");
                JournalEntry proof = good.stream().filter(e -> e.fact().type() == FactType.FINAL_READING_PROVEN).findFirst().orElseThrow();
                JsonNode body = new ObjectMapper().readTree(proof.fact().body());
                assertThat(body.get("deliveredWh").decimalValue()).isEqualByComparingTo(new BigDecimal("12345"));
                assertThat(good.stream().filter(e -> e.fact().type() == FactType.SIGNED_READING)).hasSize(2)
                        .allSatisfy(e -> assertThat(e.bodyText()).contains("\"verified\":true"));

                // the end reading signed by another meter's key: recorded as refused, proves nothing
                assertThat(ch2.call(event("s2", "Started", 0, "AT0042-FORGED", meter.sign("B", TM)).replace("tx-9", "tx-F")))
                        .isEqualTo("[3,\"s2\",{}]");
                other.deliver(new BigDecimal("99000"));
                assertThat(ch2.call(event("e2", "Ended", 1, null, other.sign("E", TM)).replace("tx-9", "tx-F")))
                        .isEqualTo("[3,\"e2\",{}]");
                List<JournalEntry> forged = ledger.timeline("AT0042-FORGED");
                assertThat(forged).noneMatch(e -> e.fact().type() == FactType.FINAL_READING_PROVEN);
                assertThat(forged).anySatisfy(e -> assertThat(e.bodyText()).contains("\"verified\":false").contains("does not verify"));
                assertThat(driver.count("reading.refused")).isEqualTo(1);
            } finally {
                driver.deactivate();
            }
        }
    }

    @Test
    void aMeterWhosePaginationOrRegisterGoesBackwardsIsRefusedAndFlagged() throws Exception {
        SimulatedMeter meter = new SimulatedMeter("SIM-METER-2", "test-meter-2");
        // the same key and serial, reset: its pages and register start again from zero
        SimulatedMeter reset = new SimulatedMeter("SIM-METER-2", "test-meter-2");
        try (Mosquitto broker = new Mosquitto(dir); LedgerStore ledger = new LedgerStore(dir.resolve("m.mv.db"), Clock.systemUTC(), 64)) {
            for (String ref : List.of("AT0042-ONE", "AT0042-TWO")) {
                ledger.append(Fact.moving(FactType.HOLD_PLACED, NaturalKeys.hold(ref), ref, PaymentSessionState.AUTHORIZED, "{}"))
                        .toCompletableFuture().get();
            }
            OcppMqttDriver driver = new OcppMqttDriver(ledger, Clock.systemUTC(), OcppMqttDriverTest.siteWithMeterKey(meter.publicKeyHex(), "CH1"),
                    new OcmfSignatureVerifier(), OcppMqttDriverTest.config(broker.url()));
            try (OcppMqttDriverTest.TestCharger ch1 = new OcppMqttDriverTest.TestCharger(broker.url(), "CH1")) {
                for (int i = 0; i < 100 && !driver.isConnected(); i++) {
                    Thread.sleep(50);
                }
                Thread.sleep(200);
                meter.deliver(new BigDecimal("5000"));
                ch1.call(event("a", "Started", 0, "AT0042-ONE", meter.sign("B", TM)));
                meter.deliver(new BigDecimal("3000"));
                ch1.call(event("b", "Ended", 1, null, meter.sign("E", TM)));
                assertThat(ledger.timeline("AT0042-ONE")).anyMatch(e -> e.fact().type() == FactType.FINAL_READING_PROVEN);
                // the next session on the same meter, but the readings come from before: refused, nothing proven
                reset.deliver(new BigDecimal("100"));
                ch1.call(event("c", "Started", 0, "AT0042-TWO", reset.sign("B", TM)).replace("tx-9", "tx-10"));
                reset.deliver(new BigDecimal("200"));
                ch1.call(event("d", "Ended", 1, null, reset.sign("E", TM)).replace("tx-9", "tx-10"));
                List<JournalEntry> two = ledger.timeline("AT0042-TWO");
                assertThat(two).noneMatch(e -> e.fact().type() == FactType.FINAL_READING_PROVEN);
                assertThat(two).filteredOn(e -> e.fact().type() == FactType.SIGNED_READING)
                        .allSatisfy(e -> assertThat(e.bodyText()).contains("\"verified\":false").contains("went backwards"));
                assertThat(driver.count("reading.refused")).isEqualTo(2);
                // and the meter's last good reading is still the first session's end
                assertThat(ledger.lastVerifiedReading("SIM-METER-2").orElseThrow().fact().session()).isEqualTo("AT0042-ONE");
            } finally {
                driver.deactivate();
            }
        }
    }
}
