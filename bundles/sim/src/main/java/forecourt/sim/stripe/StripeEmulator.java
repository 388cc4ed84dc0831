package forecourt.sim.stripe;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

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
 * Stripe's PaymentIntents API for card-present manual capture, and Stripe Terminal's
 * server-driven reader, as far as Forecourt uses them — with Stripe's semantics: form
 * bodies, {@code Idempotency-Key} (the first answer saved once execution begins, 500s
 * included, replayed with {@code Idempotent-Replayed: true}; same key with other
 * parameters → {@code idempotency_error}; same key while the first is still running →
 * 409), a PaymentIntent captured at most once and never above what is capturable, the
 * remainder released by the capture, authorizations lapsing at {@code capture_before}.
 * State is kept in an MVStore file, so it survives the gateway and this process.
 */
public final class StripeEmulator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(StripeEmulator.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A card the reader will see at its next payment. */
    public record Card(String brand, String last4, String declineCode) {
        public static Card approved(String brand, String last4) {
            return new Card(brand, last4, null);
        }
    }

    private final String apiKey;
    private final Clock clock;
    private final Duration authorizationValidity;
    private final MVStore store;
    private final MVMap<String, String> intents;
    private final MVMap<String, String> readers;
    private final MVMap<String, String> idempotency;
    private final MVMap<Long, String> captureLog;
    private final MVMap<String, Long> counters;
    private final Set<String> keysInFlight = ConcurrentHashMap.newKeySet();
    private final Map<String, Deque<Card>> cards = new ConcurrentHashMap<>();
    private final FaultPlan faults = new FaultPlan();
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "stripe-emulator");
        t.setDaemon(true);
        return t;
    });

    public StripeEmulator(Path stateFile, int port, String apiKey, Clock clock, Duration authorizationValidity) throws IOException {
        this.apiKey = apiKey;
        this.clock = clock;
        this.authorizationValidity = authorizationValidity;
        Files.createDirectories(stateFile.toAbsolutePath().getParent());
        this.store = new MVStore.Builder().fileName(stateFile.toString()).autoCommitDisabled().open();
        this.intents = store.openMap("intents");
        this.readers = store.openMap("readers");
        this.idempotency = store.openMap("idempotency");
        this.captureLog = store.openMap("captures");
        this.counters = store.openMap("counters");
        // without TCP_NODELAY the JDK server's split header/body writes meet delayed ACKs: ~40 ms per answer
        System.setProperty("sun.net.httpserver.nodelay", "true");
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.setExecutor(executor);
        server.createContext("/v1/", this::handle);
        server.createContext("/_emulator/", this::admin);
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port();
    }

    /** Faults the next money requests (POSTs) meet. */
    public FaultPlan faults() {
        return faults;
    }

    /** Queues the card the reader will read at its next payment (default: an approved Visa). */
    public void presentCard(String readerId, Card card) {
        cards.computeIfAbsent(readerId, r -> new ArrayDeque<>()).addLast(card);
    }

    /** Every capture applied, in order: {@code {"payment_intent":..., "amount":..., "idempotency_key":...}}. */
    public synchronized List<JsonNode> captures() {
        List<JsonNode> out = new ArrayList<>();
        captureLog.values().forEach(v -> out.add(parse(v)));
        return out;
    }

    public synchronized JsonNode intent(String id) {
        String json = intents.get(id);
        return json == null ? null : expire(parse(json));
    }

    public synchronized List<String> intentIds() {
        return new ArrayList<>(intents.keySet());
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

    /**
     * For tests and the demo in other processes: {@code GET /_emulator/captures},
     * {@code GET /_emulator/intents}, {@code POST /_emulator/faults} with
     * {@code {"script":["APPLY_THEN_DROP",...]}} or {@code {"seed":1,"rate":0.3}} or
     * {@code {"clear":true}}, {@code POST /_emulator/cards} with {@code {"reader":..,"brand":..,"last4":..,"decline":..}}.
     */
    private void admin(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            JsonNode body;
            try (InputStream in = exchange.getRequestBody()) {
                byte[] bytes = in.readAllBytes();
                body = bytes.length == 0 ? JSON.createObjectNode() : JSON.readTree(bytes);
            }
            switch (path) {
                case "/_emulator/captures" -> Exchanges.send(exchange, 200, JSON.valueToTree(captures()).toString(), Map.of());
                case "/_emulator/intents" -> {
                    ObjectNode all = JSON.createObjectNode();
                    intentIds().forEach(id -> all.set(id, intent(id)));
                    Exchanges.send(exchange, 200, all.toString(), Map.of());
                }
                case "/_emulator/faults" -> {
                    faults.configure(body);
                    Exchanges.send(exchange, 200, "{}", Map.of());
                }
                case "/_emulator/cards" -> {
                    presentCard(body.path("reader").asText(), new Card(body.path("brand").asText("visa"), body.path("last4").asText("4242"),
                            body.hasNonNull("decline") ? body.get("decline").asText() : null));
                    Exchanges.send(exchange, 200, "{}", Map.of());
                }
                default -> Exchanges.send(exchange, 404, "{}", Map.of());
            }
        } catch (RuntimeException e) {
            log.warn("stripe emulator admin: {}", e.toString());
        }
    }

    private record Answer(int status, String body) {
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.equals("Bearer " + apiKey)) {
                Exchanges.send(exchange, 401, error("invalid_request_error", null, "Invalid API Key provided"), Map.of());
                return;
            }
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            String body;
            try (InputStream in = exchange.getRequestBody()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (method.equals("GET")) {
                Answer a = get(path, Exchanges.query(exchange.getRequestURI().getRawQuery()));
                Exchanges.send(exchange, a.status, a.body, Map.of());
                return;
            }
            Map<String, String> params = Exchanges.form(body);
            String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
            Fault fault = path.contains("/payment_intents/") ? faults.next() : Fault.NONE;
            switch (fault) {
                case RATE_LIMITED -> {
                    Exchanges.send(exchange, 429, error("invalid_request_error", "rate_limit", "Too many requests"), Map.of());
                    return;
                }
                case UNAVAILABLE -> {
                    Exchanges.send(exchange, 503, error("api_error", null, "Service unavailable"), Map.of());
                    return;
                }
                case DROP_BEFORE_APPLY -> {
                    Exchanges.drop(exchange);
                    return;
                }
                default -> {
                }
            }
            String fingerprint = method + " " + path + " " + params;
            if (key != null) {
                String saved;
                synchronized (this) {
                    saved = idempotency.get(key);
                }
                if (saved != null) {
                    JsonNode s = parse(saved);
                    if (!s.get("fingerprint").asText().equals(fingerprint)) {
                        Exchanges.send(exchange, 400, error("idempotency_error", null, "Keys for idempotent requests can only be used "
                                + "with the same parameters they were first used with. Try using a key other than '" + key + "'"), Map.of());
                        return;
                    }
                    Exchanges.send(exchange, s.get("status").asInt(), s.get("body").asText(), Map.of("Idempotent-Replayed", "true"));
                    return;
                }
                if (!keysInFlight.add(key)) {
                    Exchanges.send(exchange, 409, error("idempotency_error", "idempotency_key_in_use", "There is currently another in-progress "
                            + "request using this Idempotent Key (that probably means you submitted twice, and the other request is still "
                            + "going through)"), Map.of());
                    return;
                }
            }
            try {
                Answer a;
                synchronized (this) {
                    a = fault == Fault.SERVER_ERROR ? new Answer(500, error("api_error", null, "An unknown error occurred"))
                            : post(path, params, key, fault == Fault.DECLINE);
                    if (key != null && a.status != 404 && a.status != 401) {
                        // execution began: the answer is the key's answer from now on
                        idempotency.put(key, JSON.createObjectNode().put("fingerprint", fingerprint).put("status", a.status)
                                .put("body", a.body).toString());
                    }
                    store.commit();
                }
                switch (fault) {
                    case APPLY_THEN_DROP -> Exchanges.drop(exchange);
                    case APPLY_THEN_STALL -> {
                        sleep(faults.stallMillis());
                        Exchanges.send(exchange, a.status, a.body, Map.of());
                    }
                    default -> Exchanges.send(exchange, a.status, a.body, Map.of());
                }
            } finally {
                if (key != null) {
                    keysInFlight.remove(key);
                }
            }
        } catch (IOException | RuntimeException e) {
            log.debug("stripe emulator: exchange ended: {}", e.toString());
        }
    }

    private Answer get(String path, Map<String, String> query) {
        String[] p = path.split("/");
        synchronized (this) {
            if (p.length == 4 && p[2].equals("payment_intents")) {
                JsonNode pi = intent(p[3]);
                if (pi == null) {
                    return missing("payment_intent", p[3]);
                }
                return new Answer(200, render((ObjectNode) pi, query.containsKey("expand[]") || query.containsKey("expand[0]")));
            }
            if (p.length == 5 && p[2].equals("terminal") && p[3].equals("readers")) {
                return new Answer(200, reader(p[4]).toString());
            }
        }
        return new Answer(404, error("invalid_request_error", "resource_missing", "Unrecognized request URL (GET: " + path + ")"));
    }

    private Answer post(String path, Map<String, String> params, String key, boolean decline) {
        String[] p = path.split("/");
        if (p.length == 3 && p[2].equals("payment_intents")) {
            return create(params);
        }
        if (p.length == 5 && p[2].equals("payment_intents") && p[4].equals("capture")) {
            return capture(p[3], params, key, decline);
        }
        if (p.length == 5 && p[2].equals("payment_intents") && p[4].equals("cancel")) {
            return cancel(p[3], params);
        }
        if (p.length == 6 && p[2].equals("terminal") && p[3].equals("readers") && p[5].equals("process_payment_intent")) {
            return process(p[4], params.get("payment_intent"));
        }
        if (p.length == 6 && p[2].equals("terminal") && p[3].equals("readers") && p[5].equals("cancel_action")) {
            ObjectNode reader = reader(p[4]);
            reader.putNull("action");
            readers.put(p[4], reader.toString());
            return new Answer(200, reader.toString());
        }
        return new Answer(404, error("invalid_request_error", "resource_missing", "Unrecognized request URL (POST: " + path + ")"));
    }

    private Answer create(Map<String, String> params) {
        long amount;
        try {
            amount = Long.parseLong(params.getOrDefault("amount", ""));
        } catch (NumberFormatException e) {
            return new Answer(400, error("invalid_request_error", "parameter_invalid_integer", "Invalid integer: " + params.get("amount")));
        }
        if (amount < 1 || !params.containsKey("currency")) {
            return new Answer(400, error("invalid_request_error", "parameter_missing", "amount and currency are required"));
        }
        ObjectNode pi = JSON.createObjectNode();
        String id = "pi_" + next("pi");
        pi.put("id", id).put("object", "payment_intent").put("amount", amount).put("amount_capturable", 0).put("amount_received", 0)
                .put("currency", params.get("currency").toLowerCase()).put("capture_method", params.getOrDefault("capture_method", "automatic"))
                .put("status", "requires_payment_method").put("created", clock.instant().getEpochSecond()).putNull("latest_charge")
                .putNull("last_payment_error").putNull("canceled_at").putNull("cancellation_reason");
        pi.putArray("payment_method_types").add(params.getOrDefault("payment_method_types[]", params.getOrDefault("payment_method_types[0]", "card")));
        ObjectNode metadata = pi.putObject("metadata");
        params.forEach((k, v) -> {
            if (k.startsWith("metadata[") && k.endsWith("]")) {
                metadata.put(k.substring(9, k.length() - 1), v);
            }
        });
        intents.put(id, pi.toString());
        return new Answer(200, render(pi, false));
    }

    /** The reader reads the next presented card at once and authorizes (or declines) the PaymentIntent. */
    private Answer process(String readerId, String intentId) {
        ObjectNode pi = (ObjectNode) intent(intentId == null ? "" : intentId);
        if (pi == null) {
            return missing("payment_intent", intentId);
        }
        if (!pi.get("status").asText().equals("requires_payment_method")) {
            return new Answer(400, error("invalid_request_error", "payment_intent_unexpected_state",
                    "This PaymentIntent's status is " + pi.get("status").asText()));
        }
        Deque<Card> queue = cards.get(readerId);
        Card card = queue == null || queue.isEmpty() ? Card.approved("visa", "4242") : queue.pollFirst();
        ObjectNode reader = reader(readerId);
        ObjectNode action = reader.putObject("action");
        action.put("type", "process_payment_intent");
        action.putObject("process_payment_intent").put("payment_intent", intentId);
        if (card.declineCode() != null) {
            pi.putObject("last_payment_error").put("type", "card_error").put("code", "card_declined").put("decline_code", card.declineCode())
                    .put("message", "Your card was declined.");
            action.put("status", "failed").put("failure_code", "card_declined").put("failure_message", "Your card was declined.");
        } else {
            String chargeId = "ch_" + next("ch");
            long captureBefore = clock.instant().plus(authorizationValidity).getEpochSecond();
            ObjectNode charge = JSON.createObjectNode();
            charge.put("id", chargeId).put("object", "charge").put("amount", pi.get("amount").asLong()).put("amount_captured", 0)
                    .put("captured", false).put("payment_intent", intentId);
            ObjectNode details = charge.putObject("payment_method_details");
            details.put("type", "card_present");
            details.putObject("card_present").put("brand", card.brand()).put("last4", card.last4()).put("capture_before", captureBefore)
                    .put("read_method", "contactless_emv");
            pi.set("charge_object", charge);
            pi.put("latest_charge", chargeId).put("status", "requires_capture").put("amount_capturable", pi.get("amount").asLong());
            action.put("status", "succeeded");
        }
        intents.put(intentId, pi.toString());
        readers.put(readerId, reader.toString());
        return new Answer(200, reader.toString());
    }

    private Answer capture(String id, Map<String, String> params, String key, boolean decline) {
        ObjectNode pi = (ObjectNode) intent(id);
        if (pi == null) {
            return missing("payment_intent", id);
        }
        if (decline) {
            return new Answer(402, error("card_error", "card_declined", "Your card was declined."));
        }
        String status = pi.get("status").asText();
        if (status.equals("canceled") && "automatic".equals(pi.path("cancellation_reason").asText())) {
            return new Answer(400, error("invalid_request_error", "charge_expired_for_capture",
                    "The charge has expired and can no longer be captured."));
        }
        if (!status.equals("requires_capture")) {
            return new Answer(400, stateError(pi, "capture"));
        }
        long capturable = pi.get("amount_capturable").asLong();
        long amount = params.containsKey("amount_to_capture") ? Long.parseLong(params.get("amount_to_capture")) : capturable;
        if (amount > capturable) {
            return new Answer(400, error("invalid_request_error", "amount_too_large",
                    "The amount to capture (" + amount + ") exceeds the amount capturable (" + capturable + ")"));
        }
        pi.put("status", "succeeded").put("amount_received", amount).put("amount_capturable", 0);
        ObjectNode charge = (ObjectNode) pi.get("charge_object");
        charge.put("amount_captured", amount).put("captured", true).put("amount_refunded", 0);
        intents.put(id, pi.toString());
        captureLog.put(next("capture"), JSON.createObjectNode().put("payment_intent", id).put("amount", amount)
                .put("released", capturable - amount).put("idempotency_key", key).toString());
        log.info("stripe emulator: captured {} of {} on {} (rest released)", amount, capturable, id);
        return new Answer(200, render(pi, false));
    }

    private Answer cancel(String id, Map<String, String> params) {
        ObjectNode pi = (ObjectNode) intent(id);
        if (pi == null) {
            return missing("payment_intent", id);
        }
        String status = pi.get("status").asText();
        if (!Set.of("requires_payment_method", "requires_capture", "requires_confirmation", "requires_action").contains(status)) {
            return new Answer(400, stateError(pi, "cancel"));
        }
        pi.put("status", "canceled").put("amount_capturable", 0).put("canceled_at", clock.instant().getEpochSecond())
                .put("cancellation_reason", params.getOrDefault("cancellation_reason", "requested_by_customer"));
        intents.put(id, pi.toString());
        log.info("stripe emulator: cancelled {} (whole authorization released)", id);
        return new Answer(200, render(pi, false));
    }

    // ---------------------------------------------------------------- helpers

    /** An authorization past {@code capture_before} lapses: Stripe cancels it automatically. */
    private JsonNode expire(JsonNode pi) {
        ObjectNode o = (ObjectNode) pi;
        if (o.get("status").asText().equals("requires_capture")
                && o.path("charge_object").path("payment_method_details").path("card_present").path("capture_before").asLong(Long.MAX_VALUE)
                        < clock.instant().getEpochSecond()) {
            o.put("status", "canceled").put("amount_capturable", 0).put("cancellation_reason", "automatic")
                    .put("canceled_at", clock.instant().getEpochSecond());
            intents.put(o.get("id").asText(), o.toString());
            store.commit();
        }
        return o;
    }

    private String render(ObjectNode pi, boolean expandCharge) {
        ObjectNode out = pi.deepCopy();
        JsonNode charge = out.remove("charge_object");
        if (expandCharge && charge != null) {
            out.set("latest_charge", charge);
        }
        return out.toString();
    }

    private ObjectNode reader(String id) {
        String json = readers.get(id);
        if (json != null) {
            return (ObjectNode) parse(json);
        }
        ObjectNode reader = JSON.createObjectNode();
        reader.put("id", id).put("object", "terminal.reader").put("device_type", "bbpos_wisepos_e").put("status", "online").putNull("action");
        return reader;
    }

    private String stateError(JsonNode pi, String verb) {
        ObjectNode e = (ObjectNode) parse(error("invalid_request_error", "payment_intent_unexpected_state", "This PaymentIntent could not be "
                + (verb.equals("capture") ? "captured" : "canceled") + " because it has a status of " + pi.get("status").asText() + "."));
        ((ObjectNode) e.get("error")).set("payment_intent", parse(render((ObjectNode) pi, false)));
        return e.toString();
    }

    private Answer missing(String type, String id) {
        return new Answer(404, error("invalid_request_error", "resource_missing", "No such " + type + ": '" + id + "'"));
    }

    private static String error(String type, String code, String message) {
        ObjectNode e = JSON.createObjectNode();
        ObjectNode inner = e.putObject("error").put("type", type).put("message", message);
        if (code != null) {
            inner.put("code", code);
        }
        return e.toString();
    }

    private long next(String counter) {
        long n = counters.getOrDefault(counter, 0L) + 1;
        counters.put(counter, n);
        return n;
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException("emulator state is not JSON", e);
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
