package forecourt.ocpi;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * OCPI over HTTP: {@code Authorization: Token <base64(token)>} (OCPI 2.2+), the response
 * envelope ({@code data}, {@code status_code}, {@code status_message}, {@code timestamp}),
 * and pagination by the {@code Link: <url>; rel="next"} header. The token never appears in a
 * log line.
 */
final class OcpiClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");

    /** An OCPI answer: HTTP status, the envelope's status code and message, its data. */
    record Answer(int http, int statusCode, String statusMessage, JsonNode data, Optional<String> next) {
        boolean ok() {
            return http / 100 == 2 && statusCode >= 1000 && statusCode < 2000;
        }

        /** 2003: unknown object (a GET of something the other side does not have). */
        boolean unknownObject() {
            return statusCode == 2003 || http == 404;
        }

        String describe() {
            return "HTTP " + http + ", OCPI " + statusCode + " " + statusMessage;
        }
    }

    /** The request never left: nothing can have been applied. */
    static final class NotSent extends IOException {
        private static final long serialVersionUID = 1L;

        NotSent(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final HttpClient http;
    private final Duration timeout;
    private volatile String token;

    OcpiClient(String token, Duration timeout) {
        this.token = token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    void token(String token) {
        this.token = token;
    }

    static String authorization(String token) {
        return "Token " + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8));
    }

    Answer get(String url) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    Answer post(String url, JsonNode body) throws IOException {
        return send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())));
    }

    /** Every object of a paginated list, following {@code Link: rel="next"}. */
    List<JsonNode> getAll(String url, int maxPages) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        String next = url;
        for (int page = 0; next != null && page < maxPages; page++) {
            Answer a = get(next);
            if (!a.ok()) {
                throw new IOException("page " + page + " of " + url + ": " + a.describe());
            }
            a.data().forEach(out::add);
            next = a.next().orElse(null);
        }
        return out;
    }

    private Answer send(HttpRequest.Builder request) throws IOException {
        request.header("Authorization", authorization(token)).timeout(timeout);
        HttpResponse<String> r;
        try {
            r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw new NotSent("could not connect: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        JsonNode body;
        try {
            body = r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IOException("not an OCPI envelope (HTTP " + r.statusCode() + ")");
        }
        Optional<String> next = Optional.empty();
        for (String link : r.headers().allValues("Link")) {
            Matcher m = NEXT.matcher(link);
            if (m.find()) {
                next = Optional.of(m.group(1));
            }
        }
        return new Answer(r.statusCode(), body.path("status_code").asInt(0), body.path("status_message").asText(""), body.path("data"), next);
    }
}
