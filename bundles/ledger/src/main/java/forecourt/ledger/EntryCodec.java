package forecourt.ledger;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;

import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.PaymentSessionState;

/**
 * The journal's on-disk form of one entry. The hash is SHA-256 over every byte before it —
 * including the previous entry's hash — so changing any recorded fact, or the order, breaks
 * the chain from there on. Enum values are stored by name, never by ordinal.
 */
final class EntryCodec {
    static final int HASH_BYTES = 32;
    static final byte[] GENESIS = new byte[HASH_BYTES];
    private static final byte FORMAT = 1;

    private EntryCodec() {
    }

    static byte[] encode(long seq, Instant recordedAt, Fact fact, byte[] previousHash) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(128 + fact.body().length);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT);
            out.writeLong(seq);
            out.writeLong(recordedAt.toEpochMilli());
            out.writeUTF(fact.type().name());
            out.writeUTF(fact.naturalKey());
            writeOptional(out, fact.session());
            writeOptional(out, fact.moveTo() == null ? null : fact.moveTo().name());
            byte[] body = fact.body();
            out.writeInt(body.length);
            out.write(body);
            out.write(previousHash);
            out.flush();
            byte[] unsigned = bytes.toByteArray();
            byte[] hash = sha256(unsigned, unsigned.length);
            byte[] all = Arrays.copyOf(unsigned, unsigned.length + HASH_BYTES);
            System.arraycopy(hash, 0, all, unsigned.length, HASH_BYTES);
            return all;
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory streams do not fail
        }
    }

    static JournalEntry decode(byte[] stored) {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(stored));
            byte format = in.readByte();
            if (format != FORMAT) {
                throw new IllegalStateException("unknown journal entry format " + format);
            }
            long seq = in.readLong();
            Instant at = Instant.ofEpochMilli(in.readLong());
            FactType type = FactType.valueOf(in.readUTF());
            String key = in.readUTF();
            String session = readOptional(in);
            String move = readOptional(in);
            byte[] body = new byte[in.readInt()];
            in.readFully(body);
            byte[] previous = new byte[HASH_BYTES];
            in.readFully(previous);
            byte[] hash = new byte[HASH_BYTES];
            in.readFully(hash);
            Fact fact = new Fact(type, key, session, move == null ? null : PaymentSessionState.valueOf(move), body);
            return new JournalEntry(seq, at, fact, previous, hash);
        } catch (IOException e) {
            throw new IllegalStateException("truncated journal entry", e);
        }
    }

    /** The hash an entry was stored with, read without decoding the rest. */
    static byte[] storedHash(byte[] stored) {
        return Arrays.copyOfRange(stored, stored.length - HASH_BYTES, stored.length);
    }

    /** Does the stored hash match the bytes it covers? */
    static boolean hashMatches(byte[] stored) {
        if (stored.length <= HASH_BYTES) {
            return false;
        }
        byte[] computed = sha256(stored, stored.length - HASH_BYTES);
        return Arrays.equals(computed, 0, HASH_BYTES, stored, stored.length - HASH_BYTES, stored.length);
    }

    static void writeOptional(DataOutputStream out, String value) throws IOException {
        out.writeBoolean(value != null);
        if (value != null) {
            out.writeUTF(value);
        }
    }

    static String readOptional(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }

    static byte[] sha256(byte[] bytes, int length) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(bytes, 0, length);
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
