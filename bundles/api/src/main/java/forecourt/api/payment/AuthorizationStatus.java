package forecourt.api.payment;

import java.util.Objects;

import forecourt.api.money.Money;

/**
 * What an acquirer says about an authorization right now.
 *
 * @param state      see {@link State}
 * @param authorized the amount authorized
 * @param captured   the amount captured so far (zero when none)
 * @param captureId  the acquirer's id of the capture, if any
 */
public record AuthorizationStatus(State state, Money authorized, Money captured, String captureId) {
    public enum State {
        /** Authorized, capturable. */
        OPEN,
        /** Captured (the rest released). */
        CAPTURED,
        /** Released in full (cancelled) before any capture. */
        RELEASED,
        /** Lapsed: nothing can be captured any more. */
        EXPIRED,
        /** Being processed upstream, or the upstream could not be asked. */
        UNKNOWN
    }

    public AuthorizationStatus {
        Objects.requireNonNull(state, "state");
    }
}
