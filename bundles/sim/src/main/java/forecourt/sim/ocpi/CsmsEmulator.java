package forecourt.sim.ocpi;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import forecourt.sim.charger.CsmsLink;
import forecourt.sim.http.Exchanges;

/**
 * A CPO backend (CSMS) playing its side of OCPI 2.3.0 for the PTP: versions and version
 * details, the credentials handshake (token A registers, token C answers), the CDRs sender
 * interface (paginated with {@code Link: rel="next"}, {@code X-Total-Count}, {@code X-Limit}),
 * and the Payments receiver interface (terminals; Financial Advice Confirmations, kept by id).
 * Every answer is the OCPI envelope. Scriptable: outage (503), a FAC applied then the answer
 * dropped, CDRs added at will (including one that disagrees with the meter).
 */
public final class CsmsEmulator implements AutoCloseable, CsmsLink {
    private static final Logger log = LoggerFactory.getLogger(CsmsEmulator.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final String tokenA;
    private final String tokenC = "csms-token-C-" + Long.toHexString(System.nanoTime());
    private final List<ObjectNode> cdrs = new CopyOnWriteArrayList<>();
    private final Map<String, JsonNode> facs = new ConcurrentHashMap<>();
    private final Map<String, JsonNode> terminals = new ConcurrentHashMap<>();
    private final AtomicInteger facPosts = new AtomicInteger();
    private final AtomicInteger dropFacAnswers = new AtomicInteger();
    private volatile boolean down;
    private volatile JsonNode registeredPtp;
    private final Map<String, JsonNode> startedSessions = new ConcurrentHashMap<>();
    private volatile String nextCommandResult = "ACCEPTED";
    /** Chargers with their own link to this CSMS, by OCPI EVSE uid: starts a transaction with the token, or says it could not. */
    private final Map<String, java.util.function.Predicate<String>> chargers = new ConcurrentHashMap<>();
    /** Transactions reported by chargers: transactionId → {ref, beginWh, seqNos} */
    private final Map<String, ObjectNode> transactions = new ConcurrentHashMap<>();
    private final List<JsonNode> commandResults = new CopyOnWriteArrayList<>();
    private final AtomicInteger duplicateFacs = new AtomicInteger();
    private final java.util.concurrent.ExecutorService results = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "csms-command-results");
        t.setDaemon(true);
        return t;
    });
    private final java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(3)).build();
    private volatile BigDecimal pricePerKwh = new BigDecimal("0.59");
    private volatile BigDecimal nextCdrDelta = BigDecimal.ZERO;

    public CsmsEmulator(int port, String tokenA) throws IOException {
        this.tokenA = tokenA;
        server = Exchanges.serve(port, "csms-emulator", "/ocpi/", this::handle);
        server.createContext("/_emulator/", this::admin);
    }

    /** A charger on the site whose own OCPP link reaches this CSMS: START_SESSION on its EVSE starts it. */
    public void connectCharger(String evseUid, java.util.function.Predicate<String> startWithToken) {
        chargers.put(evseUid, startWithToken);
    }

    /** The CPO's tariff: the CDR's total cost incl. VAT is energy × this (exact). */
    public void pricePerKwh(BigDecimal price) {
        this.pricePerKwh = price;
    }

    /** The next CDR built from a charger's reports disagrees with its meter by this much (EUR). */
    public void disagreeNextCdrBy(BigDecimal delta) {
        this.nextCdrDelta = delta;
    }

    /** The CommandResults posted to the PTP's response_url (with the HTTP status the PTP answered). */
    public List<JsonNode> commandResults() {
        return List.copyOf(commandResults);
    }

    /** FAC POSTs for an id already stored: an exactly-once breach if ever non-zero. */
    public int duplicateFacPosts() {
        return duplicateFacs.get();
    }

    /**
     * A charger's report (an OCPP CALL frame) over its own link: TransactionEvents become the
     * CSMS's sessions; an {@code Ended} one becomes the CDR, carrying the idToken — the hold's
     * reference — as {@code authorization_reference}. Repeats (same transaction and seqNo) are
     * ignored, as a CSMS does.
     */
    @Override
    public void report(String chargerId, String frame) throws IOException {
        if (down) {
            throw new IOException("the CSMS cannot be reached");
        }
        JsonNode call = JSON.readTree(frame);
        if (!"TransactionEvent".equals(call.path(2).asText())) {
            return;
        }
        JsonNode p = call.path(3);
        String tx = p.path("transactionInfo").path("transactionId").asText();
        ObjectNode t = transactions.computeIfAbsent(tx, k -> {
            ObjectNode n = JSON.createObjectNode();
            n.putArray("seqNos");
            return n;
        });
        synchronized (t) {
            for (JsonNode q : t.get("seqNos")) {
                if (q.asInt() == p.path("seqNo").asInt()) {
                    return;
                }
            }
            ((ArrayNode) t.get("seqNos")).add(p.path("seqNo").asInt());
            if (p.path("idToken").has("idToken")) {
                t.put("ref", p.path("idToken").path("idToken").asText());
            }
            for (JsonNode mv : p.path("meterValue")) {
                for (JsonNode sv : mv.path("sampledValue")) {
                    String context = sv.path("context").asText();
                    if (context.equals("Transaction.Begin")) {
                        t.put("beginWh", sv.path("value").decimalValue());
                    } else if (context.equals("Transaction.End")) {
                        t.put("endWh", sv.path("value").decimalValue());
                    }
                }
            }
            if ("Ended".equals(p.path("eventType").asText()) && t.has("ref") && t.has("beginWh") && t.has("endWh") && !t.has("cdr")) {
                BigDecimal kwh = t.get("endWh").decimalValue().subtract(t.get("beginWh").decimalValue()).movePointLeft(3);
                BigDecimal cost = kwh.multiply(pricePerKwh).add(nextCdrDelta);
                nextCdrDelta = BigDecimal.ZERO;
                t.put("cdr", "CDR-" + tx);
                addCdr("CDR-" + tx, t.get("ref").asText(), cost.toPlainString(), kwh.toPlainString());
                log.info("CSMS emulator: CDR CDR-{} for {}: {} kWh, {} EUR", tx, t.get("ref").asText(), kwh.toPlainString(), cost.toPlainString());
            }
        }
    }

    /** The asynchronous half of a command: what the charger did, posted to the PTP's response_url with token B (on the results thread). */
    private void commandResult(String responseUrl, String result, String message) {
        ObjectNode body = JSON.createObjectNode().put("result", result);
        body.putArray("message").addObject().put("language", "en").put("text", message);
        ObjectNode record = body.deepCopy().put("response_url", responseUrl);
        try {
            String tokenB = registeredPtp == null ? "" : registeredPtp.path("token").asText();
            var r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(responseUrl)).timeout(java.time.Duration.ofSeconds(5))
                    .header("Authorization", "Token " + Base64.getEncoder().encodeToString(tokenB.getBytes(StandardCharsets.UTF_8)))
                    .header("Content-Type", "application/json").POST(java.net.http.HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            record.put("http", r.statusCode());
        } catch (IOException e) {
            record.put("http", 0).put("error", e.toString()); // the PTP cannot be reached (behind NAT): it must not rely on this
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        commandResults.add(record);
        log.info("CSMS emulator: CommandResult {} to {} ({})", result, responseUrl, record.path("http").asInt());
    }

    /**
     * Test and operator views: {@code GET /_emulator/facs}, {@code /_emulator/terminals},
     * {@code /_emulator/command-results}; {@code POST /_emulator/down} with {@code true} or
     * {@code false} scripts an outage.
     */
    private void admin(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            ObjectNode out = JSON.createObjectNode();
            if (path.equals("/_emulator/down") && exchange.getRequestMethod().equals("POST")) {
                down(Boolean.parseBoolean(new String(Exchanges.body(exchange), StandardCharsets.UTF_8).trim())); // a CPO outage, scripted
                log.info("CSMS emulator: {}", down ? "DOWN (503 to everything)" : "up again");
                Exchanges.send(exchange, 200, out.put("down", down).toString(), Map.of());
                return;
            }
            switch (path) {
                case "/_emulator/facs" -> {
                    out.put("posts", facPosts.get()).put("duplicates", duplicateFacs.get());
                    ArrayNode list = out.putArray("facs");
                    facs.values().forEach(list::add);
                }
                case "/_emulator/terminals" -> terminals.values().forEach(out.putArray("terminals")::add);
                case "/_emulator/command-results" -> commandResults.forEach(out.putArray("results")::add);
                default -> {
                    Exchanges.send(exchange, 404, "{}", Map.of());
                    return;
                }
            }
            Exchanges.send(exchange, 200, out.toString(), Map.of());
        }
    }

    public String versionsUrl() {
        return base() + "/ocpi/versions";
    }

    private String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public void down(boolean down) {
        this.down = down;
    }

    /** The next FAC POST is stored, then the connection drops before the answer. */
    public void dropNextFacAnswer() {
        dropFacAnswers.incrementAndGet();
    }

    /** A CDR for a session: total cost incl. VAT and energy as OCPI decimals. */
    public void addCdr(String id, String authorizationReference, String totalInclVat, String totalEnergyKwh) {
        ObjectNode c = JSON.createObjectNode().put("country_code", "AT").put("party_id", "CSM").put("id", id)
                .put("authorization_reference", authorizationReference).put("currency", "EUR");
        c.putObject("total_cost").put("excl_vat", new BigDecimal(totalInclVat).divide(new BigDecimal("1.2"), 4, java.math.RoundingMode.HALF_UP))
                .put("incl_vat", new BigDecimal(totalInclVat));
        c.put("total_energy", new BigDecimal(totalEnergyKwh)).put("last_updated", Instant.now().toString());
        cdrs.add(c);
    }

    /** The CDRs the CPO has issued. */
    public List<JsonNode> cdrs() {
        return List.copyOf(cdrs);
    }

    public Map<String, JsonNode> financialAdviceConfirmations() {
        return Map.copyOf(facs);
    }

    public int facPosts() {
        return facPosts.get();
    }

    public Map<String, JsonNode> terminals() {
        return Map.copyOf(terminals);
    }

    /** START_SESSION commands received, by authorization reference. */
    public Map<String, JsonNode> startedSessions() {
        return Map.copyOf(startedSessions);
    }

    /** How the next command is answered (ACCEPTED, REJECTED, NOT_SUPPORTED, UNKNOWN_SESSION). */
    public void answerNextCommand(String result) {
        nextCommandResult = result;
    }

    /** The session started for this reference ends: its CDR echoes the reference. */
    public void completeSession(String authorizationReference, String totalInclVat, String totalEnergyKwh) {
        if (!startedSessions.containsKey(authorizationReference)) {
            throw new IllegalStateException("no session was started for " + authorizationReference);
        }
        addCdr("CDR-" + authorizationReference.hashCode(), authorizationReference, totalInclVat, totalEnergyKwh);
    }

    public JsonNode registeredPtp() {
        return registeredPtp;
    }

    private static String envelope(JsonNode data, int code, String message) {
        ObjectNode e = JSON.createObjectNode();
        e.set("data", data);
        return e.put("status_code", code).put("status_message", message).put("timestamp", Instant.now().toString()).toString();
    }

    private boolean authorized(HttpExchange exchange, String token) {
        String given = exchange.getRequestHeaders().getFirst("Authorization");
        return given != null && given.equals("Token " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8)));
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] raw = Exchanges.body(exchange);
            if (down) {
                Exchanges.send(exchange, 503, "", Map.of());
                return;
            }
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod();
            boolean registration = path.equals("/ocpi/versions") || path.equals("/ocpi/2.3.0") || path.equals("/ocpi/2.3.0/credentials");
            if (!(registration && authorized(exchange, tokenA)) && !authorized(exchange, tokenC)) {
                Exchanges.send(exchange, 401, envelope(null, 2001, "Unauthorized"), Map.of());
                return;
            }
            String v = base() + "/ocpi/2.3.0";
            if (path.equals("/ocpi/versions")) {
                ArrayNode list = JSON.createArrayNode();
                list.addObject().put("version", "2.2.1").put("url", base() + "/ocpi/2.2.1");
                list.addObject().put("version", "2.3.0").put("url", v);
                Exchanges.send(exchange, 200, envelope(list, 1000, "Success"), Map.of());
            } else if (path.equals("/ocpi/2.3.0")) {
                ObjectNode details = JSON.createObjectNode().put("version", "2.3.0");
                ArrayNode eps = details.putArray("endpoints");
                eps.addObject().put("identifier", "credentials").put("role", "RECEIVER").put("url", v + "/credentials");
                eps.addObject().put("identifier", "cdrs").put("role", "SENDER").put("url", v + "/cdrs");
                eps.addObject().put("identifier", "payments").put("role", "RECEIVER").put("url", v + "/payments");
                eps.addObject().put("identifier", "commands").put("role", "RECEIVER").put("url", v + "/commands");
                Exchanges.send(exchange, 200, envelope(details, 1000, "Success"), Map.of());
            } else if (path.equals("/ocpi/2.3.0/credentials") && method.equals("POST")) {
                registeredPtp = JSON.readTree(raw);
                ObjectNode creds = JSON.createObjectNode().put("token", tokenC).put("url", base() + "/ocpi/versions");
                creds.putArray("roles").addObject().put("role", "CPO").put("party_id", "CSM").put("country_code", "AT");
                Exchanges.send(exchange, 200, envelope(creds, 1000, "Success"), Map.of());
            } else if (path.equals("/ocpi/2.3.0/cdrs")) {
                Map<String, String> q = Exchanges.query(exchange.getRequestURI().getRawQuery());
                int offset = Integer.parseInt(q.getOrDefault("offset", "0"));
                int limit = Math.min(Integer.parseInt(q.getOrDefault("limit", "50")), 5); // the server's own page size: pagination exercised
                List<ObjectNode> all = new ArrayList<>(cdrs);
                ArrayNode page = JSON.createArrayNode();
                all.subList(Math.min(offset, all.size()), Math.min(offset + limit, all.size())).forEach(page::add);
                Map<String, String> headers = new java.util.HashMap<>(Map.of("X-Total-Count", Integer.toString(all.size()), "X-Limit", Integer.toString(limit)));
                if (offset + limit < all.size()) {
                    headers.put("Link", "<" + v + "/cdrs?offset=" + (offset + limit) + "&limit=" + limit + ">; rel=\"next\"");
                }
                Exchanges.send(exchange, 200, envelope(page, 1000, "Success"), headers);
            } else if (path.startsWith("/ocpi/2.3.0/commands/") && method.equals("POST")) {
                JsonNode command = JSON.readTree(raw);
                String result = nextCommandResult;
                nextCommandResult = "ACCEPTED";
                if (path.endsWith("/START_SESSION")) {
                    String ref = command.path("authorization_reference").asText("");
                    if (ref.isEmpty() || ref.length() > 36 || !command.path("token").isObject() || command.path("evse_uid").asText().isEmpty()) {
                        Exchanges.send(exchange, 400, envelope(null, 2001, "Invalid or missing parameters"), Map.of());
                        return;
                    }
                    if (result.equals("ACCEPTED")) {
                        startedSessions.put(ref, command);
                        var charger = chargers.get(command.path("evse_uid").asText());
                        String url = command.path("response_url").asText();
                        // after the synchronous answer, as a CSMS does: the charger is asked, then the PTP told
                        results.execute(() -> {
                            if (charger == null) {
                                commandResult(url, "EVSE_INOPERATIVE", "the EVSE's charger is not connected to this CSMS");
                            } else {
                                commandResult(url, charger.test(ref) ? "ACCEPTED" : "EVSE_OCCUPIED", "charger answered");
                            }
                        });
                    }
                }
                ObjectNode response = JSON.createObjectNode().put("result", result).put("timeout", 30);
                Exchanges.send(exchange, 200, envelope(response, 1000, "Success"), Map.of());
            } else if (path.startsWith("/ocpi/2.3.0/payments/terminals/") && method.equals("GET")) {
                JsonNode t = terminals.get(path.substring(path.lastIndexOf('/') + 1));
                Exchanges.send(exchange, t == null ? 404 : 200, t == null ? envelope(null, 2003, "Unknown object") : envelope(t, 1000, "Success"), Map.of());
            } else if (path.startsWith("/ocpi/2.3.0/payments/terminals") && method.equals("POST")) {
                JsonNode t = JSON.readTree(raw);
                terminals.put(t.path("terminal_id").asText(), t);
                Exchanges.send(exchange, 200, envelope(t, 1000, "Success"), Map.of());
            } else if (path.equals("/ocpi/2.3.0/payments/financial-advice-confirmations") && method.equals("POST")) {
                JsonNode fac = JSON.readTree(raw);
                if (fac.path("id").asText().isEmpty() || fac.path("authorization_reference").asText().isEmpty() || !fac.path("eft_data").isArray()) {
                    Exchanges.send(exchange, 400, envelope(null, 2001, "Invalid or missing parameters"), Map.of());
                    return;
                }
                facPosts.incrementAndGet();
                if (facs.putIfAbsent(fac.path("id").asText(), fac) != null) {
                    duplicateFacs.incrementAndGet();
                    log.error("CSMS emulator: financial advice confirmation {} posted again", fac.path("id").asText());
                }
                log.info("CSMS emulator: financial advice confirmation {} for {}: {} {}", fac.path("id").asText(),
                        fac.path("authorization_reference").asText(), fac.path("total_costs").path("incl_vat").asText(), fac.path("capture_status_code").asText());
                if (dropFacAnswers.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    Exchanges.drop(exchange);
                    return;
                }
                Exchanges.send(exchange, 200, envelope(fac, 1000, "Success"), Map.of());
            } else if (path.startsWith("/ocpi/2.3.0/payments/financial-advice-confirmations/") && method.equals("GET")) {
                JsonNode fac = facs.get(path.substring(path.lastIndexOf('/') + 1));
                Exchanges.send(exchange, fac == null ? 404 : 200, fac == null ? envelope(null, 2003, "Unknown object") : envelope(fac, 1000, "Success"),
                        Map.of());
            } else {
                Exchanges.send(exchange, 404, envelope(null, 2000, "Not found: " + method + " " + path), Map.of());
            }
        } catch (RuntimeException e) {
            log.warn("CSMS emulator: {}", e.toString());
        }
    }

    @Override
    public void close() {
        results.shutdownNow();
        server.stop(0);
    }
}
