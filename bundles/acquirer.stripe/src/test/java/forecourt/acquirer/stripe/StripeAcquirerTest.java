package forecourt.acquirer.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.id.EvseId;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.id.AuthorizationReference;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome.Result;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.api.money.Money;
import forecourt.api.payment.AuthorizationStatus;
import forecourt.api.payment.Hold;
import forecourt.api.payment.HoldDeclinedException;
import forecourt.api.payment.PaymentJson;
import forecourt.api.payment.SettlementOrder;
import forecourt.ledger.LedgerStore;
import forecourt.sim.http.Fault;
import forecourt.sim.stripe.StripeEmulator;
import forecourt.testsupport.TestSite;

class StripeAcquirerTest {
    private static final String KEY = "sk_test_forecourt";
    @TempDir
    Path dir;
    StripeEmulator stripe;
    LedgerStore ledger;
    StripeApi api;
    StripeAcquirer acquirer;
    StripeTerminal terminal;
    final TestSite site = new TestSite("stripe-test");

    @BeforeEach
    void start() throws Exception {
        stripe = new StripeEmulator(dir.resolve("stripe.mv.db"), 0, KEY, Clock.systemUTC(), Duration.ofDays(2));
        ledger = new LedgerStore(dir.resolve("ledger.mv.db"), Clock.systemUTC(), 64);
        api = new StripeApi(stripe.baseUrl(), KEY, Duration.ofMillis(500));
        acquirer = new StripeAcquirer("stripe-test", api, Clock.systemUTC(), Duration.ofMillis(10));
        terminal = new StripeTerminal("T1", "tmr_1", "acquirer:stripe-test", api, ledger, site, Clock.systemUTC(), new SecureRandom(),
                Duration.ofSeconds(5), Duration.ofMillis(20), Executors.newCachedThreadPool());
    }

    @AfterEach
    void stop() {
        ledger.close();
        stripe.close();
    }

    private Hold hold() {
        return terminal.placeHold(EvseId.parse("CH1/1")).toCompletableFuture().join();
    }

    private Instruction instruction(Hold hold, SettlementOrder.Operation op, long minor) {
        SettlementOrder order = new SettlementOrder(op, hold.authorizationReference(), hold.providerReference(), hold.amount(),
                Money.of(minor, "EUR"));
        IdempotencyKey key = IdempotencyKey.derive(site.site().id(), hold.authorizationReference(),
                new AuthorizationReference(hold.authorizationReference()), op.keyName());
        return Instruction.of(key, hold.acquirerLink(), hold.authorizationReference(), true, PaymentJson.order(order));
    }

    @Test
    void aCardPresentHoldIsRecordedInTheLedgerWithMaskedCardAndStripesExpiry() {
        Hold hold = hold();
        assertThat(hold.amount()).isEqualTo(Money.of(5000, "EUR"));
        assertThat(hold.maskedPan()).isEqualTo("************4242");
        assertThat(hold.providerReference()).startsWith("pi_");
        assertThat(hold.tariff().id()).isEqualTo("HPC");
        assertThat(hold.expiresAt()).isAfter(hold.placedAt().plus(Duration.ofDays(1)));
        var recorded = ledger.byNaturalKey(NaturalKeys.hold(hold.authorizationReference())).orElseThrow();
        assertThat(PaymentJson.hold(recorded.fact().body())).isEqualTo(hold);
        assertThat(ledger.session(hold.authorizationReference()).orElseThrow().state()).isEqualTo(PaymentSessionState.AUTHORIZED);
        assertThat(acquirer.lookup(hold.providerReference()).state()).isEqualTo(AuthorizationStatus.State.OPEN);
    }

    @Test
    void aCardBrandTheAccountDoesNotServeIsReleasedAtOnceAndDeclined() {
        terminal.cardBrands(java.util.Set.of("visa", "mastercard"));
        stripe.presentCard("tmr_1", StripeEmulator.Card.approved("amex", "0005"));
        assertThatThrownBy(this::hold).hasCauseInstanceOf(HoldDeclinedException.class).hasMessageContaining("'amex' is not accepted");
        assertThat(stripe.intentIds()).hasSize(1);
        assertThat(stripe.intent(stripe.intentIds().get(0)).get("status").asText()).isEqualTo("canceled");
        assertThat(hold().cardBrand()).isEqualTo("visa");
    }

    @Test
    void aDeclinedCardLeavesNoHold() {
        stripe.presentCard("tmr_1", new StripeEmulator.Card("visa", "0002", "insufficient_funds"));
        assertThatThrownBy(this::hold).isInstanceOf(CompletionException.class).hasCauseInstanceOf(HoldDeclinedException.class)
                .hasMessageContaining("insufficient_funds");
        assertThat(ledger.sessions(null)).isEmpty();
        assertThat(ledger.read(1, 10)).noneMatch(e -> e.fact().type() == FactType.HOLD_PLACED);
    }

