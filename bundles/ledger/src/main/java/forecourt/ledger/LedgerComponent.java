package forecourt.ledger;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.id.IdempotencyKey;
import forecourt.api.ledger.Appended;
import forecourt.api.ledger.ChainVerification;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.ledger.PaymentSession;
import forecourt.api.ledger.PaymentSessionState;

/**
 * The ledger service. The store lives at an explicit path under the data directory, never
 * in a bundle's data area, so that updating or reinstalling a bundle cannot touch it.
 */
@Component(name = "forecourt.ledger", configurationPid = "forecourt.ledger", immediate = true)
@Designate(ocd = LedgerComponent.Config.class)
public class LedgerComponent implements Ledger {
    private static final Logger log = LoggerFactory.getLogger(LedgerComponent.class);

    @ObjectClassDefinition(name = "Forecourt ledger", description = "The durable journal of every fact that moves money.")
    public @interface Config {
        @AttributeDefinition(description = "Store file; empty = <data directory>/ledger/ledger.mv.db")
        String path() default "";

        @AttributeDefinition(description = "Most appends that share one commit and sync (group commit)")
        int maxBatch() default 1024;

        @AttributeDefinition(description = "Closed sessions older than this many days move to the archive; 0 = never")
        int archiveAfterDays() default 90;

        @AttributeDefinition(description = "Hours between housekeeping runs (archive, then compact)")
        int housekeepingHours() default 24;
    }

    private final LedgerStore store;
    private final Clock clock;
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "forecourt-ledger-housekeeping");
        t.setDaemon(true);
        return t;
    });

    @Activate
    public LedgerComponent(@Reference Clock clock, BundleContext context, Config config) {
        Path file = config.path().isBlank()
                ? Paths.get(dataDirectory(context), "ledger", "ledger.mv.db")
                : Paths.get(config.path());
        long t0 = System.nanoTime();
        this.clock = clock;
        store = new LedgerStore(file, clock, Math.max(1, config.maxBatch()));
        log.info("ledger open at {} in {} ms: {}", file.toAbsolutePath(), (System.nanoTime() - t0) / 1_000_000, store.recoveryReport());
        if (config.archiveAfterDays() > 0) {
            long hours = Math.max(1, config.housekeepingHours());
            int days = config.archiveAfterDays();
            housekeeping.scheduleWithFixedDelay(() -> housekeep(days), hours, hours, TimeUnit.HOURS);
        }
    }

    /** Archives closed sessions older than {@code days} and compacts the hot file. */
    String housekeep(int days) {
        try {
            long moved = store.archiveOlderThan(clock.instant().minus(Duration.ofDays(days))).toCompletableFuture().get();
            long before = store.fileSize();
            store.compact(10_000).toCompletableFuture().get();
            String line = "housekeeping: archived " + moved + " facts; file " + before / 1024 + " KiB -> " + store.fileSize() / 1024 + " KiB";
            log.info(line);
            return line;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "housekeeping interrupted";
        } catch (ExecutionException e) {
            log.error("ledger housekeeping failed: {}", e.getCause().toString());
            return "housekeeping failed: " + e.getCause();
        }
    }

    static String dataDirectory(BundleContext context) {
        String dir = context.getProperty("forecourt.data");
        return dir == null || dir.isBlank() ? "data" : dir;
    }

    @Deactivate
    void deactivate() {
        housekeeping.shutdownNow();
        store.close();
        log.info("ledger closed at seq {}", store.head());
    }

    LedgerStore store() {
        return store;
    }

    @Override
    public CompletionStage<Appended> append(Fact fact) {
        return store.append(fact);
    }

    @Override
    public CompletionStage<Appended> enqueue(Instruction instruction) {
        return store.enqueue(instruction);
    }

    @Override
    public CompletionStage<Appended> recordAttempt(IdempotencyKey key, int attempt) {
        return store.recordAttempt(key, attempt);
    }

    @Override
    public CompletionStage<Appended> recordOutcome(IdempotencyKey key, int attempt, InstructionOutcome outcome) {
        return store.recordOutcome(key, attempt, outcome);
    }

    @Override
    public CompletionStage<Appended> review(IdempotencyKey key, String reason) {
        return store.review(key, reason);
    }

    @Override
    public CompletionStage<Appended> retry(IdempotencyKey key, String who, String why) {
        return store.retry(key, who, why);
    }

    @Override
    public CompletionStage<Appended> cancel(IdempotencyKey key, String who, String why) {
        return store.cancel(key, who, why);
    }

    @Override
    public Optional<PaymentSession> session(String authorizationReference) {
        return store.session(authorizationReference);
    }

    @Override
    public List<PaymentSession> sessions(PaymentSessionState state) {
        return store.sessions(state);
    }

    @Override
    public List<PaymentSession> sessionsWithoutHold() {
        return store.sessionsWithoutHold();
    }

    @Override
    public List<JournalEntry> timeline(String authorizationReference) {
        return store.timeline(authorizationReference);
    }

    @Override
    public List<OutboxEntry> outbox() {
        return store.outbox();
    }

    @Override
    public Optional<OutboxEntry> instruction(IdempotencyKey key) {
        return store.instruction(key);
    }

    @Override
    public Optional<Instruction> instructionBody(IdempotencyKey key) {
        return store.instructionBody(key);
    }

    @Override
    public Optional<JournalEntry> entry(long seq) {
        return store.entry(seq);
    }

    @Override
    public List<JournalEntry> read(long fromSeq, int max) {
        return store.read(fromSeq, max);
    }

    @Override
    public long head() {
        return store.head();
    }

    @Override
    public ChainVerification verify() {
        return store.verify();
    }
}
