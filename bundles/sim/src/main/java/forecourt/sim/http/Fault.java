package forecourt.sim.http;

/**
 * What an emulator does to one request instead of answering it plainly: the ways a
 * money call goes wrong on a real WAN.
 */
public enum Fault {
    /** Answer normally. */
    NONE,
    /** The connection drops before the request is processed: nothing applied. */
    DROP_BEFORE_APPLY,
    /** The request is applied, then the connection drops before the answer: the classic ambiguity. */
    APPLY_THEN_DROP,
    /** The request is applied and the answer comes too late for the client's timeout. */
    APPLY_THEN_STALL,
    /** 500 before anything is applied (saved under the idempotency key, as Stripe does). */
    SERVER_ERROR,
    /** 503 at the front door: not processed, not saved. */
    UNAVAILABLE,
    /** 429 rate limited: not processed, not saved. */
    RATE_LIMITED,
    /** The acquirer declines the operation. */
    DECLINE
}
