package forecourt.settlement;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.acquirer.stripe.BenchStripe;
import forecourt.api.id.EvseId;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.api.money.Money;
import forecourt.api.outbox.InstructionHandler;
import forecourt.api.payment.Hold;
import forecourt.api.payment.PaymentJson;
import forecourt.api.site.Tariff;
import forecourt.fiscal.rksv.CashBox;
import forecourt.fiscal.rksv.RksvFiscalProvider;
import forecourt.fiscal.rksv.SoftwareSignatureDevice;
import forecourt.ledger.LedgerStore;
import forecourt.outbox.BenchOutbox;
import forecourt.settlement.Reconciliation.DeadlinePolicy;
import forecourt.testsupport.TestSite;

/**
 * The long outage at a large site: N sessions (default 10 000) charged, their final
 * readings proven and their holds held at the acquirer (the Stripe emulator, its own
 * process) while every upstream was away; then the upstreams return. Measured: the time
 * until every session is captured (the rest released), fiscalized (RKSV, software signer)
 * and closed — the settlement engine, the outbox worker and the ledger as the gateway runs
 * them — the gateway side's CPU time per session, and its peak heap during the flush.
 * <p>
 * Arguments: the Stripe emulator's base URL, a work directory. {@code -Dbench.sessions=N}.
 */
public final class FlushBench {
    private static final String KEY = "sk_test_forecourt_demo";

    public static void main(String[] args) throws Exception {
        String stripe = args[0];
        Path work = Path.of(args[1]);
        int sessions = Integer.getInteger("bench.sessions", 10_000);
        TestSite site = new TestSite("stripe-bench");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        ObjectMapper json = new ObjectMapper();
        Tariff tariff = new Tariff("HPC", 1, new BigDecimal("0.59"), Money.of(0, "EUR"), "standard");
        try (LedgerStore ledger = new LedgerStore(work.resolve("ledger.mv.db"), Clock.systemUTC(), 256)) {
            // ---- the outage: holds taken, energy delivered and proven, nothing settled
            long s0 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(16);
            List<Future<?>> done = new java.util.ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                int n = i;
                done.add(pool.submit(() -> {
                    String ref = "AT0042-FLUSH" + n;
                    String pi = post(http, json, stripe + "/v1/payment_intents", Map.of("amount", "5000", "currency", "eur", "capture_method", "manual",
                            "payment_method_types[]", "card_present"));
                    post(http, json, stripe + "/v1/terminal/readers/tmr_bench" + (n % 8) + "/process_payment_intent", Map.of("payment_intent", pi));
                    Instant now = Instant.now();
                    Hold h = new Hold(ref, "T1", EvseId.parse("CH1/1"), tariff, Money.of(5000, "EUR"), "acquirer:stripe-bench", pi, "visa",
                            "************4242", now, now.plus(Duration.ofDays(7))); // the holds outlive the outage
                    ledger.append(PaymentJson.holdPlaced(h)).toCompletableFuture().join();
                    for (int seq = 0; seq < 3; seq++) {
                        String type = seq == 0 ? "Started" : seq == 1 ? "Updated" : "Ended";
                        ledger.append(Fact.of(FactType.TRANSACTION_EVENT, NaturalKeys.transactionEvent("CH1", "tx-" + ref, seq), ref,
                                "{\"charger\":\"CH1\",\"action\":\"TransactionEvent\",\"payload\":{\"eventType\":\"" + type + "\",\"seqNo\":" + seq + "}}"))
                                .toCompletableFuture().join();
                    }
                    long wh = 1000 + (n % 50) * 1000;
                    ledger.append(Fact.of(FactType.FINAL_READING_PROVEN, NaturalKeys.decision(ref, "final-reading"), ref,
                            "{\"meterSerial\":\"M1\",\"beginWh\":1000,\"endWh\":" + (1000 + wh) + ",\"deliveredWh\":" + wh + ",\"endReadingSeq\":1}"))
                            .toCompletableFuture().join();
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            System.out.printf("outage: %d sessions held and proven in %d ms (setup, not measured)%n", sessions, (System.nanoTime() - s0) / 1_000_000);

            // ---- the upstreams return
            SettlementEngine engine = new SettlementEngine(ledger, site, Clock.systemUTC(), new SettlementEngine.Settings(false, 1, DeadlinePolicy.METER,
                    Duration.ofHours(6), Duration.ofMinutes(15), "rksv", "http://127.0.0.1:8080/receipts/", false));
            CashBox box = new CashBox("AT0042-KASSE1", Base64.getDecoder().decode("QFVHaBRvDHt7W41ToQ8IvngVPPP44J0EnfRGGB6nOaQ="),
                    List.of(SoftwareSignatureDevice.generate("U:ATU12345678-K1")), ledger, Clock.systemUTC(), Duration.ofHours(48));
            RksvFiscalProvider rksv = new RksvFiscalProvider(box, ledger, Clock.systemUTC(), ZoneId.of("Europe/Vienna"),
                    Map.of("standard", RksvFiscalProvider.Slot.NORMAL), Duration.ofHours(48));
            InstructionHandler acquirer = BenchStripe.acquirer("stripe-bench", stripe, KEY);
            BenchOutbox outbox = new BenchOutbox(ledger, link -> link.equals("fiscal:rksv") ? rksv : link.equals("acquirer:stripe-bench") ? acquirer : null);
            MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
            System.gc();
            AtomicLong peakHeap = new AtomicLong(memory.getHeapMemoryUsage().getUsed());
            Thread sampler = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peakHeap.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            sampler.setDaemon(true);
            sampler.start();
            com.sun.management.OperatingSystemMXBean os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            long cpu0 = os.getProcessCpuTime();
            long t0 = System.nanoTime();
            int closed = 0;
            for (int round = 0; closed < sessions && round < 1_000; round++) {
                engine.sweep();
                outbox.drainDue();
                closed = ledger.sessions(PaymentSessionState.CLOSED).size();
            }
            long wall = System.nanoTime() - t0;
            long cpu = os.getProcessCpuTime() - cpu0;
            sampler.interrupt();
            Map<PaymentSessionState, Long> states = ledger.sessions(null).stream().collect(Collectors.groupingBy(s -> s.state(), Collectors.counting()));
            System.out.printf("flush: %d sessions captured, released and fiscalized in %.1f s (%d closed; states %s)%n", sessions, wall / 1e9, closed, states);
            System.out.printf("gateway CPU: %.2f ms per session (%.1f s in all); peak heap during the flush: %d MiB (max %d MiB)%n",
                    cpu / 1e6 / sessions, cpu / 1e9, peakHeap.get() >> 20, Runtime.getRuntime().maxMemory() >> 20);
            System.out.printf("cash box: %d receipts, turnover %d cents; ledger head %d%n", box.receipts(), box.turnoverCents(), ledger.head());
            Files.writeString(work.resolve("result.txt"), "ok");
        }
    }

    private static String post(HttpClient http, ObjectMapper json, String url, Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + KEY)
                    .header("Content-Type", "application/x-www-form-urlencoded").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException(url + ": HTTP " + r.statusCode() + " " + r.body());
            }
            return json.readTree(r.body()).path("id").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
