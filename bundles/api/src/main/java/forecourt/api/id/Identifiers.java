package forecourt.api.id;

import java.util.regex.Pattern;

/** Shared validation for identifier records: a bad id is refused where it enters. */
final class Identifiers {
    private Identifiers() {
    }

    static void require(String value, Pattern form, String what, String rule) {
        if (value == null || !form.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid " + what + " '" + value + "': expected " + rule);
        }
    }
}
