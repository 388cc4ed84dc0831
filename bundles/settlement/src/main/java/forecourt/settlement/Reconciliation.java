package forecourt.settlement;

import java.util.Optional;

import forecourt.api.money.Money;
import forecourt.api.payment.Cdr;

/**
 * Three numbers to one: the verified meter amount, the CPO's CDR and the hold ceiling.
 * Meter and CDR must agree within the tolerance; then the meter's amount — the one backed
 * by signed readings — is taken, capped at the hold, and any shortfall above the hold is
 * recorded, never dropped.
 */
final class Reconciliation {
    enum Kind {
        /** Capture {@code amount}, release the rest. */
        SETTLE,
        /** Nothing to capture: release the whole hold. */
        RELEASE,
        /** The numbers disagree: a person decides. */
        REVIEW,
        /** The CDR is expected and there is still time to wait for it. */
        WAIT
    }

    /** What to do if the CDR has not arrived when the hold's deadline comes. */
    enum DeadlinePolicy {
        /** Settle on the verified meter amount, flagged (the default). */
        METER,
        /** Put the session in REVIEW. */
        REVIEW
    }

    record Decision(Kind kind, Money amount, Money meterAmount, Money shortfall, boolean flagged, String reason) {
    }

    private Reconciliation() {
    }

    static Decision decide(Money meter, Optional<Cdr> cdr, Money hold, long toleranceMinor, boolean cdrExpected, boolean deadlineReached,
            DeadlinePolicy policy) {
        Money zero = Money.zero(meter.currency());
        boolean flagged = false;
        String reason;
        if (cdr.isPresent()) {
            Money cdrTotal = cdr.get().totalCost();
            if (!cdrTotal.currency().equals(meter.currency())) {
                return new Decision(Kind.REVIEW, null, meter, zero, false, "CDR is in " + cdrTotal.currency() + ", the hold in " + meter.currency());
            }
            long difference = Math.abs(cdrTotal.minorUnits() - meter.minorUnits());
            if (difference > toleranceMinor) {
                return new Decision(Kind.REVIEW, null, meter, zero, false,
                        "meter " + meter + " and CDR " + cdrTotal + " differ by " + difference + " minor units (tolerance " + toleranceMinor + ")");
            }
            reason = "meter " + meter + " and CDR " + cdrTotal + " agree";
        } else if (!cdrExpected) {
            reason = "meter " + meter + " (no CDR source configured)";
        } else if (!deadlineReached) {
            return new Decision(Kind.WAIT, null, meter, zero, false, "waiting for the CDR");
        } else if (policy == DeadlinePolicy.REVIEW) {
            return new Decision(Kind.REVIEW, null, meter, zero, false, "no CDR in time (cdrWait or the hold's deadline)");
        } else {
            flagged = true;
            reason = "meter " + meter + ": no CDR in time (flagged)";
        }
        if (meter.isZero()) {
            return new Decision(Kind.RELEASE, zero, meter, zero, flagged, reason + "; zero energy");
        }
        if (meter.exceeds(hold)) {
            Money shortfall = meter.minus(hold);
            return new Decision(Kind.SETTLE, hold, meter, shortfall, flagged, reason + "; capped at the hold, shortfall " + shortfall);
        }
        return new Decision(Kind.SETTLE, meter, meter, zero, flagged, reason);
    }
}
