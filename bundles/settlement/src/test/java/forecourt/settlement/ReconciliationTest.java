package forecourt.settlement;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.api.Test;

import forecourt.api.money.Money;
import forecourt.api.payment.Cdr;
import forecourt.settlement.Reconciliation.DeadlinePolicy;
import forecourt.settlement.Reconciliation.Kind;

class ReconciliationTest {
    private static final Money HOLD = Money.of(5000, "EUR");

    private static Optional<Cdr> cdr(long minor) {
        return Optional.of(new Cdr("AT", "FCT", "cdr-1", "AT0042-X", Money.of(minor, "EUR"), 12345));
    }

    @Test
    void meterAndCdrAgreeWithinTolerance() {
        var d = Reconciliation.decide(Money.of(728, "EUR"), cdr(729), HOLD, 1, true, false, DeadlinePolicy.METER);
        assertThat(d.kind()).isEqualTo(Kind.SETTLE);
        assertThat(d.amount()).isEqualTo(Money.of(728, "EUR")); // the signed meter's number
        assertThat(d.flagged()).isFalse();
    }

    @Test
    void disagreementGoesToReview() {
        var d = Reconciliation.decide(Money.of(728, "EUR"), cdr(900), HOLD, 1, true, false, DeadlinePolicy.METER);
        assertThat(d.kind()).isEqualTo(Kind.REVIEW);
        assertThat(d.reason()).contains("differ by 172");
    }

    @Test
    void aLateCdrIsWaitedForUntilTheDeadline() {
        assertThat(Reconciliation.decide(Money.of(728, "EUR"), Optional.empty(), HOLD, 1, true, false, DeadlinePolicy.METER).kind())
                .isEqualTo(Kind.WAIT);
    }

    @Test
    void noCdrByTheDeadlineSettlesOnTheMeterFlaggedOrGoesToReviewByPolicy() {
        var meter = Reconciliation.decide(Money.of(728, "EUR"), Optional.empty(), HOLD, 1, true, true, DeadlinePolicy.METER);
        assertThat(meter.kind()).isEqualTo(Kind.SETTLE);
        assertThat(meter.flagged()).isTrue();
        assertThat(Reconciliation.decide(Money.of(728, "EUR"), Optional.empty(), HOLD, 1, true, true, DeadlinePolicy.REVIEW).kind())
                .isEqualTo(Kind.REVIEW);
    }

    @Test
    void withoutACdrSourceTheVerifiedMeterDecides() {
        var d = Reconciliation.decide(Money.of(728, "EUR"), Optional.empty(), HOLD, 1, false, false, DeadlinePolicy.METER);
        assertThat(d.kind()).isEqualTo(Kind.SETTLE);
        assertThat(d.flagged()).isFalse();
    }

    @Test
    void anAmountAboveTheHoldIsCappedAndTheShortfallKept() {
        var d = Reconciliation.decide(Money.of(6200, "EUR"), cdr(6200), HOLD, 1, true, false, DeadlinePolicy.METER);
        assertThat(d.kind()).isEqualTo(Kind.SETTLE);
        assertThat(d.amount()).isEqualTo(HOLD);
        assertThat(d.shortfall()).isEqualTo(Money.of(1200, "EUR"));
    }

    @Test
    void zeroEnergyReleasesTheHold() {
        var d = Reconciliation.decide(Money.of(0, "EUR"), cdr(0), HOLD, 1, true, false, DeadlinePolicy.METER);
        assertThat(d.kind()).isEqualTo(Kind.RELEASE);
        assertThat(d.amount()).isEqualTo(Money.of(0, "EUR"));
    }
}
