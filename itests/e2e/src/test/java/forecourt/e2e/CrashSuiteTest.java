package forecourt.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.PaymentSession;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.ledger.LedgerStore;
import forecourt.sim.charger.SimulatedCharger;
import forecourt.sim.charger.SimulatedMeter;

/**
 * The crash suite: drivers keep plugging in, charging and leaving at two chargers while
 * the demo gateway (embedded broker and all) is SIGKILLed at random moments and started
 * again — 100 times ({@code FORECOURT_LONG=true}: 1 000) — and the simulators' process (the
 * Stripe emulator) runs on. Afterwards, for every session: exactly one capture of its
 * verified amount at the acquirer and the rest released, or — if it never charged — the
 * whole hold released; exactly one fiscal receipt per capture, receipt numbers without a
 * gap; every transaction event once, in order; the ledger's chain intact.
 */
class CrashSuiteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int HTTP_PORT = Ports.free();
    @TempDir
    Path work;

    private final List<GatewayProcess> gateways = new ArrayList<>();

    private GatewayProcess startGateway(Path data, int brokerPort, int stripePort) throws Exception {
        GatewayProcess g = GatewayProcess.start("demo.jar", data, GatewayProcess.repoConfigs(), "-Dforecourt.broker.port=" + brokerPort,
                "-Dforecourt.broker.url=tcp://127.0.0.1:" + brokerPort, "-Dforecourt.stripe.url=http://127.0.0.1:" + stripePort, "-Dorg.osgi.service.http.port=" + HTTP_PORT);
        gateways.add(g);
        g.awaitLine("OCPP over MQTT: connected", Duration.ofSeconds(60));
        return g;
    }

    private GatewayProcess startGatewayNoWait(Path data, int brokerPort, int stripePort) throws Exception {
        GatewayProcess g = GatewayProcess.start("demo.jar", data, GatewayProcess.repoConfigs(), "-Dforecourt.broker.port=" + brokerPort,
                "-Dforecourt.broker.url=tcp://127.0.0.1:" + brokerPort, "-Dforecourt.stripe.url=http://127.0.0.1:" + stripePort, "-Dorg.osgi.service.http.port=" + HTTP_PORT);
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

    /** One EVSE's stream of drivers: plug in, wait for the gateway to start the charge, charge, stop, leave. */
    private static final class Drivers extends Thread {
        final SimulatedCharger charger;
        final Random random;
        final AtomicBoolean stop;
        /** authorization reference → Wh delivered in that session */
        final Map<String, Long> delivered = new ConcurrentHashMap<>();
        volatile Throwable failure;

        Drivers(SimulatedCharger charger, long seed, AtomicBoolean stop) {
            super("drivers-" + charger.id());
            this.charger = charger;
            this.random = new Random(seed);
            this.stop = stop;
        }

        @Override
        public void run() {
            try {
                while (!stop.get()) {
                    linked();
                    charger.plugIn(1);
                    String ref = null;
                    for (int i = 0; i < 150 && ref == null && !stop.get(); i++) { // up to 15 s for a hold and a start
                        Thread.sleep(100);
                        ref = charger.idToken();
                    }
                    if (ref == null) {
                        charger.unplug(1); // the gateway went down mid-hold: the driver tries again
                        continue;
                    }
                    long wh = 0;
                    int minutes = 1 + random.nextInt(4);
                    for (int m = 0; m < minutes; m++) {
                        Thread.sleep(100 + random.nextInt(300));
                        linkedIfPossible();
                        charger.charge(new BigDecimal(1000));
                        wh += 1000;
                    }
                    charger.stopTransaction();
                    delivered.put(ref, wh);
                    charger.unplug(1);
                    Thread.sleep(random.nextInt(300));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Throwable t) {
                failure = t;
            }
        }

        private void linked() throws InterruptedException {
            while (!stop.get() && !charger.isLinkUp()) {
                linkedIfPossible();
                Thread.sleep(100);
            }
        }

        private void linkedIfPossible() {
            try {
                charger.linkUp();
            } catch (Exception brokerDown) {
                // the gateway (and its broker) is being restarted: energy flows, events queue
            }
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
                "-Dforecourt.sim.stripe.port=" + stripePort)) {
            sims.awaitLine("Forecourt simulators ready", Duration.ofSeconds(60));
            GatewayProcess gateway = startGateway(data, brokerPort, stripePort);
            String url = "tcp://127.0.0.1:" + brokerPort;
            Drivers ch1 = new Drivers(new SimulatedCharger("CH1", url, new SimulatedMeter("SIM-CH1-1", "CH1/1"), Clock.systemUTC(), "CH1-demo"), 1, stop);
            Drivers ch2 = new Drivers(new SimulatedCharger("CH2", url, new SimulatedMeter("SIM-CH2-1", "CH2/1"), Clock.systemUTC(), "CH2-demo"), 2, stop);
            ch1.start();
            ch2.start();
            for (int k = 0; k < kills; k++) {
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
            JsonNode intents = get("http://127.0.0.1:" + stripePort + "/_emulator/intents");
            JsonNode captures = get("http://127.0.0.1:" + stripePort + "/_emulator/captures");
            Map<String, Integer> capturesPerIntent = new HashMap<>();
            Map<String, Long> capturedAmount = new HashMap<>();
            captures.forEach(c -> {
                capturesPerIntent.merge(c.get("payment_intent").asText(), 1, Integer::sum);
                capturedAmount.put(c.get("payment_intent").asText(), c.get("amount").asLong());
            });
            assertThat(capturesPerIntent.values()).as("captures per PaymentIntent").allMatch(n -> n == 1);

            try (LedgerStore ledger = new LedgerStore(data.resolve("ledger/ledger.mv.db"), Clock.systemUTC(), 16)) {
                assertThat(ledger.verify().intact()).as("ledger chain").isTrue();
                List<PaymentSession> sessions = ledger.sessions(null).stream().filter(PaymentSession::hasHold).toList();
                assertThat(sessions.size()).as("sessions").isGreaterThan(kills / 5);
                Set<Long> receiptNumbers = new HashSet<>();
                int charged = 0;
                for (PaymentSession s : sessions) {
                    String ref = s.authorizationReference();
                    List<JournalEntry> timeline = ledger.timeline(ref);
                    assertThat(s.state()).as("state of " + ref).isEqualTo(PaymentSessionState.CLOSED);
                    String pi = read(timeline.get(0).fact().bodyText()).get("providerReference").asText();
                    Long wh = delivered.get(ref);
                    long capturedFacts = timeline.stream().filter(e -> e.fact().type() == FactType.CAPTURED).count();
                    if (wh != null && wh > 0 && timeline.stream().anyMatch(e -> e.fact().type() == FactType.FINAL_READING_PROVEN)) {
                        charged++;
                        long expected = new BigDecimal(wh).multiply(new BigDecimal("0.59")).divide(BigDecimal.TEN).longValueExact(); // Wh × 0.59 EUR/kWh in cents
                        assertThat(capturesPerIntent.get(pi)).as("captures of " + ref).isEqualTo(1);
                        assertThat(capturedAmount.get(pi)).as("captured amount of " + ref).isEqualTo(expected);
                        assertThat(capturedFacts).isEqualTo(1);
                        List<JournalEntry> fiscal = timeline.stream().filter(e -> e.fact().type() == FactType.FISCAL_RECEIPT).toList();
                        assertThat(fiscal).as("fiscal receipts of " + ref).hasSize(1);
                        receiptNumbers.add(read(fiscal.get(0).fact().bodyText()).get("receiptNumber").asLong());
                    } else {
                        assertThat(capturesPerIntent).as("no capture for " + ref).doesNotContainKey(pi);
                        assertThat(intents.get(pi).get("status").asText()).as("hold of " + ref).isEqualTo("canceled");
                    }
                    // every transaction event once, seqNo 0..n per transaction
                    Map<String, List<Integer>> seqs = new HashMap<>();
                    timeline.stream().filter(e -> e.fact().type() == FactType.TRANSACTION_EVENT).map(e -> read(e.fact().bodyText()).get("payload"))
                            .forEach(p -> seqs.computeIfAbsent(p.path("transactionInfo").path("transactionId").asText(), t -> new ArrayList<>())
                                    .add(p.get("seqNo").asInt()));
                    seqs.forEach((tx, list) -> {
                        int last = list.get(list.size() - 1);
                        List<String> missing = new ArrayList<>();
                        for (int q = 0; q <= last; q++) {
                            if (!list.contains(q)) {
                                String charger = tx.substring(0, tx.indexOf('-'));
                                missing.add(q + "=" + ledger.byNaturalKey(forecourt.api.ledger.NaturalKeys.transactionEvent(charger, tx, q))
                                        .map(e -> "recorded under session " + e.fact().session() + " at seq " + e.seq()).orElse("NOT RECORDED"));
                            }
                        }
                        assertThat(missing).as("events of " + tx + " (session " + ref + ") missing from its timeline").isEmpty();
                        assertThat(list).as("seqNos of " + tx).isEqualTo(java.util.stream.IntStream.range(0, list.size()).boxed().toList());
                    });
                }
                assertThat(charged).as("sessions charged and captured").isGreaterThan(0);
                assertThat(receiptNumbers).as("receipt numbers, gap-free").isEqualTo(
                        java.util.stream.LongStream.rangeClosed(1, receiptNumbers.size()).boxed().collect(java.util.stream.Collectors.toSet()));
                // no capture for an authorization the ledger has no hold for (a hold interrupted by a kill is never charged)
                Set<String> heldIntents = new HashSet<>();
                for (PaymentSession s : sessions) {
                    heldIntents.add(read(ledger.timeline(s.authorizationReference()).get(0).fact().bodyText()).get("providerReference").asText());
                }
                assertThat(heldIntents).containsAll(capturesPerIntent.keySet());
                System.out.printf("crash suite: %d kills, %d sessions, %d charged and captured once, %d released, %d PaymentIntents%n", kills,
                        sessions.size(), charged, sessions.size() - charged, intents.size());
            }
        } finally {
            stop.set(true);
            gateways.forEach(GatewayProcess::close);
        }
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
