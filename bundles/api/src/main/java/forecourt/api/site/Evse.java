package forecourt.api.site;

import java.util.Objects;

import forecourt.api.id.EvseId;

/**
 * One EVSE of a charger, as configured.
 *
 * @param id             charger and EVSE number
 * @param tariffId       the tariff that prices sessions here
 * @param meterPublicKey the calibration-law meter's public key (hex or base64 DER, or
 *                       raw X‖Y hex) that must have signed every reading that counts
 *                       toward money; empty when not yet commissioned
 * @param ocpiEvseUid    the EVSE's uid in the CPO's OCPI Locations module
 */
public record Evse(EvseId id, String tariffId, String meterPublicKey, String ocpiEvseUid) {
    public Evse {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(tariffId, "tariffId");
        meterPublicKey = meterPublicKey == null ? "" : meterPublicKey.trim();
    }
}
