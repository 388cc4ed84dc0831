package forecourt.sim.charger;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.metering.VerifiedRecord;
import forecourt.metering.OcmfSignatureVerifier;
import forecourt.testsupport.Mosquitto;

class SimulatedChargerTest {
    @TempDir
    Path dir;

    @Test
    void aMeterKeyFromASeedIsStableAndItsSignaturesVerify() throws Exception {
        SimulatedMeter meter = new SimulatedMeter("SIM-1", "demo-CH1-1");
        assertThat(new SimulatedMeter("SIM-1", "demo-CH1-1").publicKeyHex()).isEqualTo(meter.publicKeyHex());
        assertThat(new SimulatedMeter("SIM-1", "demo-CH1-2").publicKeyHex()).isNotEqualTo(meter.publicKeyHex());
        meter.deliver(new BigDecimal("1234.5"));
        String begin = meter.sign("B", "2026-11-24T10:00:00,000+0000");
        meter.deliver(new BigDecimal("20000"));
        String end = meter.sign("E", "2026-11-24T10:30:00,000+0000");
        OcmfSignatureVerifier verifier = new OcmfSignatureVerifier();
        VerifiedRecord b = verifier.verify(begin.getBytes(StandardCharsets.UTF_8), meter.publicKeyHex());
        VerifiedRecord e = verifier.verify(end.getBytes(StandardCharsets.UTF_8), meter.publicKeyHex());
        assertThat(b.readings().get(0).energyWh()).isEqualByComparingTo("1234.5");
        assertThat(e.readings().get(0).energyWh()).isEqualByComparingTo("21234.5");
        assertThat(e.pagination()).isEqualTo("T2");
    }

    @Test
    void eventsQueuedWhileTheLinkIsDownGoOutInOrderFlaggedOffline() throws Exception {
        try (Mosquitto broker = new Mosquitto(dir)) {
            List<JsonNode> seen = new CopyOnWriteArrayList<>();
            MqttClient gateway = new MqttClient(broker.url(), "gw", new MemoryPersistence());
            gateway.connect(new MqttConnectOptions());
            ObjectMapper json = new ObjectMapper();
            gateway.subscribe("chargers/+/up", 1, (t, m) -> seen.add(json.readTree(m.getPayload())));
            SimulatedMeter meter = new SimulatedMeter("SIM-CH1", "demo-CH1-1");
            try (SimulatedCharger ch1 = new SimulatedCharger("CH1", broker.url(), meter, Clock.systemUTC())) {
                ch1.linkUp();
                ch1.boot();
                ch1.startTransaction("AT0042-HOLD", 1);
                ch1.charge(new BigDecimal("5000"));
                ch1.linkDown();
                ch1.charge(new BigDecimal("5000"));
                ch1.charge(new BigDecimal("2345"));
                ch1.stopTransaction();
                assertThat(ch1.queuedEvents()).isEqualTo(3);
                ch1.linkUp();
                for (int i = 0; i < 100 && seen.size() < 6; i++) {
                    Thread.sleep(20);
                }
            }
            gateway.disconnect();
            gateway.close();
            assertThat(seen).hasSize(6);
            List<JsonNode> events = seen.stream().filter(f -> f.get(2).asText().equals("TransactionEvent")).toList();
            assertThat(events).extracting(f -> f.get(3).get("seqNo").asInt()).containsExactly(0, 1, 2, 3, 4);
            assertThat(events).extracting(f -> f.get(3).path("offline").asBoolean(false)).containsExactly(false, false, true, true, true);
            assertThat(events.get(0).get(3).get("idToken").get("idToken").asText()).isEqualTo("AT0042-HOLD");
            // the end reading, as the gateway would verify it
            JsonNode signed = events.get(4).get(3).get("meterValue").get(0).get("sampledValue").get(0).get("signedMeterValue");
            VerifiedRecord end = new OcmfSignatureVerifier().verify(Base64.getDecoder().decode(signed.get("signedMeterData").asText()),
                    meter.publicKeyHex());
            assertThat(end.readings().get(0).transaction()).isEqualTo("E");
            assertThat(end.readings().get(0).energyWh()).isEqualByComparingTo("12345");
        }
    }
}
