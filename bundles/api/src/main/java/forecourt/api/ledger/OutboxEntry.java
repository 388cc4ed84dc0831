package forecourt.api.ledger;

import java.time.Instant;

import forecourt.api.id.IdempotencyKey;

/**
 * An instruction's delivery state, derived from the journal.
 *
 * @param enqueuedSeq   journal position of the instruction: delivery order per link
 * @param attempts      attempts recorded so far
 * @param nextAttemptAt when it is due (PENDING), or {@code null}
 * @param lastDetail    the last outcome's line for operators
 */
public record OutboxEntry(IdempotencyKey key, String link, String session, boolean money, long enqueuedSeq, int attempts,
        Status status, Instant nextAttemptAt, String lastDetail, String upstreamReference) {

    public enum Status {
        /** Waiting for its next attempt. */
        PENDING,
        /** An attempt was recorded and no outcome yet: after a crash, it may have landed. Resolve first. */
        IN_FLIGHT,
        /** The last attempt's answer was lost. Resolve first. */
        UNKNOWN,
        /** Needs a person: too many attempts, past its deadline, or declined. */
        REVIEW,
        SUCCEEDED, DECLINED, CANCELLED;

        public boolean isOpen() {
            return this == PENDING || this == IN_FLIGHT || this == UNKNOWN || this == REVIEW;
        }

        /** The previous attempt may have been applied upstream: only a resolve may follow. */
        public boolean needsResolve() {
            return this == IN_FLIGHT || this == UNKNOWN;
        }
    }
}
