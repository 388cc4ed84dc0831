package forecourt.api.payment;

/** The terminal or acquirer refused the pre-authorisation (declined, aborted, timed out). */
public class HoldDeclinedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public HoldDeclinedException(String message) {
        super(message);
    }
}
