package forecourt.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.id.SiteId;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.ledger.OutboxEntry.Status;
import forecourt.api.outbox.InstructionHandler;
import forecourt.ledger.LedgerStore;

class DeliveryWorkerTest {
    @TempDir
    Path dir;

    static final class ManualClock extends Clock {
        volatile Instant now = Instant.parse("2026-11-24T10:00:00Z");

        public Instant instant() {
            return now;
        }

        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    enum Behaviour {
        /** applied, answered */
        OK,
        /** applied, then the connection dropped: answer lost */
        APPLY_THEN_DROP,
        /** timed out before the upstream applied it */
        TIMEOUT_BEFORE_APPLY,
        /** 503 / 429: not applied, try later */
        REFUSED,
        /** a final no */
        DECLINE,
        /** the adapter sent it and then threw */
        THROW_AFTER_APPLY,
        /** a slow answer, in time */
        SLOW
    }

    /** An idempotent upstream per link that also polices the worker. */
    static final class ScriptedUpstream implements InstructionHandler {
        final String link;
        final Map<String, Deque<Behaviour>> scripts = new ConcurrentHashMap<>();
        final Map<String, Integer> rawApplies = new ConcurrentHashMap<>();
        final Map<String, Boolean> mayHaveLanded = new ConcurrentHashMap<>();
        final List<String> appliedOrder = new ArrayList<>();
        final Random random;
        final List<String> violations = new ArrayList<>();
        ManualClock clock;

        ScriptedUpstream(String link, Random random) {
            this.link = link;
            this.random = random;
        }

        private void apply(String key) {
            if (rawApplies.merge(key, 1, Integer::sum) == 1) {
                appliedOrder.add(key);
            }
        }

        @Override
        public InstructionOutcome deliver(Instruction instruction, int attempt) {
            String key = instruction.key().value();
            if (!instruction.link().equals(link)) {
                violations.add(key + " routed to " + link);
            }
            if (mayHaveLanded.getOrDefault(key, false)) {
                violations.add(key + " sent again (attempt " + attempt + ") while its last attempt may have landed");
            }
            Deque<Behaviour> script = scripts.get(key);
            Behaviour b = script == null || script.isEmpty() ? Behaviour.OK : script.poll();
            switch (b) {
                case OK -> {
                    apply(key);
                    return InstructionOutcome.succeeded("ref-" + key.substring(0, 12));
                }
                case APPLY_THEN_DROP -> {
                    apply(key);
                    mayHaveLanded.put(key, true);
                    return InstructionOutcome.unknown("connection reset after send");
                }
                case TIMEOUT_BEFORE_APPLY -> {
                    mayHaveLanded.put(key, true);
                    return InstructionOutcome.unknown("read timeout");
                }
                case REFUSED -> {
                    return InstructionOutcome.retryable("HTTP 503", clock.now);
                }
                case DECLINE -> {
                    return InstructionOutcome.declined("card_declined");
                }
                case SLOW -> {
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    apply(key);
                    return InstructionOutcome.succeeded("ref-slow-" + key.substring(0, 12));
                }
                default -> {
                    apply(key);
                    mayHaveLanded.put(key, true);
                    throw new IllegalStateException("adapter bug after sending");
                }
            }
        }

        @Override
        public InstructionOutcome resolve(Instruction instruction, int attempt) {
            String key = instruction.key().value();
            if (random.nextInt(4) == 0) {
                return InstructionOutcome.unknown("status lookup timed out too");
            }
            mayHaveLanded.put(key, false);
            return rawApplies.containsKey(key) ? InstructionOutcome.succeeded("ref-" + key.substring(0, 12))
                    : InstructionOutcome.retryable("not found upstream: never applied", clock.now);
        }
    }

    private static IdempotencyKey key(int i) {
        return IdempotencyKey.derive(new SiteId("AT0042"), "S" + i, new AuthorizationReference("AT0042-R" + i), "capture");
    }

