package forecourt.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.ledger.ChainVerification;
import forecourt.api.ledger.JournalEntry;

/**
 * Power loss, as far as a process can tell: a child JVM appends as fast as it can and is
 * killed with SIGKILL at a random moment, again and again on the same file. After every
 * kill, every fact the child saw acknowledged must be there, at the sequence number it was
 * acknowledged with, the chain must verify, and no fact may be partial.
 * 50 kills; {@code -Dforecourt.long=true} makes it 500.
 */
class LedgerCrashTest {
    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedFactSurvivesSigkill() throws Exception {
        int kills = Boolean.getBoolean("forecourt.long") ? 500 : 50;
        Path file = dir.resolve("crash.mv.db");
        Random random = new Random(42);
        Map<String, Long> acknowledged = new HashMap<>();
        long totalAcks = 0;
        for (int round = 0; round < kills; round++) {
            Map<String, Long> acks = new ConcurrentHashMap<>();
            Process child = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), "-Xmx64m", CrashAppender.class.getName(), file.toString(), "8")
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
            // kill after a random number of acknowledgements (sometimes none: killed while opening)
            int killAfter = random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(3000);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            String line;
            while (acks.size() < killAfter && System.nanoTime() < deadline && (line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    String[] parts = line.split(" ");
                    acks.put(parts[2], Long.parseLong(parts[1]));
                } else if (!line.startsWith("OPEN")) {
                    System.err.println("child: " + line);
                }
            }
            // SIGKILL: no shutdown hook, no close. Through the handle: Process.destroyForcibly()
            // would also close our end of the pipe and lose acknowledgements already in it.
            child.toHandle().destroyForcibly();
            child.waitFor();
            // lines already in the pipe were acknowledged before the kill: count them too
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ACK ")) {
                    String[] parts = line.split(" ");
                    acks.put(parts[2], Long.parseLong(parts[1]));
                }
            }
            acknowledged.putAll(acks);
            totalAcks += acks.size();

            try (LedgerStore reopened = LedgerFixture.open(file)) {
                for (Map.Entry<String, Long> ack : acks.entrySet()) {
                    JournalEntry e = reopened.entry(ack.getValue()).orElse(null);
                    assertThat(e).as("round %d: acknowledged %s at seq %d is missing", round, ack.getKey(), ack.getValue()).isNotNull();
                    assertThat(e.fact().naturalKey()).as("round %d seq %d", round, ack.getValue()).isEqualTo(ack.getKey());
                }
                ChainVerification v = reopened.verify();
                assertThat(v.intact()).as("round %d: %s", round, v.problem()).isTrue();
                assertThat(v.checked()).isEqualTo(reopened.head());
            }
        }
        // and once more at the end: everything acknowledged in every round is still there
        try (LedgerStore last = LedgerFixture.open(file)) {
            List<JournalEntry> all = last.read(1, Integer.MAX_VALUE);
            Map<String, Long> bySeq = new HashMap<>();
            all.forEach(e -> bySeq.put(e.fact().naturalKey(), e.seq()));
            acknowledged.forEach((key, seq) -> assertThat(bySeq.get(key)).as(key).isEqualTo(seq));
            System.out.printf("crash test: %d kills, %d acknowledged facts, %d facts in the ledger%n", kills, totalAcks, all.size());
        }
        assertThat(totalAcks).as("the child really appended between kills").isGreaterThan(kills * 100L);
    }
}
