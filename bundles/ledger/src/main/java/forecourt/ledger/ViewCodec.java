package forecourt.ledger;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import forecourt.api.id.IdempotencyKey;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.ledger.PaymentSession;
import forecourt.api.ledger.PaymentSessionState;

/** Stored form of the derived views. Views can always be rebuilt from the journal. */
final class ViewCodec {
    private ViewCodec() {
    }

    static byte[] encodeSession(PaymentSession s) {
        return write(out -> {
            out.writeUTF(s.authorizationReference());
            out.writeUTF(s.state() == null ? "" : s.state().name());
            out.writeLong(s.updatedAt().toEpochMilli());
            out.writeInt(s.factSeqs().size());
            for (long seq : s.factSeqs()) {
                out.writeLong(seq);
            }
        });
    }

    static PaymentSession decodeSession(byte[] bytes) {
        return read(bytes, in -> {
            String ref = in.readUTF();
            String state = in.readUTF();
            Instant updated = Instant.ofEpochMilli(in.readLong());
            int n = in.readInt();
            List<Long> seqs = new ArrayList<>(n + 1);
            for (int i = 0; i < n; i++) {
                seqs.add(in.readLong());
            }
            return new PaymentSession(ref, state.isEmpty() ? null : PaymentSessionState.valueOf(state), seqs, updated);
        });
    }

    /** An outbox entry, plus whether a review interrupted an unresolved attempt. */
    record StoredInstruction(OutboxEntry entry, boolean reviewedWhileUnresolved) {
    }

    static byte[] encodeInstruction(StoredInstruction stored) {
        OutboxEntry e = stored.entry();
        return write(out -> {
            out.writeUTF(e.key().value());
            out.writeUTF(e.link());
            EntryCodec.writeOptional(out, e.session());
            out.writeBoolean(e.money());
            out.writeLong(e.enqueuedSeq());
            out.writeInt(e.attempts());
            out.writeUTF(e.status().name());
            out.writeLong(e.nextAttemptAt() == null ? Long.MIN_VALUE : e.nextAttemptAt().toEpochMilli());
            EntryCodec.writeOptional(out, e.lastDetail());
            EntryCodec.writeOptional(out, e.upstreamReference());
            out.writeBoolean(stored.reviewedWhileUnresolved());
            out.writeInt(e.attemptsAtLastRetry());
        });
    }

    static StoredInstruction decodeInstruction(byte[] bytes) {
        return read(bytes, in -> {
            IdempotencyKey key = new IdempotencyKey(in.readUTF());
            String link = in.readUTF();
            String session = EntryCodec.readOptional(in);
            boolean money = in.readBoolean();
            long seq = in.readLong();
            int attempts = in.readInt();
            OutboxEntry.Status status = OutboxEntry.Status.valueOf(in.readUTF());
            long next = in.readLong();
            String detail = EntryCodec.readOptional(in);
            String upstream = EntryCodec.readOptional(in);
            boolean reviewedUnresolved = in.readBoolean();
            int attemptsAtLastRetry = in.readInt();
            return new StoredInstruction(new OutboxEntry(key, link, session, money, seq, attempts, status,
                    next == Long.MIN_VALUE ? null : Instant.ofEpochMilli(next), detail, upstream, attemptsAtLastRetry), reviewedUnresolved);
        });
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] write(Writer writer) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
            DataOutputStream out = new DataOutputStream(bytes);
            writer.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T read(byte[] bytes, Reader<T> reader) {
        try {
            return reader.read(new DataInputStream(new ByteArrayInputStream(bytes)));
        } catch (IOException e) {
            throw new IllegalStateException("corrupt view record", e);
        }
    }
}
