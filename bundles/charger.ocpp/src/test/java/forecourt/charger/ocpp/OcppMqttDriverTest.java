package forecourt.charger.ocpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;

import forecourt.testsupport.Mosquitto;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.id.ChargerId;
import forecourt.api.id.EvseId;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.api.site.Charger;
import forecourt.api.site.Evse;
import forecourt.api.site.Site;
import forecourt.api.site.SiteModel;
import forecourt.api.site.Tariff;
import forecourt.api.site.Terminal;
import forecourt.ledger.LedgerStore;

/** The driver against a real Mosquitto over loopback, a test charger speaking OCPP-J on MQTT. */
class OcppMqttDriverTest {
    @TempDir
    Path dir;

    static SiteModel siteWith(String... chargers) {
        return siteWithMeterKey("", chargers);
    }

    static SiteModel siteWithMeterKey(String meterKey, String... chargers) {
        return new SiteModel() {
            public Site site() { return null; }
            public List<Charger> chargers() { return List.of(); }
            public Optional<Charger> charger(ChargerId id) {
                return List.of(chargers).contains(id.value()) ? Optional.of(new Charger(id, id.value(), "")) : Optional.empty();
            }
            public List<Evse> evses() { return List.of(); }
            public Optional<Evse> evse(EvseId id) {
                return List.of(chargers).contains(id.charger().value()) ? Optional.of(new Evse(id, "HPC", meterKey, "")) : Optional.empty();
            }
            public List<Tariff> tariffs() { return List.of(); }
            public Optional<Tariff> tariff(String id) { return Optional.empty(); }
            public List<Terminal> terminals() { return List.of(); }
            public Optional<Terminal> terminal(String id) { return Optional.empty(); }
            public List<String> problems() { return List.of(); }
        };
    }

    static OcppMqttDriver.Config config(String url) {
        return new OcppMqttDriver.Config() {
            public Class<? extends Annotation> annotationType() { return OcppMqttDriver.Config.class; }
            public String brokerUrl() { return url; }
            public String clientId() { return "forecourt-gateway-test"; }
            public String username() { return ""; }
            public String password() { return ""; }
            public String topicPrefix() { return "chargers"; }
            public int heartbeatInterval() { return 60; }
        };
    }

    /** A charger on the other side of the broker. */
    static final class TestCharger implements AutoCloseable {
        final MqttClient client;
        final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
        final String id;

        TestCharger(String url, String id) throws Exception {
            this.id = id;
            client = new MqttClient(url, id, new MemoryPersistence());
            client.connect(new MqttConnectOptions());
            client.subscribe("chargers/" + id + "/down", 1, (t, m) -> answers.add(new String(m.getPayload(), StandardCharsets.UTF_8)));
        }

        String call(String frame) throws Exception {
            client.publish("chargers/" + id + "/up", frame.getBytes(StandardCharsets.UTF_8), 1, false);
            String answer = answers.poll(10, TimeUnit.SECONDS);
            assertThat(answer).as("answer to " + frame).isNotNull();
            return answer;
        }

        @Override
        public void close() throws Exception {
            client.disconnect();
            client.close();
        }
    }

    private static final String STARTED = "[2,\"%s\",\"TransactionEvent\",{\"eventType\":\"Started\",\"timestamp\":\"2026-11-24T10:00:00Z\","
            + "\"triggerReason\":\"Authorized\",\"seqNo\":0,\"transactionInfo\":{\"transactionId\":\"tx-1\"},"
            + "\"idToken\":{\"idToken\":\"AT0042-HOLD1\",\"type\":\"Central\"},\"evse\":{\"id\":1,\"connectorId\":1}}]";

    @Test
    void theGatewayStartsAndStopsTransactionsOnChargersAndHearsTheirAnswers() throws Exception {
        try (Mosquitto broker = new Mosquitto(dir); LedgerStore ledger = new LedgerStore(dir.resolve("c.mv.db"), Clock.systemUTC(), 16)) {
            OcppMqttDriver driver = new OcppMqttDriver(ledger, Clock.systemUTC(), siteWith("CH1"), new forecourt.metering.OcmfSignatureVerifier(),
                    config(broker.url()));
            try (TestCharger ch1 = new TestCharger(broker.url(), "CH1")) {
                for (int i = 0; i < 100 && !driver.isConnected(); i++) {
                    Thread.sleep(50);
                }
                Thread.sleep(200);
                var started = driver.requestStart(EvseId.parse("CH1/1"), "AT0042-HOLD7").toCompletableFuture();
                String call = ch1.answers.poll(10, TimeUnit.SECONDS);
                assertThat(call).startsWith("[2,").contains("\"RequestStartTransaction\"", "\"idToken\":\"AT0042-HOLD7\"", "\"type\":\"Central\"",
                        "\"evseId\":1");
                String id = call.substring(4, call.indexOf('"', 4));
                ch1.client.publish("chargers/CH1/up", ("[3,\"" + id + "\",{\"status\":\"Accepted\"}]").getBytes(StandardCharsets.UTF_8), 1, false);
                assertThat(started.get(10, TimeUnit.SECONDS)).isTrue();

                var stopped = driver.requestStop(new ChargerId("CH1"), "tx-77").toCompletableFuture();
                String stop = ch1.answers.poll(10, TimeUnit.SECONDS);
                assertThat(stop).contains("\"RequestStopTransaction\"", "\"transactionId\":\"tx-77\"");
                String stopId = stop.substring(4, stop.indexOf('"', 4));
                ch1.client.publish("chargers/CH1/up", ("[3,\"" + stopId + "\",{\"status\":\"Rejected\"}]").getBytes(StandardCharsets.UTF_8), 1, false);
                assertThat(stopped.get(10, TimeUnit.SECONDS)).isFalse();
                // an answer to no pending CALL is logged and counted, nothing else
                ch1.client.publish("chargers/CH1/up", "[3,\"gw-nosuch\",{\"status\":\"Accepted\"}]".getBytes(StandardCharsets.UTF_8), 1, false);
                for (int i = 0; i < 50 && driver.count("answer.unexpected") == 0; i++) {
                    Thread.sleep(50);
                }
                assertThat(driver.count("answer.unexpected")).isEqualTo(1);
            } finally {
                driver.deactivate();
            }
        }
    }

