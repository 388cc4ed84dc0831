package forecourt.api.ledger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;

/**
 * A fact as the journal holds it: its place in the order, when it was recorded, and the
 * hash chaining it to the one before (SHA-256 over the previous hash and this entry).
 */
public record JournalEntry(long seq, Instant recordedAt, Fact fact, byte[] previousHash, byte[] hash) {
    public JournalEntry {
        previousHash = previousHash.clone();
        hash = hash.clone();
    }

    @Override
    public byte[] previousHash() {
        return previousHash.clone();
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }

    public String hashHex() {
        return HexFormat.of().formatHex(hash);
    }

    public String bodyText() {
        return new String(fact.body(), StandardCharsets.UTF_8);
    }
}
