package forecourt.api.payment;

import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ConsumerType;

import forecourt.api.id.EvseId;

/**
 * A card terminal that takes holds for EVSEs, registered with the service property
 * {@value #TERMINAL} = its terminal id. A hold is recorded in the ledger (a
 * {@code HOLD_PLACED} fact) <em>before</em> the returned stage completes.
 */
@ConsumerType
public interface PaymentTerminal {
    String TERMINAL = "forecourt.terminal";

    String terminalId();

    /**
     * Asks the driver to present a card for a hold for this EVSE and records the hold. Fails
     * with {@link HoldDeclinedException} when the card is declined or the driver aborts.
     */
    CompletionStage<Hold> placeHold(EvseId evse);
}
