package forecourt.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import forecourt.api.ledger.OutboxEntry;
import forecourt.ledger.LedgerStore;

/**
 * The worker is killed (SIGKILL) at random moments while it delivers; the upstream lives on
 * in this process. After every restart nothing may be lost, and nothing already applied
 * upstream may be sent again: an attempt in flight at the kill is resolved (GET) first.
 * 20 kills; {@code -Dforecourt.long=true}: 200.
 */
class WorkerCrashTest {
    @TempDir
    Path dir;

    /** An idempotent upstream that answers 200, 503, or applies and then stalls past the client's timeout. */
    static final class Upstream {
        final Map<String, Integer> applied = new ConcurrentHashMap<>();
        final Map<String, Integer> postsAfterApplied = new ConcurrentHashMap<>();
        final AtomicInteger posts = new AtomicInteger();
        final AtomicInteger gets = new AtomicInteger();
        final Random random = new Random(99);
        final HttpServer server;

        Upstream() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
            server.setExecutor(Executors.newFixedThreadPool(16));
            server.createContext("/apply/", this::apply);
            server.createContext("/status/", this::status);
            server.start();
        }

        String base() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        private void apply(HttpExchange x) throws IOException {
            String key = x.getRequestURI().getPath().substring("/apply/".length());
            posts.incrementAndGet();
            int roll;
            synchronized (random) {
                roll = random.nextInt(10);
            }
            if (applied.containsKey(key)) {
                postsAfterApplied.merge(key, 1, Integer::sum); // the worker should have asked first
            }
            if (roll < 2) {
                respond(x, 503, "busy");
                return;
            }
            applied.merge(key, 1, (a, b) -> a); // idempotent: applied once whatever happens
            if (roll < 3) {
                try {
                    Thread.sleep(700); // applied, but the answer comes too late
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            respond(x, 200, "cap_" + key.substring(8, 20));
        }

        private void status(HttpExchange x) throws IOException {
            String key = x.getRequestURI().getPath().substring("/status/".length());
            gets.incrementAndGet();
            if (applied.containsKey(key)) {
                respond(x, 200, "cap_" + key.substring(8, 20));
            } else {
                respond(x, 404, "no such capture");
            }
        }

        private static void respond(HttpExchange x, int status, String body) throws IOException {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            try {
                x.sendResponseHeaders(status, bytes.length);
                x.getResponseBody().write(bytes);
            } catch (IOException clientGone) {
                // the child was killed or timed out: the effect stands
            } finally {
                x.close();
            }
        }
    }

    @Test
    void killedWhileDeliveringNothingIsLostAndNothingAppliedIsSentAgain() throws Exception {
        int kills = Boolean.getBoolean("forecourt.long") ? 200 : 20;
        int instructions = 300;
        Path ledgerFile = dir.resolve("ledger.mv.db");
        Upstream upstream = new Upstream();
        Random random = new Random(5);
        try {
            boolean done = false;
            int round = 0;
            List<String> childErrors = new ArrayList<>();
            while (!done) {
                boolean last = round >= kills;
                Process child = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                        System.getProperty("java.class.path"), WorkerChild.class.getName(), ledgerFile.toString(), upstream.base(),
                        Integer.toString(instructions)).redirectErrorStream(true).start();
                BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
                Thread reader = new Thread(() -> {
                    try {
                        for (String line; (line = out.readLine()) != null;) {
                            if (line.startsWith("Exception") || line.contains("ERROR")) {
                                childErrors.add(line);
                            }
                            if (line.equals("DONE")) {
                                synchronized (childErrors) {
                                    childErrors.notifyAll();
                                }
                            }
                        }
                    } catch (IOException ignored) {
                        // killed
                    }
                });
                reader.start();
                if (last) {
                    assertThat(child.waitFor(120, TimeUnit.SECONDS)).as("the last run finishes the outbox").isTrue();
                    done = true;
                } else {
                    Thread.sleep(300 + random.nextInt(900));
                    child.toHandle().destroyForcibly();
                    child.waitFor();
                }
                reader.join(5000);
                round++;
            }
            assertThat(childErrors).isEmpty();
        } finally {
            upstream.server.stop(0);
        }
        try (LedgerStore ledger = new LedgerStore(ledgerFile, Clock.systemUTC(), 64)) {
            assertThat(ledger.outbox()).isEmpty();
            for (int i = 0; i < instructions; i++) {
                OutboxEntry e = ledger.instruction(WorkerChild.key(i)).orElseThrow();
                assertThat(e.status()).as("instruction %d", i).isEqualTo(OutboxEntry.Status.SUCCEEDED);
                assertThat(upstream.applied).containsKey(WorkerChild.key(i).value());
            }
            assertThat(ledger.verify().intact()).isTrue();
        }
        assertThat(upstream.applied).hasSize(instructions);
        assertThat(upstream.postsAfterApplied).as("sent again after it was applied (no resolve first)").isEmpty();
        assertThat(upstream.gets.get()).as("resolves really happened").isGreaterThan(0);
        System.out.printf("worker crash test: %d kills, %d POSTs, %d status lookups, %d applied%n", kills, upstream.posts.get(),
                upstream.gets.get(), upstream.applied.size());
    }
}
