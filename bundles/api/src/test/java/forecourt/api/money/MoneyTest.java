package forecourt.api.money;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;

import org.junit.jupiter.api.Test;

class MoneyTest {
    private static final Currency EUR = Currency.getInstance("EUR");
    private static final Currency JPY = Currency.getInstance("JPY");

    @Test
    void arithmeticStaysInMinorUnits() {
        Money hold = Money.of(5000, "EUR");
        Money capture = Money.of(1234, "EUR");
        assertThat(hold.minus(capture)).isEqualTo(Money.of(3766, "EUR"));
        assertThat(capture.plus(capture).minorUnits()).isEqualTo(2468);
        assertThat(hold.min(capture)).isEqualTo(capture);
        assertThat(hold.exceeds(capture)).isTrue();
        assertThat(capture.toString()).isEqualTo("12.34 EUR");
    }

    @Test
    void mixingCurrenciesIsRefused() {
        assertThatThrownBy(() -> Money.of(1, "EUR").plus(Money.of(1, "HRK")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("currency mismatch");
    }

    @Test
    void overflowThrowsInsteadOfWrapping() {
        Money max = new Money(Long.MAX_VALUE, EUR);
        assertThatThrownBy(() -> max.plus(Money.of(1, "EUR"))).isInstanceOf(ArithmeticException.class);
    }

    @Test
    void decimalConversionUsesTheNamedRoundingRule() {
        BigDecimal price = new BigDecimal("12.345");
        assertThat(Money.fromDecimal(price, EUR, RoundingMode.HALF_UP).minorUnits()).isEqualTo(1235);
        assertThat(Money.fromDecimal(price, EUR, RoundingMode.HALF_EVEN).minorUnits()).isEqualTo(1234);
        assertThat(Money.fromDecimal(price, EUR, RoundingMode.DOWN).minorUnits()).isEqualTo(1234);
        assertThatThrownBy(() -> Money.fromDecimal(price, EUR, RoundingMode.UNNECESSARY))
                .isInstanceOf(ArithmeticException.class);
        // currencies without minor units (JPY) keep whole units
        assertThat(Money.fromDecimal(new BigDecimal("500"), JPY, RoundingMode.UNNECESSARY).minorUnits()).isEqualTo(500);
    }

    @Test
    void roundTripsThroughDecimalExactly() {
        for (long minor : new long[] { 0, 1, 99, 100, 123456789, -5 }) {
            Money m = new Money(minor, EUR);
            assertThat(Money.fromDecimal(m.toDecimal(), EUR, RoundingMode.UNNECESSARY)).isEqualTo(m);
        }
    }
}
