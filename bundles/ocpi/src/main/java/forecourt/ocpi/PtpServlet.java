package forecourt.ocpi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.cpo.RemoteStart;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.OutboxEntry;

/**
 * What the PTP serves, where the site can be reached (Felix HTTP whiteboard, {@code /ocpi/*});
 * every call but none needs the CPO's token B ({@code Authorization: Token <base64>}), every
 * answer is an OCPI envelope:
 * <ul>
 * <li>{@code GET versions}, {@code GET 2.3.0}: what Forecourt offers;</li>
 * <li>{@code POST 2.3.0/cdrs}: a CDR pushed — the same intake as a pulled one;</li>
 * <li>{@code POST 2.3.0/commands/START_SESSION/<reference>}: the CPO's asynchronous
 * CommandResult, recorded in the session's timeline (the session starter acts on it);</li>
 * <li>the Payments module's Sender interface for terminals: {@code GET} (paginated) and
 * {@code GET <id>}, {@code POST activate}, {@code POST <id>/deactivate}, {@code PUT} and
 * {@code PATCH <id>} (the CPO's location and EVSE assignment);</li>
 * <li>{@code GET 2.3.0/payments/financial-advice-confirmations} (paginated) and {@code GET <id>}:
 * the confirmations Forecourt has sent or is sending.</li>
 * </ul>
 * Anything malformed is answered 2001 with a log line and a counter; nothing is half-applied.
 */
