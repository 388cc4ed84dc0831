package forecourt.acquirer.adyen;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.Ledger;

/**
 * Adyen's standard notifications (webhooks) for one merchant account: each item's HMAC
 * signature is checked (HMAC-SHA256 under the hex key, over
 * {@code pspReference:originalReference:merchantAccountCode:merchantReference:value:currency:eventCode:success}),
 * and each genuine item becomes an {@code UPSTREAM_NOTIFICATION} fact keyed by the
 * modification's merchant reference (Forecourt's idempotency key) and event code, so a
 * duplicate is recorded once. The batch is accepted only when every item is genuine and
 * recorded: Adyen then stops sending it; otherwise Adyen sends it again later.
 */
final class AdyenNotifications {
    private static final Logger log = LoggerFactory.getLogger(AdyenNotifications.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What Adyen expects as the body of a 200 answer. */
    static final String ACCEPTED = "[accepted]";
    static final int MAX_BODY_BYTES = 1 << 20;

    private final String instance;
    private final String merchantAccount;
    private final byte[] hmacKey;
    private final Ledger ledger;
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();

    AdyenNotifications(String instance, String merchantAccount, String hmacKeyHex, Ledger ledger) {
        this.instance = instance;
        this.merchantAccount = merchantAccount;
        this.hmacKey = HexFormat.of().parseHex(hmacKeyHex.trim());
        this.ledger = ledger;
    }

    /** The natural key of the notification for modification {@code merchantReference}'s {@code eventCode}. */
    static String naturalKey(String instance, String merchantReference, String eventCode) {
        return "adyen:" + instance + ":" + merchantReference + ":" + eventCode;
    }

    static String signingString(JsonNode item) {
        JsonNode amount = item.path("amount");
        return String.join(":", item.path("pspReference").asText(""), item.path("originalReference").asText(""),
                item.path("merchantAccountCode").asText(""), item.path("merchantReference").asText(""), amount.path("value").asText(""),
                amount.path("currency").asText(""), item.path("eventCode").asText(""), item.path("success").asText(""));
    }

    static String sign(byte[] key, String signingString) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(signingString.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        }
    }

    /** @return whether the whole batch was genuine and recorded ({@value #ACCEPTED}), with the reason if not */
    String receive(byte[] body) {
        if (body.length > MAX_BODY_BYTES) {
            count("refused.oversized");
            log.error("adyen {}: notification of {} bytes refused (over {})", instance, body.length, MAX_BODY_BYTES);
            return "oversized";
        }
        JsonNode batch;
        try {
            batch = JSON.readTree(body);
        } catch (java.io.IOException e) {
            count("refused.malformed");
            log.error("adyen {}: malformed notification refused: {}", instance, e.getMessage());
            return "malformed JSON";
        }
        JsonNode items = batch.path("notificationItems");
        if (!items.isArray() || items.isEmpty()) {
            count("refused.malformed");
            log.error("adyen {}: notification without notificationItems refused", instance);
            return "no notificationItems";
        }
        String problem = null;
        for (JsonNode wrapper : items) {
            JsonNode item = wrapper.path("NotificationRequestItem");
            String why = check(item);
            if (why != null) {
                problem = why;
                continue;
            }
            ObjectNode fact = JSON.createObjectNode();
            for (String field : new String[] { "eventCode", "success", "pspReference", "originalReference", "merchantReference", "reason" }) {
                fact.put(field, item.path(field).asText(""));
            }
            fact.set("amount", item.path("amount"));
            fact.put("instance", instance);
            String key = naturalKey(instance, item.path("merchantReference").asText(), item.path("eventCode").asText());
            try {
                boolean duplicate = Ledger.await(ledger.append(Fact.of(FactType.UPSTREAM_NOTIFICATION, key, null, fact.toString()))).duplicate();
                count(duplicate ? "duplicate" : "recorded");
                log.info("adyen {}: {} {} for {} ({}){}", instance, item.path("eventCode").asText(),
                        item.path("success").asBoolean() ? "succeeded" : "FAILED", item.path("merchantReference").asText(),
                        item.path("pspReference").asText(), duplicate ? " — duplicate, already recorded" : "");
            } catch (RuntimeException e) {
                count("refused.ledger");
                log.error("adyen {}: notification {} not recorded: {}", instance, key, e.getMessage());
                problem = "not recorded";
            }
        }
        return problem == null ? ACCEPTED : problem;
    }

    private String check(JsonNode item) {
        if (!item.isObject() || item.path("merchantReference").asText("").isEmpty() || item.path("eventCode").asText("").isEmpty()) {
            count("refused.malformed");
            log.error("adyen {}: notification item without merchantReference/eventCode refused", instance);
            return "malformed item";
        }
        if (!merchantAccount.equals(item.path("merchantAccountCode").asText())) {
            count("refused.merchant");
            log.error("adyen {}: notification for merchant account '{}' refused (this instance is {})", instance,
                    item.path("merchantAccountCode").asText(), merchantAccount);
            return "other merchant account";
        }
        String given = item.path("additionalData").path("hmacSignature").asText("");
        String expected = sign(hmacKey, signingString(item));
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.US_ASCII), expected.getBytes(StandardCharsets.US_ASCII))) {
            count("refused.signature");
            log.error("adyen {}: notification for {} with a wrong HMAC signature refused (forged, or the HMAC key differs)", instance,
                    item.path("merchantReference").asText());
            return "bad signature";
        }
        return null;
    }

    private void count(String what) {
        counters.computeIfAbsent(what, k -> new LongAdder()).increment();
    }

    long counter(String what) {
        LongAdder a = counters.get(what);
        return a == null ? 0 : a.sum();
    }
}
