package forecourt.acquirer.adyen;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.acquirer.adyen.AdyenApi.Response;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.payment.Acquirer;
import forecourt.api.payment.AuthorizationStatus;
import forecourt.api.payment.PaymentJson;
import forecourt.api.payment.SettlementOrder;

/**
 * Settles holds on one Adyen merchant account with the Checkout API's modifications: a
 * capture of the final amount ({@code POST /payments/{pspReference}/captures}; a single
 * partial capture cancels the unclaimed rest) or, for zero energy, a cancel
 * ({@code /cancels}). Adyen answers {@code 201 received}; the result is the CAPTURE or
 * CANCELLATION notification, verified and recorded by {@link AdyenNotifications}. Until it
 * is recorded the instruction stays UNKNOWN; resolving it means looking for the
 * notification and, while Adyen still keeps the idempotency key, replaying the very same
 * request (Adyen answers the first one's answer, applying nothing twice). Past that window a
 * person decides (REVIEW).
 */
final class AdyenAcquirer implements Acquirer {
    private static final Logger log = LoggerFactory.getLogger(AdyenAcquirer.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final String merchantAccount;
    private final AdyenApi api;
    private final Ledger ledger;
    private final Clock clock;
    private final Duration idempotencyWindow;
    private final Duration backoff;
    private final Duration notificationWait;

    AdyenAcquirer(String name, String merchantAccount, AdyenApi api, Ledger ledger, Clock clock, Duration idempotencyWindow, Duration backoff,
            Duration notificationWait) {
        this.notificationWait = notificationWait;
        this.name = name;
        this.merchantAccount = merchantAccount;
        this.api = api;
        this.ledger = ledger;
        this.clock = clock;
        this.idempotencyWindow = idempotencyWindow;
        this.backoff = backoff;
    }

    @Override
    public String name() {
        return name;
    }

    static String eventCode(SettlementOrder.Operation operation) {
        return operation == SettlementOrder.Operation.SETTLE ? "CAPTURE" : "CANCELLATION";
    }

    private String path(SettlementOrder order) {
        return "payments/" + order.providerReference() + (order.operation() == SettlementOrder.Operation.SETTLE ? "/captures" : "/cancels");
    }

    private JsonNode body(Instruction instruction, SettlementOrder order) {
        ObjectNode body = JSON.createObjectNode();
        body.put("merchantAccount", merchantAccount);
        // the modification's reference is the instruction's key: the notification names it
        body.put("reference", instruction.key().value());
        if (order.operation() == SettlementOrder.Operation.SETTLE) {
            body.set("amount", JSON.createObjectNode().put("currency", order.amount().currency().getCurrencyCode())
                    .put("value", order.amount().minorUnits()));
        }
        return body;
    }

    /** The outcome the recorded notification gives, if one arrived. */
    private Optional<InstructionOutcome> notified(Instruction instruction, SettlementOrder order) {
        Optional<JournalEntry> entry = ledger.byNaturalKey(
                AdyenNotifications.naturalKey(name, instruction.key().value(), eventCode(order.operation())));
        if (entry.isEmpty()) {
            return Optional.empty();
        }
        JsonNode n;
        try {
            n = JSON.readTree(entry.get().fact().body());
        } catch (IOException e) {
            return Optional.empty();
        }
        if (n.path("success").asBoolean()) {
            return Optional.of(InstructionOutcome.succeeded(n.path("pspReference").asText()));
        }
        return Optional.of(InstructionOutcome.declined("Adyen " + n.path("eventCode").asText() + " failed: " + n.path("reason").asText()));
    }

    private Optional<InstructionOutcome> awaitNotification(Instruction instruction, SettlementOrder order) {
        long deadline = System.nanoTime() + notificationWait.toNanos();
        while (true) {
            Optional<InstructionOutcome> known = notified(instruction, order);
            if (known.isPresent() || System.nanoTime() > deadline) {
                return known;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Optional.empty();
            }
        }
    }

    @Override
    public InstructionOutcome deliver(Instruction instruction, int attempt) {
        SettlementOrder order = PaymentJson.order(instruction.body());
        Optional<InstructionOutcome> known = notified(instruction, order);
        if (known.isPresent()) {
            return known.get();
        }
        return send(instruction, order, false);
    }

    private InstructionOutcome send(Instruction instruction, SettlementOrder order, boolean replay) {
        Response r;
        try {
            r = api.post(path(order), body(instruction, order), instruction.key().value());
        } catch (AdyenApi.NotSent e) {
            return replay ? InstructionOutcome.unknown("replay not sent: " + e.getMessage())
                    : InstructionOutcome.retryable(e.getMessage(), clock.instant().plus(backoff));
        } catch (IOException e) {
            return InstructionOutcome.unknown("answer lost: " + e.getMessage());
        }
        int s = r.status();
        if (s == 200 || s == 201) {
            String psp = r.body().path("pspReference").asText("");
            // the notification usually follows within seconds: wait for it rather than leave the link in doubt
            Optional<InstructionOutcome> result = awaitNotification(instruction, order);
            if (result.isPresent()) {
                return result.get();
            }
            return new InstructionOutcome(InstructionOutcome.Result.UNKNOWN, psp,
                    "received by Adyen (" + psp + "); the " + eventCode(order.operation()) + " notification decides", null);
        }
        if (s == 422 && !r.transientError()) {
            if (r.errorCode().equals("704")) {
                // the key was used for another request: whatever it did, it is not this one
                return InstructionOutcome.needsReview("Adyen refused the idempotency key " + instruction.key() + ": " + r.message());
            }
            return InstructionOutcome.declined("Adyen refused " + order.operation().keyName() + ": " + r.errorCode() + " " + r.message());
        }
        if (s == 401 || s == 403) {
            log.error("ALARM adyen {}: credentials refused (HTTP {}): nothing is settled until the API key is fixed", name, s);
        }
        // 5xx, 429, transient 422, auth: the same key makes another send safe
        return replay ? InstructionOutcome.unknown("replay answered HTTP " + s + " " + r.message())
                : InstructionOutcome.retryable("HTTP " + s + " " + r.message(), clock.instant().plus(backoff));
    }

    @Override
    public InstructionOutcome resolve(Instruction instruction, int attempt) {
        SettlementOrder order = PaymentJson.order(instruction.body());
        Optional<InstructionOutcome> known = notified(instruction, order);
        if (known.isPresent()) {
            return known.get();
        }
        Instant firstSent = ledger.instruction(instruction.key()).map(OutboxEntry::enqueuedSeq).flatMap(ledger::entry)
                .map(JournalEntry::recordedAt).orElse(clock.instant());
        if (clock.instant().isAfter(firstSent.plus(idempotencyWindow))) {
            return InstructionOutcome.needsReview("no Adyen " + eventCode(order.operation()) + " notification for " + instruction.key()
                    + " and Adyen's idempotency window (" + idempotencyWindow.toDays() + " days) has passed: check the payment "
                    + order.providerReference() + " in the Customer Area, then resolve by hand");
        }
        // Adyen keeps the key: the same request again applies nothing twice, and may prompt the notification
        return send(instruction, order, true);
    }

    /** Cancels an authorization the account must not keep (a card brand it does not serve); best effort, logged. */
    void releaseUnserved(String pspReference) {
        ObjectNode body = JSON.createObjectNode().put("merchantAccount", merchantAccount).put("reference", "unserved-" + pspReference);
        try {
            Response r = api.post("payments/" + pspReference + "/cancels", body, "unserved-" + pspReference);
            if (r.status() != 201 && r.status() != 200) {
                log.error("ALARM adyen {}: authorization {} of an unserved card brand not cancelled (HTTP {}): release it by hand", name,
                        pspReference, r.status());
            }
        } catch (IOException e) {
            log.error("ALARM adyen {}: authorization {} of an unserved card brand not cancelled ({}): release it by hand", name, pspReference,
                    e.getMessage());
        }
    }

    @Override
    public AuthorizationStatus lookup(String providerReference) {
        // the Checkout API has no read of a payment: what the notifications said is all Forecourt knows
        return new AuthorizationStatus(AuthorizationStatus.State.UNKNOWN, null, null, null);
    }

    @Override
    public String toString() {
        return "adyen acquirer " + name + " (" + api + ")";
    }
}
