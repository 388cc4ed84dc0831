package forecourt.charger.ocpp;

/** OCPP-J 2.0.1 CALLERROR codes (OCPP 2.0.1 part 4, section 4.3). */
enum OcppError {
    /** Payload for Action is syntactically incorrect. */
    FormatViolation,
    GenericError,
    InternalError,
    /** A message with a Message Type Number received that is not supported. */
    MessageTypeNotSupported,
    /** Requested Action is not known by receiver. */
    NotImplemented,
    /** Requested Action is recognized but not supported by the receiver. */
    NotSupported,
    /** Payload is syntactically correct but violates occurrence constraints (e.g. a required field is missing). */
    OccurrenceConstraintViolation,
    /** Payload is syntactically correct but a property has a value not allowed (length, enumeration). */
    PropertyConstraintViolation,
    /** Payload for Action is not conform the PDU structure. */
    ProtocolError,
    /** Content of the call is not a valid RPC request, e.g. the message id could not be read. */
    RpcFrameworkError,
    SecurityError,
    /** Payload is syntactically correct but a field has the wrong data type. */
    TypeConstraintViolation
}
