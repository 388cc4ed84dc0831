package forecourt.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.id.IdempotencyKey;
import forecourt.api.ledger.Appended;
import forecourt.api.ledger.ChainVerification;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactConflictException;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.IllegalTransitionException;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.LedgerException;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.ledger.PaymentSession;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.ledger.ViewCodec.StoredInstruction;

/**
 * The ledger on one H2 MVStore file.
 * <p>
 * One writer thread owns every write. It takes whatever appends are waiting (group
 * commit), checks each (natural-key dedup, state machine, outbox rules), writes the
 * entries and the views they change, then commits and syncs once, and only then completes
 * the callers' stages. MVStore's {@code commit()} does not fsync; {@code sync()} does, so
 * "durable" here means after {@code sync()}. A failed commit rolls the whole batch back
 * and fails every append in it: nothing half-written is ever acknowledged.
 * <p>
 * The views are derived from entries by {@link #applyToViews}, the same function that
 * {@link #rebuildViews} replays over the whole journal, so they cannot drift from it.
 */
public class LedgerStore implements Ledger, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LedgerStore.class);
    /** Raise when the views' stored form or derivation changes: views are rebuilt on open. */
    static final String VIEWS_VERSION = "3";
    static final int PAGE_SPLIT_SIZE = Integer.getInteger("forecourt.ledger.pageSplitSize", 8 * 1024);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Clock clock;
    private final MVStore store;
    private final MVMap<Long, byte[]> journal;
    private final MVMap<String, Long> keys;
    private final MVMap<String, byte[]> sessions;
    private final MVMap<String, byte[]> instructions;
    private final MVMap<Long, String> openInstructions;
    private final MVMap<String, String> meta;
    // meter serial → seq of its last verified signed reading
    private final MVMap<String, Long> meters;
    private final LedgerArchive archive;
    // the first seq still in the hot store; entries below it are in the archive
    private volatile long cut;
    // hash of entry cut-1: where the hot store's chain starts
    private volatile byte[] checkpoint;
    private final BlockingQueue<Op> queue;
    private final int maxBatch;
    private final Thread writer;
    private final String recoveryReport;
    private final LongAdder batches = new LongAdder();
    private final LongAdder refused = new LongAdder();

    // owned by the writer thread
    private long head;
    private byte[] headHash;
    // what is on disk; readers never look past it
    private volatile long durableHead;
    private volatile boolean closing;

    /** One append waiting for the writer. */
    private record Op(Function<LedgerStore, Appended> work, CompletableFuture<Appended> result) {
    }

    public LedgerStore(Path file, Clock clock, int maxBatch) {
        this(file, file.resolveSibling("archive.mv.db"), clock, maxBatch);
    }

    LedgerStore(Path file, Path archiveFile, Clock clock, int maxBatch) {
        this.file = file;
        this.clock = clock;
        this.maxBatch = maxBatch;
        this.queue = new ArrayBlockingQueue<>(Math.max(1024, maxBatch * 4));
        StringBuilder report = new StringBuilder();
        this.store = openOrQuarantine(file, report);
        this.journal = store.openMap("journal");
        this.keys = store.openMap("keys");
        this.sessions = store.openMap("sessions");
        this.instructions = store.openMap("instructions");
        this.openInstructions = store.openMap("openInstructions");
        this.meta = store.openMap("meta");
        this.meters = store.openMap("meters");
        this.archive = new LedgerArchive(archiveFile, report);
        this.cut = Long.parseLong(meta.getOrDefault("archive.cut", "1"));
        String cutHash = meta.get("archive.cutHash");
        this.checkpoint = cutHash == null ? EntryCodec.GENESIS : HexFormat.of().parseHex(cutHash);

        Long last = journal.lastKey();
        if (last == null && cut > 1) {
            last = cut - 1; // everything so far is archived: the chain continues from the checkpoint
        }
        head = last == null ? 0 : last;
        headHash = last == null ? EntryCodec.GENESIS : last >= cut ? EntryCodec.storedHash(journal.get(last)) : checkpoint;
        durableHead = head;
        ChainVerification tail = verifyRange(Math.max(cut, head - 999), head);
        report.append(head).append(" facts").append(cut > 1 ? " (" + (cut - 1) + " archived)" : "").append("; last ")
                .append(tail.checked()).append(" chained ")
                .append(tail.intact() ? "intact" : "BROKEN at seq " + tail.firstBad() + ": " + tail.problem());
        if (!tail.intact()) {
            log.error("LEDGER CHAIN BROKEN at seq {}: {} — the journal was changed outside Forecourt; run ledger verify",
                    tail.firstBad(), tail.problem());
        }
        if (!VIEWS_VERSION.equals(meta.get("views.version"))) {
            long t0 = System.nanoTime();
            rebuildViewsInWriter();
            report.append("; views rebuilt in ").append(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).append(" ms");
            commitAndSync();
        }
        int quarantined = Math.max(report.indexOf("QUARANTINED"), report.indexOf("RECOVERED damaged"));
        if (quarantined >= 0) {
            // the new ledger starts by saying why it is new
            ObjectNode body = JSON.createObjectNode().put("reason", report.substring(quarantined, report.indexOf(";", quarantined)));
            write(new Fact(FactType.LEDGER_RECOVERED, "recovered:" + clock.millis(), null, null, json(body)));
            commitAndSync();
            durableHead = head;
        }
        this.recoveryReport = report.toString();
        writer = new Thread(this::writeLoop, "forecourt-ledger-writer");
        writer.start();
    }

    static MVStore openOrQuarantine(Path file, StringBuilder report) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new LedgerException("cannot create the ledger directory for " + file + ": " + e, e);
        }
        MVStore opened = null;
        try {
            opened = open(file);
            probe(opened);
            return opened;
        } catch (RuntimeException | AssertionError e) {
            // damaged pages surface as either, depending on where MVStore trips (and on -ea)
            if (opened != null) {
                try {
                    opened.closeImmediately();
                } catch (RuntimeException | AssertionError ignored) {
                    // it is being recovered or quarantined anyway
                }
            }
            // Never delete a ledger: it holds money. Keep the damaged bytes for forensics first.
            Path aside = file.resolveSibling(file.getFileName() + ".corrupt-"
                    + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(Instant.now()));
            try {
                Files.copy(file, aside);
            } catch (IOException copyFailed) {
                throw new LedgerException("ledger " + file + " cannot be opened (" + e.getMessage()
                        + ") and cannot be copied aside (" + copyFailed + "); refusing to start", e);
            }
            MVStore recovered = rollBackToLastGoodVersion(file);
            if (recovered != null) {
                log.error("LEDGER DAMAGED: {} could not be read ({}). It was rolled back to its last readable version; "
                        + "facts after it are lost from the live ledger. The damaged file was kept as {}.", file, e.getMessage(), aside);
                report.append("RECOVERED damaged store to its last readable version; damaged copy kept as ")
                        .append(aside.getFileName()).append("; ");
                return recovered;
            }
            try {
                Files.delete(file); // the copy aside holds every byte of it
            } catch (IOException deleteFailed) {
                throw new LedgerException("ledger " + file + " is unreadable and cannot be replaced: " + deleteFailed, e);
            }
            log.error("LEDGER QUARANTINED: {} could not be opened ({}). It was moved to {} and kept. A new, empty "
                    + "ledger was started: sessions recorded before are NOT in it. Recover them from the quarantined file.",
                    file, e.getMessage(), aside);
            report.append("QUARANTINED unreadable store as ").append(aside.getFileName()).append("; ");
            return open(file);
        }
    }

    /**
     * Walks back through the store's versions (MVStore keeps earlier chunks until they are
     * reused) to the newest one whose tail reads, and makes it current. {@code null} when
     * no version reads.
     */
    private static MVStore rollBackToLastGoodVersion(Path file) {
        MVStore store;
        try {
            store = new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().recoveryMode().open();
        } catch (RuntimeException | AssertionError e) {
            return null;
        }
        try {
            long current = store.getCurrentVersion();
            for (long version = current; version >= 0 && version > current - 1000; version--) {
                try {
                    if (version != current) {
                        store.rollbackTo(version);
                    }
                    probe(store);
                    store.commit();
                    store.sync();
                    return store;
                } catch (RuntimeException | AssertionError unreadable) {
                    // try an older version
                }
            }
        } catch (RuntimeException | AssertionError e) {
            // fall through
        }
        try {
            store.closeImmediately();
        } catch (RuntimeException | AssertionError ignored) {
            // nothing more to do with it
        }
        return null;
    }

    /**
     * MVStore reads pages lazily: a damaged file can open and fail only when its tail is
     * read. Read what start-up needs now, so damage is found here and not mid-append.
     */
    private static void probe(MVStore store) {
        MVMap<Long, byte[]> journal = store.openMap("journal");
        Long last = journal.lastKey();
        if (last == null) {
            return;
        }
        // raw reads only: this looks for storage damage. Content (hashes, encoding) is the
        // chain's business — a changed fact is reported, never "repaired" by a rollback.
        for (long seq = Math.max(1, last - 999); seq <= last; seq++) {
            journal.get(seq);
        }
        store.<String, String>openMap("meta").get("views.version");
        store.<String, Long>openMap("keys").lastKey();
        store.<String, byte[]>openMap("sessions").lastKey();
        store.<Long, String>openMap("openInstructions").lastKey();
    }

    private static MVStore open(Path file) {
        // auto-commit off: commits happen only where the writer places them, after checks.
        // Small pages: natural keys arrive in no order, and every commit rewrites each leaf
        // page it touched; 8 KiB pages (default 16) cut the bytes written and synced per
        // commit without much more page overhead in the compacted file (see bench/ledger.sh).
        return new MVStore.Builder().fileName(file.toString()).autoCommitDisabled().pageSplitSize(PAGE_SPLIT_SIZE).open();
    }

    String recoveryReport() {
        return recoveryReport;
    }

    Path file() {
        return file;
    }

    long batches() {
        return batches.sum();
    }

    long refusedCount() {
        return refused.sum();
    }

    // ---------------------------------------------------------------- writer

    private CompletionStage<Appended> submit(Function<LedgerStore, Appended> work) {
        CompletableFuture<Appended> result = new CompletableFuture<>();
        if (closing) {
            result.completeExceptionally(new LedgerException("the ledger is closing; nothing was recorded"));
            return result;
        }
        try {
            queue.put(new Op(work, result));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            result.completeExceptionally(new LedgerException("interrupted before the fact was queued; nothing was recorded"));
        }
        return result;
    }

    private void writeLoop() {
        List<Op> batch = new ArrayList<>(maxBatch);
        List<Appended> results = new ArrayList<>(maxBatch);
        List<RuntimeException> errors = new ArrayList<>(maxBatch);
        while (true) {
            Op first;
            try {
                first = queue.poll(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                first = null;
            }
            if (first == null) {
                if (closing && queue.isEmpty()) {
                    return;
                }
                continue;
            }
            batch.add(first);
            queue.drainTo(batch, maxBatch - 1);
            long headBefore = head;
            byte[] hashBefore = headHash;
            try {
                for (Op op : batch) {
                    try {
                        results.add(op.work().apply(this));
                        errors.add(null);
                    } catch (LedgerException refusal) {
                        // refused before anything of it was written (or after writing only its refusal record)
                        refused.increment();
                        results.add(null);
                        errors.add(refusal);
                    }
                }
                commitAndSync();
                durableHead = head;
                batches.increment();
                for (int i = 0; i < batch.size(); i++) {
                    if (errors.get(i) != null) {
                        batch.get(i).result().completeExceptionally(errors.get(i));
                    } else {
                        batch.get(i).result().complete(results.get(i));
                    }
                }
            } catch (RuntimeException | Error failure) {
                log.error("ledger write of {} fact(s) failed and was rolled back: {}", batch.size(), failure.toString(), failure);
                try {
                    store.rollback();
                } catch (RuntimeException rollbackFailed) {
                    log.error("ledger rollback failed: {}", rollbackFailed.toString());
                }
                head = headBefore;
                headHash = hashBefore;
                LedgerException notStored = new LedgerException("not recorded: the ledger write failed (" + failure + ")", failure);
                batch.forEach(op -> op.result().completeExceptionally(notStored));
            } finally {
                batch.clear();
                results.clear();
                errors.clear();
            }
        }
    }

    private void commitAndSync() {
        store.commit();
        store.sync();
    }

    /** Writes one entry and everything derived from it. Writer thread only. */
    private JournalEntry write(Fact fact) {
        long seq = head + 1;
        Instant at = clock.instant();
        byte[] stored = EntryCodec.encode(seq, at, fact, headHash);
        JournalEntry entry = new JournalEntry(seq, Instant.ofEpochMilli(at.toEpochMilli()), fact, headHash, EntryCodec.storedHash(stored));
        journal.put(seq, stored);
        keys.put(fact.naturalKey(), seq);
        applyToViews(entry);
        head = seq;
        headHash = entry.hash();
        return entry;
    }

    /** Returns the recorded entry for this natural key if the same fact is already there. */
    private Optional<JournalEntry> existing(Fact fact) {
        Long seq = keys.get(fact.naturalKey());
        byte[] stored = seq == null ? null : journal.get(seq);
        if (seq == null) {
            seq = archive.seqOf(fact.naturalKey()); // archived facts still deduplicate
            stored = seq == null ? null : archive.entry(seq);
        }
        if (stored == null) {
            return Optional.empty();
        }
        JournalEntry recorded = EntryCodec.decode(stored);
        if (!recorded.fact().equals(fact)) {
            throw new FactConflictException(fact.naturalKey(), seq);
        }
        return Optional.of(recorded);
    }

    private Appended appendChecked(Fact fact) {
        Optional<JournalEntry> recorded = existing(fact);
        if (recorded.isPresent()) {
            return new Appended(recorded.get(), true);
        }
        if (fact.moveTo() != null) {
            PaymentSessionState from = sessionState(fact.session());
            // a session begins only with its hold; after that the state machine decides
            boolean legal = from == null ? fact.type() == FactType.HOLD_PLACED && fact.moveTo() == PaymentSessionState.AUTHORIZED
                    : from.canMoveTo(fact.moveTo());
            if (!legal) {
                recordRefusal(fact, from);
                throw new IllegalTransitionException(fact.session(), from, fact.moveTo(), fact.type());
            }
        }
        return new Appended(write(fact), false);
    }

    private void recordRefusal(Fact fact, PaymentSessionState from) {
        ObjectNode body = JSON.createObjectNode();
        body.put("refusedType", fact.type().name());
        body.put("refusedKey", fact.naturalKey());
        body.put("from", from == null ? null : from.name());
        body.put("to", fact.moveTo().name());
        Fact refusal = new Fact(FactType.TRANSITION_REFUSED,
                "refused:" + forecourt.api.ledger.NaturalKeys.sha256(EntryCodec.encode(0, Instant.EPOCH, fact, EntryCodec.GENESIS)),
                fact.session(), null, json(body));
        if (!keys.containsKey(refusal.naturalKey())) {
            write(refusal);
        }
        log.warn("refused: session {} cannot move from {} to {} ({} {})", fact.session(), from, fact.moveTo(), fact.type(),
                fact.naturalKey());
    }

    private PaymentSessionState sessionState(String session) {
        byte[] view = sessions.get(session);
        return view == null ? null : ViewCodec.decodeSession(view).state();
    }

    // ---------------------------------------------------------------- views

    /** The one derivation of every view from one entry: used live and by rebuild. */
    private void applyToViews(JournalEntry entry) {
        Fact fact = entry.fact();
        if (fact.session() != null) {
            byte[] view = sessions.get(fact.session());
            PaymentSession current = view == null ? null : ViewCodec.decodeSession(view);
            List<Long> seqs = new ArrayList<>(current == null ? List.of() : current.factSeqs());
            seqs.add(entry.seq());
            PaymentSessionState state = fact.moveTo() != null ? fact.moveTo() : current == null ? null : current.state();
            sessions.put(fact.session(), ViewCodec.encodeSession(new PaymentSession(fact.session(), state, seqs, entry.recordedAt())));
        }
        switch (fact.type()) {
            case INSTRUCTION_ENQUEUED, INSTRUCTION_ATTEMPTED, INSTRUCTION_OUTCOME, INSTRUCTION_REVIEW, INSTRUCTION_RETRY,
                    INSTRUCTION_CANCELLED -> applyToOutbox(entry);
            case SIGNED_READING -> {
                JsonNode body = parse(fact.body());
                if (body.path("verified").asBoolean(false) && body.hasNonNull("meterSerial")) {
                    meters.put(body.get("meterSerial").asText(), entry.seq());
                }
            }
            default -> {
            }
        }
    }

    private void applyToOutbox(JournalEntry entry) {
        JsonNode body = parse(entry.fact().body());
        IdempotencyKey key = new IdempotencyKey(body.get("key").asText());
        if (entry.fact().type() == FactType.INSTRUCTION_ENQUEUED) {
            OutboxEntry e = new OutboxEntry(key, body.get("link").asText(), entry.fact().session(), body.get("money").asBoolean(),
                    entry.seq(), 0, OutboxEntry.Status.PENDING, entry.recordedAt(), null, null, 0);
            instructions.put(key.value(), ViewCodec.encodeInstruction(new StoredInstruction(e, false)));
            openInstructions.put(entry.seq(), key.value());
            return;
        }
        StoredInstruction stored = ViewCodec.decodeInstruction(instructions.get(key.value()));
        OutboxEntry e = stored.entry();
        boolean reviewedUnresolved = stored.reviewedWhileUnresolved();
        OutboxEntry next = switch (entry.fact().type()) {
            case INSTRUCTION_ATTEMPTED -> with(e, body.get("attempt").asInt(), OutboxEntry.Status.IN_FLIGHT, null, e.lastDetail(), e.upstreamReference());
            case INSTRUCTION_OUTCOME -> {
                InstructionOutcome.Result result = InstructionOutcome.Result.valueOf(body.get("result").asText());
                String detail = text(body, "detail");
                String upstream = text(body, "upstreamReference");
                reviewedUnresolved = false;
                yield switch (result) {
                    case SUCCEEDED -> with(e, e.attempts(), OutboxEntry.Status.SUCCEEDED, null, detail, upstream);
                    case DECLINED -> with(e, e.attempts(), OutboxEntry.Status.DECLINED, null, detail, upstream);
                    case RETRYABLE -> with(e, e.attempts(), OutboxEntry.Status.PENDING, Instant.parse(body.get("nextAttemptAt").asText()), detail, upstream);
                    case UNKNOWN -> with(e, e.attempts(), OutboxEntry.Status.UNKNOWN, null, detail, upstream);
                    // never recorded by the outbox (it records a review instead); read safely if ever found
                    case NEEDS_REVIEW -> with(e, e.attempts(), OutboxEntry.Status.REVIEW, null, detail, upstream);
                };
            }
            case INSTRUCTION_REVIEW -> {
                reviewedUnresolved = e.status().needsResolve() || reviewedUnresolved;
                yield with(e, e.attempts(), OutboxEntry.Status.REVIEW, null, text(body, "reason"), e.upstreamReference());
            }
            case INSTRUCTION_RETRY -> {
                // an attempt that may have landed is resolved first, even after a person's retry
                OutboxEntry.Status resume = reviewedUnresolved ? OutboxEntry.Status.UNKNOWN : OutboxEntry.Status.PENDING;
                reviewedUnresolved = false;
                OutboxEntry retried = with(e, e.attempts(), resume, entry.recordedAt(), "retry by " + text(body, "who") + ": " + text(body, "why"),
                        e.upstreamReference());
                yield new OutboxEntry(retried.key(), retried.link(), retried.session(), retried.money(), retried.enqueuedSeq(),
                        retried.attempts(), retried.status(), retried.nextAttemptAt(), retried.lastDetail(), retried.upstreamReference(),
                        e.attempts());
            }
            case INSTRUCTION_CANCELLED -> with(e, e.attempts(), OutboxEntry.Status.CANCELLED, null,
                    "cancelled by " + text(body, "who") + ": " + text(body, "why"), e.upstreamReference());
            default -> throw new IllegalStateException("not an outbox fact: " + entry.fact().type());
        };
        instructions.put(key.value(), ViewCodec.encodeInstruction(new StoredInstruction(next, reviewedUnresolved)));
        if (!next.status().isOpen()) {
            openInstructions.remove(next.enqueuedSeq());
        }
    }

    private static OutboxEntry with(OutboxEntry e, int attempts, OutboxEntry.Status status, Instant next, String detail, String upstream) {
        return new OutboxEntry(e.key(), e.link(), e.session(), e.money(), e.enqueuedSeq(), attempts, status, next, detail, upstream,
                e.attemptsAtLastRetry());
    }

    /** Clears every view and derives it again from the journal. Writer thread (or constructor) only. */
    private void rebuildViewsInWriter() {
        sessions.clear();
        meters.clear();
        instructions.clear();
        openInstructions.clear();
        for (Iterator<Long> it = journal.keyIterator(null); it.hasNext();) {
            applyToViews(EntryCodec.decode(journal.get(it.next())));
        }
        meta.put("views.version", VIEWS_VERSION);
    }

    // ---------------------------------------------------------------- appends

    @Override
    public CompletionStage<Appended> append(Fact fact) {
        switch (fact.type()) {
            case INSTRUCTION_ENQUEUED, INSTRUCTION_ATTEMPTED, INSTRUCTION_OUTCOME, INSTRUCTION_REVIEW, INSTRUCTION_RETRY,
                    INSTRUCTION_CANCELLED, TRANSITION_REFUSED -> {
                return CompletableFuture.failedFuture(new LedgerException(fact.type() + " facts are written by the ledger itself"));
            }
            default -> {
                return submit(s -> s.appendChecked(fact));
            }
        }
    }

    @Override
    public CompletionStage<Appended> enqueue(Instruction instruction) {
        ObjectNode body = JSON.createObjectNode();
        body.put("key", instruction.key().value());
        body.put("link", instruction.link());
        body.put("money", instruction.money());
        try {
            body.set("payload", parse(instruction.body()));
        } catch (LedgerException notJson) {
            return CompletableFuture.failedFuture(notJson);
        }
        Fact fact = new Fact(FactType.INSTRUCTION_ENQUEUED, "instr:" + instruction.key().value(), instruction.session(), null, json(body));
        return submit(s -> s.appendChecked(fact));
    }

    @Override
    public CompletionStage<Appended> recordAttempt(IdempotencyKey key, int attempt) {
        return submit(s -> {
            OutboxEntry e = s.requireInstruction(key);
            ObjectNode body = JSON.createObjectNode().put("key", key.value()).put("attempt", attempt);
            Fact fact = new Fact(FactType.INSTRUCTION_ATTEMPTED, "attempt:" + key.value() + ":" + attempt, e.session(), null, json(body));
            Optional<JournalEntry> recorded = s.existing(fact);
            if (recorded.isPresent()) {
                return new Appended(recorded.get(), true);
            }
            if (e.status() != OutboxEntry.Status.PENDING || attempt != e.attempts() + 1) {
                throw new LedgerException("instruction " + key + " is " + e.status() + " after " + e.attempts()
                        + " attempt(s): attempt " + attempt + " refused" + (e.status().needsResolve() ? " — resolve the last attempt first" : ""));
            }
            return new Appended(s.write(fact), false);
        });
    }

    @Override
    public CompletionStage<Appended> recordOutcome(IdempotencyKey key, int attempt, InstructionOutcome outcome) {
        return submit(s -> {
            StoredInstruction stored = s.requireStored(key);
            OutboxEntry e = stored.entry();
            ObjectNode body = JSON.createObjectNode().put("key", key.value()).put("attempt", attempt)
                    .put("result", outcome.result().name()).put("upstreamReference", outcome.upstreamReference())
                    .put("detail", outcome.detail())
                    .put("nextAttemptAt", outcome.nextAttemptAt() == null ? null : outcome.nextAttemptAt().toString());
            // a resolve may record several outcomes for one attempt (UNKNOWN, then what it found)
            String naturalKey = "outcome:" + key.value() + ":" + attempt + ":" + s.head;
            boolean awaited = e.status().needsResolve() || e.status() == OutboxEntry.Status.REVIEW && stored.reviewedWhileUnresolved();
            if (attempt != e.attempts() || !awaited) {
                throw new LedgerException("instruction " + key + " is " + e.status() + " after " + e.attempts()
                        + " attempt(s): no outcome expected for attempt " + attempt);
            }
            return new Appended(s.write(new Fact(FactType.INSTRUCTION_OUTCOME, naturalKey, e.session(), null, json(body))), false);
        });
    }

    @Override
    public CompletionStage<Appended> review(IdempotencyKey key, String reason) {
        return submit(s -> {
            OutboxEntry e = s.requireInstruction(key);
            if (!e.status().isOpen() || e.status() == OutboxEntry.Status.REVIEW) {
                throw new LedgerException("instruction " + key + " is " + e.status() + ": cannot put it in review");
            }
            ObjectNode body = JSON.createObjectNode().put("key", key.value()).put("reason", reason);
            return new Appended(s.write(new Fact(FactType.INSTRUCTION_REVIEW, "review:" + key.value() + ":" + s.head, e.session(),
                    null, json(body))), false);
        });
    }

    @Override
    public CompletionStage<Appended> retry(IdempotencyKey key, String who, String why) {
        return submit(s -> {
            OutboxEntry e = s.requireInstruction(key);
            if (e.status() != OutboxEntry.Status.REVIEW) {
                throw new LedgerException("instruction " + key + " is " + e.status() + ": only an instruction in REVIEW can be retried");
            }
            ObjectNode body = JSON.createObjectNode().put("key", key.value()).put("who", who).put("why", why);
            return new Appended(s.write(new Fact(FactType.INSTRUCTION_RETRY, "retry:" + key.value() + ":" + s.head, e.session(), null,
                    json(body))), false);
        });
    }

    @Override
    public CompletionStage<Appended> cancel(IdempotencyKey key, String who, String why) {
        return submit(s -> {
            StoredInstruction stored = s.requireStored(key);
            OutboxEntry e = stored.entry();
            if (!e.status().isOpen() || e.status().needsResolve() || stored.reviewedWhileUnresolved()) {
                throw new LedgerException("instruction " + key + " is " + e.status()
                        + (e.status().isOpen() ? " and its last attempt may have landed: resolve it before cancelling" : ": nothing to cancel"));
            }
            ObjectNode body = JSON.createObjectNode().put("key", key.value()).put("who", who).put("why", why);
            return new Appended(s.write(new Fact(FactType.INSTRUCTION_CANCELLED, "cancel:" + key.value(), e.session(), null, json(body))), false);
        });
    }

    private OutboxEntry requireInstruction(IdempotencyKey key) {
        return requireStored(key).entry();
    }

    private StoredInstruction requireStored(IdempotencyKey key) {
        byte[] view = instructions.get(key.value());
        if (view == null) {
            throw new LedgerException("no instruction " + key + " in the outbox");
        }
        return ViewCodec.decodeInstruction(view);
    }

    // ---------------------------------------------------------------- housekeeping

    /**
     * Moves the oldest run of the journal into the archive: every entry recorded before
     * {@code threshold} whose session is CLOSED (or that belongs to no billed session),
     * up to the first entry that is younger, belongs to a live session, or precedes an
     * open instruction. The archive is written and synced first; only then does the hot
     * store let go, and a crash in between leaves the run in both, never in neither.
     *
     * @return how many facts were archived
     */
    CompletionStage<Long> archiveOlderThan(Instant threshold) {
        CompletableFuture<Long> moved = new CompletableFuture<>();
        submit(s -> {
            moved.complete(s.archiveInWriter(threshold));
            return null;
        }).whenComplete((ok, failure) -> {
            if (failure != null) {
                moved.completeExceptionally(failure);
            }
        });
        return moved;
    }

    private long archiveInWriter(Instant threshold) {
        long from = cut;
        long to = from;
        Long firstOpen = openInstructions.firstKey();
        List<byte[]> run = new ArrayList<>();
        Map<String, Long> runKeys = new LinkedHashMap<>();
        while (to <= head && (firstOpen == null || to < firstOpen)) {
            byte[] stored = journal.get(to);
            JournalEntry e = EntryCodec.decode(stored);
            if (!e.recordedAt().isBefore(threshold)) {
                break;
            }
            String session = e.fact().session();
            if (session != null) {
                byte[] view = sessions.get(session);
                PaymentSession p = view == null ? null : ViewCodec.decodeSession(view);
                boolean finished = p == null || p.state() == null || p.state() == PaymentSessionState.CLOSED;
                if (!finished || p != null && !p.updatedAt().isBefore(threshold)) {
                    break;
                }
            }
            run.add(stored);
            runKeys.put(e.fact().naturalKey(), e.seq());
            to++;
        }
        if (run.isEmpty()) {
            return 0;
        }
        long end = to;
        Map<String, byte[]> finishedSessions = new LinkedHashMap<>();
        for (Map.Entry<String, byte[]> view : sessions.entrySet()) {
            PaymentSession p = ViewCodec.decodeSession(view.getValue());
            if (!p.factSeqs().isEmpty() && p.factSeqs().get(p.factSeqs().size() - 1) < end
                    && (p.state() == null || p.state() == PaymentSessionState.CLOSED)) {
                finishedSessions.put(view.getKey(), view.getValue());
            }
        }
        archive.take(run, runKeys, finishedSessions);
        byte[] newCheckpoint = EntryCodec.storedHash(run.get(run.size() - 1));
        for (long seq = from; seq < end; seq++) {
            journal.remove(seq);
        }
        runKeys.keySet().forEach(keys::remove);
        finishedSessions.keySet().forEach(sessions::remove);
        meta.put("archive.cut", Long.toString(end));
        meta.put("archive.cutHash", HexFormat.of().formatHex(newCheckpoint));
        cut = end;
        checkpoint = newCheckpoint;
        log.info("archived {} facts (seq {}..{}) and {} closed sessions", run.size(), from, end - 1, finishedSessions.size());
        return run.size();
    }

    /** Rewrites live chunks so the file stops growing with what was archived or superseded. */
    CompletionStage<Appended> compact(int maxMillis) {
        return submit(s -> {
            s.store.commit();
            s.store.compactFile(maxMillis);
            return null;
        });
    }

    long cut() {
        return cut;
    }

    // ---------------------------------------------------------------- reads

    @Override
    public Optional<JournalEntry> lastVerifiedReading(String meterSerial) {
        Long seq = meters.get(meterSerial);
        return seq == null ? Optional.empty() : entry(seq);
    }

    @Override
    public Optional<PaymentSession> session(String authorizationReference) {
        byte[] view = sessions.get(authorizationReference);
        if (view == null) {
            view = archive.session(authorizationReference);
        }
        return Optional.ofNullable(view).map(ViewCodec::decodeSession);
    }

    @Override
    public List<PaymentSession> sessions(PaymentSessionState state) {
        List<PaymentSession> out = new ArrayList<>();
        for (byte[] view : sessions.values()) {
            PaymentSession s = ViewCodec.decodeSession(view);
            if (s.state() != null && (state == null || s.state() == state)) {
                out.add(s);
            }
        }
        return out;
    }

    @Override
    public List<PaymentSession> sessionsWithoutHold() {
        List<PaymentSession> out = new ArrayList<>();
        for (byte[] view : sessions.values()) {
            PaymentSession s = ViewCodec.decodeSession(view);
            if (s.state() == null) {
                out.add(s);
            }
        }
        return out;
    }

    @Override
    public List<JournalEntry> timeline(String authorizationReference) {
        return session(authorizationReference).map(s -> s.factSeqs().stream().map(this::entry).flatMap(Optional::stream).toList())
                .orElse(List.of());
    }

    @Override
    public List<OutboxEntry> outbox() {
        long durable = durableHead;
        List<OutboxEntry> out = new ArrayList<>();
        for (Map.Entry<Long, String> open : openInstructions.entrySet()) {
            if (open.getKey() > durable) {
                break; // not on disk yet: nobody may act on it
            }
            instruction(new IdempotencyKey(open.getValue())).ifPresent(out::add);
        }
        return out;
    }

    @Override
    public Optional<OutboxEntry> instruction(IdempotencyKey key) {
        return Optional.ofNullable(instructions.get(key.value())).map(v -> ViewCodec.decodeInstruction(v).entry());
    }

    @Override
    public Optional<Instruction> instructionBody(IdempotencyKey key) {
        return instruction(key).flatMap(e -> entry(e.enqueuedSeq())).map(entry -> {
            JsonNode body = parse(entry.fact().body());
            return new Instruction(key, body.get("link").asText(), entry.fact().session(), body.get("money").asBoolean(),
                    json(body.get("payload")));
        });
    }

    @Override
    public Optional<JournalEntry> entry(long seq) {
        if (seq < 1 || seq > durableHead) {
            return Optional.empty();
        }
        byte[] stored = seq < cut ? archive.entry(seq) : journal.get(seq);
        return Optional.ofNullable(stored).map(EntryCodec::decode);
    }

    @Override
    public Optional<JournalEntry> byNaturalKey(String naturalKey) {
        Long seq = keys.get(naturalKey);
        if (seq == null) {
            seq = archive.seqOf(naturalKey);
        }
        return seq == null ? Optional.empty() : entry(seq);
    }

    @Override
    public List<JournalEntry> read(long fromSeq, int max) {
        long durable = durableHead;
        List<JournalEntry> out = new ArrayList<>(Math.min(max, 1024));
        for (long seq = Math.max(1, fromSeq); seq <= durable && out.size() < max; seq++) {
            byte[] stored = seq < cut ? archive.entry(seq) : journal.get(seq);
            if (stored != null) {
                out.add(EntryCodec.decode(stored));
            }
        }
        return out;
    }

    @Override
    public long head() {
        return durableHead;
    }

    @Override
    public ChainVerification verify() {
        long archivedTo = cut - 1;
        ChainVerification archived = verifyRange(1, archivedTo);
        if (!archived.intact()) {
            return archived;
        }
        if (archivedTo > 0 && !Arrays.equals(EntryCodec.storedHash(archive.entry(archivedTo)), checkpoint)) {
            return new ChainVerification(archived.checked(), archivedTo, "archive does not end at the checkpoint");
        }
        ChainVerification hot = verifyRange(cut, durableHead);
        return new ChainVerification(archived.checked() + hot.checked(), hot.firstBad(), hot.problem());
    }

    /** Recomputes hashes and links over [from, to]; an archive checkpoint, if any, anchors {@code from}. */
    ChainVerification verifyRange(long from, long to) {
        // the hot store's first entry links to the archive's checkpoint
        byte[] expectedPrevious = from == cut && cut > 1 ? checkpoint : null;
        long checked = 0;
        for (long seq = from; seq <= to; seq++) {
            byte[] stored = seq < cut ? archive.entry(seq) : journal.get(seq);
            if (stored == null) {
                return new ChainVerification(checked, seq, "entry missing");
            }
            if (!EntryCodec.hashMatches(stored)) {
                return new ChainVerification(checked, seq, "content does not match its hash");
            }
            JournalEntry e;
            try {
                e = EntryCodec.decode(stored);
            } catch (RuntimeException undecodable) {
                return new ChainVerification(checked, seq, "not a journal entry: " + undecodable.getMessage());
            }
            if (e.seq() != seq) {
                return new ChainVerification(checked, seq, "stored under seq " + seq + " but says " + e.seq());
            }
            if (seq == 1 && !Arrays.equals(e.previousHash(), EntryCodec.GENESIS)) {
                return new ChainVerification(checked, seq, "first entry does not start the chain");
            }
            if (expectedPrevious != null && !Arrays.equals(e.previousHash(), expectedPrevious)) {
                return new ChainVerification(checked, seq, "does not link to seq " + (seq - 1) + " ("
                        + HexFormat.of().formatHex(expectedPrevious, 0, 8) + "…)");
            }
            expectedPrevious = e.hash();
            checked++;
        }
        return new ChainVerification(checked, -1, null);
    }

    /** Counts by state, for status lines. */
    Map<String, Integer> sessionCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (byte[] view : sessions.values()) {
            PaymentSessionState s = ViewCodec.decodeSession(view).state();
            counts.merge(s == null ? "NO_HOLD" : s.name(), 1, Integer::sum);
        }
        return counts;
    }

    long fileSize() {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    // ---------------------------------------------------------------- helpers

    private static JsonNode parse(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new LedgerException("not JSON: " + e.getMessage());
        }
    }

    private static byte[] json(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new LedgerException("cannot write JSON: " + e);
        }
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() ? null : n.asText();
    }

    @Override
    public void close() {
        closing = true;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (writer.isAlive()) {
            log.error("ledger writer did not finish within 30 s; closing anyway (unfinished appends were never acknowledged)");
        }
        // anything still queued was never acknowledged: fail it rather than leave callers waiting
        for (Op op; (op = queue.poll()) != null;) {
            op.result().completeExceptionally(new LedgerException("the ledger closed; not recorded"));
        }
        store.close();
        archive.close();
    }
}
