package forecourt.api.ledger;

/**
 * A fact arrived with the natural key of one already recorded but with other content. The
 * recorded one stands; the new one is refused, never silently overwritten.
 */
public class FactConflictException extends LedgerException {
    private static final long serialVersionUID = 1L;
    private final long recordedSeq;

    public FactConflictException(String naturalKey, long recordedSeq) {
        super("fact " + naturalKey + " is already recorded (seq " + recordedSeq + ") with different content; refused");
        this.recordedSeq = recordedSeq;
    }

    public long recordedSeq() {
        return recordedSeq;
    }
}
