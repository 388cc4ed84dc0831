package forecourt.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Constructor;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.EvseId;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.id.SiteId;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.money.Money;
import forecourt.api.outbox.InstructionHandler;
import forecourt.api.payment.Hold;
import forecourt.api.payment.PaymentJson;
import forecourt.api.payment.PaymentTerminal;
import forecourt.api.payment.SettlementOrder;
import forecourt.ledger.LedgerStore;
import forecourt.sim.http.Fault;
import forecourt.sim.stripe.StripeEmulator;
import forecourt.testsupport.TestSite;

/**
 * The guarantee the product lives on, against the Stripe emulator through the real outbox
 * worker and a real ledger: randomized fault sequences (drops after apply, stalls past the
 * timeout, saved 500s, 503, 429) on every money call, and each session still ends with
 * exactly one capture of its amount (or one release) at the acquirer.
 * <p>
 * In package {@code forecourt.outbox} to drive the outbox's own (package-private) worker:
 * the same code that runs in the gateway, with no framework around it.
 */
class StripeFaultSequencesTest {
    private static final String KEY = "sk_test_faults";
    @TempDir
    Path dir;

    @Test
    void everyFaultSequenceEndsInExactlyOneMoneyMovementOfTheRightAmount() throws Exception {
        int sessions = Boolean.getBoolean("forecourt.long") ? 5_000 : 1_000;
        TestSite site = new TestSite("stripe-faults");
        try (StripeEmulator stripe = new StripeEmulator(dir.resolve("stripe.mv.db"), 0, KEY, Clock.systemUTC(), Duration.ofDays(2));
                LedgerStore ledger = new LedgerStore(dir.resolve("ledger.mv.db"), Clock.systemUTC(), 256)) {
            Class<?> apiClass = Class.forName("forecourt.acquirer.stripe.StripeApi");
            Constructor<?> apiCtor = apiClass.getDeclaredConstructor(String.class, String.class, Duration.class);
            apiCtor.setAccessible(true);
            Object api = apiCtor.newInstance(stripe.baseUrl(), KEY, Duration.ofMillis(150));
            Constructor<?> acqCtor = Class.forName("forecourt.acquirer.stripe.StripeAcquirer").getDeclaredConstructor(String.class, apiClass,
                    Clock.class, Duration.class);
            acqCtor.setAccessible(true);
            InstructionHandler acquirer = (InstructionHandler) acqCtor.newInstance("stripe-faults", api, Clock.systemUTC(), Duration.ZERO);
            Constructor<?> termCtor = Class.forName("forecourt.acquirer.stripe.StripeTerminal").getDeclaredConstructor(String.class,
                    String.class, String.class, apiClass, forecourt.api.ledger.Ledger.class, forecourt.api.site.SiteModel.class, Clock.class,
                    SecureRandom.class, Duration.class, Duration.class, java.util.concurrent.Executor.class);
            termCtor.setAccessible(true);
            PaymentTerminal terminal = (PaymentTerminal) termCtor.newInstance("T1", "tmr_1", "acquirer:stripe-faults", api, ledger, site,
                    Clock.systemUTC(), new SecureRandom(), Duration.ofSeconds(5), Duration.ofMillis(1), Executors.newFixedThreadPool(8));

            // holds on a good day
            long h0 = System.nanoTime();
            List<Hold> holds = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                holds.add(terminal.placeHold(EvseId.parse("CH1/1")).toCompletableFuture().join());
            }
            System.out.printf("%d holds in %d ms%n", sessions, (System.nanoTime() - h0) / 1_000_000);
            // then every money call meets a fault with probability 0.5
            Random amounts = new Random(7);
            Map<String, Long> expected = new HashMap<>();
            SiteId siteId = site.site().id();
            for (Hold h : holds) {
                long amount = amounts.nextInt(6) == 0 ? 0 : 1 + amounts.nextInt(5000); // one in six: zero energy
                SettlementOrder.Operation op = amount == 0 ? SettlementOrder.Operation.RELEASE : SettlementOrder.Operation.SETTLE;
                expected.put(h.providerReference(), amount);
                SettlementOrder order = new SettlementOrder(op, h.authorizationReference(), h.providerReference(), h.amount(), Money.of(amount, "EUR"));
                IdempotencyKey key = IdempotencyKey.derive(siteId, h.authorizationReference(), new AuthorizationReference(h.authorizationReference()),
                        op.keyName());
                ledger.enqueue(Instruction.of(key, h.acquirerLink(), h.authorizationReference(), true, PaymentJson.order(order)))
                        .toCompletableFuture().join();
            }
            stripe.faults().stallMillis(200).random(42, 0.5, Fault.DROP_BEFORE_APPLY, Fault.APPLY_THEN_DROP, Fault.APPLY_THEN_STALL,
                    Fault.SERVER_ERROR, Fault.UNAVAILABLE, Fault.RATE_LIMITED);
            DeliveryWorker worker = new DeliveryWorker(ledger, Clock.systemUTC(), link -> acquirer,
                    new DeliveryPolicy(1_000, Duration.ZERO, Duration.ZERO, 0), new Random(1));
            long t0 = System.nanoTime();
            long deadline = t0 + Duration.ofMinutes(5).toNanos();
            while (!ledger.outbox().isEmpty() && System.nanoTime() < deadline) {
                worker.dueByLink().forEach(worker::drain);
            }
            System.out.printf("%d fault sequences delivered in %d ms: %d ambiguous, %d retryable, %d resolved%n", sessions,
                    (System.nanoTime() - t0) / 1_000_000, worker.unknown.sum(), worker.retryable.sum(), worker.resolved.sum());
            assertThat(ledger.outbox()).as("instructions still open").isEmpty();

            // the acquirer's own record: one capture per settled session, of its amount; none for released ones
            Map<String, Integer> capturesPerIntent = new HashMap<>();
            for (JsonNode c : stripe.captures()) {
                String pi = c.get("payment_intent").asText();
                capturesPerIntent.merge(pi, 1, Integer::sum);
                assertThat(c.get("amount").asLong()).as("captured amount of " + pi).isEqualTo(expected.get(pi));
            }
            for (Map.Entry<String, Long> e : expected.entrySet()) {
                JsonNode pi = stripe.intent(e.getKey());
                if (e.getValue() == 0) {
                    assertThat(capturesPerIntent).doesNotContainKey(e.getKey());
                    assertThat(pi.get("status").asText()).as(e.getKey()).isEqualTo("canceled");
                } else {
                    assertThat(capturesPerIntent.get(e.getKey())).as("captures of " + e.getKey()).isEqualTo(1);
                    assertThat(pi.get("amount_received").asLong()).isEqualTo(e.getValue());
                }
            }
            // and the ledger agrees: every instruction SUCCEEDED
            for (Hold h : holds) {
                String op = expected.get(h.providerReference()) == 0 ? "release" : "settle";
                IdempotencyKey key = IdempotencyKey.derive(siteId, h.authorizationReference(), new AuthorizationReference(h.authorizationReference()), op);
                assertThat(ledger.instruction(key).orElseThrow().status()).isEqualTo(OutboxEntry.Status.SUCCEEDED);
            }
            assertThat(worker.unknown.sum()).as("ambiguous answers met").isGreaterThan(sessions / 20);
        }
    }

    /** A new adapter instance on the same emulator, as a freshly updated bundle would create. */
    private static InstructionHandler stripeAcquirer(StripeEmulator stripe, Duration timeout) throws Exception {
        Class<?> apiClass = Class.forName("forecourt.acquirer.stripe.StripeApi");
        Constructor<?> apiCtor = apiClass.getDeclaredConstructor(String.class, String.class, Duration.class);
        apiCtor.setAccessible(true);
        Object api = apiCtor.newInstance(stripe.baseUrl(), KEY, timeout);
        Constructor<?> acqCtor = Class.forName("forecourt.acquirer.stripe.StripeAcquirer").getDeclaredConstructor(String.class, apiClass, Clock.class,
                Duration.class);
        acqCtor.setAccessible(true);
        return (InstructionHandler) acqCtor.newInstance("stripe-faults", api, Clock.systemUTC(), Duration.ZERO);
    }

    @Test
    void theAdapterReplacedMidRetryCompletesTheInstructionOnce() throws Exception {
        TestSite site = new TestSite("stripe-faults");
        try (StripeEmulator stripe = new StripeEmulator(dir.resolve("stripe.mv.db"), 0, KEY, Clock.systemUTC(), Duration.ofDays(2));
                LedgerStore ledger = new LedgerStore(dir.resolve("ledger.mv.db"), Clock.systemUTC(), 64)) {
            Class<?> apiClass = Class.forName("forecourt.acquirer.stripe.StripeApi");
            Constructor<?> apiCtor = apiClass.getDeclaredConstructor(String.class, String.class, Duration.class);
            apiCtor.setAccessible(true);
            Object api = apiCtor.newInstance(stripe.baseUrl(), KEY, Duration.ofSeconds(2));
            Constructor<?> termCtor = Class.forName("forecourt.acquirer.stripe.StripeTerminal").getDeclaredConstructor(String.class, String.class,
                    String.class, apiClass, forecourt.api.ledger.Ledger.class, forecourt.api.site.SiteModel.class, Clock.class, SecureRandom.class,
                    Duration.class, Duration.class, java.util.concurrent.Executor.class);
            termCtor.setAccessible(true);
            PaymentTerminal terminal = (PaymentTerminal) termCtor.newInstance("T1", "tmr_1", "acquirer:stripe-faults", api, ledger, site,
                    Clock.systemUTC(), new SecureRandom(), Duration.ofSeconds(5), Duration.ofMillis(1), Executors.newFixedThreadPool(2));
            Hold h = terminal.placeHold(EvseId.parse("CH1/1")).toCompletableFuture().join();
            SettlementOrder order = new SettlementOrder(SettlementOrder.Operation.SETTLE, h.authorizationReference(), h.providerReference(), h.amount(),
                    Money.of(708, "EUR"));
            IdempotencyKey key = IdempotencyKey.derive(site.site().id(), h.authorizationReference(), new AuthorizationReference(h.authorizationReference()),
                    "settle");
            ledger.enqueue(Instruction.of(key, h.acquirerLink(), h.authorizationReference(), true, PaymentJson.order(order))).toCompletableFuture().join();
            Map<String, InstructionHandler> registered = new java.util.concurrent.ConcurrentHashMap<>();
            registered.put(h.acquirerLink(), stripeAcquirer(stripe, Duration.ofMillis(500)));
            DeliveryWorker worker = new DeliveryWorker(ledger, Clock.systemUTC(), registered::get, new DeliveryPolicy(100, Duration.ZERO, Duration.ZERO, 0),
                    new Random(5));
            stripe.faults().script(Fault.APPLY_THEN_DROP); // applied, answer lost: in doubt
            worker.dueByLink().forEach(worker::drain);
            assertThat(ledger.instruction(key).orElseThrow().status()).isEqualTo(OutboxEntry.Status.UNKNOWN);
            registered.remove(h.acquirerLink()); // the bundle is being updated
            worker.dueByLink().forEach(worker::drain);
            assertThat(ledger.instruction(key).orElseThrow().status()).as("nothing done while it is away").isEqualTo(OutboxEntry.Status.UNKNOWN);
            registered.put(h.acquirerLink(), stripeAcquirer(stripe, Duration.ofMillis(500))); // the new version is up
            worker.dueByLink().forEach(worker::drain);
            assertThat(ledger.instruction(key).orElseThrow().status()).isEqualTo(OutboxEntry.Status.SUCCEEDED);
            assertThat(stripe.captures()).hasSize(1);
            assertThat(stripe.captures().get(0).get("amount").asLong()).isEqualTo(708);
        }
    }
}
