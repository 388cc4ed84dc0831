package forecourt.terminal.zvt;

/** Bytes from the terminal that are not a well-formed ZVT message. */
public class ZvtProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    public ZvtProtocolException(String message) {
        super(message);
    }
}
