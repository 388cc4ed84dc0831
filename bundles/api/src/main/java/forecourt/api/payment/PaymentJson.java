package forecourt.api.payment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.id.EvseId;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.api.money.Money;
import forecourt.api.site.Tariff;

/**
 * The one JSON form of holds and settlement orders in the ledger, written by every
 * terminal path and read by the settlement engine. Money is {@code {"minor":1234,"currency":"EUR"}}.
 */
public final class PaymentJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PaymentJson() {
    }

    /** The HOLD_PLACED fact that opens a payment session (state AUTHORIZED). */
    public static Fact holdPlaced(Hold hold) {
        ObjectNode n = JSON.createObjectNode();
        n.put("authorizationReference", hold.authorizationReference());
        n.put("terminalId", hold.terminalId());
        n.put("evse", hold.evse().toString());
        ObjectNode t = n.putObject("tariff");
        t.put("id", hold.tariff().id());
        t.put("version", hold.tariff().version());
        t.put("pricePerKwh", hold.tariff().pricePerKwh().toPlainString());
        t.set("sessionFee", money(hold.tariff().sessionFee()));
        t.put("vatRate", hold.tariff().vatRate());
        n.set("amount", money(hold.amount()));
        n.put("acquirerLink", hold.acquirerLink());
        n.put("providerReference", hold.providerReference());
        n.put("cardBrand", hold.cardBrand());
        n.put("maskedPan", hold.maskedPan());
        n.put("placedAt", hold.placedAt().toString());
        n.put("expiresAt", hold.expiresAt().toString());
        if (!hold.providerData().isEmpty()) {
            ObjectNode data = n.putObject("providerData");
            new java.util.TreeMap<>(hold.providerData()).forEach(data::put);
        }
        return Fact.moving(FactType.HOLD_PLACED, NaturalKeys.hold(hold.authorizationReference()), hold.authorizationReference(),
                PaymentSessionState.AUTHORIZED, n.toString());
    }

    public static Hold hold(byte[] json) {
        JsonNode n = parse(json);
        return new Hold(n.get("authorizationReference").asText(), n.get("terminalId").asText(), EvseId.parse(n.get("evse").asText()),
                tariff(n.get("tariff")), money(n.get("amount")), n.get("acquirerLink").asText(),
                n.get("providerReference").asText(), n.path("cardBrand").asText(""), n.path("maskedPan").asText(""),
                Instant.parse(n.get("placedAt").asText()), Instant.parse(n.get("expiresAt").asText()), providerData(n.path("providerData")));
    }

    private static java.util.Map<String, String> providerData(JsonNode data) {
        java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
        data.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    private static Tariff tariff(JsonNode t) {
        // the price is an exact decimal, read from its text: never through a double
        return new Tariff(t.get("id").asText(), t.get("version").asInt(), new BigDecimal(t.get("pricePerKwh").asText()),
                money(t.get("sessionFee")), t.get("vatRate").asText());
    }

    public static String order(SettlementOrder order) {
        ObjectNode n = JSON.createObjectNode();
        n.put("operation", order.operation().name());
        n.put("authorizationReference", order.authorizationReference());
        n.put("providerReference", order.providerReference());
        n.set("authorized", money(order.authorized()));
        n.set("amount", money(order.amount()));
        return n.toString();
    }

    public static SettlementOrder order(byte[] json) {
        JsonNode n = parse(json);
        return new SettlementOrder(SettlementOrder.Operation.valueOf(n.get("operation").asText()), n.get("authorizationReference").asText(),
                n.get("providerReference").asText(), money(n.get("authorized")), money(n.get("amount")));
    }

    /** The CDR_RECEIVED fact, linked to its session by the authorization reference; {@code raw} is the CDR as received. */
    public static Fact cdrReceived(Cdr cdr, JsonNode raw) {
        ObjectNode n = JSON.createObjectNode();
        n.put("countryCode", cdr.countryCode());
        n.put("partyId", cdr.partyId());
        n.put("id", cdr.id());
        n.put("authorizationReference", cdr.authorizationReference());
        n.set("totalCost", money(cdr.totalCost()));
        n.put("totalEnergyWh", cdr.totalEnergyWh());
        n.set("raw", raw == null ? JSON.nullNode() : raw);
        return Fact.of(FactType.CDR_RECEIVED, NaturalKeys.cdr(cdr.countryCode(), cdr.partyId(), cdr.id()), cdr.authorizationReference(),
                n.toString());
    }

    public static Cdr cdr(byte[] json) {
        JsonNode n = parse(json);
        return new Cdr(n.get("countryCode").asText(), n.get("partyId").asText(), n.get("id").asText(), n.get("authorizationReference").asText(),
                money(n.get("totalCost")), n.get("totalEnergyWh").asLong());
    }

    public static ObjectNode money(Money m) {
        return JSON.createObjectNode().put("minor", m.minorUnits()).put("currency", m.currency().getCurrencyCode());
    }

    public static Money money(JsonNode n) {
        if (n == null || !n.path("minor").canConvertToLong() || !n.path("minor").isIntegralNumber()) {
            throw new IllegalArgumentException("money must be {\"minor\": <integer>, \"currency\": <ISO 4217>}, was " + n);
        }
        return Money.of(n.get("minor").longValue(), n.get("currency").asText());
    }

    private static JsonNode parse(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON", e);
        }
    }
}
