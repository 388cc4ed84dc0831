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
 * @param attemptsAtLastRetry {@code attempts} when a person last sent it again: the
 *                      attempt budget counts from there
 */
public record OutboxEntry(IdempotencyKey key, String link, String session, boolean money, long enqueuedSeq, int attempts,
        Status status, Instant nextAttemptAt, String lastDetail, String upstreamReference, int attemptsAtLastRetry) {

    /** Attempts since the instruction was enqueued or a person last retried it. */
    public int attemptsSinceRetry() {
        return attempts - attemptsAtLastRetry;
    }

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
