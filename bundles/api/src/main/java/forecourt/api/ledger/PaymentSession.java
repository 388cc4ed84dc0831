package forecourt.api.ledger;

import java.time.Instant;
import java.util.List;

/**
 * A payment session as derived from the journal.
 *
 * @param authorizationReference its hold's reference
 * @param state                  current state; {@code null} when facts name this reference
 *                               but no hold was ever recorded for it (shown, never billed)
 * @param factSeqs               every fact of the session, in journal order
 * @param updatedAt              when its last fact was recorded
 */
public record PaymentSession(String authorizationReference, PaymentSessionState state, List<Long> factSeqs, Instant updatedAt) {
    public PaymentSession {
        factSeqs = List.copyOf(factSeqs);
    }

    public boolean hasHold() {
        return state != null;
    }
}
