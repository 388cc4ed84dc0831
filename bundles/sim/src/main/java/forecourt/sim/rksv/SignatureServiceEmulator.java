package forecourt.sim.rksv;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import forecourt.sim.http.Exchanges;

/**
 * An online RKSV signature service in the shape of A-Trust's a.sign RK online REST
 * interface: {@code GET /<user>/Certificate} → the signing certificate (base64 DER) and its
 * serial in hex; {@code POST /<user>/Sign/JWS} with {@code {"password","jws_payload"}} →
 * {@code {"result": <JWS compact, ES256>}}. The key is a fresh P-256 key with a self-signed
 * certificate (the real one chains to A-Trust). Scriptable outage: {@link #down(boolean)}.
 */
public final class SignatureServiceEmulator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SignatureServiceEmulator.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String user;
    private final String password;
    private final KeyPair keys;
    private final X509Certificate certificate;
    private final HttpServer server;
    private final AtomicLong signatures = new AtomicLong();
    private volatile boolean down;

    public SignatureServiceEmulator(int port, String user, String password) throws IOException {
        this.user = user;
        this.password = password;
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            this.keys = g.generateKeyPair();
            Instant now = Instant.now();
            X500Name name = new X500Name("CN=Forecourt RKSV test signature, O=Forecourt simulators, C=AT");
            this.certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name,
                    new BigInteger(64, new java.security.SecureRandom()).abs().add(BigInteger.ONE), Date.from(now.minus(1, ChronoUnit.DAYS)),
                    Date.from(now.plus(3650, ChronoUnit.DAYS)), name, keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException("cannot make the emulated signing certificate: " + e, e);
        }
        this.server = Exchanges.serve(port, "rksv-signature-emulator", "/", this::handle);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/";
    }

    public String user() {
        return user;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public String serialHex() {
        return certificate.getSerialNumber().toString(16);
    }

    /** While down, every call answers 503 (the service is unreachable for the cash box). */
    public void down(boolean down) {
        this.down = down;
    }

    public long signatures() {
        return signatures.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] raw = Exchanges.body(exchange);
            if (down) {
                Exchanges.send(exchange, 503, "{\"error\":\"service unavailable\"}", Map.of());
                return;
            }
            String path = exchange.getRequestURI().getPath();
            if (path.equals("/" + user + "/Certificate")) {
                Exchanges.send(exchange, 200, JSON.createObjectNode().put("alg", "ES256")
                        .put("Signaturzertifikat", Base64.getEncoder().encodeToString(certificate.getEncoded())).put("ZertifikatsseriennummerHex", serialHex())
                        .put("Zertifikatsseriennummer", certificate.getSerialNumber().toString()).toString(), Map.of());
                return;
            }
            if (path.equals("/" + user + "/Sign/JWS") && exchange.getRequestMethod().equals("POST")) {
                JsonNode req = JSON.readTree(raw);
                if (!password.equals(req.path("password").asText())) {
                    Exchanges.send(exchange, 401, "{\"error\":\"wrong password\"}", Map.of());
                    return;
                }
                String input = Base64.getUrlEncoder().withoutPadding().encodeToString("{\"alg\":\"ES256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                        + Base64.getUrlEncoder().withoutPadding().encodeToString(req.path("jws_payload").asText().getBytes(StandardCharsets.UTF_8));
                Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
                s.initSign(keys.getPrivate());
                s.update(input.getBytes(StandardCharsets.US_ASCII));
                String jws = input + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
                signatures.incrementAndGet();
                Exchanges.send(exchange, 200, JSON.createObjectNode().put("result", jws).toString(), Map.of());
                return;
            }
            Exchanges.send(exchange, 404, "{}", Map.of());
        } catch (GeneralSecurityException | RuntimeException e) {
            log.warn("signature service emulator: {}", e.toString());
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
