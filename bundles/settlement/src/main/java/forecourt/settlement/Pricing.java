package forecourt.settlement;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;

import forecourt.api.money.Money;
import forecourt.api.site.Tariff;

/**
 * The final amount of a session: the hold's tariff version applied to the verified
 * energy. The rule, explicit: energy in kWh (exact, from Wh) × price per kWh + session fee,
 * computed exactly, then rounded <em>once</em>, half-up, to the currency's minor unit.
 * Zero energy costs nothing (no session fee): the hold is released.
 */
final class Pricing {
    static final RoundingMode ROUNDING = RoundingMode.HALF_UP;

    private Pricing() {
    }

    static Money price(Tariff tariff, BigDecimal deliveredWh, Currency currency) {
        if (deliveredWh.signum() < 0) {
            throw new IllegalArgumentException("delivered energy cannot be negative: " + deliveredWh);
        }
        if (deliveredWh.signum() == 0) {
            return Money.zero(currency);
        }
        if (!tariff.sessionFee().currency().equals(currency)) {
            throw new IllegalArgumentException("tariff " + tariff.id() + " is in " + tariff.sessionFee().currency() + ", the hold in " + currency);
        }
        BigDecimal exact = deliveredWh.movePointLeft(3).multiply(tariff.pricePerKwh()).add(tariff.sessionFee().toDecimal());
        return Money.fromDecimal(exact, currency, ROUNDING);
    }
}
