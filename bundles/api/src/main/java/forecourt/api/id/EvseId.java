package forecourt.api.id;

import java.util.Objects;

/**
 * One EVSE (a point where one vehicle charges) of a charger: OCPP 2.0.1 numbers EVSEs
 * from 1 within a charging station.
 */
public record EvseId(ChargerId charger, int evse) {
    public EvseId {
        Objects.requireNonNull(charger, "charger");
        if (evse < 1) {
            throw new IllegalArgumentException("EVSE number must be >= 1, was " + evse);
        }
    }

    /** Parses {@code CHARGER/1}. */
    public static EvseId parse(String text) {
        int slash = text == null ? -1 : text.lastIndexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("invalid EVSE '" + text + "': expected <charger id>/<evse number>");
        }
        try {
            return new EvseId(new ChargerId(text.substring(0, slash)), Integer.parseInt(text.substring(slash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid EVSE '" + text + "': EVSE number is not an integer", e);
        }
    }

    @Override
    public String toString() {
        return charger + "/" + evse;
    }
}
