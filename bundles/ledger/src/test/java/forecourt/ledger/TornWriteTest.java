package forecourt.ledger;

import static forecourt.ledger.LedgerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.ledger.ChainVerification;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;

/**
 * A store whose tail was torn (power lost mid-write) or whose bytes were damaged. Opening
 * it must recover the last good state or quarantine the file — never crash, never delete.
 */
class TornWriteTest {
    @TempDir
    Path dir;
    private Path pristine;
    private final List<JournalEntry> original = new ArrayList<>();
    private final java.util.Map<String, Integer> outcomes = new java.util.TreeMap<>();

    @org.junit.jupiter.api.AfterEach
    void report() {
        System.out.println("torn-write outcomes: " + outcomes);
    }

    @BeforeEach
    void writeAStoreInManyCommits() {
        pristine = dir.resolve("pristine.mv.db");
        try (LedgerStore ledger = LedgerFixture.open(pristine)) {
            for (int i = 0; i < 300; i++) {
                await(ledger.append(Fact.of(FactType.METER_READING, "meter:CH1:1:" + i + ":Energy", null,
                        "{\"i\":" + i + ",\"pad\":\"" + "y".repeat(150) + "\"}")));
            }
            original.addAll(ledger.read(1, 1000));
        }
    }

    private Path damagedCopy(String name, Damage damage) throws IOException {
        Path sub = Files.createDirectories(dir.resolve(name));
        Path copy = sub.resolve("ledger.mv.db");
        Files.copy(pristine, copy);
        try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
            damage.apply(f);
        }
        return copy;
    }

    interface Damage {
        void apply(RandomAccessFile f) throws IOException;
    }

    /** Opens the damaged store and checks the two acceptable outcomes. */
    private void opensSafely(Path damaged) throws IOException {
        long damagedSize = Files.size(damaged);
        byte[] damagedBytes = Files.readAllBytes(damaged);
        try (LedgerStore ledger = LedgerFixture.open(damaged)) {
            String report = ledger.recoveryReport();
            boolean quarantined = report.contains("QUARANTINED");
            if (quarantined || report.contains("RECOVERED damaged")) {
                try (Stream<Path> files = Files.list(damaged.getParent())) {
                    Path aside = files.filter(p -> p.getFileName().toString().startsWith("ledger.mv.db.corrupt-")).findFirst().orElseThrow();
                    assertThat(Files.size(aside)).as("kept whole for forensics").isEqualTo(damagedSize);
                    assertThat(Files.readAllBytes(aside)).isEqualTo(damagedBytes);
                }
                outcomes.merge(quarantined ? "quarantined" : "rolled back", 1, Integer::sum);
            } else {
                outcomes.merge(report.contains("BROKEN") ? "opened, damage reported by the chain" : "opened", 1, Integer::sum);
            }
            if (quarantined) {
                assertThat(ledger.head()).isEqualTo(1);
                assertThat(ledger.entry(1).orElseThrow().fact().type()).isEqualTo(FactType.LEDGER_RECOVERED);
            } else if (report.contains("BROKEN")) {
                // damage inside a fact, below what the storage checks: the chain names it, nothing is "repaired"
                ChainVerification v = ledger.verify();
                assertThat(v.intact()).isFalse();
                assertThat(report).contains("BROKEN at seq " + v.firstBad());
                for (JournalEntry e : ledger.read(1, (int) v.firstBad() - 1)) {
                    assertThat(e.hash()).isEqualTo(original.get((int) e.seq() - 1).hash());
                }
            } else {
                // recovered: a prefix of what was there, identical, chained (plus the note of the recovery)
                assertThat(ledger.head()).isLessThanOrEqualTo(original.size() + 1);
                assertThat(ledger.verify().intact()).isTrue();
                for (JournalEntry e : ledger.read(1, 1000)) {
                    if (e.fact().type() != FactType.LEDGER_RECOVERED) {
                        assertThat(e.hash()).isEqualTo(original.get((int) e.seq() - 1).hash());
                    }
                }
            }
            // either way the ledger keeps working
            long head = ledger.head();
            await(ledger.append(Fact.of(FactType.CHARGER_EVENT, "charger:CH1:boot:after-damage", null, "{}")));
            assertThat(ledger.head()).isEqualTo(head + 1);
        }
    }

    @Test
    void truncatedTailsRecoverOrQuarantine() throws IOException {
        Random random = new Random(7);
        long size = Files.size(pristine);
        for (int i = 0; i < 12; i++) {
            long cut = 1 + random.nextInt((int) Math.min(size - 1, 64 * 1024));
            opensSafely(damagedCopy("trunc" + i, f -> f.setLength(size - cut)));
        }
    }

    @Test
    void garbageInTheLastBytesRecoversOrQuarantines() throws IOException {
        Random random = new Random(11);
        long size = Files.size(pristine);
        for (int i = 0; i < 12; i++) {
            int len = 1 + random.nextInt(4096);
            long at = size - len - random.nextInt((int) Math.min(size - len, 16 * 1024));
            byte[] junk = new byte[len];
            random.nextBytes(junk);
            opensSafely(damagedCopy("junk" + i, f -> {
                f.seek(at);
                f.write(junk);
            }));
        }
    }

    @Test
    void destroyedHeadersAndTotalGarbageAreQuarantinedNotDeleted() throws IOException {
        long size = Files.size(pristine);
        opensSafely(damagedCopy("headers", f -> f.write(new byte[8192])));
        opensSafely(damagedCopy("garbage", f -> {
            byte[] junk = new byte[(int) size];
            new Random(3).nextBytes(junk);
            f.seek(0);
            f.write(junk);
        }));
    }
}
