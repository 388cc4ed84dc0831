package forecourt.ledger;

import static forecourt.ledger.LedgerFixture.await;
import static forecourt.ledger.LedgerFixture.hold;
import static forecourt.ledger.LedgerFixture.move;
import static forecourt.ledger.LedgerFixture.txEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.ledger.Appended;
import forecourt.api.ledger.ChainVerification;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactConflictException;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.LedgerException;
import forecourt.api.ledger.PaymentSession;
import forecourt.api.ledger.PaymentSessionState;

class LedgerStoreTest {
    @TempDir
    Path dir;

    @Test
    void sameFactTwiceIsStoredOnceAndAnswersTheOriginal() {
        try (LedgerStore ledger = LedgerFixture.open(dir.resolve("l.mv.db"))) {
            await(ledger.append(hold("R1")));
            Appended first = await(ledger.append(txEvent("CH1", "tx1", 0, "R1", "{\"eventType\":\"Started\"}")));
            // a charger retrying after a lost CALLRESULT sends the same event again
            Appended again = await(ledger.append(txEvent("CH1", "tx1", 0, "R1", "{\"eventType\":\"Started\"}")));
            assertThat(first.duplicate()).isFalse();
            assertThat(again.duplicate()).isTrue();
            assertThat(again.seq()).isEqualTo(first.seq());
            assertThat(ledger.head()).isEqualTo(2);
            assertThat(ledger.session("R1").orElseThrow().factSeqs()).containsExactly(1L, 2L);
        }
    }

    @Test
    void sameKeyWithAnotherBodyIsRefusedAndTheOriginalStands() {
        try (LedgerStore ledger = LedgerFixture.open(dir.resolve("l.mv.db"))) {
            await(ledger.append(txEvent("CH1", "tx1", 3, null, "{\"energy\":100}")));
            assertThatThrownBy(() -> await(ledger.append(txEvent("CH1", "tx1", 3, null, "{\"energy\":999}"))))
                    .isInstanceOf(FactConflictException.class).hasMessageContaining("tx:CH1:tx1:3");
            assertThat(ledger.head()).isEqualTo(1);
            assertThat(ledger.entry(1).orElseThrow().bodyText()).isEqualTo("{\"energy\":100}");
            assertThat(ledger.refusedCount()).isEqualTo(1);
        }
    }

    @Test
    void factsAreThereAfterReopenAndTheChainVerifies() {
        Path file = dir.resolve("l.mv.db");
        try (LedgerStore ledger = LedgerFixture.open(file)) {
            await(ledger.append(hold("R1")));
            for (int i = 0; i < 100; i++) {
                await(ledger.append(txEvent("CH1", "tx1", i, "R1", "{\"i\":" + i + "}")));
            }
        }
        try (LedgerStore reopened = LedgerFixture.open(file)) {
            assertThat(reopened.head()).isEqualTo(101);
            assertThat(reopened.verify().intact()).isTrue();
            assertThat(reopened.verify().checked()).isEqualTo(101);
            assertThat(reopened.session("R1").orElseThrow().state()).isEqualTo(PaymentSessionState.AUTHORIZED);
            assertThat(reopened.recoveryReport()).contains("101 facts").contains("intact");
            // dedup survives the restart
            assertThat(await(reopened.append(txEvent("CH1", "tx1", 7, "R1", "{\"i\":7}"))).duplicate()).isTrue();
        }
    }

