package forecourt.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.ledger.PaymentSession;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.ledger.LedgerStore;
import forecourt.sim.charger.SimulatedCharger;
import forecourt.sim.charger.SimulatedMeter;

/**
 * The ambiguity suite: drivers charge at two chargers while every capture and cancel meets
 * upstream faults — applied then dropped, 5xx (saved under the key), 503, 429, stalls past the
 * client's timeout — at
 * 30 %, with the link flapping to 100 % faults in bursts, and the acquirer bundle updated
 * mid-flush (through the gateway's Gogo shell, from the built jar: the handler leaves, its
 * instructions wait, the new version resolves what is in doubt). Afterwards the same audit as the crash suite:
 * each session captured once for its verified amount or released, one fiscal receipt each,
 * gap-free numbers, every event once, chain intact.
 */
class AmbiguitySuiteTest {
    private static final int CSMS_PORT = Ports.free();
    private static final java.util.regex.Pattern BUNDLE = java.util.regex.Pattern.compile("(\\d+)\\|Active\\s*\\|\\s*\\d+\\|forecourt\\.acquirer\\.stripe ");
    private static final Path STRIPE_JAR = Path.of(System.getProperty("forecourt.stripe.jar",
            "../../bundles/acquirer.stripe/target/forecourt.acquirer.stripe-1.0.0-SNAPSHOT.jar")).toAbsolutePath().normalize();
    @TempDir
    Path work;

    private static void faults(int stripePort, String json) throws Exception {
        HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + stripePort + "/_emulator/faults"))
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static boolean allClosed(Path data) {
        try (LedgerStore ledger = new LedgerStore(data.resolve("ledger/ledger.mv.db"), Clock.systemUTC(), 16)) {
            return ledger.sessions(null).stream().filter(PaymentSession::hasHold).allMatch(s -> s.state() == PaymentSessionState.CLOSED);
        }
    }

    @Test
    void underFlappingFaultsAndAnAdapterReplacedMidFlushEverySessionIsChargedExactlyOnce() throws Exception {
        long seconds = Long.getLong("forecourt.ambiguity.seconds", Boolean.getBoolean("forecourt.long") ? 600 : 40);
        int stripePort = Ports.free();
        int brokerPort = Ports.free();
        int httpPort = Ports.free();
        String brokerUrl = "tcp://127.0.0.1:" + brokerPort;
        Path configs = GatewayProcess.copyOfRepoConfigs(work.resolve("configs"));
        // a 2 s request timeout: the emulator's stalls (3 s, after applying) become timeouts — answers lost
        Path stripeCfg = configs.resolve("forecourt.acquirer.stripe-demo.cfg");
        Files.writeString(stripeCfg, Files.readString(stripeCfg).replace("requestTimeoutMillis=10000", "requestTimeoutMillis=2000"));
        Path data = work.resolve("gateway-data");
        String[] gatewayArgs = { "-Dforecourt.broker.url=" + brokerUrl, "-Dforecourt.broker.port=" + brokerPort, "-Dorg.osgi.service.http.port=" + httpPort,
                "-Dforecourt.stripe.url=http://127.0.0.1:" + stripePort, "-Dforecourt.ocpi.url=http://127.0.0.1:" + CSMS_PORT + "/ocpi/versions", "-Dforecourt.zvt.port=" + Ports.free() };
        AtomicBoolean stop = new AtomicBoolean();
        try (GatewayProcess sims = GatewayProcess.start("simulators.jar", work.resolve("sim-data"), GatewayProcess.repoConfigs(),
                "-Dforecourt.broker.url=" + brokerUrl, "-Dforecourt.sim.stripe.port=" + stripePort, "-Dforecourt.sim.csms.port=" + CSMS_PORT, "-Dforecourt.sim.zvt.port=" + Ports.free(),
                "-Dforecourt.sim.adyen.port=" + Ports.free())) {
            sims.awaitLine("Forecourt simulators ready", Duration.ofSeconds(60));
            GatewayProcess gateway = GatewayProcess.startWithShell("demo.jar", data, configs, gatewayArgs);
            try {
                gateway.awaitLine("OCPP over MQTT: connected", Duration.ofSeconds(60));
                Drivers ch1 = new Drivers(new SimulatedCharger("CH1", brokerUrl, new SimulatedMeter("SIM-CH1-1", "CH1/1"), Clock.systemUTC(), "CH1-demo"), 11,
                        stop);
                Drivers ch2 = new Drivers(new SimulatedCharger("CH2", brokerUrl, new SimulatedMeter("SIM-CH2-1", "CH2/1"), Clock.systemUTC(), "CH2-demo"), 12,
                        stop);
                ch1.start();
                ch2.start();
                long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
                boolean replaced = false;
                for (int burst = 0; System.nanoTime() < end; burst++) {
                    faults(stripePort, "{\"clear\":true,\"seed\":" + burst + ",\"rate\":0.3}");
                    Thread.sleep(3_000);
                    faults(stripePort, "{\"clear\":true,\"seed\":" + (1000 + burst) + ",\"rate\":1.0}"); // the link flaps
                    Thread.sleep(1_500);
                    if (!replaced && System.nanoTime() > end - Duration.ofSeconds(seconds / 2).toNanos()) {
                        // the acquirer bundle is updated (Gogo, as a technician would) while instructions are in doubt
                        gateway.shell("lb -s forecourt.acquirer.stripe");
                        Matcher id = BUNDLE.matcher(gateway.awaitLine(l -> BUNDLE.matcher(l).find(), Duration.ofSeconds(10)));
                        assertThat(id.find()).isTrue();
                        gateway.shell("update " + id.group(1) + " " + STRIPE_JAR.toUri());
                        replaced = true;
                    }
                }
                stop.set(true);
                ch1.join(60_000);
                ch2.join(60_000);
                assertThat(ch1.failure).as("CH1's drivers").isNull();
                assertThat(ch2.failure).as("CH2's drivers").isNull();
                faults(stripePort, "{\"clear\":true}");
                for (Drivers d : java.util.List.of(ch1, ch2)) {
                    for (int i = 0; i < 100 && !d.charger.isLinkUp(); i++) {
                        d.linkedIfPossible();
                        Thread.sleep(100);
                    }
                }
                String duringFaults = gateway.output();
                assertThat(duringFaults.split("stripe acquirer stripe-demo up", -1).length - 1).as("adapter instances").isGreaterThanOrEqualTo(2);
                assertThat(duringFaults).as("the bundle left and came back").contains("handler for link acquirer:stripe-demo gone")
                        .doesNotContain("Unable to update the bundle");
                for (int round = 0; ; round++) {
                    Thread.sleep(5_000);
                    gateway.terminate(Duration.ofSeconds(30));
                    if (allClosed(data) || round == 20) {
                        break;
                    }
                    gateway.close();
                    gateway = GatewayProcess.start("demo.jar", data, configs, gatewayArgs);
                    gateway.awaitLine("OCPP over MQTT: connected", Duration.ofSeconds(60));
                }
                ch1.charger.close();
                ch2.charger.close();
                assertThat(duringFaults).as("answers lost and resolved, not resent").contains("it will be resolved, not resent");
                Map<String, Long> delivered = new HashMap<>(ch1.delivered);
                delivered.putAll(ch2.delivered);
                String summary = SettlementAudit.everySessionSettledOnce(data, stripePort, CSMS_PORT, delivered, 10);
                System.out.printf("ambiguity suite: %d s of faults, %s%n", seconds, summary);
            } finally {
                stop.set(true);
                gateway.close();
            }
        }
    }
}
