package forecourt.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.annotation.Annotation;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.id.SiteId;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.outbox.InstructionHandler;
import forecourt.ledger.LedgerStore;

/** The component's handler bookkeeping, as an update that installs v2 before removing v1 exercises it. */
class OutboxComponentTest {
    @TempDir
    Path dir;

    static OutboxComponent.Config config() {
        return new OutboxComponent.Config() {
            public Class<? extends Annotation> annotationType() { return OutboxComponent.Config.class; }
            public int maxAttempts() { return 5; }
            public long backoffBaseMillis() { return 10; }
            public long backoffCapMillis() { return 100; }
            public int jitterPercent() { return 0; }
            public long pollMillis() { return 10; }
            public int threads() { return 2; }
        };
    }

    static final class Recording implements InstructionHandler {
        final String name;
        final List<String> sent;

        Recording(String name, List<String> sent) {
            this.name = name;
            this.sent = sent;
        }

        public InstructionOutcome deliver(Instruction instruction, int attempt) {
            sent.add(name + " " + instruction.key());
            return InstructionOutcome.succeeded(name);
        }

        public InstructionOutcome resolve(Instruction instruction, int attempt) {
            return InstructionOutcome.retryable("not applied", Instant.now());
        }
    }

    @Test
    void makeBeforeBreakUpdateHandsTheLinkToTheNewHandler() throws Exception {
        List<String> sent = new CopyOnWriteArrayList<>();
        Map<String, Object> props = Map.of(InstructionHandler.LINK, "acquirer:demo");
        try (LedgerStore ledger = new LedgerStore(dir.resolve("l.mv.db"), Clock.systemUTC(), 64)) {
            OutboxComponent outbox = new OutboxComponent(ledger, Clock.systemUTC(), config());
            try {
                Recording v1 = new Recording("v1", sent);
                Recording v2 = new Recording("v2", sent);
                outbox.addHandler(v1, props);
                outbox.addHandler(v2, props); // version 2 installed beside version 1
                outbox.removeHandler(v1, props); // then version 1 leaves
                IdempotencyKey k = IdempotencyKey.derive(new SiteId("AT0042"), "s", new AuthorizationReference("AT0042-MB"), "capture");
                ledger.enqueue(Instruction.of(k, "acquirer:demo", "MB", true, "{}")).toCompletableFuture().get();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (ledger.instruction(k).orElseThrow().status() != OutboxEntry.Status.SUCCEEDED && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(sent).containsExactly("v2 " + k);
                // the counter follows the recorded outcome by a moment: wait for it, do not race it
                while (!outbox.status().contains("delivered 1") && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                }
                assertThat(outbox.status()).contains("handlers: [acquirer:demo]").contains("delivered 1");
            } finally {
                outbox.deactivate();
            }
        }
    }
}