final class PtpServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final Logger log = LoggerFactory.getLogger(PtpServlet.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_BODY_BYTES = 256 * 1024;
    private static final Set<String> COMMAND_RESULTS = Set.of("ACCEPTED", "CANCELED_RESERVATION", "EVSE_OCCUPIED", "EVSE_INOPERATIVE", "FAILED",
            "NOT_SUPPORTED", "REJECTED", "TIMEOUT", "UNKNOWN_RESERVATION");

    /** An answer: HTTP status, the OCPI envelope, extra headers (pagination). */
    record Reply(int http, String envelope, Map<String, String> headers) {
        Reply(int http, String envelope) {
            this(http, envelope, Map.of());
        }
    }

    private final transient OcpiConnection connection;
    private final transient CdrIntake intake;
    private final transient TerminalBook terminals;
    private final transient Ledger ledger;
    private final String baseUrl;
    private final String cpoLink;
    private final transient Runnable terminalsChanged;
    private final transient Map<String, LongAdder> counters = new ConcurrentHashMap<>();

    /**
     * @param baseUrl           where the CPO reaches Forecourt's OCPI, e.g. {@code http://site:8080/ocpi}
     * @param terminalsChanged  called after an activation: the terminal is created on the CPO's side
     */
    PtpServlet(OcpiConnection connection, CdrIntake intake, TerminalBook terminals, Ledger ledger, String baseUrl, String cpoLink,
            Runnable terminalsChanged) {
        this.connection = connection;
        this.intake = intake;
        this.terminals = terminals;
        this.ledger = ledger;
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        this.cpoLink = cpoLink;
        this.terminalsChanged = terminalsChanged;
    }

    static String envelope(JsonNode data, int code, String message) {
        ObjectNode e = JSON.createObjectNode();
        e.set("data", data);
        return e.put("status_code", code).put("status_message", message).put("timestamp", Instant.now().toString()).toString();
    }

    static String envelope(int code, String message) {
        return envelope(null, code, message);
    }

    long counter(String what) {
        LongAdder a = counters.get(what);
        return a == null ? 0 : a.sum();
    }

    private Reply refused(String why) {
        counters.computeIfAbsent("refused", k -> new LongAdder()).increment();
        log.warn("OCPI: a call from the CPO refused: {}", why);
        return new Reply(400, envelope(2001, why));
    }

    private static Reply ok(JsonNode data) {
        return new Reply(200, envelope(data, 1000, "Success"));
    }

    private static Reply unknown(String what) {
        return new Reply(404, envelope(2003, "Unknown " + what));
    }

    /** One call; {@code path} is below {@code /ocpi/} (e.g. {@code 2.3.0/cdrs}). */
    Reply handle(String method, String path, Map<String, String> query, String authorization, byte[] body) {
        String tokenB = connection.tokenB();
        if (tokenB == null || authorization == null || !authorization.equals(OcpiClient.authorization(tokenB))) {
            counters.computeIfAbsent("unauthorized", k -> new LongAdder()).increment();
            return new Reply(401, envelope(2001, "Unauthorized"));
        }
        if (body.length > MAX_BODY_BYTES) {
            return refused("body over " + MAX_BODY_BYTES + " bytes");
        }
        JsonNode json = null;
        if (body.length > 0) {
            try {
                json = JSON.readTree(body);
            } catch (IOException e) {
                return refused("invalid JSON");
            }
        }
        String v = OcpiConnection.VERSION;
        try {
            if (method.equals("GET") && path.equals("versions")) {
                ArrayNode list = JSON.createArrayNode();
                list.addObject().put("version", v).put("url", baseUrl + "/" + v);
                return ok(list);
            }
            if (method.equals("GET") && path.equals(v)) {
                ObjectNode details = JSON.createObjectNode().put("version", v);
                ArrayNode eps = details.putArray("endpoints");
                eps.addObject().put("identifier", "cdrs").put("role", "RECEIVER").put("url", baseUrl + "/" + v + "/cdrs");
                eps.addObject().put("identifier", "commands").put("role", "SENDER").put("url", baseUrl + "/" + v + "/commands");
                eps.addObject().put("identifier", "payments").put("role", "SENDER").put("url", baseUrl + "/" + v + "/payments");
                return ok(details);
            }
            if (!path.startsWith(v + "/")) {
                return unknown("endpoint " + path);
            }
            String[] p = path.substring(v.length() + 1).split("/");
            if (method.equals("POST") && p.length == 1 && p[0].equals("cdrs")) {
                if (json == null) {
                    return refused("no CDR");
                }
                return switch (intake.accept(json)) {
                    case RECORDED -> ok(null);
                    case DUPLICATE -> new Reply(200, envelope(1000, "Success (already recorded)"));
                    case REFUSED -> new Reply(400, envelope(2001, "Invalid or missing parameters"));
                };
            }
            if (method.equals("POST") && p.length == 3 && p[0].equals("commands") && p[1].equals("START_SESSION")) {
                return commandResult(p[2], json);
            }
            if (p.length >= 2 && p[0].equals("payments") && p[1].equals("terminals")) {
                return terminals(method, p, query, json);
            }
            if (method.equals("GET") && p.length >= 2 && p[0].equals("payments") && p[1].equals("financial-advice-confirmations")) {
                List<JsonNode> facs = confirmations();
                if (p.length == 3) {
                    return facs.stream().filter(f -> f.path("id").asText().equals(p[2])).findFirst().map(PtpServlet::ok)
                            .orElse(unknown("financial advice confirmation " + p[2]));
                }
                return page(facs, query, "payments/financial-advice-confirmations");
            }
            return unknown("endpoint " + method + " " + path);
        } catch (IOException e) {
            log.error("OCPI: {} {} failed: {}", method, path, e.toString());
            return new Reply(500, envelope(3000, "Generic server error"));
        }
    }

    private Reply commandResult(String ref, JsonNode json) {
        String result = json == null ? "" : json.path("result").asText("");
        if (!COMMAND_RESULTS.contains(result)) {
            return refused("CommandResult with result '" + result + "'");
        }
        if (ledger.byNaturalKey(NaturalKeys.hold(ref)).isEmpty()) {
            counters.computeIfAbsent("unknown-reference", k -> new LongAdder()).increment();
            log.warn("OCPI: CommandResult {} for {}, which is no hold of this site", result, ref);
            return unknown("session " + ref);
        }
        ObjectNode body = JSON.createObjectNode().put("result", result).put("message", json.path("message").path(0).path("text").asText(""));
        Ledger.await(ledger.append(Fact.of(FactType.UPSTREAM_NOTIFICATION, RemoteStart.resultKey(ref), ref, body.toString())));
        log.info("OCPI: the CPO's START_SESSION result for {}: {}", ref, result);
        return ok(null);
    }

    private Reply terminals(String method, String[] p, Map<String, String> query, JsonNode json) throws IOException {
        if (method.equals("GET") && p.length == 2) {
            List<JsonNode> all = new ArrayList<>(terminals.all());
            return page(all, query, "payments/terminals");
        }
        if (method.equals("POST") && p.length == 3 && p[2].equals("activate")) {
            if (json == null || !json.isObject()) {
                return refused("activation without a Terminal object");
            }
            Optional<ObjectNode> t = terminals.activate(json);
            if (t.isEmpty()) {
                return unknown("terminal " + json.path("reference").asText(json.path("terminal_id").asText()));
            }
            terminalsChanged.run();
            return ok(t.get());
        }
        if (p.length == 3 && method.equals("GET")) {
            return terminals.find(p[2]).map(PtpServlet::ok).orElse(unknown("terminal " + p[2]));
        }
        if (p.length == 4 && method.equals("POST") && p[3].equals("deactivate")) {
            return terminals.deactivate(p[2]) ? ok(null) : unknown("terminal " + p[2]);
        }
        if (p.length == 3 && (method.equals("PUT") || method.equals("PATCH"))) {
            if (json == null || !json.isObject()) {
                return refused(method + " without a Terminal object");
            }
            for (String list : List.of("location_ids", "evse_uids")) {
                if (json.has(list) && !json.get(list).isArray()) {
                    return refused(list + " is not a list");
                }
            }
            return terminals.update(p[2], json, method.equals("PUT")).map(PtpServlet::ok).orElse(unknown("terminal " + p[2]));
        }
        return unknown("endpoint " + method + " terminals/" + String.join("/", p));
    }

    /** The confirmations on this connection's outbox link, sent or waiting. */
    private List<JsonNode> confirmations() throws IOException {
        List<JsonNode> list = new ArrayList<>();
        for (OutboxEntry e : ledger.outbox()) {
            if (e.link().equals(cpoLink)) {
                var i = ledger.instructionBody(e.key());
                if (i.isPresent()) {
                    list.add(JSON.readTree(i.get().body()));
                }
            }
        }
        return list;
    }

    /** OCPI pagination: {@code offset}, {@code limit}, {@code date_from}/{@code date_to} on {@code last_updated}. */
    private Reply page(List<JsonNode> all, Map<String, String> query, String self) {
        String from = query.get("date_from");
        String to = query.get("date_to");
        List<JsonNode> matching = all.stream().filter(o -> {
            String updated = o.path("last_updated").asText("");
            return (from == null || updated.isEmpty() || Instant.parse(updated).compareTo(Instant.parse(from)) >= 0)
                    && (to == null || updated.isEmpty() || Instant.parse(updated).isBefore(Instant.parse(to)));
        }).toList();
        int offset;
        int limit;
        try {
            offset = Math.max(0, Integer.parseInt(query.getOrDefault("offset", "0")));
            limit = Math.min(Math.max(1, Integer.parseInt(query.getOrDefault("limit", "50"))), 50);
        } catch (NumberFormatException e) {
            return refused("offset or limit not a number");
        }
        ArrayNode data = JSON.createArrayNode();
        matching.subList(Math.min(offset, matching.size()), Math.min(offset + limit, matching.size())).forEach(data::add);
        Map<String, String> headers = new java.util.HashMap<>(Map.of("X-Total-Count", Integer.toString(matching.size()), "X-Limit", "50"));
        if (offset + limit < matching.size()) {
            StringBuilder next = new StringBuilder("offset=" + (offset + limit) + "&limit=" + limit);
            if (from != null) {
                next.append("&date_from=").append(from);
            }
            if (to != null) {
                next.append("&date_to=").append(to);
            }
            headers.put("Link", "<" + baseUrl + "/" + OcpiConnection.VERSION + "/" + self + "?" + next + ">; rel=\"next\"");
        }
        return new Reply(200, envelope(data, 1000, "Success"), headers);
    }

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        String path = request.getPathInfo() == null ? "" : request.getPathInfo().replaceFirst("^/", "").replaceFirst("/$", "");
        Map<String, String> query = new java.util.HashMap<>(); // the URL's parameters, decoded by the container (bodies are JSON, never forms)
        request.getParameterMap().forEach((name, values) -> query.put(name, values[0]));
        Reply reply;
        try {
            reply = handle(request.getMethod(), path, query, request.getHeader("Authorization"), body);
        } catch (RuntimeException e) {
            reply = refused(e.toString());
        }
        response.setStatus(reply.http());
        reply.headers().forEach(response::setHeader);
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write(reply.envelope());
    }
}
