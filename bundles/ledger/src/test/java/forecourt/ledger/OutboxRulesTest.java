package forecourt.ledger;

import static forecourt.ledger.LedgerFixture.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.id.SiteId;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.LedgerException;
import forecourt.api.ledger.OutboxEntry.Status;

/** The outbox's rules, enforced by the ledger whatever the delivery worker does. */
class OutboxRulesTest {
    @TempDir
    Path dir;

    private static IdempotencyKey key(String op, String session) {
        return IdempotencyKey.derive(new SiteId("AT0042"), session, new AuthorizationReference("AT0042-" + session), op);
    }

    private static Instruction capture(IdempotencyKey key, String session) {
        return Instruction.of(key, "acquirer:demo", session, true, "{\"amount\":1234,\"currency\":\"EUR\"}");
    }

    @Test
    void anAttemptThatMayHaveLandedMustBeResolvedBeforeAnotherIsSent() {
        IdempotencyKey k = key("capture", "S1");
        try (LedgerStore ledger = LedgerFixture.open(dir.resolve("l.mv.db"))) {
            await(ledger.enqueue(capture(k, "S1")));
            assertThat(ledger.outbox()).singleElement().satisfies(e -> {
                assertThat(e.status()).isEqualTo(Status.PENDING);
                assertThat(e.money()).isTrue();
            });
            await(ledger.recordAttempt(k, 1));
            assertThat(ledger.instruction(k).orElseThrow().status()).isEqualTo(Status.IN_FLIGHT);
            // crash here: the worker restarts and must not send attempt 2
            assertThatThrownBy(() -> await(ledger.recordAttempt(k, 2))).isInstanceOf(LedgerException.class)
                    .hasMessageContaining("resolve the last attempt first");
            await(ledger.recordOutcome(k, 1, InstructionOutcome.unknown("read timeout after send")));
            assertThat(ledger.instruction(k).orElseThrow().status()).isEqualTo(Status.UNKNOWN);
            assertThatThrownBy(() -> await(ledger.recordAttempt(k, 2))).isInstanceOf(LedgerException.class);
            assertThatThrownBy(() -> await(ledger.cancel(k, "tech", "give up"))).hasMessageContaining("may have landed");
            // the resolve (a status lookup) finds it was applied
            await(ledger.recordOutcome(k, 1, InstructionOutcome.succeeded("cap_123")));
            assertThat(ledger.instruction(k).orElseThrow()).satisfies(e -> {
                assertThat(e.status()).isEqualTo(Status.SUCCEEDED);
                assertThat(e.upstreamReference()).isEqualTo("cap_123");
                assertThat(e.attempts()).isEqualTo(1);
            });
            assertThat(ledger.outbox()).isEmpty();
            assertThatThrownBy(() -> await(ledger.recordOutcome(k, 1, InstructionOutcome.succeeded("again"))))
                    .isInstanceOf(LedgerException.class);
        }
    }

    @Test
    void retryableOutcomesWaitAndTheSameInstructionIsEnqueuedOnce() {
        IdempotencyKey k = key("release", "S2");
        try (LedgerStore ledger = LedgerFixture.open(dir.resolve("l.mv.db"))) {
            assertThat(await(ledger.enqueue(capture(k, "S2"))).duplicate()).isFalse();
            assertThat(await(ledger.enqueue(capture(k, "S2"))).duplicate()).as("engine re-deciding after a crash").isTrue();
            Instant later = Instant.parse("2030-01-01T00:00:00Z");
            await(ledger.recordAttempt(k, 1));
            await(ledger.recordOutcome(k, 1, InstructionOutcome.retryable("HTTP 503", later)));
            assertThat(ledger.instruction(k).orElseThrow()).satisfies(e -> {
                assertThat(e.status()).isEqualTo(Status.PENDING);
                assertThat(e.nextAttemptAt()).isEqualTo(later);
                assertThat(e.lastDetail()).isEqualTo("HTTP 503");
            });
            assertThatThrownBy(() -> await(ledger.recordAttempt(k, 3))).as("attempts are numbered without gaps")
                    .isInstanceOf(LedgerException.class);
            await(ledger.recordAttempt(k, 2));
            await(ledger.recordOutcome(k, 2, InstructionOutcome.declined("authorization expired")));
            assertThat(ledger.instruction(k).orElseThrow().status()).isEqualTo(Status.DECLINED);
            assertThat(ledger.instructionBody(k).orElseThrow().operation()).isEqualTo("release");
        }
    }

    @Test
    void reviewRetryAndCancelAreRecordedWithWhoAndWhy() {
        IdempotencyKey k = key("capture", "S3");
        IdempotencyKey unresolved = key("capture", "S4");
        try (LedgerStore ledger = LedgerFixture.open(dir.resolve("l.mv.db"))) {
            await(ledger.enqueue(capture(k, "S3")));
            await(ledger.review(k, "10 attempts without success"));
            assertThat(ledger.outbox()).as("REVIEW stays visible in the outbox").extracting(e -> e.status()).containsExactly(Status.REVIEW);
            await(ledger.retry(k, "tech:anna", "acquirer fixed their TLS certificate"));
            assertThat(ledger.instruction(k).orElseThrow().status()).isEqualTo(Status.PENDING);
            await(ledger.cancel(k, "ops:bob", "duplicate of a manual capture"));
            assertThat(ledger.instruction(k).orElseThrow().lastDetail()).contains("ops:bob").contains("duplicate");
            assertThat(ledger.timeline("S3")).extracting(e -> e.fact().type().name())
                    .containsExactly("INSTRUCTION_ENQUEUED", "INSTRUCTION_REVIEW", "INSTRUCTION_RETRY", "INSTRUCTION_CANCELLED");

            // a review that interrupts an attempt which may have landed: a retry resolves first
            await(ledger.enqueue(capture(unresolved, "S4")));
            await(ledger.recordAttempt(unresolved, 1));
            await(ledger.review(unresolved, "deadline passed"));
            assertThatThrownBy(() -> await(ledger.cancel(unresolved, "x", "y"))).isInstanceOf(LedgerException.class);
            await(ledger.retry(unresolved, "tech:anna", "try again"));
            assertThat(ledger.instruction(unresolved).orElseThrow().status()).isEqualTo(Status.UNKNOWN);
        }
    }

    @Test
    void theOutboxIsInJournalOrderAndSurvivesARestart() {
        Path file = dir.resolve("l.mv.db");
        try (LedgerStore ledger = LedgerFixture.open(file)) {
            for (int i = 0; i < 10; i++) {
                await(ledger.enqueue(capture(key("capture", "O" + i), "O" + i)));
            }
            await(ledger.recordAttempt(key("capture", "O3"), 1));
        }
        try (LedgerStore reopened = LedgerFixture.open(file)) {
            assertThat(reopened.outbox()).extracting(e -> e.session()).containsExactly("O0", "O1", "O2", "O3", "O4", "O5",
                    "O6", "O7", "O8", "O9");
            assertThat(reopened.instruction(key("capture", "O3")).orElseThrow().status())
                    .as("in flight at the crash: must be resolved").isEqualTo(Status.IN_FLIGHT);
        }
    }
}
