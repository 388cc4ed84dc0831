package forecourt.api.ledger;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * The states of one payment session (one hold and the charging session it pays for),
 * and every legal transition between them — declared here, once, and enforced by the
 * ledger. A transition not listed is refused and recorded, never applied.
 * <pre>
 * AUTHORIZED → CHARGING → STOPPED → FINAL_PROVEN → RECONCILED → SETTLED → FISCALIZED → CONFIRMED → CLOSED
 *                                                  RECONCILED → RELEASED (zero energy: whole hold reversed)
 * AUTHORIZED → RELEASED (the driver never plugged in: whole hold reversed)
 * side states: REVIEW (numbers disagree, or a person must decide), HOLD_EXPIRING, CAPTURE_DECLINED
 * </pre>
 */
public enum PaymentSessionState {
    /** A hold is in place; no energy yet. */
    AUTHORIZED,
    /** The charger started the transaction against the hold. */
    CHARGING,
    /** The driver or the charger ended the transaction; the final reading may still be missing. */
    STOPPED,
    /** A verified signed end reading exists: the energy is proven. */
    FINAL_PROVEN,
    /** Meter, CDR and hold agree on one amount. */
    RECONCILED,
    /** Captured for the reconciled amount and the rest of the hold released; both recorded. */
    SETTLED,
    /** Zero energy: the whole hold was reversed. */
    RELEASED,
    /** The fiscal receipt came back signed. */
    FISCALIZED,
    /** The CPO has its Financial Advice Confirmation. */
    CONFIRMED,
    /** Nothing left to do. */
    CLOSED,
    /** Numbers disagree, or an instruction needs a person: waits for an operator decision. */
    REVIEW,
    /** The hold's expiry is near and the session is not settled. */
    HOLD_EXPIRING,
    /** The acquirer declined the capture: needs a person. */
    CAPTURE_DECLINED;

    private Set<PaymentSessionState> next;

    static {
        // The main path. Every working state may also go to REVIEW (a person must decide)
        // and to HOLD_EXPIRING (the clock runs out), and come back from them.
        AUTHORIZED.next = EnumSet.of(CHARGING, RELEASED, REVIEW, HOLD_EXPIRING);
        CHARGING.next = EnumSet.of(STOPPED, REVIEW, HOLD_EXPIRING);
        STOPPED.next = EnumSet.of(FINAL_PROVEN, REVIEW, HOLD_EXPIRING);
        FINAL_PROVEN.next = EnumSet.of(RECONCILED, REVIEW, HOLD_EXPIRING);
        RECONCILED.next = EnumSet.of(SETTLED, RELEASED, CAPTURE_DECLINED, REVIEW, HOLD_EXPIRING);
        SETTLED.next = EnumSet.of(FISCALIZED, REVIEW);
        RELEASED.next = EnumSet.of(FISCALIZED, CONFIRMED, CLOSED, REVIEW);
        // CLOSED directly when the site reports to no CPO (no OCPI configured)
        FISCALIZED.next = EnumSet.of(CONFIRMED, CLOSED, REVIEW);
        CONFIRMED.next = EnumSet.of(CLOSED);
        CLOSED.next = EnumSet.noneOf(PaymentSessionState.class);
        // a person resolves a review by choosing where the session goes on
        REVIEW.next = EnumSet.of(CHARGING, STOPPED, FINAL_PROVEN, RECONCILED, SETTLED, RELEASED, FISCALIZED, CONFIRMED,
                CLOSED, CAPTURE_DECLINED);
        // an expiring hold is settled urgently (deadline policy) or released
        HOLD_EXPIRING.next = EnumSet.of(CHARGING, STOPPED, FINAL_PROVEN, RECONCILED, SETTLED, RELEASED, REVIEW);
        CAPTURE_DECLINED.next = EnumSet.of(REVIEW, RELEASED, CLOSED);
    }

    /** The states this one may legally move to. */
    public Set<PaymentSessionState> next() {
        return Collections.unmodifiableSet(next);
    }

    public boolean canMoveTo(PaymentSessionState target) {
        return next.contains(target);
    }

    /** No further transition is possible. */
    public boolean isFinal() {
        return next.isEmpty();
    }
}
