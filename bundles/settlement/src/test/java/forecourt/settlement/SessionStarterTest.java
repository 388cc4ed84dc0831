package forecourt.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.annotation.Annotation;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.cpo.RemoteStart;
import forecourt.api.device.ChargerCommands;
import forecourt.api.id.ChargerId;
import forecourt.api.id.EvseId;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.money.Money;
import forecourt.api.payment.Hold;
import forecourt.api.payment.PaymentJson;
import forecourt.api.payment.PaymentTerminal;
import forecourt.api.site.Tariff;
import forecourt.ledger.LedgerStore;
import forecourt.testsupport.TestSite;

/**
 * The start choreography against a real ledger: a plug-in takes a hold; the CPO is asked
 * first where it can start sessions, the charger link is the fallback; an EVSE reported free
 * with no transaction is recorded as the proof that releases the hold.
 */
class SessionStarterTest {
    @TempDir
    Path dir;
    LedgerStore ledger;
    SessionStarter starter;
    final TestSite site = new TestSite("test-acquirer");
    final List<String> localStarts = new CopyOnWriteArrayList<>();
    final AtomicInteger cpoStarts = new AtomicInteger();
    final AtomicInteger holds = new AtomicInteger();

    final PaymentTerminal terminal = new PaymentTerminal() {
        public String terminalId() {
            return "T1";
        }

        public CompletionStage<Hold> placeHold(EvseId evse) {
            Hold h = new Hold("AT0042-S" + holds.incrementAndGet(), "T1", evse, new Tariff("HPC", 1, new BigDecimal("0.59"), Money.of(0, "EUR"),
                    "standard"), Money.of(5000, "EUR"), "acquirer:test-acquirer", "pi_" + holds.get(), "visa", "************4242", Instant.now(),
                    Instant.now().plus(Duration.ofDays(7)));
            return ledger.append(PaymentJson.holdPlaced(h)).thenApply(a -> h);
        }
    };

    final ChargerCommands charger = new ChargerCommands() {
        public CompletionStage<Boolean> requestStart(EvseId evse, String ref) {
            localStarts.add(ref);
            return CompletableFuture.completedFuture(true);
        }

        public CompletionStage<Boolean> requestStop(ChargerId c, String tx) {
            return CompletableFuture.completedFuture(true);
        }
    };

    @BeforeEach
    void open() {
        ledger = new LedgerStore(dir.resolve("ledger.mv.db"), Clock.systemUTC(), 64);
        starter = new SessionStarter(ledger, site, config("PT0.5S"));
        starter.addTerminal(terminal);
        starter.addCharger(charger);
    }

    @AfterEach
    void close() {
        starter.deactivate();
        ledger.close();
    }

    private int reports;

    private void status(String connectorStatus) {
        String ts = Instant.now().plusMillis(++reports).toString();
        ledger.append(Fact.of(FactType.CHARGER_EVENT, NaturalKeys.chargerEvent("CH1", "status-1", ts), null,
                "{\"charger\":\"CH1\",\"action\":\"StatusNotification\",\"payload\":{\"timestamp\":\"" + ts + "\",\"connectorStatus\":\""
                        + connectorStatus + "\",\"evseId\":1,\"connectorId\":1}}")).toCompletableFuture().join();
    }

    private RemoteStart cpo(CompletionStage<Boolean> answer) {
        return hold -> {
            cpoStarts.incrementAndGet();
            return answer;
        };
    }

    private void cpoResult(String ref, String result) {
        ledger.append(Fact.of(FactType.UPSTREAM_NOTIFICATION, RemoteStart.resultKey(ref), ref, "{\"result\":\"" + result + "\"}"))
                .toCompletableFuture().join();
    }

    @Test
    void withoutACpoRouteTheChargerIsStartedWithTheHoldsReference() {
        status("Occupied");
        await().atMost(Duration.ofSeconds(5)).until(() -> localStarts.size() == 1);
        assertThat(localStarts).containsExactly("AT0042-S1");
        await().atMost(Duration.ofSeconds(5)).until(() -> ledger.byNaturalKey(NaturalKeys.decision("AT0042-S1", SessionStarter.START_REQUESTED))
                .isPresent());
    }

    /**
     * The crash suite's second find: the driver left (EVSE Available) and the next one plugged
     * in before the CPO's result for the first hold came; starting the first hold then would
     * have let the second driver charge on the first driver's hold, which is being released.
     */
    @Test
    void aHoldWhoseDriverLeftIsNeverStartedForTheNextDriver() {
        starter.remoteStart = cpo(CompletableFuture.completedFuture(true));
        status("Occupied");
        await().atMost(Duration.ofSeconds(5)).until(() -> ledger.byNaturalKey(NaturalKeys.decision("AT0042-S1", SessionStarter.CPO_START_REQUESTED))
                .isPresent());
        status("Available");
        status("Occupied");
        await().atMost(Duration.ofSeconds(5)).until(() -> ledger.byNaturalKey(NaturalKeys.decision("AT0042-S2", SessionStarter.CPO_START_REQUESTED))
                .isPresent());
        assertThat(ledger.byNaturalKey(NaturalKeys.decision("AT0042-S1", SessionStarter.EVSE_FREED))).isPresent();
        cpoResult("AT0042-S1", "EVSE_INOPERATIVE");
        cpoResult("AT0042-S2", "EVSE_INOPERATIVE");
        await().atMost(Duration.ofSeconds(5)).until(() -> localStarts.size() == 1);
        assertThat(localStarts).containsExactly("AT0042-S2");
    }

