package forecourt.acquirer.adyen;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * Adyen's HTTP APIs as Forecourt calls them: JSON POSTs with {@code X-API-Key} and, for
 * money, an {@code Idempotency-Key}. The API key never appears in a log line or a
 * {@code toString}.
 */
final class AdyenApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer; {@code transientError}: Adyen says the same request may be sent again. */
    record Response(int status, JsonNode body, boolean transientError) {
        String errorCode() {
            return body.path("errorCode").asText("");
        }

        String message() {
            return body.path("message").asText("");
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
    private final URI base;
    private final String apiKey;
    private final Duration timeout;

    AdyenApi(String baseUrl, String apiKey, Duration timeout) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    Response post(String path, JsonNode body, String idempotencyKey, Duration requestTimeout) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .header("X-API-Key", apiKey).timeout(requestTimeout).POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw new NotSent("could not connect to " + base.getHost(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        JsonNode answer;
        try {
            answer = response.body().isEmpty() ? MissingNode.getInstance() : JSON.readTree(response.body());
        } catch (IOException e) {
            answer = MissingNode.getInstance(); // a proxy's HTML page: the status still says what happened
        }
        return new Response(response.statusCode(), answer,
                "true".equalsIgnoreCase(response.headers().firstValue("Transient-Error").orElse("")));
    }

    Response post(String path, JsonNode body, String idempotencyKey) throws IOException {
        return post(path, body, idempotencyKey, timeout);
    }

    @Override
    public String toString() {
        return "AdyenApi[" + base + "]";
    }
}
