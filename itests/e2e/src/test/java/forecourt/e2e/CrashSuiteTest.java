package forecourt.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.ledger.PaymentSession;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.ledger.LedgerStore;
import forecourt.sim.charger.SimulatedCharger;
import forecourt.sim.charger.SimulatedMeter;

/**
 * The crash suite: drivers keep plugging in, charging and leaving at two chargers while
 * the demo gateway (embedded broker and all) is SIGKILLed at random moments and started
 * again — 100 times ({@code FORECOURT_LONG=true}: 1 000) — and the simulators' process (the
 * Stripe emulator, the CPO's CSMS — down for a quarter of the kills) runs on. Afterwards, for every session: exactly one capture of its
 * verified amount at the acquirer and the rest released, or — if it never charged — the
 * whole hold released; exactly one fiscal receipt per capture, receipt numbers without a
 * gap; one Financial Advice Confirmation at the CPO per capture, none twice; every transaction
 * event once, in order; the ledger's chain intact.
 */
class CrashSuiteTest {
    private static final int CSMS_PORT = Ports.free();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HTTP_PORT = Ports.free();
    @TempDir
    Path work;

    private final List<GatewayProcess> gateways = new ArrayList<>();

    private GatewayProcess startGateway(Path data, int brokerPort, int stripePort) throws Exception {
        GatewayProcess g = GatewayProcess.start("demo.jar", data, GatewayProcess.repoConfigs(), "-Dforecourt.broker.port=" + brokerPort,
                "-Dforecourt.broker.url=tcp://127.0.0.1:" + brokerPort, "-Dforecourt.stripe.url=http://127.0.0.1:" + stripePort, "-Dforecourt.ocpi.url=http://127.0.0.1:" + CSMS_PORT + "/ocpi/versions", "-Dorg.osgi.service.http.port=" + HTTP_PORT);
        gateways.add(g);
        g.awaitLine("OCPP over MQTT: connected", Duration.ofSeconds(60));
        return g;
    }

    private GatewayProcess startGatewayNoWait(Path data, int brokerPort, int stripePort) throws Exception {
        GatewayProcess g = GatewayProcess.start("demo.jar", data, GatewayProcess.repoConfigs(), "-Dforecourt.broker.port=" + brokerPort,
                "-Dforecourt.broker.url=tcp://127.0.0.1:" + brokerPort, "-Dforecourt.stripe.url=http://127.0.0.1:" + stripePort, "-Dforecourt.ocpi.url=http://127.0.0.1:" + CSMS_PORT + "/ocpi/versions", "-Dorg.osgi.service.http.port=" + HTTP_PORT);
        gateways.add(g);
        Thread.sleep(200 + new Random().nextInt(2_500));
        return g;
    }

    /** Whether every session the ledger holds is finished (the gateway must be stopped to look). */
    private static boolean allClosed(Path data) {
        try (LedgerStore ledger = new LedgerStore(data.resolve("ledger/ledger.mv.db"), Clock.systemUTC(), 16)) {
            return ledger.sessions(null).stream().filter(PaymentSession::hasHold).allMatch(s -> s.state() == PaymentSessionState.CLOSED);
        }
    }

