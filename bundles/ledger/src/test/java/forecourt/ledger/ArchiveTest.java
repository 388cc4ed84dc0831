package forecourt.ledger;

import static forecourt.ledger.LedgerFixture.await;
import static forecourt.ledger.LedgerFixture.hold;
import static forecourt.ledger.LedgerFixture.move;
import static forecourt.ledger.LedgerFixture.txEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.id.SiteId;
import forecourt.api.ledger.FactConflictException;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.PaymentSessionState;

/** Old closed sessions leave the hot store; the history stays one verifiable chain. */
class ArchiveTest {
    @TempDir
    Path dir;

    /** A clock the test moves by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private static void closeSession(LedgerStore ledger, String ref) {
        await(ledger.append(hold(ref)));
        int i = 0;
        for (PaymentSessionState s : List.of(PaymentSessionState.CHARGING, PaymentSessionState.STOPPED, PaymentSessionState.FINAL_PROVEN,
                PaymentSessionState.RECONCILED, PaymentSessionState.SETTLED, PaymentSessionState.FISCALIZED, PaymentSessionState.CLOSED)) {
            await(ledger.append(move(ref, s, "step" + i++)));
        }
    }

    @Test
    void closedOldSessionsMoveOutAndTheChainStillProvesEverything() throws Exception {
        ManualClock clock = new ManualClock();
        Path file = dir.resolve("ledger.mv.db");
        Path archiveFile = dir.resolve("archive.mv.db");
        IdempotencyKey pending = IdempotencyKey.derive(new SiteId("AT0042"), "s", new AuthorizationReference("AT0042-LIVE"), "capture");
        long headBefore;
        try (LedgerStore ledger = new LedgerStore(file, archiveFile, clock, 64)) {
            for (int i = 0; i < 50; i++) {
                closeSession(ledger, "OLD" + i);
            }
            await(ledger.append(txEvent("CH1", "t", 1, null, "{\"v\":1}")));
            clock.now = clock.now.plus(Duration.ofDays(100));
            await(ledger.append(hold("LIVE"))); // a live session, recent: stays
            await(ledger.enqueue(Instruction.of(pending, "acquirer:demo", "LIVE", true, "{}")));
            headBefore = ledger.head();

            long moved = ledger.archiveOlderThan(clock.instant().minus(Duration.ofDays(90))).toCompletableFuture().get();
            assertThat(moved).isEqualTo(50 * 8 + 1);
            assertThat(ledger.cut()).isEqualTo(402);
            assertThat(ledger.head()).isEqualTo(headBefore);
            // archived history reads as before
            assertThat(ledger.session("OLD7").orElseThrow().state()).isEqualTo(PaymentSessionState.CLOSED);
            assertThat(ledger.timeline("OLD7")).hasSize(8);
            assertThat(ledger.read(1, 10_000)).hasSize((int) headBefore);
            assertThat(ledger.verify().intact()).isTrue();
            assertThat(ledger.verify().checked()).isEqualTo(headBefore);
            // archived keys still deduplicate, and still refuse a different body
            assertThat(await(ledger.append(hold("OLD3"))).duplicate()).isTrue();
            assertThatThrownBy(() -> await(ledger.append(txEvent("CH1", "t", 1, null, "{\"v\":2}"))))
                    .isInstanceOf(FactConflictException.class);
            // nothing more to archive: the live session and the open instruction hold the cut
            assertThat(ledger.archiveOlderThan(clock.instant()).toCompletableFuture().get()).isZero();
            assertThat(ledger.sessions(null)).extracting(p -> p.authorizationReference()).containsExactly("LIVE");
        }
        assertThat(Files.size(archiveFile)).isPositive();
        try (LedgerStore reopened = new LedgerStore(file, archiveFile, clock, 64)) {
            assertThat(reopened.recoveryReport()).contains(headBefore + " facts (401 archived)").contains("intact");
            assertThat(reopened.verify().intact()).isTrue();
            await(reopened.append(txEvent("CH1", "t", 2, null, "{}")));
            assertThat(reopened.verify().checked()).isEqualTo(headBefore + 1);
            JournalEntry first = reopened.entry(reopened.cut()).orElseThrow();
            assertThat(first.previousHash()).as("the hot chain starts at the checkpoint")
                    .isEqualTo(reopened.entry(reopened.cut() - 1).orElseThrow().hash());
        }
    }
}
