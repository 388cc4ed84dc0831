package forecourt.acquirer.stripe;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import forecourt.acquirer.stripe.StripeApi.NotSent;
import forecourt.acquirer.stripe.StripeApi.Response;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.money.Money;
import forecourt.api.payment.Acquirer;
import forecourt.api.payment.AuthorizationStatus;
import forecourt.api.payment.PaymentJson;
import forecourt.api.payment.SettlementOrder;

/**
 * Settles holds on Stripe. A settle is one call — {@code capture} with
 * {@code amount_to_capture}; Stripe releases the rest of the authorization with it — and a
 * zero-energy release is {@code cancel}.
 * <p>
 * How retries stay one money movement:
 * <ul>
 * <li>every POST carries the instruction's idempotency key;</li>
 * <li>every attempt after the first reads the PaymentIntent before sending, so an earlier
 * attempt that landed is found (also after Stripe has pruned the key, ≥ 24 h);</li>
 * <li>an answer lost or a 5xx is UNKNOWN and resolved by reading the PaymentIntent;</li>
 * <li>Stripe saves a 500 under the key and replays it; when the read has just shown the
 * authorization still open, that saved failure provably did not apply, and the same
 * attempt is sent once more under {@code <key>-<attempt>} — still derived, still safe,
 * because a PaymentIntent can be captured or cancelled only once.</li>
 * </ul>
 */
final class StripeAcquirer implements Acquirer {
    private static final Logger log = LoggerFactory.getLogger(StripeAcquirer.class);

    private final String name;
    private final StripeApi api;
    private final Clock clock;
    private final Duration throttled;

