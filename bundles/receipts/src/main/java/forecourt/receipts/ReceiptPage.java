package forecourt.receipts;

import java.io.IOException;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.money.Money;
import forecourt.api.payment.PaymentJson;

/** Renders a session's receipt from its RECEIPT_ISSUED fact. */
final class ReceiptPage {
    private static final ObjectMapper JSON = new ObjectMapper();

    private ReceiptPage() {
    }

    /** The receipt fact's body, if the session has one. A reference is at most 36 characters A-Z 0-9 -. */
    static Optional<JsonNode> receipt(Ledger ledger, String reference) {
        if (reference == null || !reference.matches("[A-Z0-9][A-Z0-9-]{0,35}")) {
            return Optional.empty();
        }
        return ledger.byNaturalKey(NaturalKeys.decision(reference, "receipt")).map(e -> {
            try {
                return JSON.readTree(e.fact().body());
            } catch (IOException notJson) {
                throw new IllegalStateException("receipt of " + reference + " is not JSON", notJson);
            }
        });
    }

    static String html(JsonNode r) {
        Money charged = PaymentJson.money(r.get("charged"));
        StringBuilder h = new StringBuilder(2048);
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
                .append("<title>Receipt ").append(esc(r.path("authorizationReference").asText())).append("</title></head><body>")
                .append("<h1>").append(esc(r.path("siteName").asText())).append("</h1>")
                .append("<p>Charging at ").append(esc(r.path("evse").asText())).append(", site ").append(esc(r.path("site").asText())).append("</p>")
                .append("<table>")
                .append(row("Energy", esc(r.path("deliveredWh").asText()) + " Wh"))
                .append(row("Tariff", esc(r.path("tariff").path("id").asText()) + " v" + r.path("tariff").path("version").asInt() + ", "
                        + esc(r.path("tariff").path("pricePerKwh").asText()) + " " + esc(charged.currency().getCurrencyCode()) + "/kWh"))
                .append(row("Charged", esc(charged.toString())))
                .append(row("Held on your card", esc(PaymentJson.money(r.get("held")).toString())))
                .append(row("Released (not charged)", esc(PaymentJson.money(r.get("released")).toString())))
                .append(row("Card", esc(r.path("card").asText())))
                .append(row("Receipt no.", esc(r.path("fiscal").path("receiptNumber").asText()) + " (" + esc(r.path("fiscal").path("receiptId").asText())
                        + ")"))
                .append(row("Reference", esc(r.path("authorizationReference").asText())))
                .append("</table>")
                .append("<h2>Signature</h2><p><code style=\"word-break:break-all\">").append(esc(r.path("fiscal").path("signature").asText()))
                .append("</code></p>")
                // the country's machine-readable receipt code (RKSV: the QR code's content), and a degraded receipt said plainly
                .append(r.path("fiscal").path("qrPayload").asText().isEmpty() ? ""
                        : "<h2>Fiscal code</h2><p><code style=\"word-break:break-all\">" + esc(r.path("fiscal").path("qrPayload").asText())
                                + "</code></p>")
                .append(r.path("fiscal").path("degraded").asBoolean()
                        ? "<p><strong>Issued while the fiscal signature device or service was unavailable; it is completed as the law requires.</strong></p>"
                        : "")
                .append("<h2>Meter (calibration law)</h2><p>Meter ").append(esc(r.path("meter").path("meterSerial").asText()))
                .append(": register ").append(esc(r.path("meter").path("beginWh").asText())).append(" Wh → ")
                .append(esc(r.path("meter").path("endWh").asText())).append(" Wh, signed readings verified by the gateway.</p>")
                .append("</body></html>");
        return h.toString();
    }

    private static String row(String label, String value) {
        return "<tr><th style=\"text-align:left\">" + label + "</th><td>" + value + "</td></tr>";
    }

    /** HTML text escaping for values from the ledger. */
    static String esc(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
