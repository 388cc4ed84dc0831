package forecourt.ledger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import org.eclipse.paho.client.mqttv3.MqttPersistable;
import org.eclipse.paho.client.mqttv3.persist.MqttDefaultFilePersistence;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.HdrHistogram.Histogram;

import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;

/**
 * The ledger benchmark (issue: "The ledger"), every contender at the same durability
 * (on disk, synced, before the writer is answered), same fact size, 64 concurrent writers:
 * (a) this ledger, (b) an H2 SQL table, one insert + commit + sync per fact (Eclipse Kura's
 * way), (c) Paho's MqttDefaultFilePersistence, one file per message, (d) a bare MVStore
 * group commit + sync loop (this design's ceiling), (e) raw 200-byte append + fdatasync.
 * Then: paced latency at 5 000 facts/s, restart time with 1 M facts, file bytes per fact.
 * <p>
 * Usage: bench/ledger.sh [work directory]
 */
public final class LedgerBench {
    static final int WRITERS = 64;
    static final String PAD = "x".repeat(120);

    private LedgerBench() {
    }

    interface Durable {
        void write(int writer, long i) throws Exception;
    }

    record Result(String name, long facts, double seconds, Histogram latency) {
        double rate() {
            return facts / seconds;
        }

        String line() {
            return String.format("%-52s %9.0f facts/s   p50 %6.2f ms   p99 %7.2f ms   (%d facts)", name, rate(),
                    latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(99) / 1000.0, facts);
        }
    }

    static String body(int writer, long i) {
        // ~200 bytes with the key, like a TransactionEvent's essentials
        return "{\"charger\":\"CH" + writer + "\",\"seqNo\":" + i + ",\"eventType\":\"Updated\",\"pad\":\"" + PAD + "\"}";
    }

