package forecourt.ledger;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
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

import forecourt.api.ledger.Ledger;

/**
 * The ledger service: the store, configured and scheduled by Declarative Services. The store lives at an explicit path under the data directory, never
 * in a bundle's data area, so that updating or reinstalling a bundle cannot touch it.
 */
@Component(name = "forecourt.ledger", configurationPid = "forecourt.ledger", immediate = true, service = Ledger.class)
@Designate(ocd = LedgerComponent.Config.class)
public class LedgerComponent extends LedgerStore {
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

    private final Clock clock;
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "forecourt-ledger-housekeeping");
        t.setDaemon(true);
        return t;
    });

    @Activate
    public LedgerComponent(@Reference Clock clock, BundleContext context, Config config) {
        super(storeFile(context, config), clock, Math.max(1, config.maxBatch()));
        this.clock = clock;
        log.info("ledger open at {}: {}", file().toAbsolutePath(), recoveryReport());
        if (config.archiveAfterDays() > 0) {
            long hours = Math.max(1, config.housekeepingHours());
            int days = config.archiveAfterDays();
            housekeeping.scheduleWithFixedDelay(() -> housekeep(days), hours, hours, TimeUnit.HOURS);
        }
    }

    private static Path storeFile(BundleContext context, Config config) {
        if (!config.path().isBlank()) {
            return Paths.get(config.path());
        }
        String dir = context.getProperty("forecourt.data");
        return Paths.get(dir == null || dir.isBlank() ? "data" : dir, "ledger", "ledger.mv.db");
    }

    /** Archives closed sessions older than {@code days} and compacts the hot file. */
    String housekeep(int days) {
        try {
            long moved = archiveOlderThan(clock.instant().minus(Duration.ofDays(days))).toCompletableFuture().get();
            long before = fileSize();
            compact(10_000).toCompletableFuture().get();
            String line = "housekeeping: archived " + moved + " facts; file " + before / 1024 + " KiB -> " + fileSize() / 1024 + " KiB";
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
        close();
        log.info("ledger closed at seq {}", head());
    }
}
