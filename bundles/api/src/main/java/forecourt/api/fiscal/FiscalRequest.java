package forecourt.api.fiscal;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

import forecourt.api.money.Money;

/**
 * A settled sale to fiscalize. Recorded in the ledger (as the fiscalize instruction)
 * before any call.
 *
 * @param authorizationReference the session sold
 * @param siteId                 the site (the cash box's identity derives from it)
 * @param receiptNumber          from the gap-free per-site sequence kept in the ledger
 * @param total                  gross total incl. VAT
 * @param grossByVatRate         gross amounts per site VAT rate name (they sum to {@code total})
 * @param energyWh               energy sold
 * @param soldAt                 when the sale settled
 */
public record FiscalRequest(String authorizationReference, String siteId, long receiptNumber, Money total, Map<String, Money> grossByVatRate,
        long energyWh, Instant soldAt) {
    public FiscalRequest {
        Objects.requireNonNull(authorizationReference, "authorizationReference");
        Objects.requireNonNull(siteId, "siteId");
        Objects.requireNonNull(total, "total");
        Objects.requireNonNull(soldAt, "soldAt");
        grossByVatRate = Map.copyOf(grossByVatRate);
        if (receiptNumber < 1) {
            throw new IllegalArgumentException("receipt numbers start at 1");
        }
        Money sum = Money.zero(total.currency());
        for (Money m : grossByVatRate.values()) {
            sum = sum.plus(m);
        }
        if (!sum.equals(total)) {
            throw new IllegalArgumentException("amounts per VAT rate " + grossByVatRate + " do not sum to " + total);
        }
    }
}
