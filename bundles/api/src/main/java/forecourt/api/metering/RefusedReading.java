package forecourt.api.metering;

/** A signed reading that must not count: malformed, wrong key or curve, or altered. */
public class RefusedReading extends Exception {
    private static final long serialVersionUID = 1L;

    public RefusedReading(String reason) {
        super(reason);
    }

    public RefusedReading(String reason, Throwable cause) {
        super(reason, cause);
    }
}
