package forecourt.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import forecourt.acquirer.adyen.AdyenTestRig;
import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.EvseId;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.id.SiteId;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.money.Money;
import forecourt.api.payment.Hold;
import forecourt.api.payment.PaymentJson;
import forecourt.api.payment.SettlementOrder;
import forecourt.ledger.LedgerStore;
import forecourt.sim.adyen.AdyenEmulator;
import forecourt.sim.http.Fault;
import forecourt.testsupport.TestSite;

/**
 * Adyen's asynchronous model under randomized faults, through the real outbox worker and a
 * real ledger: money calls dropped after apply, stalled past the timeout, 500, 503, 429;
 * notifications delayed, duplicated or lost. Each session still ends with exactly one
 * capture of its amount (or one cancel) at the emulator, every instruction SUCCEEDED.
 */
class AdyenFaultSequencesTest {
    @TempDir
    Path dir;

    @Test
    void everyFaultSequenceEndsInExactlyOneMoneyMovementOfTheRightAmount() throws Exception {
        int sessions = Boolean.getBoolean("forecourt.long") ? 5_000 : 1_000;
        TestSite site = new TestSite(AdyenTestRig.NAME);
        try (AdyenEmulator adyen = new AdyenEmulator(dir.resolve("adyen.mv.db"), 0, AdyenTestRig.API_KEY, AdyenTestRig.MERCHANT, AdyenTestRig.HMAC,
                Clock.systemUTC(), Duration.ofDays(7));
                LedgerStore ledger = new LedgerStore(dir.resolve("ledger.mv.db"), Clock.systemUTC(), 256);
                AdyenTestRig rig = new AdyenTestRig(adyen, ledger, site, Duration.ofMillis(150), Duration.ofMillis(100), Duration.ofDays(31))) {
            List<Hold> holds = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                holds.add(rig.terminal().placeHold(EvseId.parse("CH1/1")).toCompletableFuture().join());
            }
            Random amounts = new Random(11);
            Map<String, Long> expected = new HashMap<>();
            SiteId siteId = site.site().id();
            for (Hold h : holds) {
                long amount = amounts.nextInt(6) == 0 ? 0 : 1 + amounts.nextInt(5000);
                SettlementOrder.Operation op = amount == 0 ? SettlementOrder.Operation.RELEASE : SettlementOrder.Operation.SETTLE;
                expected.put(h.providerReference(), amount);
                SettlementOrder order = new SettlementOrder(op, h.authorizationReference(), h.providerReference(), h.amount(), Money.of(amount, "EUR"));
                IdempotencyKey key = IdempotencyKey.derive(siteId, h.authorizationReference(), new AuthorizationReference(h.authorizationReference()),
                        op.keyName());
                ledger.enqueue(Instruction.of(key, h.acquirerLink(), h.authorizationReference(), true, PaymentJson.order(order)))
                        .toCompletableFuture().join();
            }
            adyen.faults().stallMillis(170).random(42, 0.5, Fault.DROP_BEFORE_APPLY, Fault.APPLY_THEN_DROP, Fault.APPLY_THEN_STALL,
                    Fault.SERVER_ERROR, Fault.UNAVAILABLE, Fault.RATE_LIMITED);
            adyen.webhookDelayMillis(30);
            adyen.randomWebhookFaults(43, 0.3);
            DeliveryWorker worker = new DeliveryWorker(ledger, Clock.systemUTC(), link -> rig.acquirer(),
                    new DeliveryPolicy(1_000, Duration.ZERO, Duration.ZERO, 0), new Random(1));
            long t0 = System.nanoTime();
            long deadline = t0 + Duration.ofMinutes(5).toNanos();
            while (!ledger.outbox().isEmpty() && System.nanoTime() < deadline) {
                worker.dueByLink().forEach(worker::drain);
            }
            System.out.printf("%d Adyen fault sequences delivered in %d ms: %d ambiguous, %d retryable, %d resolved; %d duplicate notifications%n",
                    sessions, (System.nanoTime() - t0) / 1_000_000, worker.unknown.sum(), worker.retryable.sum(), worker.resolved.sum(),
                    rig.notificationCounter("duplicate"));
            assertThat(ledger.outbox()).as("instructions still open").isEmpty();

            Map<String, Integer> capturesPerPayment = new HashMap<>();
            for (JsonNode c : adyen.captures()) {
                String psp = c.get("paymentPspReference").asText();
                capturesPerPayment.merge(psp, 1, Integer::sum);
                assertThat(c.get("amount").asLong()).as("captured amount of " + psp).isEqualTo(expected.get(psp));
            }
            for (Map.Entry<String, Long> e : expected.entrySet()) {
                JsonNode payment = adyen.payment(e.getKey());
                if (e.getValue() == 0) {
                    assertThat(capturesPerPayment).doesNotContainKey(e.getKey());
                    assertThat(payment.get("status").asText()).as(e.getKey()).isEqualTo("CANCELLED");
                } else {
                    assertThat(capturesPerPayment.get(e.getKey())).as("captures of " + e.getKey()).isEqualTo(1);
                    assertThat(payment.get("captured").asLong()).isEqualTo(e.getValue());
                }
            }
            for (Hold h : holds) {
                String op = expected.get(h.providerReference()) == 0 ? "release" : "settle";
                IdempotencyKey key = IdempotencyKey.derive(siteId, h.authorizationReference(), new AuthorizationReference(h.authorizationReference()), op);
                assertThat(ledger.instruction(key).orElseThrow().status()).isEqualTo(OutboxEntry.Status.SUCCEEDED);
            }
            assertThat(worker.unknown.sum()).as("ambiguous answers met").isGreaterThan(sessions / 20);
            assertThat(rig.notificationCounter("duplicate")).as("duplicated notifications met").isPositive();
        }
    }

    @Test
    void theAdapterReplacedMidRetryCompletesTheInstructionOnce() throws Exception {
        TestSite site = new TestSite(AdyenTestRig.NAME);
        try (AdyenEmulator adyen = new AdyenEmulator(dir.resolve("adyen.mv.db"), 0, AdyenTestRig.API_KEY, AdyenTestRig.MERCHANT, AdyenTestRig.HMAC,
                Clock.systemUTC(), Duration.ofDays(7));
                LedgerStore ledger = new LedgerStore(dir.resolve("ledger.mv.db"), Clock.systemUTC(), 64)) {
            AdyenTestRig before = new AdyenTestRig(adyen, ledger, site, Duration.ofMillis(300), Duration.ofMillis(100), Duration.ofDays(31));
            Hold h = before.terminal().placeHold(EvseId.parse("CH1/1")).toCompletableFuture().join();
            SettlementOrder order = new SettlementOrder(SettlementOrder.Operation.SETTLE, h.authorizationReference(), h.providerReference(), h.amount(),
                    Money.of(708, "EUR"));
            IdempotencyKey key = IdempotencyKey.derive(site.site().id(), h.authorizationReference(), new AuthorizationReference(h.authorizationReference()),
                    "settle");
            ledger.enqueue(Instruction.of(key, h.acquirerLink(), h.authorizationReference(), true, PaymentJson.order(order))).toCompletableFuture().join();
            Map<String, forecourt.api.outbox.InstructionHandler> registered = new java.util.concurrent.ConcurrentHashMap<>();
            registered.put(h.acquirerLink(), before.acquirer());
            DeliveryWorker worker = new DeliveryWorker(ledger, Clock.systemUTC(), registered::get, new DeliveryPolicy(100, Duration.ZERO, Duration.ZERO, 0),
                    new Random(5));
            // the capture is applied, the answer lost, the notification lost too: the instruction is in doubt
            adyen.faults().script(Fault.APPLY_THEN_DROP);
            adyen.scriptWebhooks(AdyenEmulator.WebhookFault.LOSE);
            worker.dueByLink().forEach(worker::drain);
            assertThat(ledger.instruction(key).orElseThrow().status()).isEqualTo(OutboxEntry.Status.UNKNOWN);
            // the bundle is updated: the old instance leaves, nothing is attempted meanwhile
            registered.remove(h.acquirerLink());
            before.close();
            worker.dueByLink().forEach(worker::drain);
            assertThat(ledger.instruction(key).orElseThrow().status()).isEqualTo(OutboxEntry.Status.UNKNOWN);
            try (AdyenTestRig after = new AdyenTestRig(adyen, ledger, site, Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofDays(31))) {
                registered.put(h.acquirerLink(), after.acquirer());
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (ledger.instruction(key).orElseThrow().status() != OutboxEntry.Status.SUCCEEDED && System.nanoTime() < deadline) {
                    worker.dueByLink().forEach(worker::drain);
                }
                assertThat(ledger.instruction(key).orElseThrow().status()).isEqualTo(OutboxEntry.Status.SUCCEEDED);
                assertThat(ledger.instruction(key).orElseThrow().attempts()).as("resolved, not sent as a new attempt").isEqualTo(1);
                assertThat(adyen.captures()).hasSize(1);
                assertThat(adyen.captures().get(0).get("amount").asLong()).isEqualTo(708);
            }
        }
    }
}
