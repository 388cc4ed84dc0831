package forecourt.zvt.protocol;

import java.util.Map;

/** ZVT result codes (BMP 27, the abort's first byte, the NAK's second byte) with their meaning. */
public final class ResultCode {
    public static final int SUCCESS = 0x00, DECLINED = 0x05, CARD_NOT_READABLE = 0x64, TIMEOUT_OR_ABORT_KEY = 0x6C,
            COMMUNICATION_ERROR = 0x7D, FUNCTION_NOT_POSSIBLE = 0x83, PROTOCOL_ERROR = 0x9A, DIAL_UP_ERROR = 0x9B, PLEASE_WAIT = 0x9C,
            RECEIVER_NOT_READY = 0xA0, REMOTE_NOT_RESPONDING = 0xA1, NO_CONNECTION = 0xA3, ALREADY_REVERSED = 0xB4,
            REVERSAL_NOT_POSSIBLE = 0xB5, PRE_AUTHORISATION_INCORRECT = 0xB7, PRE_AUTHORISATION_ERROR = 0xB8, SYSTEM_ERROR = 0xFF;

    private static final Map<Integer, String> TEXT = Map.ofEntries(Map.entry(SUCCESS, "success"),
            Map.entry(DECLINED, "declined by the card issuer"), Map.entry(CARD_NOT_READABLE, "card not readable"),
            Map.entry(TIMEOUT_OR_ABORT_KEY, "aborted by timeout or the abort key"), Map.entry(0x6F, "wrong currency"),
            Map.entry(0x71, "credit not sufficient"), Map.entry(0x78, "card expired"), Map.entry(0x7A, "card unknown"),
            Map.entry(COMMUNICATION_ERROR, "communication error"), Map.entry(FUNCTION_NOT_POSSIBLE, "function not possible"),
            Map.entry(PROTOCOL_ERROR, "ZVT protocol error"), Map.entry(DIAL_UP_ERROR, "dial-up/communication fault"),
            Map.entry(PLEASE_WAIT, "please wait (terminal busy)"), Map.entry(RECEIVER_NOT_READY, "receiver not ready"),
            Map.entry(REMOTE_NOT_RESPONDING, "remote station does not respond"), Map.entry(NO_CONNECTION, "no connection"),
            Map.entry(ALREADY_REVERSED, "already reversed"), Map.entry(REVERSAL_NOT_POSSIBLE, "reversal not possible"),
            Map.entry(PRE_AUTHORISATION_INCORRECT, "pre-authorisation incorrect (amount too high)"),
            Map.entry(PRE_AUTHORISATION_ERROR, "pre-authorisation error"), Map.entry(0xC3, "maximum amount exceeded"),
            Map.entry(SYSTEM_ERROR, "system error"));

    private ResultCode() {
    }

    /** "6C aborted by timeout or the abort key". */
    public static String describe(int code) {
        return String.format("%02X %s", code, TEXT.getOrDefault(code, "result code"));
    }

    /**
     * Whether the terminal or its host could not process the command for now (busy, host
     * unreachable): nothing was applied, the same command may be sent again later.
     */
    public static boolean isTransient(int code) {
        return code == PLEASE_WAIT || code == RECEIVER_NOT_READY || code == REMOTE_NOT_RESPONDING || code == NO_CONNECTION
                || code == COMMUNICATION_ERROR || code == DIAL_UP_ERROR;
    }
}
