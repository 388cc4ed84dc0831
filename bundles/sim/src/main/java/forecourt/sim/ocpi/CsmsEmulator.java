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

import forecourt.sim.http.Exchanges;

/**
 * A CPO backend (CSMS) playing its side of OCPI 2.3.0 for the PTP: versions and version
 * details, the credentials handshake (token A registers, token C answers), the CDRs sender
 * interface (paginated with {@code Link: rel="next"}, {@code X-Total-Count}, {@code X-Limit}),
 * and the Payments receiver interface (terminals; Financial Advice Confirmations, kept by id).
 * Every answer is the OCPI envelope. Scriptable: outage (503), a FAC applied then the answer
 * dropped, CDRs added at will (including one that disagrees with the meter).
 */
public final class CsmsEmulator implements AutoCloseable {
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

    public CsmsEmulator(int port, String tokenA) throws IOException {
        this.tokenA = tokenA;
        server = Exchanges.serve(port, "csms-emulator", "/ocpi/", this::handle);
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
                    }
                }
                ObjectNode response = JSON.createObjectNode().put("result", result).put("timeout", 30);
                Exchanges.send(exchange, 200, envelope(response, 1000, "Success"), Map.of());
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
                facs.put(fac.path("id").asText(), fac);
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
        server.stop(0);
    }
}
