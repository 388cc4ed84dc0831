package forecourt.settlement;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.Currency;

import org.junit.jupiter.api.Test;

import forecourt.api.money.Money;
import forecourt.api.site.Tariff;

class PricingTest {
    private static final Currency EUR = Currency.getInstance("EUR");

    private static Money price(String pricePerKwh, long feeMinor, String wh) {
        return Pricing.price(new Tariff("T", 1, new BigDecimal(pricePerKwh), Money.of(feeMinor, "EUR"), "standard"), new BigDecimal(wh), EUR);
    }

    @Test
    void energyTimesPricePlusFeeRoundedOnceHalfUp() {
        assertThat(price("0.59", 0, "12345")).isEqualTo(Money.of(728, "EUR")); // 7.28355 → 7.28
        assertThat(price("0.50", 0, "10")).isEqualTo(Money.of(1, "EUR")); // 0.005 → 0.01 (half up)
        assertThat(price("0.50", 0, "9")).isEqualTo(Money.of(0, "EUR")); // 0.0045 → 0.00
        assertThat(price("0.59", 35, "12345")).isEqualTo(Money.of(763, "EUR")); // 7.28355 + 0.35 = 7.63355 → 7.63
        // rounded once at the end, not per part: 0.004 + 0.004 would be 0.00 + 0.00 rounded separately
        assertThat(price("0.4999", 0, "17")).isEqualTo(Money.of(1, "EUR")); // 0.0084983 → 0.01
    }

    @Test
    void subCentPricesAndFractionalWattHoursAreExact() {
        assertThat(price("0.5899", 0, "100000")).isEqualTo(Money.of(5899, "EUR"));
        assertThat(price("0.59", 0, "12345.5")).isEqualTo(Money.of(728, "EUR")); // 7.283845
    }

    @Test
    void zeroEnergyCostsNothingNotEvenTheFee() {
        assertThat(price("0.59", 35, "0")).isEqualTo(Money.of(0, "EUR"));
    }

    @Test
    void negativeEnergyIsRefused() {
        assertThatThrownBy(() -> price("0.59", 0, "-1")).isInstanceOf(IllegalArgumentException.class);
    }
}
