package forecourt.api.payment;

import java.util.Objects;

import forecourt.api.money.Money;

/**
 * What the settlement engine asks the acquirer holding an authorization to do; the body
 * of a money instruction in the outbox.
 *
 * @param operation              settle (capture {@code amount}, release the rest) or release all
 * @param authorizationReference Forecourt's reference of the hold
 * @param providerReference      the acquirer's id of the authorization
 * @param authorized             the amount held
 * @param amount                 the amount to capture: the reconciled amount for SETTLE, zero for RELEASE
 */
public record SettlementOrder(Operation operation, String authorizationReference, String providerReference, Money authorized,
        Money amount) {
    public enum Operation {
        /** Capture {@code amount} and release the rest of the hold, by authorization reversal. */
        SETTLE,
        /** Zero energy: release the whole hold. */
        RELEASE;

        /** The operation name in the idempotency key. */
        public String keyName() {
            return this == SETTLE ? "settle" : "release";
        }
    }

    public SettlementOrder {
        Objects.requireNonNull(operation, "operation");
        Objects.requireNonNull(authorizationReference, "authorizationReference");
        Objects.requireNonNull(providerReference, "providerReference");
        Objects.requireNonNull(authorized, "authorized");
        Objects.requireNonNull(amount, "amount");
        if (amount.isNegative() || amount.exceeds(authorized)) {
            throw new IllegalArgumentException("capture amount " + amount + " must be within the hold " + authorized);
        }
        if (operation == Operation.SETTLE && amount.isZero()) {
            throw new IllegalArgumentException("a zero-energy session is released, not settled for zero");
        }
        if (operation == Operation.RELEASE && !amount.isZero()) {
            throw new IllegalArgumentException("a release captures nothing");
        }
    }

    /** What the capture leaves of the hold, released by reversal. */
    public Money released() {
        return authorized.minus(amount);
    }
}
