package forecourt.outbox;

import java.time.Duration;
import java.time.Instant;
import java.util.Random;

/**
 * One upstream link's health: consecutive failures and when it may be tried again. A
 * link that fails takes no new attempts until its backoff has passed; then the next
 * instruction in order is the probe, and its success opens the link for the backlog.
 */
final class LinkState {
    private final String link;
    private int failures;
    private Instant downUntil = Instant.MIN;
    private String lastProblem;

    LinkState(String link) {
        this.link = link;
    }

    synchronized boolean isDown(Instant now) {
        return now.isBefore(downUntil);
    }

    synchronized boolean isHealthy() {
        return failures == 0;
    }

    synchronized void succeeded() {
        failures = 0;
        downUntil = Instant.MIN;
        lastProblem = null;
    }

    /** @return when the link may be tried again */
    synchronized Instant failed(Instant now, DeliveryPolicy policy, Random random, String problem) {
        long base = policy.backoffBase().toMillis();
        long cap = policy.backoffCap().toMillis();
        long exponential = failures >= 30 ? cap : Math.min(cap, base << failures);
        double spread = 1 + policy.jitter() * (2 * random.nextDouble() - 1);
        failures++;
        downUntil = now.plus(Duration.ofMillis(Math.max(1, Math.round(exponential * spread))));
        lastProblem = problem;
        return downUntil;
    }

    synchronized String describe(Instant now) {
        return link + ": " + (failures == 0 ? "UP" : "DOWN after " + failures + " failure(s), next probe "
                + (isDown(now) ? "at " + downUntil : "now") + (lastProblem == null ? "" : " (" + lastProblem + ")"));
    }
}
