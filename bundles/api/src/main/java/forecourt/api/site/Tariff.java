package forecourt.api.site;

import java.math.BigDecimal;
import java.util.Objects;

import forecourt.api.money.Money;

/**
 * A price list for charging. Prices include VAT, as shown to the driver. A tariff is
 * versioned: the version in force when the hold was placed is recorded with the hold,
 * and that version prices the session even if the configuration changes meanwhile.
 *
 * @param id           tariff id referenced by EVSEs
 * @param version      increases on every price change
 * @param pricePerKwh  price per kWh incl. VAT in major units, an exact decimal
 *                     ({@code 0.59} EUR/kWh); sub-cent prices are allowed
 * @param sessionFee   fixed fee per session incl. VAT (may be zero)
 * @param vatRate      name of the site VAT rate that applies
 */
public record Tariff(String id, int version, BigDecimal pricePerKwh, Money sessionFee, String vatRate) {
    public Tariff {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(pricePerKwh, "pricePerKwh");
        Objects.requireNonNull(sessionFee, "sessionFee");
        Objects.requireNonNull(vatRate, "vatRate");
        if (version < 1) {
            throw new IllegalArgumentException("tariff version must be >= 1");
        }
        if (pricePerKwh.signum() < 0 || sessionFee.isNegative()) {
            throw new IllegalArgumentException("tariff " + id + " has a negative price");
        }
    }
}
