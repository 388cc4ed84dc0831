package forecourt.ledger;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * Where closed sessions go when they are old: a second MVStore file with the same journal
 * encoding, so the whole history stays one hash chain (archive, then the hot store from
 * the cut on) and archived natural keys still deduplicate.
 */
final class LedgerArchive implements AutoCloseable {
    private final MVStore store;
    private final MVMap<Long, byte[]> journal;
    private final MVMap<String, Long> keys;
    private final MVMap<String, byte[]> sessions;

    LedgerArchive(Path file, StringBuilder report) {
        this.store = LedgerStore.openOrQuarantine(file, report);
        this.journal = store.openMap("journal");
        this.keys = store.openMap("keys");
        this.sessions = store.openMap("sessions");
    }

    Long seqOf(String naturalKey) {
        return keys.get(naturalKey);
    }

    byte[] entry(long seq) {
        return journal.get(seq);
    }

    byte[] session(String reference) {
        return sessions.get(reference);
    }

    /** Stores a run of entries with their keys and finished sessions, durably, before the hot store lets go of them. */
    void take(List<byte[]> entries, Map<String, Long> entryKeys, Map<String, byte[]> finishedSessions) {
        for (byte[] stored : entries) {
            journal.put(EntryCodec.decode(stored).seq(), stored);
        }
        keys.putAll(entryKeys);
        sessions.putAll(finishedSessions);
        store.commit();
        store.sync();
    }

    @Override
    public void close() {
        store.close();
    }
}
