package forecourt.terminal.zvt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.EvseId;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.InstructionOutcome.Result;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.api.money.Money;
import forecourt.api.payment.Hold;
import forecourt.api.payment.HoldDeclinedException;
import forecourt.api.payment.PaymentJson;
import forecourt.api.payment.SettlementOrder;
import forecourt.ledger.LedgerStore;
import forecourt.sim.zvt.ZvtTerminalSimulator;
import forecourt.sim.zvt.ZvtTerminalSimulator.PreAuth;
import forecourt.testsupport.TestSite;
import forecourt.zvt.protocol.Messages;
import forecourt.zvt.protocol.ResultCode;

/** The ZVT driver against the terminal simulator over TCP loopback, with a real ledger on disk. */
class ZvtTerminalTest {
    private static final int PASSWORD = 123456;
    @TempDir
    Path dir;
    ZvtTerminalSimulator sim;
    LedgerStore ledger;
    ZvtClient client;
    ZvtPaymentTerminal terminal;
    ZvtSettlement settlement;
    final ExecutorService executor = Executors.newCachedThreadPool();
    final TestSite site = new TestSite("terminal");

    @BeforeEach
    void start() throws Exception {
        sim = new ZvtTerminalSimulator(dir.resolve("zvt-sim.json"), 0, PASSWORD, 52523535);
        ledger = new LedgerStore(dir.resolve("ledger.mv.db"), Clock.systemUTC(), 64);
        client = client(Duration.ofSeconds(1));
        terminal = new ZvtPaymentTerminal("T1", client, ledger, site, Clock.systemUTC(), Duration.ofSeconds(5), Duration.ofSeconds(5), executor);
        settlement = settlement(ZvtSettlement.SettleWith.PARTIAL_REVERSAL);
    }

    private ZvtClient client(Duration ackTimeout) {
        return new ZvtClient("T1", "127.0.0.1", sim.port(), PASSWORD, 978, Duration.ofSeconds(1), ackTimeout);
    }

    private ZvtSettlement settlement(ZvtSettlement.SettleWith with) {
        return new ZvtSettlement("T1", client, ledger, Clock.systemUTC(), with, Duration.ofSeconds(2), Duration.ofMillis(50));
    }

    @AfterEach
    void stop() {
        client.close();
        sim.close();
        ledger.close();
        executor.shutdownNow();
    }

    private Hold hold() {
        return terminal.placeHold(EvseId.parse("CH1/1")).toCompletableFuture().join();
    }

    private Instruction instruction(Hold hold, SettlementOrder.Operation op, long minor) {
        SettlementOrder order = new SettlementOrder(op, hold.authorizationReference(), hold.providerReference(), hold.amount(), Money.of(minor, "EUR"));
        IdempotencyKey key = IdempotencyKey.derive(site.site().id(), hold.authorizationReference(), new AuthorizationReference(hold.authorizationReference()),
                op.keyName());
        return Instruction.of(key, hold.acquirerLink(), hold.authorizationReference(), true, PaymentJson.order(order));
    }

    private PreAuth preAuth(Hold hold) {
        return sim.preAuthorisation(Integer.parseInt(hold.providerReference())).orElseThrow();
    }

    @Test
    void aPreAuthorisationIsRecordedAsTheHoldBeforeItIsReported() {
        Hold hold = hold();
        assertThat(hold.authorizationReference()).startsWith("AT0042-").hasSizeLessThanOrEqualTo(36);
        assertThat(hold.amount()).isEqualTo(Money.of(5000, "EUR"));
        assertThat(hold.acquirerLink()).isEqualTo("terminal:T1");
        assertThat(hold.maskedPan()).isEqualTo("559883******8074");
        assertThat(hold.cardBrand()).isEqualTo("MasterCard");
        assertThat(hold.tariff().id()).isEqualTo("HPC");
        assertThat(hold.providerData()).containsEntry(ZvtPaymentTerminal.RECEIPT, hold.providerReference())
                .containsKey(ZvtPaymentTerminal.TRACE).containsEntry(ZvtPaymentTerminal.TERMINAL_ID, "52523535");
        JournalEntry fact = ledger.byNaturalKey(NaturalKeys.hold(hold.authorizationReference())).orElseThrow();
        assertThat(PaymentJson.hold(fact.fact().body())).isEqualTo(hold);
        assertThat(ledger.session(hold.authorizationReference()).orElseThrow().state()).isEqualTo(PaymentSessionState.AUTHORIZED);
        assertThat(preAuth(hold).isOpen()).isTrue();
        assertThat(preAuth(hold).amount()).isEqualTo(5000);
    }

