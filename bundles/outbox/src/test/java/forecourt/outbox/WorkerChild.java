package forecourt.outbox;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Paths;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;

import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.id.SiteId;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.outbox.InstructionHandler;
import forecourt.ledger.LedgerStore;

/**
 * Child process for {@link WorkerCrashTest}: a ledger and a delivery worker sending
 * instructions to an HTTP upstream in the parent, until it is killed or the outbox is empty.
 * Args: ledger file, upstream base URL, number of instructions.
 */
public final class WorkerChild {
    private WorkerChild() {
    }

    static IdempotencyKey key(int i) {
        return IdempotencyKey.derive(new SiteId("AT0042"), "S" + i, new AuthorizationReference("AT0042-K" + i), "capture");
    }

    /** An HTTP handler in the shape of a real acquirer adapter. */
    static final class HttpUpstream implements InstructionHandler {
        private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(500)).build();
        private final String base;

        HttpUpstream(String base) {
            this.base = base;
        }

        @Override
        public InstructionOutcome deliver(Instruction instruction, int attempt) {
            HttpRequest post = HttpRequest.newBuilder(URI.create(base + "/apply/" + instruction.key())).timeout(Duration.ofMillis(300))
                    .header("Idempotency-Key", instruction.key().value()).POST(HttpRequest.BodyPublishers.ofByteArray(instruction.body())).build();
            try {
                HttpResponse<String> r = http.send(post, HttpResponse.BodyHandlers.ofString());
                return switch (r.statusCode()) {
                    case 200 -> InstructionOutcome.succeeded(r.body());
                    case 503, 429 -> InstructionOutcome.retryable("HTTP " + r.statusCode(), Instant.now());
                    default -> InstructionOutcome.unknown("HTTP " + r.statusCode());
                };
            } catch (HttpConnectTimeoutException | java.net.ConnectException notSent) {
                return InstructionOutcome.retryable("not connected: " + notSent, Instant.now());
            } catch (IOException maybeSent) { // incl. HttpTimeoutException: the request may have been sent
                return InstructionOutcome.unknown("sent, no answer: " + maybeSent);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return InstructionOutcome.unknown("interrupted after send");
            }
        }

        @Override
        public InstructionOutcome resolve(Instruction instruction, int attempt) {
            HttpRequest get = HttpRequest.newBuilder(URI.create(base + "/status/" + instruction.key())).timeout(Duration.ofMillis(300)).GET().build();
            try {
                HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
                return switch (r.statusCode()) {
                    case 200 -> InstructionOutcome.succeeded(r.body());
                    case 404 -> InstructionOutcome.retryable("not applied upstream", Instant.now());
                    default -> InstructionOutcome.unknown("status HTTP " + r.statusCode());
                };
            } catch (IOException e) {
                return InstructionOutcome.unknown("status lookup failed: " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return InstructionOutcome.unknown("interrupted");
            }
        }
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[2]);
        try (LedgerStore ledger = new LedgerStore(Paths.get(args[0]), Clock.systemUTC(), 256)) {
            for (int i = 0; i < n; i++) { // deduplicated by key: a restart enqueues nothing twice
                ledger.enqueue(Instruction.of(key(i), "acquirer:http", "S" + i, true, "{\"amount\":" + (1000 + i) + "}"))
                        .toCompletableFuture().get();
            }
            HttpUpstream upstream = new HttpUpstream(args[1]);
            DeliveryWorker worker = new DeliveryWorker(ledger, Clock.systemUTC(), link -> upstream,
                    new DeliveryPolicy(1000, Duration.ofMillis(5), Duration.ofMillis(50), 0.2), new Random());
            System.out.println("STARTED " + ledger.outbox().size());
            while (!ledger.outbox().isEmpty()) {
                worker.dueByLink().forEach(worker::drain);
                Thread.sleep(5);
            }
            System.out.println("DONE");
        }
    }
}
