package forecourt.outbox;

import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.InstructionOutcome.Result;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.LedgerException;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.outbox.InstructionHandler;

/**
 * The one delivery mechanism for every upstream instruction. It holds no state that a
 * restart would miss: what to send, what was attempted and what came back are all in the
 * ledger, and every step is recorded there before (attempt) and after (outcome) it happens.
 * <p>
 * Rules, in the order they protect money:
 * <ol>
 * <li>An instruction whose last attempt may have landed (IN_FLIGHT after a crash, UNKNOWN
 * after a lost answer) is <em>resolved</em> by its handler, never sent again blindly. (The
 * ledger refuses a new attempt in that state as well.)</li>
 * <li>An attempt is recorded durably before the handler is called.</li>
 * <li>Instructions go only to the handler of their own link; with none registered they wait.</li>
 * <li>Per link, money before notifications, then journal order; a link that failed takes no
 * new attempt until its backoff has passed, and the first one after it is the probe.</li>
 * <li>Nothing is dropped: after {@code maxAttempts}, or past an instruction's own
 * {@code deliverBy}, it goes to REVIEW with an alarm and stays resendable by a person.</li>
 * </ol>
 */
final class DeliveryWorker {
    private static final Logger log = LoggerFactory.getLogger(DeliveryWorker.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Ledger ledger;
    private final Clock clock;
    private final Function<String, InstructionHandler> handlers;
    private final DeliveryPolicy policy;
    private final Random random;
    private final Map<String, LinkState> links = new ConcurrentHashMap<>();
    final LongAdder delivered = new LongAdder();
    final LongAdder declined = new LongAdder();
    final LongAdder retryable = new LongAdder();
    final LongAdder unknown = new LongAdder();
    final LongAdder resolved = new LongAdder();
    final LongAdder reviews = new LongAdder();

    DeliveryWorker(Ledger ledger, Clock clock, Function<String, InstructionHandler> handlers, DeliveryPolicy policy, Random random) {
        this.ledger = ledger;
        this.clock = clock;
        this.handlers = handlers;
        this.policy = policy;
        this.random = random;
    }

    /** Open instructions grouped by link, each group money first, then journal order. */
    Map<String, List<OutboxEntry>> dueByLink() {
        Map<String, List<OutboxEntry>> byLink = new LinkedHashMap<>();
        for (OutboxEntry e : ledger.outbox()) {
            byLink.computeIfAbsent(e.link(), l -> new ArrayList<>()).add(e);
        }
        Comparator<OutboxEntry> order = Comparator.comparing((OutboxEntry e) -> !e.money()).thenComparingLong(OutboxEntry::enqueuedSeq);
        byLink.values().forEach(list -> list.sort(order));
        return byLink;
    }

    /**
     * Works through one link's instructions in order until one must wait. Call it for one
     * link from one thread at a time.
     *
     * @return how many steps (attempts or resolves) were taken
     */
    int drain(String link, List<OutboxEntry> entries) {
        LinkState state = links.computeIfAbsent(link, LinkState::new);
        InstructionHandler handler = handlers.apply(link);
        if (handler == null) {
            return 0; // its bundle is absent or being updated: wait, never re-route
        }
        int steps = 0;
        for (OutboxEntry listed : entries) {
            Instant now = clock.instant();
            if (state.isDown(now)) {
                break;
            }
            OutboxEntry e = ledger.instruction(listed.key()).orElse(listed); // fresh: another pass may have moved it
            if (!e.status().isOpen() || e.status() == OutboxEntry.Status.REVIEW) {
                continue; // done, or waiting for a person: does not hold up the link
            }
            Optional<Instruction> body = ledger.instructionBody(e.key());
            if (body.isEmpty()) {
                continue;
            }
            Instruction instruction = body.get();
            try {
                if (e.status().needsResolve()) {
                    steps++;
                    if (!resolve(handler, state, e, instruction)) {
                        break;
                    }
                } else if (e.status() == OutboxEntry.Status.PENDING) {
                    if (e.nextAttemptAt() != null && e.nextAttemptAt().isAfter(now)) {
                        break; // journal order: later ones do not overtake a waiting one
                    }
                    String overdue = overdue(e, instruction, now);
                    if (overdue != null) {
                        toReview(e, overdue);
                        continue;
                    }
                    steps++;
                    if (!attempt(handler, state, e, instruction)) {
                        break;
                    }
                }
            } catch (LedgerException refused) {
                // the ledger's own rules said no (a concurrent operator action, say): look again next pass
                log.warn("outbox {}: {}", e.key(), refused.getMessage());
                break;
            }
        }
        return steps;
    }

    private String overdue(OutboxEntry e, Instruction instruction, Instant now) {
        if (e.attemptsSinceRetry() >= policy.maxAttempts()) {
            return e.attemptsSinceRetry() + " attempts without success";
        }
        Instant deliverBy = deliverBy(instruction);
        if (deliverBy != null && now.isAfter(deliverBy)) {
            return "past its deadline " + deliverBy;
        }
        return null;
    }

    private static Instant deliverBy(Instruction instruction) {
        try {
            JsonNode by = JSON.readTree(instruction.body()).get("deliverBy");
            return by == null || by.isNull() ? null : Instant.parse(by.asText());
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private void toReview(OutboxEntry e, String reason) {
        Ledger.await(ledger.review(e.key(), reason));
        reviews.increment();
        log.error("ALARM outbox: {} to {} needs a person: {} (it is kept; resend with outbox:retry)", e.key(), e.link(), reason);
    }

    /** @return whether the link may go on to the next instruction */
    private boolean attempt(InstructionHandler handler, LinkState state, OutboxEntry e, Instruction instruction) {
        int attempt = e.attempts() + 1;
        Ledger.await(ledger.recordAttempt(e.key(), attempt)); // durable before anything is sent
        InstructionOutcome outcome;
        try {
            outcome = handler.deliver(instruction, attempt);
        } catch (RuntimeException failure) {
            // the handler may have sent before it failed: only UNKNOWN is safe
            outcome = InstructionOutcome.unknown("handler failed: " + failure);
        }
        return record(state, e, attempt, outcome == null ? InstructionOutcome.unknown("handler returned nothing") : outcome);
    }

    private boolean resolve(InstructionHandler handler, LinkState state, OutboxEntry e, Instruction instruction) {
        InstructionOutcome outcome;
        try {
            outcome = handler.resolve(instruction, e.attempts());
        } catch (RuntimeException failure) {
            outcome = InstructionOutcome.unknown("resolve failed: " + failure);
        }
        if (outcome == null) {
            outcome = InstructionOutcome.unknown("resolve returned nothing");
        }
        if (outcome.result() != Result.UNKNOWN && outcome.result() != Result.NEEDS_REVIEW) {
            resolved.increment();
        }
        return record(state, e, e.attempts(), outcome);
    }

    private boolean record(LinkState state, OutboxEntry e, int attempt, InstructionOutcome outcome) {
        Instant now = clock.instant();
        switch (outcome.result()) {
            case NEEDS_REVIEW -> {
                toReview(e, outcome.detail());
                return true; // a person has it; the link goes on
            }
            case SUCCEEDED -> {
                Ledger.await(ledger.recordOutcome(e.key(), attempt, outcome));
                delivered.increment();
                state.succeeded();
                return true;
            }
            case DECLINED -> {
                Ledger.await(ledger.recordOutcome(e.key(), attempt, outcome));
                declined.increment();
                state.succeeded(); // the link works; the answer was no
                log.warn("outbox {} to {} declined: {}", e.key(), e.link(), outcome.detail());
                return true;
            }
            case RETRYABLE -> {
                Instant next = state.failed(now, policy, random, outcome.detail());
                if (outcome.nextAttemptAt() != null && outcome.nextAttemptAt().isAfter(next)) {
                    next = outcome.nextAttemptAt(); // the upstream said when (Retry-After)
                }
                Ledger.await(ledger.recordOutcome(e.key(), attempt, new InstructionOutcome(Result.RETRYABLE, outcome.upstreamReference(),
                        outcome.detail(), next)));
                retryable.increment();
                return false;
            }
            default -> {
                Ledger.await(ledger.recordOutcome(e.key(), attempt, outcome));
                unknown.increment();
                state.failed(now, policy, random, outcome.detail());
                log.warn("outbox {} to {}: answer lost ({}); it will be resolved, not resent", e.key(), e.link(), outcome.detail());
                return false;
            }
        }
    }

    List<String> describeLinks() {
        Instant now = clock.instant();
        return links.values().stream().map(l -> l.describe(now)).sorted().toList();
    }

}
