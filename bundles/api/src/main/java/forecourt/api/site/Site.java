package forecourt.api.site;

import java.util.Currency;
import java.util.Map;
import java.util.Objects;

import forecourt.api.id.SiteId;

/**
 * The charging site this gateway serves.
 *
 * @param id          operator's site id (prefixes every authorization reference)
 * @param name        human name, shown on receipts
 * @param country     ISO 3166-1 alpha-2; chooses the fiscal rules
 * @param currency    the one currency the site charges in
 * @param vatRates    VAT rates in force, by name ({@code standard}, {@code reduced}, ...), in
 *                    basis points (2000 = 20.00 %) so no rate is ever a float
 */
public record Site(SiteId id, String name, String country, Currency currency, Map<String, Integer> vatRates) {
    public Site {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(currency, "currency");
        if (country == null || !country.matches("[A-Z]{2}")) {
            throw new IllegalArgumentException("country must be ISO 3166-1 alpha-2, was " + country);
        }
        vatRates = Map.copyOf(vatRates);
        vatRates.forEach((name1, bp) -> {
            if (bp < 0 || bp > 10000) {
                throw new IllegalArgumentException("VAT rate " + name1 + " out of range: " + bp + " basis points");
            }
        });
    }
}