    @Test
    void randomizedFaultSequencesEndWithEveryInstructionDeliveredExactlyOnceInOrder() throws Exception {
        Random random = new Random(20261124);
        ManualClock clock = new ManualClock();
        List<String> linkNames = List.of("acquirer:stripe", "acquirer:adyen", "fiscal:rksv", "cpo:ocpi");
        Map<String, ScriptedUpstream> upstreams = new HashMap<>();
        for (String l : linkNames) {
            ScriptedUpstream u = new ScriptedUpstream(l, random);
            u.clock = clock;
            upstreams.put(l, u);
        }
        Map<String, List<String>> enqueuedOrder = new HashMap<>();
        Map<String, Boolean> declinedKeys = new HashMap<>();
        int instructions = 1000;
        try (LedgerStore ledger = new LedgerStore(dir.resolve("l.mv.db"), clock, 1024)) {
            DeliveryWorker worker = new DeliveryWorker(ledger, clock, upstreams::get,
                    new DeliveryPolicy(100, Duration.ofMillis(100), Duration.ofSeconds(5), 0.2), random);
            int next = 0;
            int passes = 0;
            while (passes < 20_000) {
                // instructions keep arriving while links fail
                for (int n = random.nextInt(12); n > 0 && next < instructions; n--, next++) {
                    String link = linkNames.get(random.nextInt(linkNames.size()));
                    IdempotencyKey k = key(next);
                    Deque<Behaviour> script = new ArrayDeque<>();
                    for (int f = random.nextInt(5); f > 0; f--) {
                        script.add(Behaviour.values()[1 + random.nextInt(Behaviour.values().length - 1)]);
                    }
                    // a success ends the script: nothing after it is ever asked for
                    if (script.contains(Behaviour.SLOW)) {
                        while (script.peekLast() != Behaviour.SLOW) {
                            script.pollLast();
                        }
                    }
                    if (script.contains(Behaviour.DECLINE)) {
                        // a decline is final: whatever was scripted after it never happens
                        while (script.peekLast() != Behaviour.DECLINE) {
                            script.pollLast();
                        }
                        // and a decline after something that applied it would be a different upstream bug
                        if (script.stream().anyMatch(b -> b == Behaviour.APPLY_THEN_DROP || b == Behaviour.THROW_AFTER_APPLY
                                || b == Behaviour.SLOW)) {
                            script.removeIf(b -> b == Behaviour.DECLINE);
                        } else {
                            declinedKeys.put(k.value(), true);
                        }
                    }
                    upstreams.get(link).scripts.put(k.value(), script);
                    ledger.enqueue(Instruction.of(k, link, "S" + next, true, "{\"amount\":" + (100 + next) + "}")).toCompletableFuture().get();
                    enqueuedOrder.computeIfAbsent(link, l -> new ArrayList<>()).add(k.value());
                }
                worker.dueByLink().forEach(worker::drain);
                clock.now = clock.now.plusMillis(250);
                passes++;
                if (next == instructions && ledger.outbox().isEmpty()) {
                    break;
                }
            }
            assertThat(ledger.outbox()).as("everything delivered or declined within %d passes", passes).isEmpty();
            for (ScriptedUpstream u : upstreams.values()) {
                assertThat(u.violations).as(u.link).isEmpty();
                for (String k : enqueuedOrder.getOrDefault(u.link, List.of())) {
                    OutboxEntry e = ledger.instruction(new IdempotencyKey(k)).orElseThrow();
                    if (declinedKeys.containsKey(k)) {
                        assertThat(e.status()).as(k).isEqualTo(Status.DECLINED);
                        assertThat(u.rawApplies.get(k)).as("declined %s was never applied", k).isNull();
                    } else {
                        assertThat(e.status()).as(k).isEqualTo(Status.SUCCEEDED);
                        assertThat(u.rawApplies.get(k)).as("%s applied exactly once", k).isEqualTo(1);
                    }
                }
                List<String> expected = new ArrayList<>(enqueuedOrder.getOrDefault(u.link, List.of()));
                expected.removeIf(declinedKeys::containsKey);
                assertThat(u.appliedOrder).as("journal order on %s", u.link).containsExactlyElementsOf(expected);
            }
            assertThat(worker.unknown.sum()).as("the faults really happened").isGreaterThan(100);
            assertThat(worker.resolved.sum()).isGreaterThan(100);
            assertThat(worker.retryable.sum()).isGreaterThan(100);
            assertThat(ledger.verify().intact()).isTrue();
        }
    }

    @Test
    void anAbsentHandlerMeansWaitingNeverReRouting() throws Exception {
        ManualClock clock = new ManualClock();
        Random random = new Random(1);
        Map<String, InstructionHandler> registered = new ConcurrentHashMap<>();
        ScriptedUpstream stripe = new ScriptedUpstream("acquirer:stripe", random);
        ScriptedUpstream adyen = new ScriptedUpstream("acquirer:adyen", random);
        stripe.clock = clock;
        adyen.clock = clock;
        registered.put("acquirer:adyen", adyen);
        try (LedgerStore ledger = new LedgerStore(dir.resolve("l.mv.db"), clock, 64)) {
            DeliveryWorker worker = new DeliveryWorker(ledger, clock, registered::get,
                    new DeliveryPolicy(10, Duration.ofMillis(100), Duration.ofSeconds(1), 0), random);
            IdempotencyKey k = key(1);
            ledger.enqueue(Instruction.of(k, "acquirer:stripe", "S1", true, "{}")).toCompletableFuture().get();
            for (int i = 0; i < 20; i++) {
                worker.dueByLink().forEach(worker::drain);
                clock.now = clock.now.plusSeconds(1);
            }
            assertThat(ledger.instruction(k).orElseThrow().attempts()).as("no attempt while the bundle is away").isZero();
            assertThat(adyen.rawApplies).isEmpty();
            registered.put("acquirer:stripe", stripe); // the updated bundle is back
            worker.dueByLink().forEach(worker::drain);
            assertThat(ledger.instruction(k).orElseThrow().status()).isEqualTo(Status.SUCCEEDED);
            assertThat(stripe.rawApplies.get(k.value())).isEqualTo(1);
        }
    }

