package forecourt.charger.ocpp;

/** A frame or payload that must be answered with a CALLERROR. */
final class OcppProtocolException extends Exception {
    private static final long serialVersionUID = 1L;
    private final OcppError code;
    private final String messageId;

    OcppProtocolException(OcppError code, String messageId, String description) {
        super(description);
        this.code = code;
        this.messageId = messageId;
    }

    OcppError code() {
        return code;
    }

    /** The id to answer to, or {@code null} when it could not be read (then no CALLERROR can be addressed). */
    String messageId() {
        return messageId;
    }
}
