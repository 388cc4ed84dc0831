package forecourt.ocpi;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The CDRs receiver interface, where the site can be reached: the CPO POSTs a CDR with
 * {@code Authorization: Token <base64(token B)>}; it goes through the same intake as a pulled
 * one (validated, recorded once, an unknown reference kept). Answers are OCPI envelopes:
 * 1000 recorded (or already recorded), 2001 malformed, 401 without Forecourt's token.
 */
final class CdrPushServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_BODY_BYTES = 256 * 1024;

    /** An answer: HTTP status and the OCPI envelope. */
    record Reply(int http, String envelope) {
    }

    private final transient OcpiConnection connection;
    private final transient CdrIntake intake;

    CdrPushServlet(OcpiConnection connection, CdrIntake intake) {
        this.connection = connection;
        this.intake = intake;
    }

    static String envelope(int code, String message) {
        ObjectNode e = JSON.createObjectNode();
        e.putNull("data");
        return e.put("status_code", code).put("status_message", message).put("timestamp", Instant.now().toString()).toString();
    }

    Reply receive(String authorization, byte[] body) {
        String tokenB = connection.tokenB();
        if (tokenB == null || authorization == null || !authorization.equals(OcpiClient.authorization(tokenB))) {
            return new Reply(401, envelope(2001, "Unauthorized"));
        }
        if (body.length > MAX_BODY_BYTES) {
            return new Reply(400, envelope(2001, "CDR too large"));
        }
        JsonNode cdr;
        try {
            cdr = JSON.readTree(body);
        } catch (IOException e) {
            return new Reply(400, envelope(2001, "Invalid JSON"));
        }
        return switch (intake.accept(cdr)) {
            case RECORDED -> new Reply(200, envelope(1000, "Success"));
            case DUPLICATE -> new Reply(200, envelope(1000, "Success (already recorded)"));
            case REFUSED -> new Reply(400, envelope(2001, "Invalid or missing parameters"));
        };
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
        byte[] body;
        try (InputStream in = request.getInputStream()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
        }
        Reply reply = receive(request.getHeader("Authorization"), body);
        response.setStatus(reply.http());
        response.setContentType("application/json");
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write(reply.envelope());
    }
}
