package forecourt.outbox;

import java.time.Duration;

/**
 * How hard the worker tries.
 *
 * @param maxAttempts   attempts before an instruction goes to REVIEW (never dropped)
 * @param backoffBase   first backoff after a link failure
 * @param backoffCap    the longest backoff
 * @param jitter        ± fraction of each backoff, so many gateways do not retry in step
 */
record DeliveryPolicy(int maxAttempts, Duration backoffBase, Duration backoffCap, double jitter) {
    DeliveryPolicy {
        if (maxAttempts < 1 || backoffBase.isNegative() || backoffCap.compareTo(backoffBase) < 0 || jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("invalid delivery policy " + maxAttempts + " " + backoffBase + " " + backoffCap + " " + jitter);
        }
    }
}
