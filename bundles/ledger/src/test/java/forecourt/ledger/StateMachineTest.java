package forecourt.ledger;

import static forecourt.ledger.LedgerFixture.await;
import static forecourt.ledger.LedgerFixture.hold;
import static forecourt.ledger.LedgerFixture.move;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.ledger.FactType;
import forecourt.api.ledger.IllegalTransitionException;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.PaymentSessionState;

/** The state machine declared in the API, as the ledger enforces it. */
class StateMachineTest {
    @TempDir
    Path dir;

    /** A shortest legal path from AUTHORIZED to every state. */
    private static Map<PaymentSessionState, List<PaymentSessionState>> pathsFromAuthorized() {
        Map<PaymentSessionState, List<PaymentSessionState>> paths = new EnumMap<>(PaymentSessionState.class);
        paths.put(PaymentSessionState.AUTHORIZED, List.of());
        Deque<PaymentSessionState> todo = new ArrayDeque<>(List.of(PaymentSessionState.AUTHORIZED));
        while (!todo.isEmpty()) {
            PaymentSessionState s = todo.poll();
            for (PaymentSessionState n : s.next()) {
                if (!paths.containsKey(n)) {
                    List<PaymentSessionState> p = new ArrayList<>(paths.get(s));
                    p.add(n);
                    paths.put(n, p);
                    todo.add(n);
                }
            }
        }
        return paths;
    }

    @Test
    void theDeclaredMachineHasTheShapeOfTheMoneyFlow() {
        Map<PaymentSessionState, List<PaymentSessionState>> paths = pathsFromAuthorized();
        assertThat(paths.keySet()).as("every state is reachable from a hold").containsExactlyInAnyOrder(PaymentSessionState.values());
        List<PaymentSessionState> mainPath = List.of(PaymentSessionState.AUTHORIZED, PaymentSessionState.CHARGING,
                PaymentSessionState.STOPPED, PaymentSessionState.FINAL_PROVEN, PaymentSessionState.RECONCILED,
                PaymentSessionState.SETTLED, PaymentSessionState.FISCALIZED, PaymentSessionState.CONFIRMED, PaymentSessionState.CLOSED);
        for (int i = 1; i < mainPath.size(); i++) {
            assertThat(mainPath.get(i - 1).canMoveTo(mainPath.get(i))).as(mainPath.get(i - 1) + " → " + mainPath.get(i)).isTrue();
        }
        // a driver who never plugs in: the whole hold is released without a session
        assertThat(paths.get(PaymentSessionState.CLOSED)).containsExactly(PaymentSessionState.RELEASED, PaymentSessionState.CLOSED);
        assertThat(PaymentSessionState.CLOSED.isFinal()).isTrue();
        assertThat(PaymentSessionState.RECONCILED.canMoveTo(PaymentSessionState.RELEASED)).as("zero energy").isTrue();
        // no capture before the final reading is proven
        assertThat(PaymentSessionState.STOPPED.canMoveTo(PaymentSessionState.SETTLED)).isFalse();
        assertThat(PaymentSessionState.CHARGING.canMoveTo(PaymentSessionState.RECONCILED)).isFalse();
        for (PaymentSessionState s : PaymentSessionState.values()) {
            assertThat(s.canMoveTo(PaymentSessionState.AUTHORIZED)).as("nothing goes back to a fresh hold from " + s).isFalse();
            assertThat(s.canMoveTo(s)).as(s + " to itself").isFalse();
        }
    }

    @Test
    void everyIllegalTransitionIsRefusedRecordedAndNotApplied() {
        Map<PaymentSessionState, List<PaymentSessionState>> paths = pathsFromAuthorized();
        int refusedChecked = 0;
        try (LedgerStore ledger = LedgerFixture.open(dir.resolve("l.mv.db"))) {
            int n = 0;
            for (PaymentSessionState from : PaymentSessionState.values()) {
                for (PaymentSessionState to : PaymentSessionState.values()) {
                    String ref = "S" + n++;
                    await(ledger.append(hold(ref)));
                    int step = 0;
                    for (PaymentSessionState hop : paths.get(from)) {
                        await(ledger.append(move(ref, hop, "hop" + step++)));
                    }
                    assertThat(ledger.session(ref).orElseThrow().state()).isEqualTo(from);
                    if (from.canMoveTo(to)) {
                        await(ledger.append(move(ref, to, "probe")));
                        assertThat(ledger.session(ref).orElseThrow().state()).isEqualTo(to);
                    } else {
                        long headBefore = ledger.head();
                        assertThatThrownBy(() -> await(ledger.append(move(ref, to, "probe"))))
                                .isInstanceOf(IllegalTransitionException.class).hasMessageContaining(from + " to " + to);
                        assertThat(ledger.session(ref).orElseThrow().state()).as(from + "→" + to + " not applied").isEqualTo(from);
                        List<JournalEntry> timeline = ledger.timeline(ref);
                        JournalEntry last = timeline.get(timeline.size() - 1);
                        assertThat(last.fact().type()).isEqualTo(FactType.TRANSITION_REFUSED);
                        assertThat(last.bodyText()).contains("\"from\":\"" + from + "\"").contains("\"to\":\"" + to + "\"");
                        assertThat(ledger.head()).as("only the refusal was recorded").isEqualTo(headBefore + 1);
                        refusedChecked++;
                    }
                }
            }
            assertThat(ledger.verify().intact()).isTrue();
        }
        assertThat(refusedChecked).isGreaterThan(100);
    }

    @Test
    void aSessionStartsOnlyWithItsHold() {
        try (LedgerStore ledger = LedgerFixture.open(dir.resolve("l.mv.db"))) {
            assertThatThrownBy(() -> await(ledger.append(move("NOHOLD", PaymentSessionState.CHARGING, "start"))))
                    .isInstanceOf(IllegalTransitionException.class).hasMessageContaining("no hold");
            // the same hold twice is one hold; a hold after unrelated facts about its reference still starts it
            await(ledger.append(LedgerFixture.txEvent("CH1", "t", 0, "LATE", "{}")));
            await(ledger.append(hold("LATE")));
            assertThat(await(ledger.append(hold("LATE"))).duplicate()).isTrue();
            assertThat(ledger.session("LATE").orElseThrow().state()).isEqualTo(PaymentSessionState.AUTHORIZED);
        }
    }
}