    static Result run(String name, int perWriter, Durable durable) throws Exception {
        Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        AtomicLong failures = new AtomicLong();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            Thread t = new Thread(() -> {
                try {
                    start.await();
                    for (long i = 0; i < perWriter; i++) {
                        long t0 = System.nanoTime();
                        durable.write(writer, i);
                        long us = (System.nanoTime() - t0) / 1000;
                        synchronized (h) {
                            h.recordValue(Math.min(us, h.getHighestTrackableValue()));
                        }
                    }
                } catch (Exception e) {
                    failures.incrementAndGet();
                    e.printStackTrace();
                }
            });
            t.start();
            threads.add(t);
        }
        long t0 = System.nanoTime();
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (failures.get() > 0) {
            throw new IllegalStateException(name + ": " + failures + " writers failed");
        }
        Result r = new Result(name, (long) WRITERS * perWriter, seconds, h);
        System.out.println(r.line());
        return r;
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "target/bench-work"));
        clean(work);
        int scale = Integer.getInteger("bench.scale", 1);
        System.out.println("ledger benchmark: " + WRITERS + " writers, ~" + body(1, 1).length() + "-byte facts, work dir " + work.toAbsolutePath());

        // (a) this ledger
        Result a;
        try (LedgerStore ledger = new LedgerStore(work.resolve("a/ledger.mv.db"), Clock.systemUTC(), 1024)) {
            run("warm-up", 200, (w, i) -> ledger.append(fact("warm:" + w + ":" + i, w, i)).toCompletableFuture().get());
            a = run("(a) Forecourt ledger", 1500 * scale,
                    (w, i) -> ledger.append(fact("tx:CH" + w + ":t:" + i, w, i)).toCompletableFuture().get());
        }

        // (b) H2 SQL, one insert + commit per fact, synced (CHECKPOINT SYNC) to the same durability
        Result b;
        String url = "jdbc:h2:" + work.resolve("b/kura").toAbsolutePath();
        try (Connection setup = DriverManager.getConnection(url, "sa", "")) {
            setup.createStatement().execute("CREATE TABLE facts(id IDENTITY PRIMARY KEY, k VARCHAR(128) UNIQUE, body VARCHAR(512))");
        }
        ThreadLocal<Connection> connections = ThreadLocal.withInitial(() -> {
            try {
                Connection c = DriverManager.getConnection(url, "sa", "");
                c.setAutoCommit(false);
                return c;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        b = run("(b) H2 SQL insert + commit + sync per fact", 30 * scale, (w, i) -> {
            Connection c = connections.get();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO facts(k, body) VALUES (?, ?)")) {
                ps.setString(1, "tx:CH" + w + ":t:" + i);
                ps.setString(2, body(w, i));
                ps.executeUpdate();
            }
            c.commit();
            try (Statement st = c.createStatement()) {
                st.execute("CHECKPOINT SYNC");
            }
        });

        // (c) Paho's default file persistence: one file per message
        List<MqttDefaultFilePersistence> persistences = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            MqttDefaultFilePersistence p = new MqttDefaultFilePersistence(work.resolve("c").toString());
            p.open("client" + w, "tcp://localhost:1883");
            persistences.add(p);
        }
        Result c = run("(c) Paho MqttDefaultFilePersistence", 30 * scale, (w, i) -> {
            byte[] bytes = body(w, i).getBytes(StandardCharsets.UTF_8);
            persistences.get(w).put("s-" + i, new Persistable(bytes));
        });
        for (MqttDefaultFilePersistence p : persistences) {
            p.close();
        }

        // (d) bare MVStore: group commit + sync, nothing else
        Result d;
        Files.createDirectories(work.resolve("d"));
        MVStore bare = new MVStore.Builder().fileName(work.resolve("d/bare.mv.db").toString()).autoCommitDisabled().open();
        try {
            MVMap<Long, byte[]> map = bare.openMap("m");
            BlockingQueue<Object[]> queue = new ArrayBlockingQueue<>(8192);
            AtomicLong seq = new AtomicLong();
            Thread committer = new Thread(() -> {
                List<Object[]> batch = new ArrayList<>();
                while (!Thread.currentThread().isInterrupted()) {
                    try {
                        batch.add(queue.take());
                    } catch (InterruptedException e) {
                        return;
                    }
                    queue.drainTo(batch, 1023);
                    for (Object[] item : batch) {
                        map.put(seq.incrementAndGet(), (byte[]) item[0]);
                    }
                    bare.commit();
                    bare.sync();
                    for (Object[] item : batch) {
                        ((CompletableFuture<?>) item[1]).complete(null);
                    }
                    batch.clear();
                }
            });
            committer.start();
            d = run("(d) bare MVStore group commit + sync (ceiling)", 1500 * scale, (w, i) -> {
                CompletableFuture<Void> done = new CompletableFuture<>();
                queue.put(new Object[] { body(w, i).getBytes(StandardCharsets.UTF_8), done });
                done.get();
            });
            committer.interrupt();
            committer.join();
        } finally {
            bare.close();
        }

        // (e) the disk: one 200-byte append + fdatasync at a time
        Result e;
        Files.createDirectories(work.resolve("e"));
        try (FileChannel ch = FileChannel.open(work.resolve("e/raw.log"), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            Histogram h = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
            byte[] rec = body(1, 1).getBytes(StandardCharsets.UTF_8);
            int n = 5000 * scale;
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                long s = System.nanoTime();
                ch.write(ByteBuffer.wrap(rec));
                ch.force(false);
                h.recordValue((System.nanoTime() - s) / 1000);
            }
            e = new Result("(e) raw append + fdatasync, one writer (per flush)", n, (System.nanoTime() - t0) / 1e9, h);
            System.out.println(e.line());
        }

        System.out.println();
        System.out.printf("(a) / (d) = %5.1f %%   (target >= 60 %%)%n", 100 * a.rate() / d.rate());
        System.out.printf("(a) / (c) = %5.1f x   (target >= 30 x)%n", a.rate() / c.rate());
        System.out.printf("(a) / (b) = %5.1f x   (target >= 10 x)%n", a.rate() / b.rate());

        // paced: 5 000 facts/s from 64 writers, latency to durable
        try (LedgerStore ledger = new LedgerStore(work.resolve("p/ledger.mv.db"), Clock.systemUTC(), 1024)) {
            long intervalNanos = TimeUnit.SECONDS.toNanos(1) * WRITERS / 5000;
            Histogram appendOnly = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
            Result paced = run("paced 5 000 facts/s, Forecourt ledger", 150 * scale, (w, i) -> {
                long due = System.nanoTime() + intervalNanos;
                long t0 = System.nanoTime();
                ledger.append(fact("paced:CH" + w + ":" + i, w, i)).toCompletableFuture().get();
                synchronized (appendOnly) {
                    appendOnly.recordValue((System.nanoTime() - t0) / 1000);
                }
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait); // pacing, not counted in the latency below
                }
            });
            System.out.printf("paced at %.0f facts/s: append-to-durable p50 %.2f ms, p99 %.2f ms (target p99 < 10 ms)%n", paced.rate(),
                    appendOnly.getValueAtPercentile(50) / 1000.0, appendOnly.getValueAtPercentile(99) / 1000.0);
        }

        // 1 M facts: restart to open, and file bytes per fact after compaction
        Path big = work.resolve("m/ledger.mv.db");
        long written0 = 0;
        int million = Integer.getInteger("bench.facts", 1_000_000);
        try (LedgerStore ledger = new LedgerStore(big, Clock.systemUTC(), 4096)) {
            long t0 = System.nanoTime();
            run("filling " + million + " facts", million / WRITERS,
                    (w, i) -> ledger.append(fact("m:CH" + w + ":" + i, w, i)).toCompletableFuture().get());
            System.out.printf("filled in %.1f s; file %d MiB before compaction%n", (System.nanoTime() - t0) / 1e9, Files.size(big) >> 20);
            ledger.compact(60_000).toCompletableFuture().get();
        }
        long bytes = Files.size(big);
        System.out.printf("file after compaction: %d bytes = %.0f bytes per fact (target <= 500)%n", bytes, (double) bytes / million);
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            try (LedgerStore reopened = new LedgerStore(big, Clock.systemUTC(), 1024)) {
                double ms = (System.nanoTime() - t0) / 1e6;
                System.out.printf("restart with %d facts: open + tail check in %.0f ms (target < 2 000 ms)%n", reopened.head(), ms);
            }
        }
    }

    static Fact fact(String key, int w, long i) {
        return Fact.of(FactType.TRANSACTION_EVENT, key, null, body(w, i));
    }

    static void clean(Path dir) throws IOException {
        if (Files.exists(dir)) {
            try (Stream<Path> all = Files.walk(dir)) {
                all.sorted(Comparator.reverseOrder()).filter(p -> !p.equals(dir)).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** What Paho persists for an outgoing QoS 1 message. */
    record Persistable(byte[] payload) implements MqttPersistable {
        public byte[] getHeaderBytes() {
            return new byte[] { 0x32, (byte) payload.length };
        }

        public int getHeaderLength() {
            return 2;
        }

        public int getHeaderOffset() {
            return 0;
        }

        public byte[] getPayloadBytes() {
            return payload;
        }

        public int getPayloadLength() {
            return payload.length;
        }

        public int getPayloadOffset() {
            return 0;
        }
    }
}
