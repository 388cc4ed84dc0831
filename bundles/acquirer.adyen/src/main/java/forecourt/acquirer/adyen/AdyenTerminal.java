package forecourt.acquirer.adyen;

import java.io.IOException;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
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
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.acquirer.adyen.AdyenApi.Response;
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
 * A payment terminal reached through Adyen's cloud Terminal API: a synchronous
 * {@code PaymentRequest} flagged as a pre-authorisation in {@code SaleToAcquirerData}
 * ({@code authorisationType=PreAuth}). The answer's pspReference is the hold's provider
 * reference; amounts in the Terminal API are decimals and are read exactly. The hold is
 * recorded in the ledger before anyone hears of it; its expiry comes from configuration
 * (the Terminal API does not say).
 */
final class AdyenTerminal implements PaymentTerminal {
    private static final Logger log = LoggerFactory.getLogger(AdyenTerminal.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String terminalId;
    private final String poiId;
    private final String acquirerLink;
    private final AdyenApi terminalApi;
    private final Ledger ledger;
    private final SiteModel site;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Duration cardTimeout;
    private final Executor executor;
    /** Card brands this merchant account serves (Adyen's names: visa, mc, amex...); empty: all. */
    private volatile java.util.Set<String> cardBrands = java.util.Set.of();
    /** Releases an authorization this account must not keep (a brand it does not serve). */
    private volatile java.util.function.Consumer<String> release = psp -> {
    };

    AdyenTerminal(String terminalId, String poiId, String acquirerLink, AdyenApi terminalApi, Ledger ledger, SiteModel site, Clock clock,
            Duration cardTimeout, Executor executor) {
        this.terminalId = terminalId;
        this.poiId = poiId;
        this.acquirerLink = acquirerLink;
        this.terminalApi = terminalApi;
        this.ledger = ledger;
        this.site = site;
        this.clock = clock;
        this.cardTimeout = cardTimeout;
        this.executor = executor;
    }

    void cardBrands(java.util.Set<String> brands, java.util.function.Consumer<String> release) {
        this.cardBrands = java.util.Set.copyOf(brands);
        this.release = release;
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
            return CompletableFuture.failedFuture(e);
        }
        AuthorizationReference reference = AuthorizationReference.generate(site.site().id(), clock, random);
        return CompletableFuture.supplyAsync(() -> authorize(terms.terminal(), evseId, terms.tariff(), reference), executor)
                .thenCompose(hold -> ledger.append(PaymentJson.holdPlaced(hold)).thenApply(appended -> {
                    log.info("hold {} placed at Adyen terminal {} ({}) for EVSE {}: {} ({} {}), psp {}", hold.authorizationReference(), terminalId,
                            poiId, evseId, hold.amount(), hold.cardBrand(), hold.maskedPan(), hold.providerReference());
                    return hold;
                }));
    }

    static BigDecimal decimal(Money m) {
        return BigDecimal.valueOf(m.minorUnits(), m.currency().getDefaultFractionDigits());
    }

    private Hold authorize(Terminal terminal, EvseId evse, Tariff tariff, AuthorizationReference reference) {
        Money amount = terminal.holdAmount();
        Instant now = clock.instant();
        ObjectNode request = JSON.createObjectNode();
        ObjectNode sale = request.putObject("SaleToPOIRequest");
        sale.putObject("MessageHeader").put("ProtocolVersion", "3.0").put("MessageClass", "Service").put("MessageCategory", "Payment")
                .put("MessageType", "Request").put("SaleID", site.site().id().value()).put("ServiceID", serviceId(reference))
                .put("POIID", poiId);
        ObjectNode payment = sale.putObject("PaymentRequest");
        ObjectNode saleData = payment.putObject("SaleData");
        saleData.putObject("SaleTransactionID").put("TransactionID", reference.value()).put("TimeStamp", now.toString());
        saleData.put("SaleToAcquirerData", "authorisationType=PreAuth");
        payment.putObject("PaymentTransaction").putObject("AmountsReq").put("Currency", amount.currency().getCurrencyCode())
                .put("RequestedAmount", decimal(amount));
        Response r;
        try {
            r = terminalApi.post("sync", request, null, cardTimeout);
        } catch (IOException e) {
            throw new HoldDeclinedException("Adyen terminal " + poiId + " unreachable: " + e.getMessage());
        }
        if (r.status() != 200) {
            throw new HoldDeclinedException("Adyen Terminal API answered HTTP " + r.status() + " " + r.message());
        }
        JsonNode response = r.body().path("SaleToPOIResponse").path("PaymentResponse");
        JsonNode result = response.path("Response");
        Map<String, String> additional = form(result.path("AdditionalResponse").asText(""));
        if (!result.path("Result").asText().equals("Success")) {
            throw new HoldDeclinedException("card not accepted at " + terminalId + ": " + result.path("ErrorCondition").asText("?") + " "
                    + additional.getOrDefault("refusalReason", ""));
        }
        String psp = additional.get("pspReference");
        if (psp == null) {
            String tx = response.path("POIData").path("POITransactionID").path("TransactionID").asText("");
            psp = tx.contains(".") ? tx.substring(tx.indexOf('.') + 1) : tx;
        }
        JsonNode amounts = response.path("PaymentResult").path("AmountsResp");
        Money authorized = amount;
        if (amounts.hasNonNull("AuthorizedAmount")) {
            BigDecimal value = amounts.get("AuthorizedAmount").decimalValue();
            String currency = amounts.path("Currency").asText(amount.currency().getCurrencyCode());
            // exact: a fraction finer than the currency's minor unit is refused, never rounded
            authorized = Money.of(value.movePointRight(java.util.Currency.getInstance(currency).getDefaultFractionDigits()).longValueExact(),
                    currency);
        }
        JsonNode card = response.path("PaymentResult").path("PaymentInstrumentData").path("CardData");
        String brand = card.path("PaymentBrand").asText("");
        if (!cardBrands.isEmpty() && !cardBrands.contains(brand.toLowerCase())) {
            release.accept(psp); // never keep an authorization this account does not serve
            throw new HoldDeclinedException("card brand '" + brand + "' is not accepted at terminal " + terminalId);
        }
        String masked = card.path("MaskedPan").asText("");
        Map<String, String> data = new LinkedHashMap<>();
        data.put("adyen.poiId", poiId);
        String tx = response.path("POIData").path("POITransactionID").path("TransactionID").asText("");
        data.put("adyen.tenderReference", tx.contains(".") ? tx.substring(0, tx.indexOf('.')) : tx); // the rest is the pspReference
        return new Hold(reference.value(), terminalId, evse, tariff, authorized, acquirerLink, psp, card.path("PaymentBrand").asText(""),
                Hold.requireMasked(masked), now, now.plus(terminal.holdValidity()), data);
    }

    /** ServiceID: at most 10 characters, unique per POI within a day. */
    private static String serviceId(AuthorizationReference reference) {
        String v = reference.value();
        return v.substring(Math.max(0, v.length() - 10));
    }

    static Map<String, String> form(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text.isEmpty()) {
            return out;
        }
        for (String pair : text.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8), URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "Adyen terminal " + terminalId + " (POI " + poiId + ")";
    }
}
