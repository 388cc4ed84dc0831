package forecourt.api.id;

import java.util.regex.Pattern;

/**
 * A charging transaction as the charger names it (OCPP 2.0.1 {@code transactionId},
 * string of at most 36 characters), qualified by the charger since two chargers may pick
 * the same id.
 */
public record SessionId(ChargerId charger, String transactionId) {
    private static final Pattern FORM = Pattern.compile("[\\x21-\\x7E]{1,36}");

    public SessionId {
        java.util.Objects.requireNonNull(charger, "charger");
        Identifiers.require(transactionId, FORM, "transaction id", "1-36 printable ASCII characters");
    }

    @Override
    public String toString() {
        return charger + ":" + transactionId;
    }
}
