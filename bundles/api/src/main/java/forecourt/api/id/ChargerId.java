package forecourt.api.id;

import java.util.regex.Pattern;

/**
 * A charger's identity at the site (OCPP's charging station identity). It is also its
 * MQTT client id and topic prefix, so it is restricted to characters safe in both.
 */
public record ChargerId(String value) {
    private static final Pattern FORM = Pattern.compile("[A-Za-z0-9_.-]{1,48}");

    public ChargerId {
        Identifiers.require(value, FORM, "charger id", "1-48 characters A-Z a-z 0-9 _ . -");
    }

    @Override
    public String toString() {
        return value;
    }
}
