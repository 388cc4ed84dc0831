package forecourt.ocpi;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The link to one CPO: version discovery ({@code versions} → 2.3.0 → its endpoints) and the
 * credentials handshake — token A (given by the CPO) to register, Forecourt's token B in
 * the POST, the CPO's token C in the answer, used from then on. Kept in a file in the data
 * directory (owner-only) so a restart does not register again.
 * <p>
 * Two gaps of the released 2.3.0 text, decided as it intends: {@code PTP} is not in the role
 * enum, yet the Payments module's data owner is the PTP — Forecourt registers with role
 * {@code PTP}; {@code payments} is missing from the module id table — the CPO's endpoint is
 * looked up as {@code payments} (RECEIVER), with {@code /terminals} and
 * {@code /financial-advice-confirmations} below it.
 */
final class OcpiConnection {
    private static final Logger log = LoggerFactory.getLogger(OcpiConnection.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String VERSION = "2.3.0";

    private final OcpiClient client;
    private final String versionsUrl;
    private final String tokenA;
    private final String ourVersionsUrl;
    private final String countryCode;
    private final String partyId;
    private final String businessName;
    private final Path credentialsFile;
    private Map<String, String> endpoints = Map.of();
    private volatile String tokenB;

    OcpiConnection(String versionsUrl, String tokenA, String ourVersionsUrl, String countryCode, String partyId, String businessName,
            Path credentialsFile, Duration timeout) {
        this.client = new OcpiClient(tokenA, timeout);
        this.versionsUrl = versionsUrl;
        this.tokenA = tokenA;
        this.ourVersionsUrl = ourVersionsUrl;
        this.countryCode = countryCode;
        this.partyId = partyId;
        this.businessName = businessName;
        this.credentialsFile = credentialsFile;
    }

    OcpiClient client() {
        return client;
    }

    synchronized boolean connected() {
        return !endpoints.isEmpty();
    }

    /** The token the CPO must present when it calls Forecourt (token B), once registered. */
    String tokenB() {
        return tokenB;
    }

    /** The CPO's endpoint for a module and role, e.g. {@code cdrs}/{@code SENDER}. */
    synchronized String endpoint(String module, String role) throws IOException {
        String url = endpoints.get(module + "/" + role);
        if (url == null) {
            throw new IOException("the CPO offers no " + module + " " + role + " endpoint in OCPI " + VERSION);
        }
        return url;
    }

    /** Registers (or reloads the registration) — may throw while the CPO is unreachable; called again later. */
    synchronized void connect() throws IOException {
        if (connected()) {
            return;
        }
        if (Files.exists(credentialsFile)) {
            JsonNode saved = JSON.readTree(credentialsFile.toFile());
            client.token(saved.get("tokenC").asText());
            tokenB = saved.get("tokenB").asText();
            Map<String, String> e = new TreeMap<>();
            saved.get("endpoints").fields().forEachRemaining(f -> e.put(f.getKey(), f.getValue().asText()));
            endpoints = e;
            return;
        }
        client.token(tokenA);
        OcpiClient.Answer versions = client.get(versionsUrl);
        if (!versions.ok()) {
            throw new IOException("versions: " + versions.describe());
        }
        String detailsUrl = null;
        for (JsonNode v : versions.data()) {
            if (VERSION.equals(v.path("version").asText())) {
                detailsUrl = v.path("url").asText();
            }
        }
        if (detailsUrl == null) {
            throw new IOException("the CPO does not offer OCPI " + VERSION);
        }
        OcpiClient.Answer details = client.get(detailsUrl);
        if (!details.ok()) {
            throw new IOException("version details: " + details.describe());
        }
        Map<String, String> e = new TreeMap<>();
        for (JsonNode ep : details.data().path("endpoints")) {
            e.put(ep.path("identifier").asText() + "/" + ep.path("role").asText(), ep.path("url").asText());
        }
        String credentialsUrl = e.get("credentials/RECEIVER") != null ? e.get("credentials/RECEIVER") : e.get("credentials/SENDER");
        if (credentialsUrl == null) {
            throw new IOException("the CPO offers no credentials endpoint");
        }
        byte[] b = new byte[24];
        new SecureRandom().nextBytes(b);
        String tokenB = HexFormat.of().formatHex(b);
        ObjectNode credentials = JSON.createObjectNode().put("token", tokenB).put("url", ourVersionsUrl);
        ObjectNode role = credentials.putArray("roles").addObject();
        role.put("role", "PTP").put("party_id", partyId).put("country_code", countryCode);
        role.putObject("business_details").put("name", businessName);
        OcpiClient.Answer registered = client.post(credentialsUrl, credentials);
        if (!registered.ok() || !registered.data().hasNonNull("token")) {
            throw new IOException("credentials handshake: " + registered.describe());
        }
        String tokenC = registered.data().get("token").asText();
        client.token(tokenC);
        endpoints = e;
        this.tokenB = tokenB;
        ObjectNode saved = JSON.createObjectNode().put("tokenB", tokenB).put("tokenC", tokenC).put("version", VERSION);
        ObjectNode eps = saved.putObject("endpoints");
        e.forEach(eps::put);
        JsonFiles.writeAtomically(credentialsFile, saved, true);
        log.info("OCPI {}: registered with the CPO at {} as PTP {}*{} ({} endpoints)", VERSION, versionsUrl, countryCode, partyId, e.size());
    }
}
