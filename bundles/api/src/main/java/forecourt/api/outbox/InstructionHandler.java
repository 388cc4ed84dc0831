package forecourt.api.outbox;

import org.osgi.annotation.versioning.ConsumerType;

import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;

/**
 * Sends instructions to one upstream link. An adapter (acquirer, terminal, fiscal
 * provider, CPO) registers one per link it serves, with the service property
 * {@value #LINK} naming the link (e.g. {@code acquirer:stripe-eu}); the outbox delivery
 * worker routes each instruction to the handler of its link and to no other. While no
 * handler is registered for a link (its bundle is being updated), its instructions wait.
 * <p>
 * Both methods are called from the worker's threads, never concurrently for the same
 * instruction, and must return within their own timeouts: a call that times out after
 * sending answers {@link InstructionOutcome.Result#UNKNOWN}, never RETRYABLE.
 */
@ConsumerType
public interface InstructionHandler {
    /** Service property: the link this handler serves. */
    String LINK = "forecourt.link";

    /**
     * Sends attempt {@code attempt} of the instruction, carrying its idempotency key.
     * The attempt is already recorded in the ledger when this is called.
     */
    InstructionOutcome deliver(Instruction instruction, int attempt);

    /**
     * Finds out what happened to an attempt whose answer was lost (or that was in flight
     * when the gateway stopped): a status lookup, or an idempotent replay where the upstream
     * guarantees one. SUCCEEDED/DECLINED when it knows, RETRYABLE when it knows the
     * instruction was not applied (safe to send again), UNKNOWN when it still cannot tell.
     */
    InstructionOutcome resolve(Instruction instruction, int attempt);
}