    @Test
    void aFullCardNumberFromTheTerminalNeverReachesTheLedger() {
        sim.card("4711008005757038004", "girocard");
        Hold hold = hold();
        assertThat(hold.maskedPan()).isEqualTo("471100*********8004");
        for (JournalEntry e : ledger.read(0, 1000)) {
            assertThat(new String(e.fact().body(), StandardCharsets.UTF_8)).doesNotContain("4711008005757038004");
        }
    }

    @Test
    void settlingByPartialReversalBooksTheFinalAmountAndReleasesTheRest() {
        Hold hold = hold();
        SettlementOrder order = PaymentJson.order(instruction(hold, SettlementOrder.Operation.SETTLE, 708).body());
        assertThat(settlement.command(order, 1).command()).isEqualTo(Messages.PARTIAL_REVERSAL);
        InstructionOutcome outcome = settlement.deliver(instruction(hold, SettlementOrder.Operation.SETTLE, 708), 1);
        assertThat(outcome.result()).isEqualTo(Result.SUCCEEDED);
        assertThat(outcome.upstreamReference()).startsWith("zvt receipt ");
        assertThat(preAuth(hold).state()).isEqualTo("BOOKED");
        assertThat(preAuth(hold).booked()).isEqualTo(708);
    }

    @Test
    void settlingByBookTotalBooksTheFinalAmount() {
        settlement = settlement(ZvtSettlement.SettleWith.BOOK_TOTAL);
        Hold hold = hold();
        assertThat(settlement.deliver(instruction(hold, SettlementOrder.Operation.SETTLE, 1234), 1).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(preAuth(hold).booked()).isEqualTo(1234);
        // and a second hold settled for its full amount books it whole
        Hold full = hold();
        assertThat(settlement.deliver(instruction(full, SettlementOrder.Operation.SETTLE, 5000), 1).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(preAuth(full).booked()).isEqualTo(5000);
    }

    @Test
    void zeroEnergyReversesTheWholePreAuthorisation() {
        Hold hold = hold();
        assertThat(settlement.deliver(instruction(hold, SettlementOrder.Operation.RELEASE, 0), 1).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(preAuth(hold).state()).isEqualTo("REVERSED");
        assertThat(preAuth(hold).booked()).isZero();
    }

    @Test
    void aDeclinedCardIsNoHold() {
        sim.declineNext(ResultCode.DECLINED);
        assertThatThrownBy(this::hold).isInstanceOf(CompletionException.class).hasCauseInstanceOf(HoldDeclinedException.class)
                .hasMessageContaining("declined");
        assertThat(ledger.sessions(PaymentSessionState.AUTHORIZED)).isEmpty();
        assertThat(sim.preAuthorisations()).isEmpty();
        assertThat(hold().amount()).isEqualTo(Money.of(5000, "EUR")); // the next card works
    }

    @Test
    void droppedAfterTheTerminalAppliedItTheSettlementIsResolvedNotResent() {
        Hold hold = hold();
        Instruction settle = instruction(hold, SettlementOrder.Operation.SETTLE, 708);
        sim.dropAfterApplyNext();
        assertThat(settlement.deliver(settle, 1).result()).isEqualTo(Result.UNKNOWN);
        long commands = sim.commandsReceived();
        InstructionOutcome resolved = settlement.resolve(settle, 1);
        assertThat(resolved.result()).isEqualTo(Result.SUCCEEDED);
        assertThat(preAuth(hold).booked()).isEqualTo(708);
        // the resolve was a query (plus the registration of the new link), not the settlement again
        assertThat(sim.commandsReceived() - commands).isEqualTo(2);
    }

    @Test
    void aSettlementThatNeverReachedTheTerminalIsFoundOpenAndSentOnce() {
        Hold hold = hold();
        Instruction release = instruction(hold, SettlementOrder.Operation.RELEASE, 0);
        // the gateway died after recording the attempt, before sending: resolve asks first
        InstructionOutcome resolved = settlement.resolve(release, 1);
        assertThat(resolved.result()).isEqualTo(Result.RETRYABLE);
        assertThat(preAuth(hold).isOpen()).isTrue();
        assertThat(settlement.deliver(release, 2).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(settlement.resolve(release, 2).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(preAuth(hold).state()).isEqualTo("REVERSED");
    }

    @Test
    void aSlowTerminalEndsUnknownAndTheQueryTellsWhetherItLanded() throws Exception {
        Hold hold = hold();
        Instruction settle = instruction(hold, SettlementOrder.Operation.SETTLE, 2000);
        sim.answerDelay(Duration.ofMillis(1500)); // beyond the 1 s acknowledgement timeout
        assertThat(settlement.deliver(settle, 1).result()).isEqualTo(Result.UNKNOWN);
        sim.answerDelay(Duration.ZERO);
        Thread.sleep(2000); // the terminal finishes whatever it was doing
        InstructionOutcome resolved = settlement.resolve(settle, 1);
        if (resolved.result() == Result.RETRYABLE) {
            assertThat(settlement.deliver(settle, 2).result()).isEqualTo(Result.SUCCEEDED);
        } else {
            assertThat(resolved.result()).isEqualTo(Result.SUCCEEDED);
        }
        assertThat(preAuth(hold).booked()).isEqualTo(2000);
        assertThat(sim.preAuthorisations()).hasSize(1);
    }

    @Test
    void aBusyTerminalRefusesAndTheSettlementWaits() {
        Hold hold = hold();
        Instruction settle = instruction(hold, SettlementOrder.Operation.SETTLE, 708);
        sim.busyNext(1);
        InstructionOutcome busy = settlement.deliver(settle, 1);
        assertThat(busy.result()).isEqualTo(Result.RETRYABLE);
        assertThat(busy.detail()).contains("please wait");
        assertThat(preAuth(hold).isOpen()).isTrue();
        assertThat(settlement.deliver(settle, 2).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(preAuth(hold).booked()).isEqualTo(708);
    }

    @Test
    void aMalformedMessageIsAnErrorAndTheLinkIsReestablished() {
        hold();
        sim.malformedNext();
        assertThatThrownBy(this::hold).hasCauseInstanceOf(HoldDeclinedException.class).hasMessageContaining("malformed");
        assertThat(client.counter("malformed")).isEqualTo(1);
        Hold next = hold();
        assertThat(next.amount()).isEqualTo(Money.of(5000, "EUR"));
        assertThat(client.counter("connects")).isEqualTo(2);
    }

    @Test
    void anUnexpectedMessageIsAnErrorAndTheLinkIsReestablished() {
        Hold hold = hold();
        Instruction settle = instruction(hold, SettlementOrder.Operation.SETTLE, 708);
        sim.unexpectedNext();
        InstructionOutcome outcome = settlement.deliver(settle, 1);
        assertThat(outcome.result()).isEqualTo(Result.UNKNOWN); // acknowledged, so it may have been applied
        assertThat(outcome.detail()).contains("unexpected");
        assertThat(client.counter("unexpected")).isEqualTo(1);
        assertThat(settlement.resolve(settle, 1).result()).isEqualTo(Result.RETRYABLE); // the query finds it open
        assertThat(settlement.deliver(settle, 2).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(preAuth(hold).booked()).isEqualTo(708);
        assertThat(client.counter("connects")).isEqualTo(2); // one reconnect, then the link is kept
    }

    @Test
    void theSweepReleasesPreAuthorisationsNoHoldNamesAndLeavesRecordedOnes() throws Exception {
        Hold recorded = hold();
        // a pre-authorisation the gateway never recorded (it died before the ledger write)
        client.transact(Messages.preAuthorisation(5000, 978), Duration.ofSeconds(5));
        int orphan = sim.preAuthorisations().stream().filter(PreAuth::isOpen).mapToInt(PreAuth::receipt).max().orElseThrow();
        assertThat(terminal.sweepOrphans()).containsExactly(orphan);
        assertThat(sim.preAuthorisation(orphan).orElseThrow().state()).isEqualTo("REVERSED");
        assertThat(preAuth(recorded).isOpen()).isTrue();
        assertThat(terminal.sweepOrphans()).isEmpty();
    }

    @Test
    void endOfDayWaitsUntilNoInstructionOnTheTerminalIsOpen() throws Exception {
        Hold hold = hold();
        Instruction settle = instruction(hold, SettlementOrder.Operation.SETTLE, 708);
        Ledger.await(ledger.enqueue(settle));
        assertThatThrownBy(settlement::endOfDay).isInstanceOf(IllegalStateException.class).hasMessageContaining("not finished");
        Ledger.await(ledger.recordAttempt(settle.key(), 1));
        InstructionOutcome done = settlement.deliver(settle, 1);
        Ledger.await(ledger.recordOutcome(settle.key(), 1, done));
        assertThat(settlement.endOfDay()).contains("batch total 708");
    }

    @Test
    void theSimulatorKeepsItsPreAuthorisationsAcrossARestart() throws Exception {
        Hold hold = hold();
        client.close();
        int port = sim.port();
        sim.close();
        sim = new ZvtTerminalSimulator(dir.resolve("zvt-sim.json"), port, PASSWORD, 52523535);
        assertThat(ZvtSettlement.openPreAuthorisations(client, Duration.ofSeconds(2))).containsExactly(Integer.parseInt(hold.providerReference()));
        assertThat(settlement.deliver(instruction(hold, SettlementOrder.Operation.SETTLE, 100), 1).result()).isEqualTo(Result.SUCCEEDED);
    }

    @Test
    void aTerminalTakenOutAndPutBackSettlesTheHoldsRecordedBefore() {
        Hold first = hold();
        Hold second = hold();
        sim.dropConnections(); // cable pulled
        // the bundle is updated: this instance goes, a new one (new link, new objects) comes
        client.close();
        client = client(Duration.ofSeconds(1));
        settlement = settlement(ZvtSettlement.SettleWith.PARTIAL_REVERSAL);
        assertThat(ledger.session(first.authorizationReference()).orElseThrow().state()).isEqualTo(PaymentSessionState.AUTHORIZED);
        assertThat(settlement.deliver(instruction(first, SettlementOrder.Operation.SETTLE, 708), 1).result()).isEqualTo(Result.SUCCEEDED);
        sim.dropConnections(); // and pulled again between two settlements
        Instruction release = instruction(second, SettlementOrder.Operation.RELEASE, 0);
        // the send meets the pulled cable only after writing: it may have landed, so UNKNOWN, and the query decides
        InstructionOutcome sent = settlement.deliver(release, 1);
        assertThat(sent.result()).isEqualTo(Result.UNKNOWN);
        assertThat(settlement.resolve(release, 1).result()).isEqualTo(Result.RETRYABLE);
        assertThat(settlement.deliver(release, 2).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(preAuth(first).booked()).isEqualTo(708);
        assertThat(preAuth(second).state()).isEqualTo("REVERSED");
    }

    @Test
    void aStatusEnquiryCompletes() throws Exception {
        assertThat(client.transact(Messages.statusEnquiry(PASSWORD), Duration.ofSeconds(2))).isInstanceOf(ZvtClient.Completed.class);
    }

    @Test
    void aWrongPasswordIsRefusedAtRegistrationAndNothingIsSent() {
        ZvtClient wrong = new ZvtClient("T1", "127.0.0.1", sim.port(), 111111, 978, Duration.ofSeconds(1), Duration.ofSeconds(1));
        assertThatThrownBy(() -> wrong.transact(Messages.preAuthorisation(5000, 978), Duration.ofSeconds(2)))
                .isInstanceOf(ZvtClient.LinkFailure.class).hasMessageContaining("refused registration")
                .satisfies(e -> assertThat(((ZvtClient.LinkFailure) e).mayHaveApplied).isFalse());
        assertThat(sim.preAuthorisations()).isEmpty();
        wrong.close();
    }

    @Test
    void anUnreachableTerminalIsRetryableNotUnknown() throws Exception {
        Hold hold = hold();
        client.close();
        sim.close();
        InstructionOutcome outcome = settlement.deliver(instruction(hold, SettlementOrder.Operation.SETTLE, 708), 1);
        assertThat(outcome.result()).isEqualTo(Result.RETRYABLE);
        assertThat(outcome.detail()).containsAnyOf("unreachable", "0600"); // refused, or nothing answering the registration
    }
}
