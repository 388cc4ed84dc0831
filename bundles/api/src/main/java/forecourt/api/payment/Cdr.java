package forecourt.api.payment;

import java.util.Objects;

import forecourt.api.money.Money;

/**
 * The CPO's charge detail record of a session, as far as reconciliation needs it; the
 * whole CDR as received is kept in the fact's body beside these fields.
 *
 * @param countryCode            CPO's country code (OCPI)
 * @param partyId                CPO's party id (OCPI)
 * @param id                     the CDR's id
 * @param authorizationReference the hold's reference it echoes (links it to the session)
 * @param totalCost              total cost incl. VAT, converted exactly to minor units
 * @param totalEnergyWh          energy in Wh (OCPI's kWh decimal, converted exactly, rounded half-up to 1 Wh)
 */
public record Cdr(String countryCode, String partyId, String id, String authorizationReference, Money totalCost, long totalEnergyWh) {
    public Cdr {
        Objects.requireNonNull(countryCode, "countryCode");
        Objects.requireNonNull(partyId, "partyId");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(authorizationReference, "authorizationReference");
        Objects.requireNonNull(totalCost, "totalCost");
    }
}