    @Test
    void theCpoStartsTheSessionAndTheChargerLinkIsLeftAlone() throws Exception {
        starter.remoteStart = cpo(CompletableFuture.completedFuture(true));
        status("Occupied");
        await().atMost(Duration.ofSeconds(5)).until(() -> ledger.byNaturalKey(NaturalKeys.decision("AT0042-S1", SessionStarter.CPO_START_REQUESTED))
                .isPresent());
        cpoResult("AT0042-S1", "ACCEPTED");
        Thread.sleep(1_000); // past the CPO start timeout
        assertThat(cpoStarts).hasValue(1);
        assertThat(localStarts).isEmpty();
    }

    @Test
    void aCpoReportingTheChargerDidNotStartMeansTheChargerLinkStartsIt() {
        starter.remoteStart = cpo(CompletableFuture.completedFuture(true));
        status("Occupied");
        await().atMost(Duration.ofSeconds(5)).until(() -> ledger.byNaturalKey(NaturalKeys.decision("AT0042-S1", SessionStarter.CPO_START_REQUESTED))
                .isPresent());
        cpoResult("AT0042-S1", "EVSE_INOPERATIVE");
        await().atMost(Duration.ofMillis(400)).until(() -> localStarts.size() == 1); // before the timeout: the result decided
        assertThat(localStarts).containsExactly("AT0042-S1");
    }

    @Test
    void anUnreachableOrSilentCpoFallsBackToTheChargerLink() {
        starter.remoteStart = cpo(CompletableFuture.failedFuture(new java.io.IOException("WAN down")));
        status("Occupied");
        await().atMost(Duration.ofSeconds(5)).until(() -> localStarts.size() == 1);
        assertThat(ledger.byNaturalKey(NaturalKeys.decision("AT0042-S1", SessionStarter.CPO_START_REQUESTED)).orElseThrow().fact().bodyText())
                .contains("\"accepted\":false", "WAN down");
        // taken, then silence: the charger link after the timeout
        starter.remoteStart = cpo(CompletableFuture.completedFuture(true));
        status("Available");
        status("Occupied");
        await().atMost(Duration.ofSeconds(5)).until(() -> cpoStarts.get() == 2);
        assertThat(localStarts).hasSize(1);
        await().atMost(Duration.ofSeconds(5)).until(() -> localStarts.size() == 2);
        assertThat(localStarts).containsExactly("AT0042-S1", "AT0042-S2");
    }

    @Test
    void anEvseReportedFreeWithNoTransactionIsRecordedForTheSessionAuthorisedOnIt() {
        status("Occupied");
        await().atMost(Duration.ofSeconds(5)).until(() -> localStarts.size() == 1);
        status("Available");
        await().atMost(Duration.ofSeconds(5)).until(() -> ledger.byNaturalKey(NaturalKeys.decision("AT0042-S1", SessionStarter.EVSE_FREED)).isPresent());
    }

    @Test
    void anEvseFreedWhileNobodyWasListeningIsFoundAtStart() {
        status("Occupied");
        await().atMost(Duration.ofSeconds(5)).until(() -> localStarts.size() == 1);
        starter.deactivate(); // the gateway stops; the unplug is recorded before the starter runs again
        status("Available");
        starter = new SessionStarter(ledger, site, config("PT1S"));
        await().atMost(Duration.ofSeconds(5)).until(() -> ledger.byNaturalKey(NaturalKeys.decision("AT0042-S1", SessionStarter.EVSE_FREED)).isPresent());
        assertThat(localStarts).as("an old plug-in is not acted on again").hasSize(1);
    }

    private static SessionStarter.Config config(String timeout) {
        return new SessionStarter.Config() {
            public String cpoStartTimeout() {
                return timeout;
            }

            public Class<? extends Annotation> annotationType() {
                return SessionStarter.Config.class;
            }
        };
    }

    /** Polls a condition (the starter works on its own thread). */
    private static Waiting await() {
        return new Waiting(Duration.ofSeconds(5));
    }

    private record Waiting(Duration limit) {
        Waiting atMost(Duration d) {
            return new Waiting(d);
        }

        void until(java.util.function.BooleanSupplier condition) {
            long end = System.nanoTime() + limit.toNanos();
            while (!condition.getAsBoolean()) {
                if (System.nanoTime() > end) {
                    throw new AssertionError("not within " + limit);
                }
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }
    }
}
