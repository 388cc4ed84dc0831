package forecourt.settlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.fiscal.FiscalJson;
import forecourt.api.fiscal.FiscalReceipt;
import forecourt.api.fiscal.FiscalRequest;
import forecourt.api.id.EvseId;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.api.money.Money;
import forecourt.api.outbox.InstructionHandler;
import forecourt.api.payment.Cdr;
import forecourt.api.payment.Hold;
import forecourt.api.payment.PaymentJson;
import forecourt.api.payment.SettlementOrder;
import forecourt.api.site.Tariff;
import forecourt.ledger.LedgerStore;
import forecourt.settlement.Reconciliation.DeadlinePolicy;
import forecourt.testsupport.TestSite;

class SettlementEngineTest {
    @TempDir
    Path dir;
    LedgerStore ledger;
    final TestClock clock = new TestClock(Instant.parse("2026-11-24T10:00:00Z"));
    final TestSite site = new TestSite("test-acquirer");
    final List<SettlementOrder> acquirerCalls = new ArrayList<>();
    final List<FiscalRequest> fiscalCalls = new ArrayList<>();
    InstructionOutcome nextAcquirerAnswer;

    static final class TestClock extends Clock {
        Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        public ZoneId getZone() { return ZoneOffset.UTC; }
        public Clock withZone(ZoneId zone) { return this; }
        public Instant instant() { return now; }
    }

    /** The acquirer: records what it was asked and answers SUCCEEDED (or the scripted answer). */
    final InstructionHandler acquirer = new InstructionHandler() {
        public InstructionOutcome deliver(Instruction i, int attempt) {
            acquirerCalls.add(PaymentJson.order(i.body()));
            InstructionOutcome a = nextAcquirerAnswer;
            nextAcquirerAnswer = null;
            return a != null ? a : InstructionOutcome.succeeded("cap_" + acquirerCalls.size());
        }

        public InstructionOutcome resolve(Instruction i, int attempt) {
            return InstructionOutcome.succeeded("cap_resolved");
        }
    };

    /** A fiscal provider that records the request and issues a receipt. */
    final InstructionHandler fiscal = new InstructionHandler() {
        public InstructionOutcome deliver(Instruction i, int attempt) {
            FiscalRequest r = FiscalJson.request(i.body());
            fiscalCalls.add(r);
            ledger.append(FiscalJson.receiptFact(r, new FiscalReceipt("test", "R-" + r.receiptNumber(), "sig", "qr", false, "", null)))
                    .toCompletableFuture().join();
            return InstructionOutcome.succeeded("R-" + r.receiptNumber());
        }

        public InstructionOutcome resolve(Instruction i, int attempt) {
            return InstructionOutcome.unknown("not used");
        }
    };

    final List<String> facBodies = new java.util.ArrayList<>();

    /** The CPO's OCPI receiver: records the Financial Advice Confirmation. */
    final InstructionHandler cpo = new InstructionHandler() {
        public InstructionOutcome deliver(Instruction i, int attempt) {
            facBodies.add(new String(i.body(), java.nio.charset.StandardCharsets.UTF_8));
            return InstructionOutcome.succeeded("fac-ok");
        }

        public InstructionOutcome resolve(Instruction i, int attempt) {
            return InstructionOutcome.unknown("not used");
        }
    };

    @BeforeEach
    void open() {
        ledger = new LedgerStore(dir.resolve("ledger.mv.db"), clock, 64);
    }

    @AfterEach
    void close() {
        ledger.close();
    }

    private SettlementEngine engine(boolean cdrExpected) {
        return new SettlementEngine(ledger, site, clock, new SettlementEngine.Settings(cdrExpected, 1, DeadlinePolicy.METER, Duration.ofHours(6),
                Duration.ofMinutes(15), "test", "http://gw/receipts/", false));
    }

    /** What the outbox worker does, in the simplest form: attempt, deliver, record. */
    private void deliverAll() {
        for (OutboxEntry e : ledger.outbox()) {
            if (e.status() != OutboxEntry.Status.PENDING) {
                continue;
            }
            Instruction i = ledger.instructionBody(e.key()).orElseThrow();
            InstructionHandler h = e.link().startsWith("fiscal:") ? fiscal : e.link().startsWith("cpo:") ? cpo : acquirer;
            int attempt = e.attempts() + 1;
            ledger.recordAttempt(e.key(), attempt).toCompletableFuture().join();
            ledger.recordOutcome(e.key(), attempt, h.deliver(i, attempt)).toCompletableFuture().join();
        }
    }