    private static void cpoDown(boolean down) throws Exception {
        java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + CSMS_PORT
                + "/_emulator/down")).POST(java.net.http.HttpRequest.BodyPublishers.ofString(Boolean.toString(down))).build(),
                java.net.http.HttpResponse.BodyHandlers.discarding());
    }

    /**
     * A breach found after hundreds of kills cannot be replayed: every gateway's output, the
     * simulators' output, the drivers' record and the ledger file are kept under
     * {@code target/crash-suite-evidence} for whoever reads the failure.
     */
    private void keepEvidence(Path data, GatewayProcess sims, Map<String, Long> delivered) {
        try {
            Path dir = Path.of("target", "crash-suite-evidence").toAbsolutePath();
            Files.createDirectories(dir);
            StringBuilder all = new StringBuilder();
            for (int i = 0; i < gateways.size(); i++) {
                all.append("===== gateway start ").append(i).append(" =====\n").append(gateways.get(i).output()).append('\n');
            }
            Files.writeString(dir.resolve("gateways.log"), all);
            Files.writeString(dir.resolve("simulators.log"), sims.output());
            Files.writeString(dir.resolve("delivered.txt"), delivered.toString());
            Files.copy(data.resolve("ledger/ledger.mv.db"), dir.resolve("ledger.mv.db"), StandardCopyOption.REPLACE_EXISTING);
            System.out.println("crash suite: evidence kept in " + dir);
        } catch (Exception e) {
            System.out.println("crash suite: could not keep the evidence: " + e);
        }
    }

    @Test
    void killedAtRandomMomentsTheGatewayStillChargesEverySessionExactlyOnce() throws Exception {
        int kills = Integer.getInteger("forecourt.crash.kills", Boolean.getBoolean("forecourt.long") ? 1_000 : 100);
        int stripePort = Ports.free();
        int brokerPort = Ports.free();
        Path data = work.resolve("gateway-data");
        Random random = new Random(2026);
        AtomicBoolean stop = new AtomicBoolean();
        try (GatewayProcess sims = GatewayProcess.start("simulators.jar", work.resolve("sim-data"), GatewayProcess.repoConfigs(),
                "-Dforecourt.sim.stripe.port=" + stripePort, "-Dforecourt.sim.csms.port=" + CSMS_PORT)) {
            sims.awaitLine("Forecourt simulators ready", Duration.ofSeconds(60));
            GatewayProcess gateway = startGateway(data, brokerPort, stripePort);
            String url = "tcp://127.0.0.1:" + brokerPort;
            Drivers ch1 = new Drivers(new SimulatedCharger("CH1", url, new SimulatedMeter("SIM-CH1-1", "CH1/1"), Clock.systemUTC(), "CH1-demo"), 1, stop);
            Drivers ch2 = new Drivers(new SimulatedCharger("CH2", url, new SimulatedMeter("SIM-CH2-1", "CH2/1"), Clock.systemUTC(), "CH2-demo"), 2, stop);
            ch1.start();
            ch2.start();
            for (int k = 0; k < kills; k++) {
                if (k == kills / 4 || k == kills / 2) {
                    // the CPO is down for a quarter of the kills: starts fall back to the charger link, confirmations wait
                    cpoDown(k == kills / 4);
                }
                // half the kills while sessions run, half anywhere in the next start (ledger, broker, outbox opening)
                Thread.sleep(100 + random.nextInt(1_400));
                gateway.kill();
                gateway = random.nextBoolean() ? startGateway(data, brokerPort, stripePort) : startGatewayNoWait(data, brokerPort, stripePort);
            }
            if (!gateway.isAlive()) {
                gateway = startGateway(data, brokerPort, stripePort);
            }
            stop.set(true);
            ch1.join(60_000);
            ch2.join(60_000);
            assertThat(ch1.failure).as("CH1's drivers").isNull();
            assertThat(ch2.failure).as("CH2's drivers").isNull();
            // the chargers' last events reach the gateway, and every session it took a hold for closes
            for (Drivers d : List.of(ch1, ch2)) {
                for (int i = 0; i < 100 && !d.charger.isLinkUp(); i++) {
                    d.linkedIfPossible();
                    Thread.sleep(100);
                }
            }
            // let the gateway finish what is open; look (it must be stopped for that), start it again if not done
            for (int round = 0; ; round++) {
                Thread.sleep(4_000);
                gateway.terminate(Duration.ofSeconds(30));
                if (allClosed(data) || round == 30) {
                    break;
                }
                gateway = startGateway(data, brokerPort, stripePort);
            }
            ch1.charger.close();
            ch2.charger.close();

            Map<String, Long> delivered = new HashMap<>(ch1.delivered);
            delivered.putAll(ch2.delivered);
            String summary;
            try {
                summary = SettlementAudit.everySessionSettledOnce(data, stripePort, CSMS_PORT, delivered, kills / 5);
            } catch (AssertionError breach) {
                keepEvidence(data, sims, delivered);
                throw breach;
            }
            System.out.printf("crash suite: %d kills, %s%n", kills, summary);
        } finally {
            stop.set(true);
            gateways.forEach(GatewayProcess::close);
        }
    }
}
