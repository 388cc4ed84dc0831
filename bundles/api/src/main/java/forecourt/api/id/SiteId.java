package forecourt.api.id;

import java.util.regex.Pattern;

/**
 * The operator's identifier of one charging site. Short (it prefixes every authorization
 * reference, which OCPI caps at 36 characters) and upper-case alphanumeric.
 */
public record SiteId(String value) {
    private static final Pattern FORM = Pattern.compile("[A-Z0-9]{1,12}");

    public SiteId {
        Identifiers.require(value, FORM, "site id", "1-12 characters A-Z 0-9");
    }

    @Override
    public String toString() {
        return value;
    }
}