    /** @param throttled how long to wait after a 429 or a 409 (key still in use) before the next attempt */
    StripeAcquirer(String name, StripeApi api, Clock clock, Duration throttled) {
        this.name = name;
        this.api = api;
        this.clock = clock;
        this.throttled = throttled;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public InstructionOutcome deliver(Instruction instruction, int attempt) {
        SettlementOrder order = PaymentJson.order(instruction.body());
        if (attempt > 1) {
            InstructionOutcome known = fromIntent(order, "before attempt " + attempt);
            if (known.result() != InstructionOutcome.Result.RETRYABLE) {
                // already applied, finally refused, or cannot be read: nothing is sent this attempt
                return known.result() == InstructionOutcome.Result.UNKNOWN
                        ? InstructionOutcome.retryable("cannot read the PaymentIntent before resending: " + known.detail(), clock.instant())
                        : known;
            }
        }
        String key = instruction.key().value();
        try {
            Response r = send(order, key);
            if (r.replayed() && r.status() >= 500 && attempt > 1) {
                // the saved answer is a failure and the read above showed nothing applied
                log.info("stripe {}: key {} replays a saved {}; the authorization is still open, sending as {}-{}", name, key, r.status(),
                        key, attempt);
                r = send(order, key + "-" + attempt);
            }
            return outcome(order, r);
        } catch (NotSent e) {
            return InstructionOutcome.retryable(e.getMessage(), clock.instant());
        } catch (IOException e) {
            return InstructionOutcome.unknown("no answer from Stripe: " + e);
        }
    }

    private Response send(SettlementOrder order, String key) throws IOException {
        String intent = "v1/payment_intents/" + order.providerReference();
        return switch (order.operation()) {
            case SETTLE -> api.post(intent + "/capture", Map.of("amount_to_capture", Long.toString(order.amount().minorUnits())), key);
            case RELEASE -> api.post(intent + "/cancel", Map.of("cancellation_reason", "abandoned"), key);
        };
    }

    private InstructionOutcome outcome(SettlementOrder order, Response r) {
        int s = r.status();
        if (s == 200) {
            return matches(order, r.body());
        }
        if (s == 402) {
            return InstructionOutcome.declined("card error " + r.errorCode() + ": " + r.errorMessage());
        }
        if (s == 400 && r.errorCode().equals("charge_expired_for_capture")) {
            return InstructionOutcome.declined("authorization expired before capture");
        }
        if (s == 400 && (r.errorCode().equals("payment_intent_unexpected_state") || r.errorType().equals("idempotency_error"))) {
            // already captured or cancelled (by an earlier attempt?), or this key was used otherwise: the intent says which
            InstructionOutcome found = fromIntent(order, r.errorCode().isEmpty() ? r.errorType() : r.errorCode());
            return found.result() == InstructionOutcome.Result.RETRYABLE
                    ? InstructionOutcome.declined(r.errorType() + " " + r.errorCode() + ": " + r.errorMessage())
                    : found;
        }
        if (s == 409 || s == 429) {
            // 409: a request with this key is still running — its answer is replayed later; 429: rate limited
            return InstructionOutcome.retryable("HTTP " + s + " " + r.errorCode(), clock.instant().plus(throttled));
        }
        if (s == 401 || s == 403) {
            log.error("ALARM stripe {}: HTTP {} — check this instance's API key (not logged)", name, s);
            return InstructionOutcome.retryable("HTTP " + s + ": not authorized", clock.instant().plus(Duration.ofMinutes(1)));
        }
        if (s >= 500) {
            return InstructionOutcome.unknown("HTTP " + s + (r.replayed() ? " (replayed)" : "") + ": may have been applied");
        }
        return InstructionOutcome.declined("HTTP " + s + " " + r.errorType() + " " + r.errorCode() + ": " + r.errorMessage());
    }

    @Override
    public InstructionOutcome resolve(Instruction instruction, int attempt) {
        return fromIntent(PaymentJson.order(instruction.body()), "resolve of attempt " + attempt);
    }

    /** What the PaymentIntent says about this order: done, refused for good, safe to (re)send, or unknown. */
    private InstructionOutcome fromIntent(SettlementOrder order, String why) {
        JsonNode pi;
        try {
            Response r = api.get("v1/payment_intents/" + order.providerReference());
            if (r.status() == 404) {
                return InstructionOutcome.declined("no such PaymentIntent " + order.providerReference());
            }
            if (r.status() != 200) {
                return InstructionOutcome.unknown("reading the PaymentIntent (" + why + "): HTTP " + r.status());
            }
            pi = r.body();
        } catch (IOException e) {
            return InstructionOutcome.unknown("reading the PaymentIntent (" + why + "): " + e);
        }
        String status = pi.path("status").asText();
        return switch (status) {
            case "succeeded" -> order.operation() == SettlementOrder.Operation.SETTLE ? matches(order, pi)
                    : InstructionOutcome.declined("asked to release, but " + order.providerReference() + " was captured");
            case "canceled" -> order.operation() == SettlementOrder.Operation.RELEASE ? matches(order, pi)
                    : InstructionOutcome.declined("authorization " + order.providerReference() + " was cancelled ("
                            + pi.path("cancellation_reason").asText() + "): nothing can be captured");
            case "requires_capture" -> InstructionOutcome.retryable("not applied yet (" + why + ")", clock.instant());
            case "processing" -> InstructionOutcome.unknown("PaymentIntent is processing");
            default -> InstructionOutcome.declined("PaymentIntent " + order.providerReference() + " is " + status);
        };
    }

    private InstructionOutcome matches(SettlementOrder order, JsonNode pi) {
        String status = pi.path("status").asText();
        if (order.operation() == SettlementOrder.Operation.RELEASE) {
            return status.equals("canceled") ? InstructionOutcome.succeeded(pi.path("id").asText())
                    : InstructionOutcome.declined("expected a cancelled PaymentIntent, found " + status);
        }
        long received = pi.path("amount_received").asLong(-1);
        if (!status.equals("succeeded") || received != order.amount().minorUnits()) {
            return InstructionOutcome.declined("expected a capture of " + order.amount() + ", Stripe shows " + status + " with " + received
                    + " received — needs a person");
        }
        String charge = pi.path("latest_charge").isTextual() ? pi.path("latest_charge").asText() : pi.path("latest_charge").path("id").asText();
        return InstructionOutcome.succeeded(pi.path("id").asText() + "/" + charge);
    }

    @Override
    public AuthorizationStatus lookup(String providerReference) {
        try {
            Response r = api.get("v1/payment_intents/" + providerReference);
            if (r.status() != 200) {
                return new AuthorizationStatus(AuthorizationStatus.State.UNKNOWN, null, null, null);
            }
            JsonNode pi = r.body();
            String currency = pi.path("currency").asText("eur").toUpperCase();
            Money authorized = Money.of(pi.path("amount").asLong(), currency);
            Money captured = Money.of(pi.path("amount_received").asLong(), currency);
            AuthorizationStatus.State state = switch (pi.path("status").asText()) {
                case "requires_capture" -> AuthorizationStatus.State.OPEN;
                case "succeeded" -> AuthorizationStatus.State.CAPTURED;
                case "canceled" -> "automatic".equals(pi.path("cancellation_reason").asText()) ? AuthorizationStatus.State.EXPIRED
                        : AuthorizationStatus.State.RELEASED;
                default -> AuthorizationStatus.State.UNKNOWN;
            };
            return new AuthorizationStatus(state, authorized, captured, pi.path("latest_charge").asText(null));
        } catch (IOException e) {
            return new AuthorizationStatus(AuthorizationStatus.State.UNKNOWN, null, null, null);
        }
    }

    @Override
    public String toString() {
        return "stripe acquirer " + name + " (" + api + ")";
    }
}