    @Test
    void aModifiedFactIsDetectedByTheChain() {
        Path file = dir.resolve("l.mv.db");
        try (LedgerStore ledger = LedgerFixture.open(file)) {
            for (int i = 0; i < 20; i++) {
                await(ledger.append(txEvent("CH1", "tx1", i, null, "{\"energyWh\":" + (1000 + i) + "}")));
            }
        }
        // someone edits fact 7 in the file, keeping a valid encoding and even a valid own hash
        MVStore raw = new MVStore.Builder().fileName(file.toString()).open();
        MVMap<Long, byte[]> journal = raw.openMap("journal");
        JournalEntry original = EntryCodec.decode(journal.get(7L));
        Fact forged = new Fact(original.fact().type(), original.fact().naturalKey(), null, null, "{\"energyWh\":1}".getBytes());
        journal.put(7L, EntryCodec.encode(7, original.recordedAt(), forged, original.previousHash()));
        raw.commit();
        raw.close();
        try (LedgerStore reopened = LedgerFixture.open(file)) {
            ChainVerification v = reopened.verify();
            assertThat(v.intact()).isFalse();
            assertThat(v.firstBad()).as("the entry after the forged one no longer links").isEqualTo(8);
            assertThat(reopened.recoveryReport()).contains("BROKEN at seq 8");
        }
        // a byte flipped without re-hashing is caught at the entry itself
        raw = new MVStore.Builder().fileName(file.toString()).open();
        journal = raw.openMap("journal");
        byte[] bytes = journal.get(3L);
        bytes[30] ^= 1;
        journal.put(3L, bytes);
        raw.commit();
        raw.close();
        try (LedgerStore reopened = LedgerFixture.open(file)) {
            assertThat(reopened.verify().firstBad()).isEqualTo(3);
            assertThat(reopened.verify().problem()).contains("does not match its hash");
        }
    }

    @Test
    void concurrentWritersShareCommitsAndLoseNothing() throws Exception {
        try (LedgerStore ledger = LedgerFixture.open(dir.resolve("l.mv.db"))) {
            ExecutorService pool = Executors.newFixedThreadPool(64);
            List<CompletableFuture<Appended>> all = new ArrayList<>();
            for (int w = 0; w < 64; w++) {
                int writer = w;
                all.add(CompletableFuture.supplyAsync(() -> {
                    Appended last = null;
                    for (int i = 0; i < 100; i++) {
                        last = await(ledger.append(txEvent("CH" + writer, "tx", i, null, "{\"w\":" + writer + ",\"i\":" + i + "}")));
                    }
                    return last;
                }, pool));
            }
            for (CompletableFuture<Appended> f : all) {
                f.get();
            }
            pool.shutdown();
            assertThat(ledger.head()).isEqualTo(6400);
            assertThat(ledger.verify().intact()).isTrue();
            assertThat(ledger.batches()).as("group commit: fewer commits than facts").isLessThan(6400);
        }
    }

    @Test
    void viewsRebuiltFromTheJournalEqualTheLiveOnes() {
        Path file = dir.resolve("l.mv.db");
        List<PaymentSession> live;
        try (LedgerStore ledger = LedgerFixture.open(file)) {
            for (int s = 0; s < 5; s++) {
                String ref = "R" + s;
                await(ledger.append(hold(ref)));
                await(ledger.append(move(ref, PaymentSessionState.CHARGING, "start")));
                await(ledger.append(txEvent("CH1", "tx" + s, 0, ref, "{}")));
            }
            await(ledger.append(txEvent("CH9", "txX", 0, "UNKNOWN-REF", "{}"))); // no hold: shown, not billed
            live = ledger.sessions(null);
        }
        // force a rebuild as after a views-format change
        MVStore raw = new MVStore.Builder().fileName(file.toString()).open();
        raw.<String, String>openMap("meta").remove("views.version");
        raw.<String, byte[]>openMap("sessions").clear();
        raw.commit();
        raw.close();
        try (LedgerStore reopened = LedgerFixture.open(file)) {
            assertThat(reopened.recoveryReport()).contains("views rebuilt");
            assertThat(reopened.sessions(null)).containsExactlyInAnyOrderElementsOf(live);
            assertThat(reopened.sessionsWithoutHold()).extracting(PaymentSession::authorizationReference).containsExactly("UNKNOWN-REF");
        }
    }

    @Test
    void ledgerOnlyFactsCannotBeAppendedFromOutside() {
        try (LedgerStore ledger = LedgerFixture.open(dir.resolve("l.mv.db"))) {
            assertThatThrownBy(() -> await(ledger.append(Fact.of(FactType.INSTRUCTION_OUTCOME, "x", null, "{}"))))
                    .isInstanceOf(LedgerException.class);
            assertThat(ledger.head()).isZero();
        }
    }
}
