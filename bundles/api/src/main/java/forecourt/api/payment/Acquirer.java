package forecourt.api.payment;

import org.osgi.annotation.versioning.ConsumerType;

import forecourt.api.outbox.InstructionHandler;

/**
 * An acquirer adapter instance. It settles {@link SettlementOrder}s delivered by the
 * outbox worker as their instruction handler (registered with the outbox's link
 * property {@code acquirer:<instance>}); every call carries the instruction's idempotency
 * key, and an answer lost in transit is resolved by {@link #lookup} or an idempotent
 * replay, never by assuming failure.
 */
@ConsumerType
public interface Acquirer extends InstructionHandler {
    /** Link prefix of acquirer instances in the outbox. */
    String LINK_KIND = "acquirer";

    /** The instance name from configuration: the outbox link is {@code acquirer:<name>}. */
    String name();

    /** Asks the acquirer what state an authorization is in. */
    AuthorizationStatus lookup(String providerReference);
}
