package forecourt.api.fiscal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.money.Money;
import forecourt.api.payment.PaymentJson;

/** The one JSON form of fiscal requests and receipts in the ledger. */
public final class FiscalJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private FiscalJson() {
    }

    public static String request(FiscalRequest r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("authorizationReference", r.authorizationReference());
        n.put("siteId", r.siteId());
        n.put("receiptNumber", r.receiptNumber());
        n.set("total", PaymentJson.money(r.total()));
        ObjectNode rates = n.putObject("grossByVatRate");
        new TreeMap<>(r.grossByVatRate()).forEach((k, v) -> rates.set(k, PaymentJson.money(v)));
        n.put("energyWh", r.energyWh());
        n.put("soldAt", r.soldAt().toString());
        return n.toString();
    }

    public static FiscalRequest request(byte[] json) {
        JsonNode n = parse(json);
        Map<String, Money> rates = new TreeMap<>();
        n.get("grossByVatRate").fields().forEachRemaining(e -> rates.put(e.getKey(), PaymentJson.money(e.getValue())));
        return new FiscalRequest(n.get("authorizationReference").asText(), n.get("siteId").asText(), n.get("receiptNumber").asLong(),
                PaymentJson.money(n.get("total")), rates, n.get("energyWh").asLong(), Instant.parse(n.get("soldAt").asText()));
    }

    /** The FISCAL_RECEIPT fact of a session (one per session: its natural key is the session's). */
    public static Fact receiptFact(FiscalRequest request, FiscalReceipt receipt) {
        ObjectNode n = JSON.createObjectNode();
        n.put("provider", receipt.provider());
        n.put("receiptId", receipt.receiptId());
        n.put("receiptNumber", request.receiptNumber());
        n.put("signature", receipt.signature());
        n.put("qrPayload", receipt.qrPayload());
        n.put("degraded", receipt.degraded());
        n.put("obligation", receipt.obligation());
        n.put("deadline", receipt.deadline() == null ? null : receipt.deadline().toString());
        return Fact.of(FactType.FISCAL_RECEIPT, NaturalKeys.fiscalReceipt(request.authorizationReference()), request.authorizationReference(),
                n.toString());
    }

    public static FiscalReceipt receipt(byte[] json) {
        JsonNode n = parse(json);
        return new FiscalReceipt(n.get("provider").asText(), n.get("receiptId").asText(), n.path("signature").asText(""),
                n.path("qrPayload").asText(""), n.path("degraded").asBoolean(), n.path("obligation").asText(""),
                n.hasNonNull("deadline") ? Instant.parse(n.get("deadline").asText()) : null);
    }

    private static JsonNode parse(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON", e);
        }
    }
}
