package forecourt.acquirer.stripe;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import forecourt.acquirer.stripe.StripeApi.Response;
import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.EvseId;
import forecourt.api.ledger.Ledger;
import forecourt.api.money.Money;
import forecourt.api.payment.Hold;
import forecourt.api.payment.HoldDeclinedException;
import forecourt.api.payment.HoldTerms;
import forecourt.api.payment.PaymentJson;
import forecourt.api.payment.PaymentTerminal;
import forecourt.api.site.SiteModel;
import forecourt.api.site.Tariff;
import forecourt.api.site.Terminal;

/**
 * A Stripe Terminal reader driven server-side: a PaymentIntent with
 * {@code capture_method=manual} and {@code card_present}, handed to the reader with
 * {@code process_payment_intent}, then read until the card is authorized
 * ({@code requires_capture}). The hold is recorded in the ledger before anyone hears of it;
 * its expiry is Stripe's {@code capture_before} where Stripe says, else the terminal's
 * configured validity.
 */
final class StripeTerminal implements PaymentTerminal {
    private static final Logger log = LoggerFactory.getLogger(StripeTerminal.class);

    private final String terminalId;
    private final String readerId;
    private final String acquirerLink;
    private final StripeApi api;
    private final Ledger ledger;
    private final SiteModel site;
    private final Clock clock;
    private final SecureRandom random;
    private final Duration cardTimeout;
    private final Duration pollInterval;
    private final Executor executor;
    /** Card brands this account serves ({@code visa}, {@code mastercard}...); empty: all. */
    private volatile java.util.Set<String> cardBrands = java.util.Set.of();

    StripeTerminal(String terminalId, String readerId, String acquirerLink, StripeApi api, Ledger ledger, SiteModel site, Clock clock,
            SecureRandom random, Duration cardTimeout, Duration pollInterval, Executor executor) {
        this.terminalId = terminalId;
        this.readerId = readerId;
        this.acquirerLink = acquirerLink;
        this.api = api;
        this.ledger = ledger;
        this.site = site;
        this.clock = clock;
        this.random = random;
        this.cardTimeout = cardTimeout;
        this.pollInterval = pollInterval;
        this.executor = executor;
    }

    /** Only these card brands are accepted; a card of another brand is released at once and declined. */
    void cardBrands(java.util.Set<String> brands) {
        this.cardBrands = java.util.Set.copyOf(brands);
    }

    @Override
    public String terminalId() {
        return terminalId;
    }

    @Override
    public CompletionStage<Hold> placeHold(EvseId evseId) {
        HoldTerms terms;
        try {
            terms = HoldTerms.of(site, terminalId, evseId);
        } catch (HoldDeclinedException e) {
            return CompletableFuture.failedFuture(e); // the contract: a declined hold is a failed stage, never a throw
        }
        AuthorizationReference reference = AuthorizationReference.generate(site.site().id(), clock, random);
        return CompletableFuture.supplyAsync(() -> authorize(terms.terminal(), evseId, terms.tariff(), reference), executor)
                .thenCompose(hold -> ledger.append(PaymentJson.holdPlaced(hold)).thenApply(appended -> {
                    log.info("hold {} placed at {} for EVSE {}: {} ({} {}), expires {}", hold.authorizationReference(), terminalId, evseId,
                            hold.amount(), hold.cardBrand(), hold.maskedPan(), hold.expiresAt());
                    return hold;
                }));
    }

    private Hold authorize(Terminal terminal, EvseId evse, Tariff tariff, AuthorizationReference reference) {
        Money amount = terminal.holdAmount();
        try {
            Map<String, String> create = new LinkedHashMap<>();
            create.put("amount", Long.toString(amount.minorUnits()));
            create.put("currency", amount.currency().getCurrencyCode().toLowerCase());
            create.put("capture_method", "manual");
            create.put("payment_method_types[]", "card_present");
            create.put("metadata[authorization_reference]", reference.value());
            create.put("metadata[evse]", evse.toString());
            Response created = api.post("v1/payment_intents", create, "hold-" + reference.value());
            if (created.status() != 200) {
                throw new HoldDeclinedException("Stripe refused the PaymentIntent: HTTP " + created.status() + " " + created.errorMessage());
            }
            String intent = created.body().path("id").asText();
            Response process = api.post("v1/terminal/readers/" + readerId + "/process_payment_intent", Map.of("payment_intent", intent),
                    "process-" + reference.value());
            if (process.status() != 200) {
                throw new HoldDeclinedException("reader " + readerId + " refused: HTTP " + process.status() + " " + process.errorMessage());
            }
            Instant giveUp = Instant.now().plus(cardTimeout);
            while (true) {
                Response read = api.get("v1/payment_intents/" + intent + "?expand[]=latest_charge");
                JsonNode pi = read.body();
                String status = pi.path("status").asText();
                if (status.equals("requires_capture")) {
                    String brand = pi.path("latest_charge").path("payment_method_details").path("card_present").path("brand").asText("");
                    if (!cardBrands.isEmpty() && !cardBrands.contains(brand.toLowerCase())) {
                        // this account does not serve the brand: release the authorization at once, never keep it
                        api.post("v1/payment_intents/" + intent + "/cancel", Map.of("cancellation_reason", "abandoned"), "hold-brand-" + reference.value());
                        throw new HoldDeclinedException("card brand '" + brand + "' is not accepted at terminal " + terminalId);
                    }
                    return hold(terminal, evse, tariff, reference, intent, pi);
                }
                if (pi.hasNonNull("last_payment_error") || status.equals("canceled")) {
                    throw new HoldDeclinedException("card declined: " + pi.path("last_payment_error").path("decline_code").asText(status));
                }
                if (Instant.now().isAfter(giveUp)) {
                    api.post("v1/terminal/readers/" + readerId + "/cancel_action", Map.of(), null);
                    api.post("v1/payment_intents/" + intent + "/cancel", Map.of("cancellation_reason", "abandoned"), "hold-abandon-" + reference.value());
                    throw new HoldDeclinedException("no card presented within " + cardTimeout.toSeconds() + " s");
                }
                Thread.sleep(pollInterval.toMillis());
            }
        } catch (IOException e) {
            throw new HoldDeclinedException("Stripe unreachable while taking the hold: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HoldDeclinedException("interrupted while waiting for the card");
        }
    }

    private Hold hold(Terminal terminal, EvseId evse, Tariff tariff, AuthorizationReference reference, String intent, JsonNode pi) {
        JsonNode card = pi.path("latest_charge").path("payment_method_details").path("card_present");
        Instant placedAt = clock.instant();
        long captureBefore = card.path("capture_before").asLong(0);
        Instant expiresAt = captureBefore > 0 ? Instant.ofEpochSecond(captureBefore) : placedAt.plus(terminal.holdValidity());
        String last4 = card.path("last4").asText("");
        Money authorized = Money.of(pi.path("amount_capturable").asLong(), pi.path("currency").asText().toUpperCase());
        return new Hold(reference.value(), terminalId, evse, tariff, authorized, acquirerLink, intent,
                card.path("brand").asText(""), last4.isEmpty() ? "" : "************" + last4, placedAt, expiresAt);
    }

    @Override
    public String toString() {
        return "Stripe Terminal " + terminalId + " (reader " + readerId + ")";
    }
}
