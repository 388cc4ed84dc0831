package forecourt.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.PaymentSession;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.api.payment.Hold;
import forecourt.api.payment.PaymentJson;
import forecourt.ledger.LedgerStore;
import forecourt.sim.charger.SimulatedCharger;
import forecourt.sim.charger.SimulatedMeter;

/**
 * A session paid at the ZVT terminal (T2, on EVSE CH1/2), against the exported demo gateway
 * and the simulators' ZVT terminal over TCP: the pre-authorisation is the hold, the verified
 * energy prices the session, and the terminal settles it with one partial reversal of the
 * unused amount — the terminal's own file shows the booking once.
 */
class ZvtSessionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path work;

    @Test
    void aHoldTakenAtTheZvtTerminalIsSettledThroughTheTerminalOnce() throws Exception {
        int zvtPort = Ports.free();
        int stripePort = Ports.free();
        int brokerPort = Ports.free();
        int httpPort = Ports.free();
        int csmsPort = Ports.free();
        String brokerUrl = "tcp://127.0.0.1:" + brokerPort;
        Path simData = work.resolve("sim-data");
        Path data = work.resolve("gateway-data");
        try (GatewayProcess sims = GatewayProcess.start("simulators.jar", simData, GatewayProcess.repoConfigs(), "-Dforecourt.broker.url=" + brokerUrl,
                "-Dforecourt.sim.stripe.port=" + stripePort, "-Dforecourt.sim.zvt.port=" + zvtPort, "-Dforecourt.sim.csms.port=" + csmsPort)) {
            sims.awaitLine("Forecourt simulators ready", Duration.ofSeconds(60));
            try (GatewayProcess gateway = GatewayProcess.start("demo.jar", data, GatewayProcess.repoConfigs(), "-Dforecourt.broker.url=" + brokerUrl,
                    "-Dforecourt.broker.port=" + brokerPort, "-Dorg.osgi.service.http.port=" + httpPort,
                    "-Dforecourt.stripe.url=http://127.0.0.1:" + stripePort, "-Dforecourt.zvt.port=" + zvtPort,
                    "-Dforecourt.ocpi.url=http://127.0.0.1:" + csmsPort + "/ocpi/versions");
                    SimulatedCharger ch1 = new SimulatedCharger("CH1", brokerUrl, new SimulatedMeter("SIM-CH1-2", "CH1/2"), Clock.systemUTC(),
                            "CH1-demo")) {
                gateway.awaitLine("ZVT terminal T2 registered", Duration.ofSeconds(60));
                gateway.awaitLine("OCPP over MQTT: connected", Duration.ofSeconds(60));
                ch1.linkUp();
                ch1.boot();
                ch1.plugIn(2);
                String ref = null;
                for (int i = 0; i < 300 && ref == null; i++) {
                    Thread.sleep(100);
                    ref = ch1.idToken();
                }
                assertThat(ref).as("hold at T2 and remote start").isNotNull();
                for (int minute = 0; minute < 12; minute++) {
                    ch1.charge(new BigDecimal(1000));
                }
                ch1.stopTransaction();
                ch1.unplug(2);
                gateway.awaitLine("session " + ref + " closed", Duration.ofMinutes(2));
                assertThat(gateway.output()).contains("CAPTURED 7.08 EUR", "rest of the hold RELEASED: 42.92 EUR",
                        "terminal T2: settle of pre-authorisation");
                gateway.terminate(Duration.ofSeconds(30));

                // the terminal's own record: one pre-authorisation, booked once for the verified amount
                JsonNode terminal = JSON.readTree(simData.resolve("zvt-52523535.json").toFile());
                JsonNode preAuths = terminal.get("preAuths");
                assertThat(preAuths).hasSize(1);
                assertThat(preAuths.get(0).get("state").asText()).isEqualTo("BOOKED");
                assertThat(preAuths.get(0).get("booked").asLong()).isEqualTo(708);
                assertThat(preAuths.get(0).get("amount").asLong()).isEqualTo(5000);

                try (LedgerStore ledger = new LedgerStore(data.resolve("ledger/ledger.mv.db"), Clock.systemUTC(), 16)) {
                    assertThat(ledger.verify().intact()).isTrue();
                    PaymentSession s = ledger.session(ref).orElseThrow();
                    assertThat(s.state()).isEqualTo(PaymentSessionState.CLOSED);
                    Hold hold = PaymentJson.hold(ledger.byNaturalKey(NaturalKeys.hold(ref)).orElseThrow().fact().body());
                    assertThat(hold.terminalId()).isEqualTo("T2");
                    assertThat(hold.acquirerLink()).isEqualTo("terminal:T2");
                    assertThat(hold.providerReference()).isEqualTo(preAuths.get(0).get("receipt").asText());
                    assertThat(hold.maskedPan()).isEqualTo("559883******8074");
                    List<JournalEntry> timeline = ledger.timeline(ref);
                    assertThat(timeline).filteredOn(e -> e.fact().type() == FactType.CAPTURED).hasSize(1);
                    assertThat(timeline).filteredOn(e -> e.fact().type() == FactType.RECEIPT_ISSUED).hasSize(1);
                }
            }
        }
    }
}
