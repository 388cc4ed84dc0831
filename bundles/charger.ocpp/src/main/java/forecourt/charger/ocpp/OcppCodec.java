package forecourt.charger.ocpp;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reads and writes OCPP-J frames, and binds payloads to the message types in
 * {@link Messages}, mapping every way a payload can be wrong to the CALLERROR code OCPP
 * names for it. Jackson does the parsing; the records carry the schema's constraints.
 */
final class OcppCodec {
    /** OCPP's schemas forbid additional properties and floats where integers are expected. */
    static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .disable(com.fasterxml.jackson.databind.MapperFeature.ALLOW_COERCION_OF_SCALARS);
    /** A payload larger than this is refused before parsing (a charger's MeterValues are far smaller). */
    static final int MAX_FRAME_BYTES = 64 * 1024;

    private OcppCodec() {
    }

    static OcppFrame decode(byte[] bytes) throws OcppProtocolException {
        if (bytes.length > MAX_FRAME_BYTES) {
            throw new OcppProtocolException(OcppError.FormatViolation, null, "frame of " + bytes.length + " bytes exceeds " + MAX_FRAME_BYTES);
        }
        JsonNode root;
        try {
            root = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new OcppProtocolException(OcppError.RpcFrameworkError, null, "not JSON: " + e.getMessage());
        }
        if (root == null || !root.isArray() || root.size() < 3 || !root.get(0).isInt()) {
            throw new OcppProtocolException(OcppError.RpcFrameworkError, null, "not an OCPP-J frame ([type, messageId, ...])");
        }
        JsonNode idNode = root.get(1);
        if (!idNode.isTextual() || idNode.asText().isEmpty() || idNode.asText().length() > OcppFrame.MAX_MESSAGE_ID) {
            throw new OcppProtocolException(OcppError.RpcFrameworkError, null, "message id must be a string of 1-36 characters");
        }
        String id = idNode.asText();
        switch (root.get(0).asInt()) {
            case 2 -> {
                if (root.size() != 4 || !root.get(2).isTextual() || !root.get(3).isObject()) {
                    throw new OcppProtocolException(OcppError.RpcFrameworkError, id, "CALL must be [2, id, action, {payload}]");
                }
                return new OcppFrame.Call(id, root.get(2).asText(), root.get(3));
            }
            case 3 -> {
                if (root.size() != 3 || !root.get(2).isObject()) {
                    throw new OcppProtocolException(OcppError.RpcFrameworkError, id, "CALLRESULT must be [3, id, {payload}]");
                }
                return new OcppFrame.CallResult(id, root.get(2));
            }
            case 4 -> {
                if (root.size() != 5 || !root.get(2).isTextual() || !root.get(3).isTextual() || !root.get(4).isObject()) {
                    throw new OcppProtocolException(OcppError.RpcFrameworkError, id, "CALLERROR must be [4, id, code, description, {details}]");
                }
                OcppError code;
                try {
                    code = OcppError.valueOf(root.get(2).asText());
                } catch (IllegalArgumentException unknown) {
                    code = OcppError.GenericError;
                }
                return new OcppFrame.CallError(id, code, root.get(3).asText(), root.get(4));
            }
            default -> throw new OcppProtocolException(OcppError.MessageTypeNotSupported, id,
                    "message type " + root.get(0).asInt() + " is not supported");
        }
    }

    static byte[] encode(OcppFrame frame) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        if (frame instanceof OcppFrame.Call c) {
            out.add(2).add(c.messageId()).add(c.action()).add(c.payload());
        } else if (frame instanceof OcppFrame.CallResult r) {
            out.add(3).add(r.messageId()).add(r.payload());
        } else if (frame instanceof OcppFrame.CallError e) {
            out.add(4).add(e.messageId()).add(e.code().name()).add(e.description() == null ? "" : truncate(e.description(), 255))
                    .add(e.details() == null ? JsonNodeFactory.instance.objectNode() : e.details());
        }
        try {
            return JSON.writeValueAsBytes(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode an OCPP frame", e);
        }
    }

    static ObjectNode toPayload(Object message) {
        return JSON.valueToTree(message);
    }

    /**
     * Binds a CALL's payload to its request type, or says which CALLERROR it deserves.
     */
    static <T> T bind(OcppFrame.Call call, Class<T> type) throws OcppProtocolException {
        try {
            return JSON.treeToValue(call.payload(), type);
        } catch (UnrecognizedPropertyException e) {
            throw new OcppProtocolException(OcppError.FormatViolation, call.messageId(),
                    call.action() + ": property '" + e.getPropertyName() + "' is not in the schema");
        } catch (InvalidFormatException e) {
            // an enumeration value the schema does not list is a value not allowed; anything
            // else here (1.5 for an integer) is the wrong data type
            boolean enumeration = e.getTargetType() != null && e.getTargetType().isEnum();
            throw new OcppProtocolException(enumeration ? OcppError.PropertyConstraintViolation : OcppError.TypeConstraintViolation,
                    call.messageId(), call.action() + ": " + path(e) + " value " + e.getValue() + " is not allowed");
        } catch (ValueInstantiationException e) {
            // a constraint the record checks: length, range, non-empty list
            Throwable cause = e.getCause() == null ? e : e.getCause();
            OcppError code = cause instanceof OccurrenceViolation ? OcppError.OccurrenceConstraintViolation : OcppError.PropertyConstraintViolation;
            throw new OcppProtocolException(code, call.messageId(), call.action() + ": " + cause.getMessage());
        } catch (MismatchedInputException e) {
            boolean missing = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Missing required creator property");
            throw new OcppProtocolException(missing ? OcppError.OccurrenceConstraintViolation : OcppError.TypeConstraintViolation,
                    call.messageId(), call.action() + ": " + (missing ? "required " : "wrong type at ") + path(e));
        } catch (JsonMappingException e) {
            throw new OcppProtocolException(OcppError.FormatViolation, call.messageId(), call.action() + ": " + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw new OcppProtocolException(OcppError.FormatViolation, call.messageId(), call.action() + ": " + e.getOriginalMessage());
        }
    }

    private static String path(JsonMappingException e) {
        StringBuilder p = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            p.append(r.getFieldName() != null ? (p.length() == 0 ? "" : ".") + r.getFieldName() : "[" + r.getIndex() + "]");
        }
        return p.length() == 0 ? "payload" : p.toString();
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    /** Thrown by message records when a list is shorter than its schema's minItems. */
    static final class OccurrenceViolation extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        OccurrenceViolation(String message) {
            super(message);
        }
    }
}
