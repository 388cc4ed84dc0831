package forecourt.sim.http;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

import com.sun.net.httpserver.HttpExchange;

/** Small helpers for the emulators' HTTP exchanges (JDK HTTP server). */
public final class Exchanges {
    private Exchanges() {
    }

    /** An emulator's HTTP server on a loopback port, its handler threads daemons named {@code threadName}. */
    public static com.sun.net.httpserver.HttpServer serve(int port, String threadName, String context, com.sun.net.httpserver.HttpHandler handler)
            throws IOException {
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", port), 16);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        }));
        server.createContext(context, handler);
        server.start();
        return server;
    }

    /** The whole request body. */
    public static byte[] body(HttpExchange exchange) throws IOException {
        try (java.io.InputStream in = exchange.getRequestBody()) {
            return in.readAllBytes();
        }
    }

    public static void send(HttpExchange exchange, int status, String json, Map<String, String> headers) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    /**
     * Drops the connection without a usable answer: promises a body and closes before it,
     * so the client sees the connection end mid-response, as on a WAN drop.
     */
    public static void drop(HttpExchange exchange) throws IOException {
        exchange.sendResponseHeaders(200, 1024);
        exchange.getResponseBody().flush();
        exchange.close();
    }

    /** Decodes an {@code application/x-www-form-urlencoded} body (sorted, for fingerprints). */
    public static Map<String, String> form(String body) {
        Map<String, String> params = new TreeMap<>();
        if (body == null || body.isEmpty()) {
            return params;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.put(k, v);
        }
        return params;
    }

    public static Map<String, String> query(String rawQuery) {
        return rawQuery == null ? new LinkedHashMap<>() : form(rawQuery);
    }
}
