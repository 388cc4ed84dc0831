package forecourt.api.ledger;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A fact to append to the journal.
 *
 * @param type       what it says
 * @param naturalKey the identity of the fact in the world, so that the same fact arriving
 *                   twice (a charger's retry, a replay after an outage) is stored once:
 *                   see {@link NaturalKeys}. Never a message id: real chargers make a new
 *                   one on every retry.
 * @param session    the authorization reference of the payment session it belongs to, or
 *                   {@code null} when it belongs to none (a charger booting, a reading
 *                   outside any transaction)
 * @param moveTo     the payment-session state this fact moves its session to, or
 *                   {@code null}; the ledger refuses a move the state machine does not allow
 * @param body       the fact's content, UTF-8 JSON as its producer wrote it (kept byte for
 *                   byte: signed data must verify as received)
 */
public record Fact(FactType type, String naturalKey, String session, PaymentSessionState moveTo, byte[] body) {
    /** Larger bodies are refused: no fact Forecourt records is near this. */
    public static final int MAX_BODY_BYTES = 256 * 1024;
    public static final int MAX_KEY_CHARS = 512;

    public Fact {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(body, "body");
        if (naturalKey == null || naturalKey.isEmpty() || naturalKey.length() > MAX_KEY_CHARS) {
            throw new IllegalArgumentException("natural key must be 1.." + MAX_KEY_CHARS + " characters");
        }
        if (body.length > MAX_BODY_BYTES) {
            throw new IllegalArgumentException("fact body of " + body.length + " bytes exceeds " + MAX_BODY_BYTES);
        }
        if (moveTo != null && session == null) {
            throw new IllegalArgumentException("a state move needs the session it moves");
        }
        body = body.clone();
    }

    public static Fact of(FactType type, String naturalKey, String session, String json) {
        return new Fact(type, naturalKey, session, null, json.getBytes(StandardCharsets.UTF_8));
    }

    public static Fact moving(FactType type, String naturalKey, String session, PaymentSessionState moveTo, String json) {
        return new Fact(type, naturalKey, session, moveTo, json.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Fact f && type == f.type && naturalKey.equals(f.naturalKey) && Objects.equals(session, f.session)
                && moveTo == f.moveTo && Arrays.equals(body, f.body);
    }

    @Override
    public int hashCode() {
        return Objects.hash(type, naturalKey, session, moveTo, Arrays.hashCode(body));
    }

    @Override
    public String toString() {
        return "Fact[" + type + " " + naturalKey + (session == null ? "" : " session " + session)
                + (moveTo == null ? "" : " → " + moveTo) + ", " + body.length + " bytes]";
    }
}
