package forecourt.api.ledger;

import java.time.Instant;
import java.util.Objects;

/**
 * What one delivery attempt ended with.
 *
 * @param result            see {@link Result}
 * @param upstreamReference the upstream's id for what it did (capture id, JIR...), if any
 * @param detail            a line for operators (decline reason, HTTP status); never card data
 * @param nextAttemptAt     for RETRYABLE: when to try again
 */
public record InstructionOutcome(Result result, String upstreamReference, String detail, Instant nextAttemptAt) {
    public enum Result {
        /** Applied upstream. Final. */
        SUCCEEDED,
        /** Refused upstream for good (card declined, authorization expired). Final. */
        DECLINED,
        /** Not applied, safe to send again later (connection refused, 429, 503 before processing). */
        RETRYABLE,
        /** Sent, and the answer was lost: it may or may not have been applied. Must be resolved, never resent blindly. */
        UNKNOWN,
        /**
         * The handler can no longer find out and must not guess (e.g. the upstream's confirmation
         * never came and its idempotency window has passed): a person decides. Never recorded as
         * an outcome; the outbox puts the instruction in REVIEW with this detail.
         */
        NEEDS_REVIEW
    }

    public InstructionOutcome {
        Objects.requireNonNull(result, "result");
        if (result == Result.RETRYABLE) {
            Objects.requireNonNull(nextAttemptAt, "a retryable outcome says when to retry");
        }
    }

    public static InstructionOutcome succeeded(String upstreamReference) {
        return new InstructionOutcome(Result.SUCCEEDED, upstreamReference, null, null);
    }

    public static InstructionOutcome declined(String reason) {
        return new InstructionOutcome(Result.DECLINED, null, reason, null);
    }

    public static InstructionOutcome retryable(String detail, Instant nextAttemptAt) {
        return new InstructionOutcome(Result.RETRYABLE, null, detail, nextAttemptAt);
    }

    public static InstructionOutcome needsReview(String reason) {
        return new InstructionOutcome(Result.NEEDS_REVIEW, null, Objects.requireNonNull(reason, "reason"), null);
    }

    public static InstructionOutcome unknown(String detail) {
        return new InstructionOutcome(Result.UNKNOWN, null, detail, null);
    }
}
