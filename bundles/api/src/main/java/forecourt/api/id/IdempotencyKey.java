package forecourt.api.id;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The key every upstream instruction carries, so that any number of retries, after any
 * crash, is one effect upstream. It is derived, never random: the same site, session,
 * authorization reference and operation always give the same key. It fits the tightest
 * limit of the upstreams Forecourt talks to (Adyen: 64 characters).
 */
public record IdempotencyKey(String value) {
    private static final Pattern FORM = Pattern.compile("[a-z]{1,12}-[0-9a-f]{40}");

    public IdempotencyKey {
        Identifiers.require(value, FORM, "idempotency key", "<operation>-<40 hex digits>");
    }

    /**
     * @param operation what the instruction does: {@code capture}, {@code release},
     *                  {@code fiscalize}, {@code confirm}, ... (lower-case letters)
     */
    public static IdempotencyKey derive(SiteId site, String session, AuthorizationReference authorization,
            String operation) {
        if (operation == null || !operation.matches("[a-z]{1,12}")) {
            throw new IllegalArgumentException("operation must be 1-12 lower-case letters, was " + operation);
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            // unit separators keep ("ab","c") and ("a","bc") apart
            String material = String.join("\u001f", site.value(), session, authorization.value(), operation);
            byte[] digest = sha.digest(material.getBytes(StandardCharsets.UTF_8));
            return new IdempotencyKey(operation + "-" + HexFormat.of().formatHex(digest, 0, 20));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    public String operation() {
        return value.substring(0, value.indexOf('-'));
    }

    @Override
    public String toString() {
        return value;
    }
}
