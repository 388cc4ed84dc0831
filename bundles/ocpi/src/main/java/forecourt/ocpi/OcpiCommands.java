package forecourt.ocpi;

import java.io.IOException;
import java.time.Instant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Commands module as the PTP uses it: after a hold, {@code START_SESSION} on the EVSE
 * carrying the hold's {@code authorization_reference} (how the CPO learns the reference it
 * must echo in Sessions and CDRs), and {@code STOP_SESSION} when the driver ends the session
 * at the terminal. The CPO answers at once with a CommandResponse (ACCEPTED, REJECTED,
 * UNKNOWN_SESSION, NOT_SUPPORTED); its asynchronous CommandResult goes to the
 * {@code response_url} — which a site behind NAT may never receive, so the synchronous
 * answer and, later, the CDR are what the gateway relies on.
 */
final class OcpiCommands {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The CPO's synchronous answer. */
    record Response(String result, int timeoutSeconds, String message) {
        boolean accepted() {
            return "ACCEPTED".equals(result);
        }
    }

    private final OcpiConnection connection;
    private final String responseBaseUrl;
    private final String countryCode;
    private final String partyId;
    private final String issuer;

    OcpiCommands(OcpiConnection connection, String responseBaseUrl, String countryCode, String partyId, String issuer) {
        this.connection = connection;
        this.responseBaseUrl = responseBaseUrl.endsWith("/") ? responseBaseUrl : responseBaseUrl + "/";
        this.countryCode = countryCode;
        this.partyId = partyId;
        this.issuer = issuer;
    }

    private String url(String command) throws IOException {
        connection.connect();
        String commands = connection.endpoint("commands", "RECEIVER");
        return (commands.endsWith("/") ? commands : commands + "/") + command;
    }

    Response startSession(String authorizationReference, String locationId, String evseUid) throws IOException {
        if (authorizationReference.length() > 36) {
            throw new IllegalArgumentException("authorization_reference is CiString(36)");
        }
        ObjectNode body = JSON.createObjectNode().put("response_url", responseBaseUrl + "START_SESSION/" + authorizationReference);
        // the ad-hoc token of a card payment: Forecourt's reference, never card data
        body.putObject("token").put("country_code", countryCode).put("party_id", partyId).put("uid", authorizationReference)
                .put("type", "AD_HOC_USER").put("contract_id", authorizationReference).put("issuer", issuer).put("valid", true)
                .put("whitelist", "NEVER").put("last_updated", Instant.now().toString());
        body.put("location_id", locationId).put("evse_uid", evseUid).put("authorization_reference", authorizationReference);
        return answer(connection.client().post(url("START_SESSION"), body));
    }

    Response stopSession(String sessionId) throws IOException {
        ObjectNode body = JSON.createObjectNode().put("response_url", responseBaseUrl + "STOP_SESSION/" + sessionId).put("session_id", sessionId);
        return answer(connection.client().post(url("STOP_SESSION"), body));
    }

    private static Response answer(OcpiClient.Answer a) throws IOException {
        if (!a.ok()) {
            throw new IOException("command refused: " + a.describe());
        }
        return new Response(a.data().path("result").asText("UNKNOWN"), a.data().path("timeout").asInt(0), a.data().path("message").asText(""));
    }
}
