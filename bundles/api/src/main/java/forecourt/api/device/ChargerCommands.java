package forecourt.api.device;

import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ConsumerType;

import forecourt.api.id.ChargerId;
import forecourt.api.id.EvseId;

/**
 * What the gateway can ask of chargers, whatever their dialect. A charger driver
 * registers one for the chargers it serves. Each stage completes with whether the
 * charger accepted, or fails when the charger did not answer in time.
 */
@ConsumerType
public interface ChargerCommands {
    /**
     * Starts a transaction on the EVSE with the hold's authorization reference as idToken
     * (OCPP 2.0.1 RequestStartTransaction, idToken type {@code Central}).
     */
    CompletionStage<Boolean> requestStart(EvseId evse, String authorizationReference);

    /** Ends a transaction (OCPP 2.0.1 RequestStopTransaction). */
    CompletionStage<Boolean> requestStop(ChargerId charger, String transactionId);
}