    private void run(SettlementEngine engine) {
        for (int i = 0; i < 10; i++) {
            engine.sweep();
            deliverAll();
        }
    }

    private String hold(String ref) {
        Hold h = new Hold(ref, "T1", EvseId.parse("CH1/1"), new Tariff("HPC", 1, new BigDecimal("0.59"), Money.of(0, "EUR"), "standard"),
                Money.of(5000, "EUR"), "acquirer:test-acquirer", "pi_" + ref, "visa", "************4242", clock.instant(),
                clock.instant().plus(Duration.ofDays(2)));
        ledger.append(PaymentJson.holdPlaced(h)).toCompletableFuture().join();
        return ref;
    }

    private void tx(String ref, int seq, String type) {
        ledger.append(Fact.of(FactType.TRANSACTION_EVENT, NaturalKeys.transactionEvent("CH1", "tx-" + ref, seq), ref,
                "{\"charger\":\"CH1\",\"action\":\"TransactionEvent\",\"payload\":{\"eventType\":\"" + type + "\",\"seqNo\":" + seq + "}}"))
                .toCompletableFuture().join();
    }

    private void proof(String ref, String deliveredWh) {
        ledger.append(Fact.of(FactType.FINAL_READING_PROVEN, NaturalKeys.decision(ref, "final-reading"), ref,
                "{\"meterSerial\":\"M1\",\"beginWh\":1000,\"endWh\":" + new BigDecimal(deliveredWh).add(BigDecimal.valueOf(1000))
                        + ",\"deliveredWh\":" + deliveredWh + ",\"endReadingSeq\":1}")).toCompletableFuture().join();
    }

    private void chargeAndStop(String ref, String wh) {
        tx(ref, 0, "Started");
        tx(ref, 1, "Updated");
        tx(ref, 2, "Ended");
        proof(ref, wh);
    }

    private PaymentSessionState state(String ref) {
        return ledger.session(ref).orElseThrow().state();
    }