    @Test
    void afterMaxAttemptsAnInstructionGoesToReviewAndAPersonCanResendIt() throws Exception {
        ManualClock clock = new ManualClock();
        Random random = new Random(2);
        ScriptedUpstream upstream = new ScriptedUpstream("fiscal:rksv", random);
        upstream.clock = clock;
        try (LedgerStore ledger = new LedgerStore(dir.resolve("l.mv.db"), clock, 64)) {
            DeliveryWorker worker = new DeliveryWorker(ledger, clock, l -> upstream,
                    new DeliveryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1), 0), random);
            IdempotencyKey k = key(7);
            upstream.scripts.put(k.value(), new ArrayDeque<>(List.of(Behaviour.REFUSED, Behaviour.REFUSED, Behaviour.REFUSED)));
            ledger.enqueue(Instruction.of(k, "fiscal:rksv", "S7", false, "{}")).toCompletableFuture().get();
            for (int i = 0; i < 30; i++) {
                worker.dueByLink().forEach(worker::drain);
                clock.now = clock.now.plusSeconds(2);
            }
            assertThat(ledger.instruction(k).orElseThrow().status()).as("kept, not dropped").isEqualTo(Status.REVIEW);
            assertThat(ledger.outbox()).extracting(OutboxEntry::key).containsExactly(k);
            assertThat(worker.reviews.sum()).isEqualTo(1);
            ledger.retry(k, "tech:anna", "fiscal service is back").toCompletableFuture().get();
            worker.dueByLink().forEach(worker::drain);
            assertThat(ledger.instruction(k).orElseThrow().status()).isEqualTo(Status.SUCCEEDED);
            assertThat(upstream.rawApplies.get(k.value())).isEqualTo(1);
        }
    }

    @Test
    void aHandlerThatCanNoLongerTellPutsTheInstructionInReviewAndTheLinkGoesOn() throws Exception {
        ManualClock clock = new ManualClock();
        IdempotencyKey doubtful = key(21);
        IdempotencyKey next = key(22);
        InstructionHandler upstream = new InstructionHandler() {
            @Override
            public forecourt.api.ledger.InstructionOutcome deliver(Instruction instruction, int attempt) {
                return instruction.key().equals(doubtful) ? forecourt.api.ledger.InstructionOutcome.unknown("received, awaiting confirmation")
                        : forecourt.api.ledger.InstructionOutcome.succeeded("ok");
            }

            @Override
            public forecourt.api.ledger.InstructionOutcome resolve(Instruction instruction, int attempt) {
                return forecourt.api.ledger.InstructionOutcome.needsReview("no confirmation and the upstream's idempotency window has passed");
            }
        };
        try (LedgerStore ledger = new LedgerStore(dir.resolve("l.mv.db"), clock, 64)) {
            DeliveryWorker worker = new DeliveryWorker(ledger, clock, l -> upstream,
                    new DeliveryPolicy(10, Duration.ofMillis(100), Duration.ofSeconds(1), 0), new Random(4));
            ledger.enqueue(Instruction.of(doubtful, "acquirer:adyen", "S21", true, "{}")).toCompletableFuture().get();
            ledger.enqueue(Instruction.of(next, "acquirer:adyen", "S22", true, "{}")).toCompletableFuture().get();
            for (int i = 0; i < 10; i++) {
                worker.dueByLink().forEach(worker::drain);
                clock.now = clock.now.plusSeconds(2);
            }
            OutboxEntry reviewed = ledger.instruction(doubtful).orElseThrow();
            assertThat(reviewed.status()).isEqualTo(Status.REVIEW);
            assertThat(reviewed.lastDetail()).contains("idempotency window");
            assertThat(reviewed.attempts()).as("sent once, never again by itself").isEqualTo(1);
            assertThat(ledger.instruction(next).orElseThrow().status()).isEqualTo(Status.SUCCEEDED);
            assertThat(worker.reviews.sum()).isEqualTo(1);
        }
    }

    @Test
    void moneyGoesBeforeNotificationsOnALink() throws Exception {
        ManualClock clock = new ManualClock();
        Random random = new Random(3);
        ScriptedUpstream upstream = new ScriptedUpstream("cpo:ocpi", random);
        upstream.clock = clock;
        try (LedgerStore ledger = new LedgerStore(dir.resolve("l.mv.db"), clock, 64)) {
            DeliveryWorker worker = new DeliveryWorker(ledger, clock, l -> upstream,
                    new DeliveryPolicy(3, Duration.ofMillis(100), Duration.ofSeconds(1), 0), random);
            ledger.enqueue(Instruction.of(key(1), "cpo:ocpi", "S1", false, "{}")).toCompletableFuture().get();
            ledger.enqueue(Instruction.of(key(2), "cpo:ocpi", "S2", true, "{}")).toCompletableFuture().get();
            ledger.enqueue(Instruction.of(key(3), "cpo:ocpi", "S3", false, "{}")).toCompletableFuture().get();
            worker.dueByLink().forEach(worker::drain);
            assertThat(upstream.appliedOrder).containsExactly(key(2).value(), key(1).value(), key(3).value());
        }
    }
}
