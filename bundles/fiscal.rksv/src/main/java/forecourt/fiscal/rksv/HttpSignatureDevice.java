package forecourt.fiscal.rksv;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * An online signature device (HSM) reached over HTTP, modelled on A-Trust's a.sign RK
 * online REST interface: {@code GET <base>/<user>/Certificate} gives the signing
 * certificate and its serial (hex), {@code POST <base>/<user>/Sign/JWS} with
 * {@code {"password", "jws_payload"}} returns {@code {"result": <JWS compact>}}. Any
 * failure to sign in time is a failed device: the cash box issues the receipt with the
 * failure marker and owes a zero receipt. The password never appears in a log line.
 */
public final class HttpSignatureDevice implements SignatureDevice {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String user;
    private final String password;
    private final String zda;
    private final String configuredSerial;
    private final Duration timeout;
    private final HttpClient http;
    private volatile byte[] certificate;
    private volatile String serial;

    /**
     * @param configuredSerial the certificate serial (hex) the receipts carry while the device
     *                         has not been reached yet (from the device's registration)
     */
    public HttpSignatureDevice(String baseUrl, String user, String password, String zda, String configuredSerial, Duration timeout) {
        this.base = URI.create(baseUrl.endsWith("/") ? baseUrl : baseUrl + "/");
        this.user = user;
        this.password = password;
        this.zda = zda;
        this.configuredSerial = configuredSerial;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    }

    @Override
    public String zda() {
        return zda;
    }

    private void loadCertificate() throws DeviceUnavailableException {
        if (certificate != null) {
            return;
        }
        JsonNode n = call(HttpRequest.newBuilder(base.resolve(user + "/Certificate")).GET(), " for the certificate");
        serial = n.get("ZertifikatsseriennummerHex").asText().toLowerCase();
        certificate = Base64.getDecoder().decode(n.get("Signaturzertifikat").asText());
    }

    /** One call to the service: its JSON answer, or the device counts as failed. */
    private JsonNode call(HttpRequest.Builder request, String what) throws DeviceUnavailableException {
        try {
            HttpResponse<String> r = http.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new DeviceUnavailableException("signature service answered HTTP " + r.statusCode() + what);
            }
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new DeviceUnavailableException("signature service unreachable: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DeviceUnavailableException("interrupted");
        }
    }

    @Override
    public String serial() {
        try {
            loadCertificate();
        } catch (DeviceUnavailableException e) {
            return configuredSerial;
        }
        return serial;
    }

    @Override
    public byte[] certificateOrPublicKey() {
        try {
            loadCertificate();
        } catch (DeviceUnavailableException e) {
            throw new IllegalStateException("the signing certificate is not known yet: " + e.getMessage());
        }
        return certificate.clone();
    }

    @Override
    public boolean hasCertificate() {
        return true;
    }

    @Override
    public byte[] sign(String signingInput) throws DeviceUnavailableException {
        loadCertificate();
        String payload = new String(Base64.getUrlDecoder().decode(signingInput.substring(signingInput.indexOf('.') + 1)), StandardCharsets.UTF_8);
        String body = JSON.createObjectNode().put("password", password).put("jws_payload", payload).toString();
        String jws = call(HttpRequest.newBuilder(base.resolve(user + "/Sign/JWS")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)), "").path("result").asText("");
        int dot = jws.lastIndexOf('.');
        if (dot < 0 || !jws.substring(0, dot).equals(signingInput)) {
            throw new DeviceUnavailableException("signature service signed something else than asked");
        }
        byte[] signature = Base64.getUrlDecoder().decode(jws.substring(dot + 1));
        if (signature.length != 64) {
            throw new DeviceUnavailableException("signature service returned a " + signature.length + "-byte signature");
        }
        return signature;
    }

    @Override
    public String toString() {
        return "online signature device " + base + user;
    }
}
