package forecourt.api.ledger;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

import forecourt.api.id.IdempotencyKey;

/**
 * An instruction to an upstream — "capture session S for amount A" — recorded in the
 * outbox before anything is sent. It becomes a real call only in the delivery worker,
 * which can tell whether it was already applied.
 *
 * @param key     the idempotency key it carries upstream (derived, never random)
 * @param link    the upstream it goes to, e.g. {@code acquirer:stripe-eu} (each link has
 *                its own backoff and order)
 * @param session the payment session it acts for, or {@code null}
 * @param money   true for money movements, which are delivered before notifications
 * @param body    what to send, UTF-8 JSON
 */
public record Instruction(IdempotencyKey key, String link, String session, boolean money, byte[] body) {
    public Instruction {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(body, "body");
        if (link == null || !link.matches("[a-z]+(:[A-Za-z0-9_.-]+)?")) {
            throw new IllegalArgumentException("link must be <kind>[:<instance>], was " + link);
        }
        body = body.clone();
    }

    public static Instruction of(IdempotencyKey key, String link, String session, boolean money, String json) {
        return new Instruction(key, link, session, money, json.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] body() {
        return body.clone();
    }

    public String operation() {
        return key.operation();
    }
}
