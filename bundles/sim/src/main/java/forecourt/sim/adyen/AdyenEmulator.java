package forecourt.sim.adyen;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Currency;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import forecourt.sim.http.Exchanges;
import forecourt.sim.http.Fault;
import forecourt.sim.http.FaultPlan;

/**
 * Adyen as far as Forecourt uses it, with Adyen's semantics: the cloud Terminal API
 * ({@code POST /sync}, a pre-authorisation PaymentRequest on a terminal), and the Checkout
 * API's modifications ({@code POST /v71/payments/{pspReference}/captures} and
 * {@code /cancels}) answered {@code 201 received}, the result following as an HMAC-signed
 * standard notification to the configured webhook URL. Idempotency: same key + same request
 * → the first answer; same key + another request → 422 (nothing applied); same key while
 * the first is running → 422 errorCode 704 with {@code Transient-Error: true}. A single
 * partial capture cancels the rest; never above the authorised amount; authorisations lapse.
 * Webhooks can be delayed, duplicated or lost (a lost one is sent again when the same
 * request is replayed, as Adyen's retry would). State is kept in an MVStore file.
 */
public final class AdyenEmulator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AdyenEmulator.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What happens to the next notification. */
    public enum WebhookFault {
        NONE, DELAY, DUPLICATE, LOSE
    }

    /** A card the terminal will see at its next payment; {@code refusal} non-null declines it. */
    public record Card(String brand, String maskedPan, String refusal) {
    }

    private final String apiKey;
    private final String merchantAccount;
    private final byte[] hmacKey;
    private final Clock clock;
    private final Duration authorizationValidity;
    private final MVStore store;
    private final MVMap<String, String> payments;
    private final MVMap<String, String> idempotency;
    private final MVMap<Long, String> captureLog;
    private final MVMap<String, Long> counters;
    /** Notifications not delivered, by the idempotency key of the request that caused them. */
    private final Map<String, String> lost = new ConcurrentHashMap<>();
    private final Set<String> keysInFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Deque<Card>> cards = new ConcurrentHashMap<>();
    private final FaultPlan faults = new FaultPlan();
    private final Deque<WebhookFault> webhookScript = new ArrayDeque<>();
    private Random webhookRandom = new Random(1);
    private double webhookFaultRate;
    private volatile long webhookDelayMillis = 500;
    private volatile String webhookUrl;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1).build();
    private final ScheduledExecutorService executor = Executors.newScheduledThreadPool(4, r -> {
        Thread t = new Thread(r, "adyen-emulator");
        t.setDaemon(true);
        return t;
    });

    public AdyenEmulator(Path stateFile, int port, String apiKey, String merchantAccount, String hmacKeyHex, Clock clock,
            Duration authorizationValidity) throws IOException {
        this.apiKey = apiKey;
        this.merchantAccount = merchantAccount;
        this.hmacKey = HexFormat.of().parseHex(hmacKeyHex);
        this.clock = clock;
        this.authorizationValidity = authorizationValidity;
        Files.createDirectories(stateFile.toAbsolutePath().getParent());
        this.store = new MVStore.Builder().fileName(stateFile.toString()).autoCommitDisabled().open();
        this.payments = store.openMap("payments");
        this.idempotency = store.openMap("idempotency");
        this.captureLog = store.openMap("captures");
        this.counters = store.openMap("counters");
        System.setProperty("sun.net.httpserver.nodelay", "true");
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "adyen-emulator-http");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** Checkout API base incl. version. */
    public String checkoutUrl() {
        return "http://127.0.0.1:" + port() + "/v71";
    }

    public String terminalApiUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** Where notifications go (the gateway's {@code /adyen/<instance>/notifications}). */
    public void webhookUrl(String url) {
        this.webhookUrl = url;
    }

    public FaultPlan faults() {
        return faults;
    }

    public synchronized void scriptWebhooks(WebhookFault... next) {
        for (WebhookFault f : next) {
            webhookScript.addLast(f);
        }
    }

    public synchronized void randomWebhookFaults(long seed, double rate) {
        webhookRandom = new Random(seed);
        webhookFaultRate = rate;
    }

    public void webhookDelayMillis(long millis) {
        webhookDelayMillis = millis;
    }

    public void presentCard(String poiId, Card card) {
        cards.computeIfAbsent(poiId, p -> new ArrayDeque<>()).addLast(card);
    }

    /** Every capture applied: {@code {"paymentPspReference","amount","released","idempotencyKey","reference"}}. */
    public synchronized List<JsonNode> captures() {
        List<JsonNode> out = new ArrayList<>();
        captureLog.values().forEach(v -> out.add(parse(v)));
        return out;
    }

    public synchronized JsonNode payment(String psp) {
        String json = payments.get(psp);
        return json == null ? null : parse(json);
    }

    /** Sends again every notification that was lost (Adyen's retry). */
    public void redeliverLost() {
        new ArrayList<>(lost.keySet()).forEach(k -> {
            String n = lost.remove(k);
            if (n != null) {
                deliver(k, n);
            }
        });
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        synchronized (this) {
            store.close();
        }
    }

    // ---------------------------------------------------------------- HTTP

    private record Answer(int status, String body) {
    }

    private static String error(int status, String code, String message, String type) {
        return JSON.createObjectNode().put("status", status).put("errorCode", code).put("message", message).put("errorType", type).toString();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] raw;
            try (InputStream in = exchange.getRequestBody()) {
                raw = in.readAllBytes();
            }
            if (path.startsWith("/_emulator/")) {
                admin(exchange, path, raw);
                return;
            }
            if (!apiKey.equals(exchange.getRequestHeaders().getFirst("X-API-Key"))) {
                Exchanges.send(exchange, 401, error(401, "000", "HTTP Status Response - Unauthorized", "security"), Map.of());
                return;
            }
            JsonNode body;
            try {
                body = JSON.readTree(raw);
            } catch (IOException e) {
                Exchanges.send(exchange, 400, error(400, "702", "Structure of request is incorrect", "validation"), Map.of());
                return;
            }
            if (path.equals("/sync")) {
                Answer a = terminalPayment(body);
                Exchanges.send(exchange, a.status, a.body, Map.of());
                return;
            }
            String[] p = path.split("/"); // "", v71, payments, psp, captures
            if (p.length != 5 || !p[1].matches("v\\d+") || !p[2].equals("payments") || !(p[4].equals("captures") || p[4].equals("cancels"))) {
                Exchanges.send(exchange, 404, error(404, "000", "Not found: " + path, "validation"), Map.of());
                return;
            }
            modification(exchange, p[3], p[4], body);
        } catch (IOException | RuntimeException e) {
            log.debug("adyen emulator: exchange ended: {}", e.toString());
        }
    }

    private void modification(HttpExchange exchange, String psp, String kind, JsonNode body) throws IOException {
        String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
        Fault fault = faults.next();
        switch (fault) {
            case RATE_LIMITED -> {
                Exchanges.send(exchange, 429, error(429, "000", "Too many requests", "throttling"), Map.of());
                return;
            }
            case UNAVAILABLE -> {
                Exchanges.send(exchange, 503, error(503, "000", "Service unavailable", "internal"), Map.of());
                return;
            }
            case SERVER_ERROR -> {
                Exchanges.send(exchange, 500, error(500, "905", "Payment details are not supported", "internal"), Map.of());
                return;
            }
            case DROP_BEFORE_APPLY -> {
                Exchanges.drop(exchange);
                return;
            }
            default -> {
            }
        }
        String fingerprint = kind + " " + psp + " " + canonical(body);
        if (key != null) {
            String saved;
            synchronized (this) {
                saved = idempotency.get(key);
            }
            if (saved != null) {
                JsonNode s = parse(saved);
                if (!s.get("fingerprint").asText().equals(fingerprint)) {
                    Exchanges.send(exchange, 422, error(422, "704", "Idempotency key was used for a different request", "validation"), Map.of());
                    return;
                }
                String pending = lost.remove(key);
                if (pending != null) {
                    deliver(key, pending); // the replay prompts the notification Adyen still owed
                }
                Exchanges.send(exchange, s.get("status").asInt(), s.get("body").asText(), Map.of("Idempotency-Key", key));
                return;
            }
            if (!keysInFlight.add(key)) {
                Exchanges.send(exchange, 422, error(422, "704", "request already processed or in progress", "validation"),
                        Map.of("Transient-Error", "true"));
                return;
            }
        }
        try {
            Answer a;
            String notification;
            synchronized (this) {
                if (!merchantAccount.equals(body.path("merchantAccount").asText())) {
                    a = new Answer(403, error(403, "901", "Invalid Merchant Account", "security"));
                    notification = null;
                } else {
                    String modification = next("psp");
                    ObjectNode answer = JSON.createObjectNode().put("merchantAccount", merchantAccount).put("paymentPspReference", psp)
                            .put("pspReference", modification).put("reference", body.path("reference").asText()).put("status", "received");
                    if (body.has("amount")) {
                        answer.set("amount", body.get("amount"));
                    }
                    a = new Answer(201, answer.toString());
                    notification = apply(psp, kind, body, modification, key, fault == Fault.DECLINE);
                }
                if (key != null && a.status == 201) {
                    idempotency.put(key, JSON.createObjectNode().put("fingerprint", fingerprint).put("status", a.status).put("body", a.body).toString());
                }
                store.commit();
            }
            if (notification != null) {
                notify(key == null ? next("nokey") : key, notification);
            }
            switch (fault) {
                case APPLY_THEN_DROP -> Exchanges.drop(exchange);
                case APPLY_THEN_STALL -> {
                    sleep(faults.stallMillis());
                    Exchanges.send(exchange, a.status, a.body, Map.of());
                }
                default -> Exchanges.send(exchange, a.status, a.body, key == null ? Map.of() : Map.of("Idempotency-Key", key));
            }
        } finally {
            if (key != null) {
                keysInFlight.remove(key);
            }
        }
    }

    /** Applies a capture or cancel; returns the notification item it causes. */
    private String apply(String psp, String kind, JsonNode body, String modification, String key, boolean decline) {
        ObjectNode payment = (ObjectNode) payment(psp);
        String eventCode = kind.equals("captures") ? "CAPTURE" : "CANCELLATION";
        long value = body.path("amount").path("value").asLong(0);
        String currency = body.path("amount").path("currency").asText(payment == null ? "EUR" : payment.get("currency").asText());
        String reason = "";
        boolean success = false;
        if (payment == null) {
            reason = "Original pspReference required for this operation";
        } else {
            expire(payment);
            String status = payment.get("status").asText();
            if (decline) {
                reason = "Modification refused by the acquirer";
            } else if (!status.equals("AUTHORISED")) {
                reason = "Payment is " + status;
            } else if (eventCode.equals("CAPTURE") && (value <= 0 || value > payment.get("amount").asLong())) {
                reason = "Requested amount " + value + " exceeds the authorised amount " + payment.get("amount").asLong();
            } else if (eventCode.equals("CAPTURE") && !currency.equals(payment.get("currency").asText())) {
                reason = "Currency mismatch";
            } else {
                success = true;
                long authorised = payment.get("amount").asLong();
                if (eventCode.equals("CAPTURE")) {
                    payment.put("status", "CAPTURED").put("captured", value);
                    captureLog.put(counter("capture"), JSON.createObjectNode().put("paymentPspReference", psp).put("amount", value)
                            .put("released", authorised - value).put("idempotencyKey", key).put("reference", body.path("reference").asText())
                            .toString());
                    log.info("adyen emulator: captured {} of {} on {} (rest cancelled)", value, authorised, psp);
                } else {
                    payment.put("status", "CANCELLED");
                    log.info("adyen emulator: cancelled {} ({} released)", psp, authorised);
                }
                payments.put(psp, payment.toString());
            }
        }
        ObjectNode item = JSON.createObjectNode();
        item.set("amount", JSON.createObjectNode().put("currency", currency).put("value", value));
        item.put("eventCode", eventCode).put("eventDate", clock.instant().toString()).put("merchantAccountCode", merchantAccount)
                .put("merchantReference", body.path("reference").asText()).put("originalReference", psp).put("pspReference", modification)
                .put("reason", reason).put("success", Boolean.toString(success));
        item.putObject("additionalData").put("hmacSignature", hmac(item));
        return item.toString();
    }

    private String hmac(JsonNode item) {
        String data = String.join(":", item.path("pspReference").asText(""), item.path("originalReference").asText(""),
                item.path("merchantAccountCode").asText(""), item.path("merchantReference").asText(""), item.path("amount").path("value").asText(""),
                item.path("amount").path("currency").asText(""), item.path("eventCode").asText(""), item.path("success").asText(""));
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(hmacKey, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private synchronized WebhookFault nextWebhookFault() {
        if (!webhookScript.isEmpty()) {
            return webhookScript.pollFirst();
        }
        if (webhookFaultRate > 0 && webhookRandom.nextDouble() < webhookFaultRate) {
            WebhookFault[] f = { WebhookFault.DELAY, WebhookFault.DUPLICATE, WebhookFault.LOSE };
            return f[webhookRandom.nextInt(f.length)];
        }
        return WebhookFault.NONE;
    }

    private void notify(String key, String item) {
        switch (nextWebhookFault()) {
            case LOSE -> lost.put(key, item);
            case DELAY -> executor.schedule(() -> deliver(key, item), webhookDelayMillis, TimeUnit.MILLISECONDS);
            case DUPLICATE -> {
                executor.execute(() -> deliver(key, item));
                executor.schedule(() -> deliver(key, item), 50, TimeUnit.MILLISECONDS);
            }
            default -> executor.execute(() -> deliver(key, item));
        }
    }

    /** Posts one notification; one not accepted is kept and sent again in a second (Adyen retries). */
    private void deliver(String key, String item) {
        String url = webhookUrl;
        if (url == null) {
            lost.put(key, item);
            return;
        }
        ObjectNode batch = JSON.createObjectNode().put("live", "false");
        batch.putArray("notificationItems").addObject().set("NotificationRequestItem", parse(item));
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(batch.toString())).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() == 200 && r.body().contains("[accepted]")) {
                return;
            }
            log.warn("adyen emulator: webhook for {} not accepted (HTTP {}): retrying", key, r.statusCode());
        } catch (IOException e) {
            log.debug("adyen emulator: webhook for {} not delivered: {}", key, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!executor.isShutdown()) {
            executor.schedule(() -> deliver(key, item), 1, TimeUnit.SECONDS);
        }
    }

    private Answer terminalPayment(JsonNode body) {
        JsonNode header = body.path("SaleToPOIRequest").path("MessageHeader");
        JsonNode request = body.path("SaleToPOIRequest").path("PaymentRequest");
        String poi = header.path("POIID").asText("");
        JsonNode amounts = request.path("PaymentTransaction").path("AmountsReq");
        if (poi.isEmpty() || !amounts.hasNonNull("RequestedAmount") || !amounts.hasNonNull("Currency")) {
            return new Answer(400, error(400, "702", "Missing POIID, RequestedAmount or Currency", "validation"));
        }
        String currency = amounts.get("Currency").asText();
        BigDecimal requested = amounts.get("RequestedAmount").decimalValue();
        long minor = requested.movePointRight(Currency.getInstance(currency).getDefaultFractionDigits()).longValueExact();
        boolean preAuth = request.path("SaleData").path("SaleToAcquirerData").asText("").contains("authorisationType=PreAuth");
        Deque<Card> queue = cards.get(poi);
        Card card = queue == null || queue.isEmpty() ? new Card("mc", "541333******0019", null) : queue.pollFirst();
        ObjectNode response = JSON.createObjectNode();
        ObjectNode sale = response.putObject("SaleToPOIResponse");
        ObjectNode h = sale.putObject("MessageHeader");
        header.fields().forEachRemaining(e -> h.set(e.getKey(), e.getValue()));
        h.put("MessageType", "Response");
        ObjectNode payment = sale.putObject("PaymentResponse");
        payment.set("SaleData", request.path("SaleData"));
        ObjectNode result = payment.putObject("Response");
        if (card.refusal() != null) {
            result.put("Result", "Failure").put("ErrorCondition", "Refusal").put("AdditionalResponse", "refusalReason=" + card.refusal());
            return new Answer(200, response.toString());
        }
        String psp;
        synchronized (this) {
            psp = next("psp");
            payments.put(psp, JSON.createObjectNode().put("pspReference", psp).put("amount", minor).put("currency", currency)
                    .put("status", "AUTHORISED").put("preAuth", preAuth).put("captured", 0)
                    .put("expiresAt", clock.instant().plus(authorizationValidity).toString()).toString());
            store.commit();
        }
        String tender = "TR" + psp.substring(psp.length() - 8);
        result.put("Result", "Success").put("AdditionalResponse", "pspReference=" + psp + "&authorisationType=" + (preAuth ? "PreAuth" : "FinalAuth")
                + "&cardType=" + card.brand());
        ObjectNode paymentResult = payment.putObject("PaymentResult");
        paymentResult.putObject("AmountsResp").put("AuthorizedAmount", requested).put("Currency", currency);
        paymentResult.putObject("PaymentInstrumentData").put("PaymentInstrumentType", "Card").putObject("CardData").put("MaskedPan", card.maskedPan())
                .put("PaymentBrand", card.brand());
        payment.putObject("POIData").putObject("POITransactionID").put("TransactionID", tender + "." + psp).put("TimeStamp", clock.instant().toString());
        log.info("adyen emulator: {} authorised {} {} on {} as {}", preAuth ? "pre-authorisation" : "payment", requested, currency, poi, psp);
        return new Answer(200, response.toString());
    }

    private void expire(ObjectNode payment) {
        if (payment.get("status").asText().equals("AUTHORISED") && clock.instant().isAfter(java.time.Instant.parse(payment.get("expiresAt").asText()))) {
            payment.put("status", "EXPIRED");
            payments.put(payment.get("pspReference").asText(), payment.toString());
        }
    }

    private void admin(HttpExchange exchange, String path, byte[] raw) throws IOException {
        JsonNode body = raw.length == 0 ? JSON.createObjectNode() : JSON.readTree(raw);
        switch (path) {
            case "/_emulator/captures" -> Exchanges.send(exchange, 200, JSON.valueToTree(captures()).toString(), Map.of());
            case "/_emulator/webhook" -> {
                webhookUrl(body.path("url").asText());
                Exchanges.send(exchange, 200, "{}", Map.of());
            }
            case "/_emulator/faults" -> {
                faults.configure(body);
                Exchanges.send(exchange, 200, "{}", Map.of());
            }
            case "/_emulator/cards" -> {
                presentCard(body.path("poi").asText(), new Card(body.path("brand").asText("mc"), body.path("maskedPan").asText("541333******0019"),
                        body.hasNonNull("refusal") ? body.get("refusal").asText() : null));
                Exchanges.send(exchange, 200, "{}", Map.of());
            }
            default -> Exchanges.send(exchange, 404, "{}", Map.of());
        }
    }

    private static String canonical(JsonNode body) {
        try {
            return JSON.writer().with(com.fasterxml.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                    .writeValueAsString(JSON.convertValue(body, java.util.TreeMap.class));
        } catch (IOException | IllegalArgumentException e) {
            return body.toString();
        }
    }

    private long counter(String name) {
        long n = counters.getOrDefault(name, 0L) + 1;
        counters.put(name, n);
        return n;
    }

    /** A 16-character pspReference, unique in this emulator. */
    private String next(String name) {
        return String.format("88%014d", counter(name));
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
