package forecourt.api.ledger;

/**
 * The answer to an append, given only once the fact is on disk.
 *
 * @param entry     the journal entry: the new one, or the original when this was a duplicate
 * @param duplicate the same fact (same natural key, same content) was already recorded;
 *                  nothing new was written
 */
public record Appended(JournalEntry entry, boolean duplicate) {
    public long seq() {
        return entry.seq();
    }
}
