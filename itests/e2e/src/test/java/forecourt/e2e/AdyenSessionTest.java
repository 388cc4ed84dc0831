package forecourt.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.ledger.LedgerStore;
import forecourt.sim.charger.SimulatedCharger;
import forecourt.sim.charger.SimulatedMeter;

/**
 * The demo site with terminal T1 switched to Adyen (a configuration change, no code): the
 * hold through the emulated Terminal API, the capture through the Checkout API, and its
 * result as an HMAC-signed notification posted to the gateway's own webhook endpoint.
 */
class AdyenSessionTest {
    @TempDir
    Path work;

    @Test
    void aSessionSettledOnAdyenIsCapturedOnceOnItsSignedNotification() throws Exception {
        int adyenPort = Ports.free();
        int stripePort = Ports.free();
        int brokerPort = Ports.free();
        int httpPort = Ports.free();
        int csmsPort = Ports.free();
        String brokerUrl = "tcp://127.0.0.1:" + brokerPort;
        Path configs = GatewayProcess.copyOfRepoConfigs(work.resolve("configs"));
        Files.delete(configs.resolve("forecourt.acquirer.stripe-demo.cfg"));
        Files.writeString(configs.resolve("forecourt.site.terminal-T1.cfg"),
                Files.readString(configs.resolve("forecourt.site.terminal-T1.cfg")).replace("acquirer=stripe-demo", "acquirer=adyen-demo"));
        Files.writeString(configs.resolve("forecourt.acquirer.adyen-demo.cfg"), String.join("\n", "name=adyen-demo",
                "checkoutUrl=http://127.0.0.1:" + adyenPort + "/v71", "terminalApiUrl=http://127.0.0.1:" + adyenPort,
                "apiKey=adyen_test_forecourt_demo", "merchantAccount=ForecourtDemo",
                "hmacKey=44782def547aaa06c910c43932b1eb0c71fc68d9d0c057550c48ec2acf6ba056", "terminals=T1=V400m-346403161", ""));
        Path data = work.resolve("gateway-data");
        try (GatewayProcess sims = GatewayProcess.start("simulators.jar", work.resolve("sim-data"), GatewayProcess.repoConfigs(),
                "-Dforecourt.broker.url=" + brokerUrl, "-Dforecourt.sim.stripe.port=" + stripePort, "-Dforecourt.sim.zvt.port=" + Ports.free(),
                "-Dforecourt.sim.adyen.port=" + adyenPort, "-Dforecourt.sim.csms.port=" + csmsPort,
                "-Dforecourt.sim.adyen.webhook=http://127.0.0.1:" + httpPort + "/adyen/adyen-demo/notifications")) {
            sims.awaitLine("Forecourt simulators ready", Duration.ofSeconds(60));
            try (GatewayProcess gateway = GatewayProcess.start("demo.jar", data, configs, "-Dforecourt.broker.url=" + brokerUrl,
                    "-Dforecourt.broker.port=" + brokerPort, "-Dorg.osgi.service.http.port=" + httpPort, "-Dforecourt.zvt.port=" + Ports.free(),
                    "-Dforecourt.ocpi.url=http://127.0.0.1:" + csmsPort + "/ocpi/versions");
                    SimulatedCharger ch1 = new SimulatedCharger("CH1", brokerUrl, new SimulatedMeter("SIM-CH1-1", "CH1/1"), Clock.systemUTC(),
                            "CH1-demo")) {
                gateway.awaitLine("adyen acquirer adyen-demo up", Duration.ofSeconds(60));
                gateway.awaitLine("OCPP over MQTT: connected", Duration.ofSeconds(60));
                ch1.linkUp();
                ch1.boot();
                ch1.plugIn(1);
                String ref = null;
                for (int i = 0; i < 300 && ref == null; i++) {
                    Thread.sleep(100);
                    ref = ch1.idToken();
                }
                assertThat(ref).as("hold on Adyen and remote start").isNotNull();
                for (int minute = 0; minute < 12; minute++) {
                    ch1.charge(new BigDecimal(1000));
                }
                ch1.stopTransaction();
                ch1.unplug(1);
                gateway.awaitLine("session " + ref + " closed", Duration.ofMinutes(2));
                assertThat(gateway.output()).contains("CAPTURED 7.08 EUR", "rest of the hold RELEASED: 42.92 EUR", "adyen adyen-demo: CAPTURE succeeded");
                JsonNode captures = BadDayTest.get("http://127.0.0.1:" + adyenPort + "/_emulator/captures");
                assertThat(captures).hasSize(1);
                assertThat(captures.get(0).get("amount").asLong()).isEqualTo(708);
                assertThat(captures.get(0).get("released").asLong()).isEqualTo(5000 - 708);
                gateway.terminate(Duration.ofSeconds(30));
                try (LedgerStore ledger = new LedgerStore(data.resolve("ledger/ledger.mv.db"), Clock.systemUTC(), 16)) {
                    assertThat(ledger.verify().intact()).isTrue();
                    assertThat(ledger.session(ref).orElseThrow().state()).isEqualTo(PaymentSessionState.CLOSED);
                    List<JournalEntry> all = ledger.read(0, 10_000);
                    assertThat(all).as("Adyen's signed notifications, recorded once").filteredOn(e -> e.fact().type() == FactType.UPSTREAM_NOTIFICATION
                            && e.fact().naturalKey().startsWith("adyen:")).hasSize(1);
                    assertThat(ledger.timeline(ref)).filteredOn(e -> e.fact().type() == FactType.CAPTURED).hasSize(1);
                }
            }
        }
    }
}
