package forecourt.charger.ocpp;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An OCPP-J message frame (OCPP 2.0.1 part 4): a JSON array whose first element is the
 * message type number.
 */
sealed interface OcppFrame {
    /** Message ids are strings of at most 36 characters. */
    int MAX_MESSAGE_ID = 36;

    String messageId();

    /** {@code [2, "<messageId>", "<action>", {payload}]} */
    record Call(String messageId, String action, JsonNode payload) implements OcppFrame {
    }

    /** {@code [3, "<messageId>", {payload}]} */
    record CallResult(String messageId, JsonNode payload) implements OcppFrame {
    }

    /** {@code [4, "<messageId>", "<errorCode>", "<errorDescription>", {errorDetails}]} */
    record CallError(String messageId, OcppError code, String description, JsonNode details) implements OcppFrame {
    }
}