    @Test
    void settlingCapturesLessThanTheHoldAndTheRestIsReleased() {
        Hold hold = hold();
        var outcome = acquirer.deliver(instruction(hold, SettlementOrder.Operation.SETTLE, 1234), 1);
        assertThat(outcome.result()).isEqualTo(Result.SUCCEEDED);
        assertThat(stripe.captures()).hasSize(1);
        assertThat(stripe.captures().get(0).get("amount").asLong()).isEqualTo(1234);
        assertThat(stripe.captures().get(0).get("released").asLong()).isEqualTo(5000 - 1234);
        AuthorizationStatus status = acquirer.lookup(hold.providerReference());
        assertThat(status.state()).isEqualTo(AuthorizationStatus.State.CAPTURED);
        assertThat(status.captured()).isEqualTo(Money.of(1234, "EUR"));
    }

    @Test
    void zeroEnergyReleasesTheWholeHold() {
        Hold hold = hold();
        var outcome = acquirer.deliver(instruction(hold, SettlementOrder.Operation.RELEASE, 0), 1);
        assertThat(outcome.result()).isEqualTo(Result.SUCCEEDED);
        assertThat(stripe.captures()).isEmpty();
        assertThat(acquirer.lookup(hold.providerReference()).state()).isEqualTo(AuthorizationStatus.State.RELEASED);
    }

    @Test
    void theSameKeyWithAnotherAmountIsRefusedNotApplied() {
        Hold hold = hold();
        Instruction first = instruction(hold, SettlementOrder.Operation.SETTLE, 1000);
        stripe.faults().script(Fault.SERVER_ERROR); // saved under the key, nothing applied
        assertThat(acquirer.deliver(first, 1).result()).isEqualTo(Result.UNKNOWN);
        Instruction other = new Instruction(first.key(), first.link(), first.session(), true,
                PaymentJson.order(new SettlementOrder(SettlementOrder.Operation.SETTLE, hold.authorizationReference(),
                        hold.providerReference(), hold.amount(), Money.of(2000, "EUR"))).getBytes());
        var outcome = acquirer.deliver(other, 1);
        assertThat(outcome.result()).isEqualTo(Result.DECLINED);
        assertThat(outcome.detail()).contains("idempotency_error");
        assertThat(stripe.captures()).isEmpty();
    }

    @Test
    void anAnswerLostAfterTheCaptureIsResolvedAsSucceededNotResent() {
        Hold hold = hold();
        Instruction settle = instruction(hold, SettlementOrder.Operation.SETTLE, 777);
        stripe.faults().script(Fault.APPLY_THEN_DROP);
        assertThat(acquirer.deliver(settle, 1).result()).isEqualTo(Result.UNKNOWN);
        assertThat(acquirer.resolve(settle, 1).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(acquirer.deliver(settle, 2).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(stripe.captures()).hasSize(1);
    }

    @Test
    void aSavedServerErrorIsRetriedUnderADerivedKeyOnlyAfterTheIntentShowsNothingApplied() {
        Hold hold = hold();
        Instruction settle = instruction(hold, SettlementOrder.Operation.SETTLE, 900);
        stripe.faults().script(Fault.SERVER_ERROR);
        assertThat(acquirer.deliver(settle, 1).result()).isEqualTo(Result.UNKNOWN);
        assertThat(acquirer.resolve(settle, 1).result()).isEqualTo(Result.RETRYABLE);
        var second = acquirer.deliver(settle, 2);
        assertThat(second.result()).isEqualTo(Result.SUCCEEDED);
        assertThat(stripe.captures()).hasSize(1);
        assertThat(stripe.captures().get(0).get("idempotency_key").asText()).isEqualTo(settle.key().value() + "-2");
    }

    @Test
    void anExpiredAuthorizationIsDeclinedNotRetried() throws Exception {
        stripe.close();
        stripe = new StripeEmulator(dir.resolve("stripe2.mv.db"), 0, KEY, Clock.systemUTC(), Duration.ofSeconds(1));
        api = new StripeApi(stripe.baseUrl(), KEY, Duration.ofMillis(500));
        acquirer = new StripeAcquirer("stripe-test", api, Clock.systemUTC(), Duration.ofMillis(10));
        terminal = new StripeTerminal("T1", "tmr_1", "acquirer:stripe-test", api, ledger, site, Clock.systemUTC(), new SecureRandom(),
                Duration.ofSeconds(5), Duration.ofMillis(20), Executors.newCachedThreadPool());
        Hold hold = hold();
        Thread.sleep(2_100); // capture_before has whole-second resolution
        var outcome = acquirer.deliver(instruction(hold, SettlementOrder.Operation.SETTLE, 100), 1);
        assertThat(outcome.result()).isEqualTo(Result.DECLINED);
        assertThat(acquirer.lookup(hold.providerReference()).state()).isEqualTo(AuthorizationStatus.State.EXPIRED);
    }

    @Test
    void theApiKeyNeverAppearsInWhatIsLoggable() {
        assertThat(api.toString()).doesNotContain(KEY);
        assertThat(acquirer.toString()).doesNotContain(KEY);
    }
}
