package forecourt.site;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Properties;
import java.util.function.LongSupplier;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's clock: every component takes time from this service, never from
 * {@code System.currentTimeMillis()}, so the demo and the tests can compress a ten-minute
 * outage into seconds.
 * <p>
 * Time is anchored in a small file in the data directory: after a restart, or a change of
 * compression, the clock continues from where it was and never runs backwards relative to
 * facts already recorded. With compression 1 and no earlier compression it is exactly the
 * system clock.
 */
@Component(name = "forecourt.clock", configurationPid = "forecourt.clock", service = Clock.class, immediate = true)
@Designate(ocd = SiteClock.Config.class)
public class SiteClock extends Clock {
    private static final Logger log = LoggerFactory.getLogger(SiteClock.class);
    static final String ANCHOR_FILE = "clock-anchor.properties";

    @ObjectClassDefinition(name = "Forecourt clock", description = "Time source for every component.")
    public @interface Config {
        @AttributeDefinition(description = "Seconds of gateway time per real second: 1 in production, e.g. 60 in the demo")
        int compression() default 1;
    }

    private final LongSupplier realMillis;
    private final long anchorReal;
    private final long anchorInstant;
    private final int compression;

    @Activate
    public SiteClock(Config config, BundleContext context) {
        this(Paths.get(dataDirectory(context)).resolve(ANCHOR_FILE), config.compression(), System::currentTimeMillis);
        if (compression != 1) {
            log.warn("clock compressed {}x: gateway time is not wall time (demo/test mode)", compression);
        }
    }

    SiteClock(Path anchorFile, int compression, LongSupplier realMillis) {
        if (compression < 1) {
            throw new IllegalArgumentException("clock compression must be >= 1, was " + compression);
        }
        this.realMillis = realMillis;
        this.compression = compression;
        long now = realMillis.getAsLong();
        long continued = readAnchor(anchorFile, now);
        this.anchorReal = now;
        this.anchorInstant = Math.max(now, continued);
        writeAnchor(anchorFile);
    }

    static String dataDirectory(BundleContext context) {
        String dir = context.getProperty("forecourt.data");
        return dir == null || dir.isBlank() ? "data" : dir;
    }

    private static long readAnchor(Path file, long now) {
        if (!Files.isRegularFile(file)) {
            return now;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
            long real = Long.parseLong(p.getProperty("real"));
            long instant = Long.parseLong(p.getProperty("instant"));
            int k = Integer.parseInt(p.getProperty("compression"));
            return instant + Math.max(0, now - real) * k;
        } catch (IOException | RuntimeException e) {
            log.warn("clock anchor {} unreadable ({}); starting from wall time", file, e.toString());
            return now;
        }
    }

    private void writeAnchor(Path file) {
        Properties p = new Properties();
        p.setProperty("real", Long.toString(anchorReal));
        p.setProperty("instant", Long.toString(anchorInstant));
        p.setProperty("compression", Integer.toString(compression));
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (OutputStream out = Files.newOutputStream(tmp)) {
                p.store(out, "Forecourt clock anchor: gateway time = instant + (wall - real) * compression");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // the clock still works; only continuity across a restart is lost
            log.error("cannot write clock anchor {}: {}", file, e.toString());
        }
    }

    public int compression() {
        return compression;
    }

    @Override
    public long millis() {
        return anchorInstant + (realMillis.getAsLong() - anchorReal) * compression;
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        return Clock.fixed(instant(), zone); // callers needing zones format; they do not keep time
    }
}
