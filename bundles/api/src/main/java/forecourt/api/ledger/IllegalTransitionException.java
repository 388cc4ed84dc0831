package forecourt.api.ledger;

/**
 * A fact would have moved a payment session along a transition the state machine does
 * not allow. It was refused, and the refusal itself recorded.
 */
public class IllegalTransitionException extends LedgerException {
    private static final long serialVersionUID = 1L;

    public IllegalTransitionException(String session, PaymentSessionState from, PaymentSessionState to, FactType type) {
        super("session " + session + ": " + type + " cannot move " + (from == null ? "a session with no hold" : from)
                + " to " + to + "; refused and recorded");
    }
}
