package forecourt.site;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SiteClockTest {
    @TempDir
    Path data;

    @Test
    void uncompressedClockIsWallTime() {
        AtomicLong wall = new AtomicLong(1_000_000);
        SiteClock clock = new SiteClock(data.resolve(SiteClock.ANCHOR_FILE), 1, wall::get);
        wall.addAndGet(1234);
        assertThat(clock.millis()).isEqualTo(1_001_234);
    }

    @Test
    void compressedClockRunsFasterAndContinuesAfterRestart() {
        AtomicLong wall = new AtomicLong(1_000_000);
        Path anchor = data.resolve(SiteClock.ANCHOR_FILE);
        SiteClock demo = new SiteClock(anchor, 60, wall::get);
        wall.addAndGet(10_000); // ten real seconds
        assertThat(demo.millis()).isEqualTo(1_000_000 + 600_000); // ten gateway minutes

        wall.addAndGet(1_000); // gateway restarts one real second later
        SiteClock restarted = new SiteClock(anchor, 60, wall::get);
        assertThat(restarted.millis()).isEqualTo(1_000_000 + 660_000);

        // switching compression off must not make time run backwards
        SiteClock production = new SiteClock(anchor, 1, wall::get);
        assertThat(production.millis()).isGreaterThanOrEqualTo(restarted.millis());
        wall.addAndGet(1_000);
        assertThat(production.millis()).isEqualTo(1_000_000 + 660_000 + 1_000);
    }
}