    @Test
    void aFinishedSessionIsCapturedOnceTheRestReleasedFiscalizedAndItsReceiptIssued() {
        String ref = hold("AT0042-A");
        chargeAndStop(ref, "12345");
        run(engine(false));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.CLOSED);
        assertThat(acquirerCalls).containsExactly(new SettlementOrder(SettlementOrder.Operation.SETTLE, ref, "pi_" + ref, Money.of(5000, "EUR"),
                Money.of(728, "EUR")));
        assertThat(fiscalCalls).hasSize(1);
        assertThat(fiscalCalls.get(0).total()).isEqualTo(Money.of(728, "EUR"));
        assertThat(fiscalCalls.get(0).receiptNumber()).isEqualTo(1);
        var types = ledger.timeline(ref).stream().map(e -> e.fact().type()).toList();
        assertThat(types).contains(FactType.RECONCILED, FactType.CAPTURED, FactType.AUTHORIZATION_REVERSED, FactType.FISCAL_RECEIPT,
                FactType.RECEIPT_ISSUED);
        var receipt = ledger.byNaturalKey(NaturalKeys.decision(ref, "receipt")).orElseThrow().fact().bodyText();
        assertThat(receipt).contains("\"charged\":{\"minor\":728", "\"released\":{\"minor\":4272", "************4242", "http://gw/receipts/" + ref)
                .doesNotContain("4242424242");
    }

    @Test
    void whenTheCpoInvoicesItsFinancialAdviceConfirmationIsSentAndConfirmsTheSession() throws Exception {
        String ref = hold("AT0042-FAC");
        chargeAndStop(ref, "12000");
        SettlementEngine engine = new SettlementEngine(ledger, site, clock, new SettlementEngine.Settings(false, 1, DeadlinePolicy.METER,
                Duration.ofHours(6), Duration.ofMinutes(15), "test", "http://gw/receipts/", true, "cpo:csms"));
        run(engine);
        assertThat(state(ref)).isEqualTo(PaymentSessionState.CLOSED);
        assertThat(facBodies).hasSize(1);
        var fac = new com.fasterxml.jackson.databind.ObjectMapper().readTree(facBodies.get(0));
        assertThat(fac.get("authorization_reference").asText()).isEqualTo(ref);
        assertThat(fac.get("id").asText()).hasSize(36);
        assertThat(fac.get("total_costs").get("incl_vat").decimalValue()).isEqualByComparingTo("7.08");
        assertThat(fac.get("total_costs").get("excl_vat").decimalValue()).isEqualByComparingTo("5.90"); // 20 % VAT, half up
        assertThat(fac.get("capture_status_code").asText()).isEqualTo("SUCCESS");
        assertThat(fac.get("eft_data").get(0).asText()).contains("pi_" + ref);
        assertThat(ledger.timeline(ref).stream().map(e -> e.fact().type())).contains(FactType.FINANCIAL_ADVICE_CONFIRMED);
        var outbox = ledger.instruction(forecourt.api.id.IdempotencyKey.derive(site.site().id(), ref, new forecourt.api.id.AuthorizationReference(ref),
                "confirm")).orElseThrow();
        assertThat(outbox.link()).isEqualTo("cpo:csms");
    }

    @Test
    void noCaptureWithoutAProvenFinalReading() {
        String ref = hold("AT0042-B");
        tx(ref, 0, "Started");
        tx(ref, 1, "Ended");
        // a forged end reading was refused by the driver: no proof fact exists
        ledger.append(Fact.of(FactType.SIGNED_READING, "refused-ocmf:abc", ref, "{\"verified\":false}")).toCompletableFuture().join();
        run(engine(false));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.STOPPED);
        assertThat(acquirerCalls).isEmpty();
        // the deadline comes: the session is flagged HOLD_EXPIRING and still not captured
        clock.now = clock.now.plus(Duration.ofDays(2)).minus(Duration.ofHours(5));
        run(engine(false));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.HOLD_EXPIRING);
        assertThat(acquirerCalls).isEmpty();
        assertThat(ledger.byNaturalKey(NaturalKeys.decision(ref, "alarm-hold-expiring"))).isPresent();
        // the proof arrives late: settled at once
        proof(ref, "1000");
        run(engine(false));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.CLOSED);
        assertThat(acquirerCalls).hasSize(1);
    }

    @Test
    void zeroEnergyReleasesTheWholeHoldAndIssuesNoFiscalReceipt() {
        String ref = hold("AT0042-C");
        chargeAndStop(ref, "0");
        run(engine(false));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.CLOSED);
        assertThat(acquirerCalls).extracting(SettlementOrder::operation).containsExactly(SettlementOrder.Operation.RELEASE);
        assertThat(fiscalCalls).isEmpty();
    }

    private void startAnswered(String ref, boolean accepted) {
        ledger.append(Fact.of(FactType.SESSION_STATE_CHANGED, NaturalKeys.decision(ref, SessionStarter.START_REQUESTED), ref,
                "{\"evse\":\"CH1/1\",\"accepted\":" + accepted + "}")).toCompletableFuture().join();
    }

    private void evseFreed(String ref) {
        ledger.append(Fact.of(FactType.SESSION_STATE_CHANGED, NaturalKeys.decision(ref, SessionStarter.EVSE_FREED), ref,
                "{\"evse\":\"CH1/1\"}")).toCompletableFuture().join();
    }

    private List<String> alarms(String ref) {
        return ledger.timeline(ref).stream().filter(e -> e.fact().type() == FactType.ALARM).map(e -> e.fact().bodyText()).toList();
    }

    @Test
    void aDriverWhoLeavesWithoutChargingHasTheHoldReleasedWhenTheEvseIsReportedFree() {
        String ref = hold("AT0042-D");
        startAnswered(ref, true);
        run(engine(false));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.AUTHORIZED);
        evseFreed(ref);
        run(engine(false));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.CLOSED);
        assertThat(acquirerCalls).extracting(SettlementOrder::operation).containsExactly(SettlementOrder.Operation.RELEASE);
    }

    @Test
    void energyReportedAfterTheReleaseWasDecidedRaisesAnAlarmAndTheReleaseIsFinishedNotTurnedIntoACapture() {
        String ref = hold("AT0042-E");
        evseFreed(ref);
        SettlementEngine engine = engine(false);
        engine.sweep(); // the release instruction is enqueued, not yet delivered
        chargeAndStop(ref, "12000");
        run(engine);
        assertThat(state(ref)).isEqualTo(PaymentSessionState.CLOSED);
        assertThat(acquirerCalls).extracting(SettlementOrder::operation).containsExactly(SettlementOrder.Operation.RELEASE);
        assertThat(alarms(ref)).hasSize(1).allMatch(a -> a.contains("ENERGY_ON_RELEASED_HOLD"));
    }

    @Test
    void aStartTheChargerRefusedReleasesTheHoldAfterTheNoShowTimeout() {
        String ref = hold("AT0042-R");
        startAnswered(ref, false);
        run(engine(false));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.AUTHORIZED);
        clock.now = clock.now.plus(Duration.ofMinutes(16));
        run(engine(false));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.CLOSED);
        assertThat(acquirerCalls).extracting(SettlementOrder::operation).containsExactly(SettlementOrder.Operation.RELEASE);
    }

    /**
     * The crash suite's find: the charger accepted the start and charges, but its link is
     * down (or the gateway restarting) for longer than the no-show timeout. Silence is not
     * proof that nobody charged: the hold is kept (alarm raised once), and when the queued
     * events arrive the energy is captured.
     */
    @Test
    void silenceFromAChargerThatAcceptedTheStartKeepsTheHoldUntilItsEventsArrive() {
        String ref = hold("AT0042-S");
        startAnswered(ref, true);
        clock.now = clock.now.plus(Duration.ofMinutes(16));
        run(engine(false));
        run(engine(false));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.AUTHORIZED);
        assertThat(acquirerCalls).isEmpty();
        assertThat(alarms(ref)).hasSize(1).allMatch(a -> a.contains("NO_TRANSACTION"));
        chargeAndStop(ref, "12000");
        evseFreed(ref); // the unplug comes after the transaction in the charger's queue
        run(engine(false));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.CLOSED);
        assertThat(acquirerCalls).extracting(SettlementOrder::operation).containsExactly(SettlementOrder.Operation.SETTLE);
        assertThat(acquirerCalls.get(0).amount()).isEqualTo(Money.of(708, "EUR"));
    }

    @Test
    void aStartWhoseAnswerWasLostKeepsTheHoldUntilTheDeadline() {
        String ref = hold("AT0042-U"); // killed before the charger's answer was recorded: no start fact at all
        clock.now = clock.now.plus(Duration.ofHours(1));
        run(engine(false));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.AUTHORIZED);
        clock.now = clock.now.plus(Duration.ofDays(2)); // the hold expires in 2 days, the margin is 6 h
        run(engine(false));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.CLOSED);
        assertThat(acquirerCalls).extracting(SettlementOrder::operation).containsExactly(SettlementOrder.Operation.RELEASE);
    }

    @Test
    void aLateCdrIsWaitedForThenAgreement() {
        String ref = hold("AT0042-E");
        chargeAndStop(ref, "12345");
        run(engine(true));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.FINAL_PROVEN);
        assertThat(acquirerCalls).isEmpty();
        ledger.append(PaymentJson.cdrReceived(new Cdr("AT", "FCT", "cdr-E", ref, Money.of(729, "EUR"), 12345), null)).toCompletableFuture().join();
        run(engine(true));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.CLOSED);
        assertThat(acquirerCalls).extracting(o -> o.amount()).containsExactly(Money.of(728, "EUR"));
    }

    @Test
    void withACdrWaitTheCdrIsWaitedForThatLongAfterTheVerifiedEndReadingThenTheMeterSettlesFlagged() {
        String ref = hold("AT0042-W");
        chargeAndStop(ref, "12000");
        SettlementEngine engine = new SettlementEngine(ledger, site, clock, new SettlementEngine.Settings(true, 1, DeadlinePolicy.METER,
                Duration.ofHours(6), Duration.ofMinutes(15), "test", "http://gw/receipts/", false, "cpo:ocpi", Duration.ofMinutes(30)));
        run(engine);
        assertThat(state(ref)).isEqualTo(PaymentSessionState.FINAL_PROVEN);
        clock.now = clock.now.plus(Duration.ofMinutes(29));
        run(engine);
        assertThat(state(ref)).as("still waiting for the CPO's CDR").isEqualTo(PaymentSessionState.FINAL_PROVEN);
        clock.now = clock.now.plus(Duration.ofMinutes(2));
        run(engine);
        assertThat(state(ref)).isEqualTo(PaymentSessionState.CLOSED);
        assertThat(ledger.byNaturalKey(NaturalKeys.decision(ref, "reconciled")).orElseThrow().fact().bodyText()).contains("\"flagged\":true",
                "no CDR in time");
    }

    @Test
    void noCdrByTheDeadlineSettlesOnTheMeterFlagged() {
        String ref = hold("AT0042-F");
        chargeAndStop(ref, "12345");
        run(engine(true));
        clock.now = clock.now.plus(Duration.ofDays(2)).minus(Duration.ofHours(5));
        run(engine(true));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.CLOSED);
        assertThat(ledger.byNaturalKey(NaturalKeys.decision(ref, "reconciled")).orElseThrow().fact().bodyText()).contains("\"flagged\":true");
    }

    @Test
    void disagreementGoesToReviewAndAPersonDecidesWithWhoAndWhyRecorded() {
        String ref = hold("AT0042-G");
        chargeAndStop(ref, "12345");
        ledger.append(PaymentJson.cdrReceived(new Cdr("AT", "FCT", "cdr-G", ref, Money.of(1500, "EUR"), 25000), null)).toCompletableFuture().join();
        SettlementEngine engine = engine(true);
        run(engine);
        assertThat(state(ref)).isEqualTo(PaymentSessionState.REVIEW);
        assertThat(acquirerCalls).isEmpty();
        assertThatThrownBy(() -> engine.resolve(ref, Money.of(9999, "EUR"), "ops", "too much")).isInstanceOf(IllegalArgumentException.class);
        engine.resolve(ref, Money.of(728, "EUR"), "alice", "CSMS CDR double-counted energy, ticket 42");
        run(engine);
        assertThat(state(ref)).isEqualTo(PaymentSessionState.CLOSED);
        assertThat(acquirerCalls).extracting(o -> o.amount()).containsExactly(Money.of(728, "EUR"));
        assertThat(ledger.timeline(ref).stream().filter(e -> e.fact().type() == FactType.REVIEW_RESOLVED).findFirst().orElseThrow().fact()
                .bodyText()).contains("alice", "ticket 42");
    }

    @Test
    void anAmountAboveTheHoldCapturesTheHoldAndRecordsTheShortfall() {
        String ref = hold("AT0042-H");
        chargeAndStop(ref, "100000"); // 59.00 EUR on a 50.00 hold
        run(engine(false));
        assertThat(acquirerCalls).extracting(o -> o.amount()).containsExactly(Money.of(5000, "EUR"));
        assertThat(ledger.byNaturalKey(NaturalKeys.decision(ref, "alarm-shortfall")).orElseThrow().fact().bodyText()).contains("900");
    }

    @Test
    void aDeclinedCaptureWaitsForAPerson() {
        String ref = hold("AT0042-I");
        chargeAndStop(ref, "12345");
        nextAcquirerAnswer = InstructionOutcome.declined("authorization expired");
        run(engine(false));
        assertThat(state(ref)).isEqualTo(PaymentSessionState.CAPTURE_DECLINED);
        assertThat(fiscalCalls).isEmpty();
    }

    @Test
    void aRestartedEngineContinuesFromTheJournalAndReceiptNumbersStayGapFree() {
        String a = hold("AT0042-J1");
        chargeAndStop(a, "1000");
        String b = hold("AT0042-J2");
        chargeAndStop(b, "2000");
        SettlementEngine first = engine(false);
        first.sweep(); // reconciled, instructions enqueued, nothing delivered yet: "crash" here
        deliverAll();
        run(engine(false)); // a new engine, same journal
        String c = hold("AT0042-J3");
        chargeAndStop(c, "3000");
        run(engine(false));
        assertThat(List.of(state(a), state(b), state(c))).containsOnly(PaymentSessionState.CLOSED);
        assertThat(acquirerCalls).hasSize(3);
        assertThat(fiscalCalls).extracting(FiscalRequest::receiptNumber).containsExactlyInAnyOrder(1L, 2L, 3L);
        assertThat(ledger.verify().intact()).isTrue();
    }

    @Test
    void factsForAReferenceWithoutAHoldAreNeverBilled() {
        tx("AT0042-NOHOLD", 0, "Started");
        tx("AT0042-NOHOLD", 1, "Ended");
        proof("AT0042-NOHOLD", "5000");
        run(engine(false));
        assertThat(acquirerCalls).isEmpty();
        assertThat(ledger.sessionsWithoutHold()).extracting(s -> s.authorizationReference()).contains("AT0042-NOHOLD");
    }

    @Test
    void fiscalRequestsCarryAmountsPerVatRate() {
        String ref = hold("AT0042-K");
        chargeAndStop(ref, "12345");
        run(engine(false));
        assertThat(fiscalCalls.get(0).grossByVatRate()).isEqualTo(Map.of("standard", Money.of(728, "EUR")));
    }
}