    @Test
    void chargerFactsReachTheLedgerOnceAndEveryCallIsAnswered() throws Exception {
        try (Mosquitto broker = new Mosquitto(dir); LedgerStore ledger = new LedgerStore(dir.resolve("l.mv.db"), Clock.systemUTC(), 64)) {
            ledger.append(Fact.moving(FactType.HOLD_PLACED, NaturalKeys.hold("AT0042-HOLD1"), "AT0042-HOLD1", PaymentSessionState.AUTHORIZED,
                    "{\"amount\":5000}")).toCompletableFuture().get();
            OcppMqttDriver driver = new OcppMqttDriver(ledger, Clock.systemUTC(), siteWith("CH1"), new forecourt.metering.OcmfSignatureVerifier(),
                    config(broker.url()));
            try (TestCharger ch1 = new TestCharger(broker.url(), "CH1"); TestCharger rogue = new TestCharger(broker.url(), "CH9")) {
                for (int i = 0; i < 100 && !driver.isConnected(); i++) {
                    Thread.sleep(50);
                }
                Thread.sleep(200); // subscription in place
                assertThat(ch1.call("[2,\"b1\",\"BootNotification\",{\"reason\":\"PowerUp\",\"chargingStation\":{\"model\":\"M\",\"vendorName\":\"V\"}}]"))
                        .startsWith("[3,\"b1\",{").contains("\"status\":\"Accepted\"").contains("\"interval\":60");
                assertThat(ch1.call("[2,\"h1\",\"Heartbeat\",{}]")).startsWith("[3,\"h1\",{\"currentTime\":");

                long before = ledger.head();
                assertThat(ch1.call(String.format(STARTED, "t1"))).isEqualTo("[3,\"t1\",{}]");
                // the charger retries the same event with a new message id, as real ones do
                assertThat(ch1.call(String.format(STARTED, "t1-retry"))).isEqualTo("[3,\"t1-retry\",{}]");
                assertThat(ledger.head()).as("link + event, once").isEqualTo(before + 2);
                // the same (charger, transaction, seqNo) with another body is refused; the first stands
                assertThat(ch1.call(String.format(STARTED, "t1-forged").replace("2026-11-24T10:00:00Z", "2026-11-24T11:00:00Z")))
                        .startsWith("[4,\"t1-forged\",\"PropertyConstraintViolation\"");
                // later events carry no token: they find the hold through the link
                assertThat(ch1.call("[2,\"u1\",\"TransactionEvent\",{\"eventType\":\"Updated\",\"timestamp\":\"2026-11-24T10:05:00Z\","
                        + "\"triggerReason\":\"MeterValuePeriodic\",\"seqNo\":1,\"offline\":true,\"transactionInfo\":{\"transactionId\":\"tx-1\"}}]"))
                        .isEqualTo("[3,\"u1\",{}]");
                List<JournalEntry> timeline = ledger.timeline("AT0042-HOLD1");
                assertThat(timeline).extracting(e -> e.fact().naturalKey()).containsExactly(NaturalKeys.hold("AT0042-HOLD1"),
                        NaturalKeys.transactionLink("CH1", "tx-1"), NaturalKeys.transactionEvent("CH1", "tx-1", 0),
                        NaturalKeys.transactionEvent("CH1", "tx-1", 1));
                assertThat(driver.count("transaction.offline")).isEqualTo(1);

                // bad input: a clear error, a counter, nothing recorded, and the driver keeps going
                long head = ledger.head();
                assertThat(ch1.call("[2,\"x1\",\"StatusNotification\",{\"timestamp\":\"now\",\"connectorStatus\":\"Occupied\",\"evseId\":1,\"connectorId\":1}]"))
                        .startsWith("[4,\"x1\",\"PropertyConstraintViolation\"");
                assertThat(ch1.call("[2,\"x2\",\"FirmwareStatusNotification\",{}]")).startsWith("[4,\"x2\",\"NotImplemented\"");
                assertThat(ch1.call("[7,\"x3\",\"Heartbeat\",{}]")).startsWith("[4,\"x3\",\"MessageTypeNotSupported\"");
                assertThat(rogue.call("[2,\"r1\",\"Heartbeat\",{}]")).startsWith("[4,\"r1\",\"SecurityError\"");
                assertThat(ledger.head()).isEqualTo(head);
                assertThat(driver.count("refused.PropertyConstraintViolation")).isEqualTo(1);
                assertThat(driver.count("refused.SecurityError")).isEqualTo(1);
                assertThat(ch1.call("[2,\"h2\",\"Heartbeat\",{}]")).startsWith("[3,\"h2\"");
            } finally {
                driver.deactivate();
            }
        }
    }
}
