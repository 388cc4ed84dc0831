package forecourt.acquirer.stripe;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * Stripe's HTTP API as Forecourt calls it: form-encoded POSTs carrying an
 * {@code Idempotency-Key}, JSON answers, bearer authentication. The API key never
 * appears in a log line or a {@code toString}.
 */
final class StripeApi {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * An answer. {@code replayed}: Stripe returned the answer saved for this idempotency
     * key instead of running the request again.
     */
    record Response(int status, JsonNode body, boolean replayed) {
        String errorType() {
            return body.path("error").path("type").asText("");
        }

        String errorCode() {
            return body.path("error").path("code").asText("");
        }

        String errorMessage() {
            return body.path("error").path("message").asText("");
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

    StripeApi(String baseUrl, String apiKey, Duration timeout) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        this.apiKey = apiKey;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    Response get(String path) throws IOException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET());
    }

    Response post(String path, Map<String, String> form, String idempotencyKey) throws IOException {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return send(request);
    }

    private Response send(HttpRequest.Builder request) throws IOException {
        request.header("Authorization", "Bearer " + apiKey).header("Stripe-Version", "2024-06-20").timeout(timeout);
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw new NotSent("could not connect to " + base.getHost(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        JsonNode body;
        try {
            body = response.body().isEmpty() ? MissingNode.getInstance() : JSON.readTree(response.body());
        } catch (IOException e) {
            body = MissingNode.getInstance(); // a proxy's HTML error page: the status still says what happened
        }
        return new Response(response.statusCode(), body, "true".equals(response.headers().firstValue("Idempotent-Replayed").orElse("")));
    }

    @Override
    public String toString() {
        return "StripeApi[" + base + "]";
    }
}
