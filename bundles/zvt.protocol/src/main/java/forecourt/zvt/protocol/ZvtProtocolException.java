package forecourt.zvt.protocol;

/** Bytes from the other side that are not a well-formed ZVT message, or not the one expected. */
public class ZvtProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    public ZvtProtocolException(String message) {
        super(message);
    }
}
