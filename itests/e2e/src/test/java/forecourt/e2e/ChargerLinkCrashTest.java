package forecourt.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.ledger.LedgerStore;
import forecourt.testsupport.Mosquitto;

/**
 * Chargers stream TransactionEvents through a real broker (Mosquitto) to the exported
 * gateway, which is killed with SIGKILL mid-stream and restarted. Afterwards the ledger
 * holds every event exactly once, in seqNo order per charger, and every CALL got its answer.
 */
class ChargerLinkCrashTest {
    @TempDir
    Path work;

    static final int EVENTS = 300;

    @Test
    void everyTransactionEventIsRecordedOnceAcrossAGatewayKill() throws Exception {
        try (Mosquitto broker = new Mosquitto(work)) {
            String url = broker.url();
            Path data = work.resolve("data");
            String brokerProperty = "-Dforecourt.broker.url=" + url;
            GatewayProcess gw = GatewayProcess.start("forecourt.jar", data, GatewayProcess.repoConfigs(), brokerProperty,
                    "-Dforecourt.broker.embedded=false", "-Dorg.osgi.service.http.port=" + Ports.free());
            gw.awaitLine("OCPP over MQTT: connected", Duration.ofSeconds(30));

            Set<String> answered = ConcurrentHashMap.newKeySet();
            List<MqttClient> chargers = new ArrayList<>();
            List<Thread> streams = new ArrayList<>();
            for (String id : List.of("CH1", "CH2")) {
                MqttClient c = new MqttClient(url, id, new MemoryPersistence());
                MqttConnectOptions o = new MqttConnectOptions();
                o.setMaxInflight(1000);
                c.connect(o);
                c.subscribe("chargers/" + id + "/down", 1, (t, m) -> {
                    String answer = new String(m.getPayload(), StandardCharsets.UTF_8);
                    if (answer.startsWith("[3,\"")) {
                        answered.add(answer.substring(4, answer.indexOf('"', 4)));
                    }
                });
                chargers.add(c);
                Thread stream = new Thread(() -> {
                    try {
                        for (int seq = 0; seq < EVENTS; seq++) {
                            String frame = "[2,\"" + id + "-" + seq + "\",\"TransactionEvent\",{\"eventType\":\"" + (seq == 0 ? "Started" : "Updated")
                                    + "\",\"timestamp\":\"2026-11-24T10:00:00Z\",\"triggerReason\":\"MeterValuePeriodic\",\"seqNo\":" + seq
                                    + ",\"transactionInfo\":{\"transactionId\":\"tx-" + id + "\"}}]";
                            c.publish("chargers/" + id + "/up", frame.getBytes(StandardCharsets.UTF_8), 1, false);
                            Thread.sleep(8);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                stream.start();
                streams.add(stream);
            }
            Thread.sleep(900);
            gw.kill(); // power loss, mid-stream: the broker keeps queuing for the gateway's session
            Thread.sleep(700);
            GatewayProcess again = GatewayProcess.start("forecourt.jar", data, GatewayProcess.repoConfigs(), brokerProperty,
                    "-Dforecourt.broker.embedded=false", "-Dorg.osgi.service.http.port=" + Ports.free());
            try {
                again.awaitLine("OCPP over MQTT: connected", Duration.ofSeconds(30));
                for (Thread s : streams) {
                    s.join();
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (answered.size() < 2 * EVENTS && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
                assertThat(answered).as("every CALL answered at least once").hasSize(2 * EVENTS);
                again.terminate(Duration.ofSeconds(30));
            } finally {
                again.close();
                for (MqttClient c : chargers) {
                    c.disconnect();
                    c.close();
                }
            }
        }

        try (LedgerStore ledger = new LedgerStore(work.resolve("data").resolve("ledger").resolve("ledger.mv.db"), Clock.systemUTC(), 64)) {
            assertThat(ledger.verify().intact()).isTrue();
            Map<String, List<Integer>> seqNos = new HashMap<>();
            for (JournalEntry e : ledger.read(1, Integer.MAX_VALUE)) {
                if (e.fact().type() == FactType.TRANSACTION_EVENT) {
                    String[] key = e.fact().naturalKey().split(":"); // tx:<charger>:<transactionId>:<seqNo>
                    seqNos.computeIfAbsent(key[1], k -> new ArrayList<>()).add(Integer.parseInt(key[3]));
                }
            }
            for (String charger : List.of("CH1", "CH2")) {
                List<Integer> recorded = seqNos.get(charger);
                assertThat(recorded).as(charger + ": every event, once, in seqNo order").hasSize(EVENTS).isSorted();
                assertThat(recorded.get(0)).isZero();
                assertThat(recorded.get(EVENTS - 1)).isEqualTo(EVENTS - 1);
            }
        }
    }
}
