package forecourt.charger.ocpp;

import java.math.BigDecimal;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import forecourt.charger.ocpp.OcppCodec.OccurrenceViolation;

/**
 * The OCPP 2.0.1 messages the gateway handles, as records that carry their JSON schema's
 * constraints (OCPP 2.0.1 part 3 schemas): required properties are required creator
 * properties, enumerations are Java enums, string lengths and minimum list sizes are
 * checked in the constructors. Optional properties the gateway does not use
 * (customData, vendor extensions) are declared so that they parse.
 */
final class Messages {
    private Messages() {
    }

    static String max(String field, String value, int max) {
        if (value != null && value.length() > max) {
            throw new IllegalArgumentException(field + " is longer than " + max + " characters");
        }
        return value;
    }

    static String dateTime(String field, String value) {
        if (value != null) {
            try {
                OffsetDateTime.parse(value);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(field + " '" + value + "' is not an RFC 3339 date-time");
            }
        }
        return value;
    }

    static <T> List<T> atLeastOne(String field, List<T> list) {
        if (list != null && list.isEmpty()) {
            throw new OccurrenceViolation(field + " must have at least one item");
        }
        return list;
    }

    // ---------------------------------------------------------------- shared types

    enum BootReason { ApplicationReset, FirmwareUpdate, LocalReset, PowerUp, RemoteReset, ScheduledReset, Triggered, Unknown, Watchdog }

    enum ConnectorStatus { Available, Occupied, Reserved, Unavailable, Faulted }

    enum RegistrationStatus { Accepted, Pending, Rejected }

    enum ReadingContext {
        @JsonProperty("Interruption.Begin") INTERRUPTION_BEGIN, @JsonProperty("Interruption.End") INTERRUPTION_END,
        @JsonProperty("Other") OTHER, @JsonProperty("Sample.Clock") SAMPLE_CLOCK, @JsonProperty("Sample.Periodic") SAMPLE_PERIODIC,
        @JsonProperty("Transaction.Begin") TRANSACTION_BEGIN, @JsonProperty("Transaction.End") TRANSACTION_END,
        @JsonProperty("Trigger") TRIGGER
    }

    enum Measurand {
        @JsonProperty("Current.Export") CURRENT_EXPORT, @JsonProperty("Current.Import") CURRENT_IMPORT,
        @JsonProperty("Current.Offered") CURRENT_OFFERED,
        @JsonProperty("Energy.Active.Export.Register") ENERGY_ACTIVE_EXPORT_REGISTER,
        @JsonProperty("Energy.Active.Import.Register") ENERGY_ACTIVE_IMPORT_REGISTER,
        @JsonProperty("Energy.Reactive.Export.Register") ENERGY_REACTIVE_EXPORT_REGISTER,
        @JsonProperty("Energy.Reactive.Import.Register") ENERGY_REACTIVE_IMPORT_REGISTER,
        @JsonProperty("Energy.Active.Export.Interval") ENERGY_ACTIVE_EXPORT_INTERVAL,
        @JsonProperty("Energy.Active.Import.Interval") ENERGY_ACTIVE_IMPORT_INTERVAL,
        @JsonProperty("Energy.Active.Net") ENERGY_ACTIVE_NET,
        @JsonProperty("Energy.Reactive.Export.Interval") ENERGY_REACTIVE_EXPORT_INTERVAL,
        @JsonProperty("Energy.Reactive.Import.Interval") ENERGY_REACTIVE_IMPORT_INTERVAL,
        @JsonProperty("Energy.Reactive.Net") ENERGY_REACTIVE_NET, @JsonProperty("Energy.Apparent.Net") ENERGY_APPARENT_NET,
        @JsonProperty("Energy.Apparent.Import") ENERGY_APPARENT_IMPORT, @JsonProperty("Energy.Apparent.Export") ENERGY_APPARENT_EXPORT,
        @JsonProperty("Frequency") FREQUENCY, @JsonProperty("Power.Active.Export") POWER_ACTIVE_EXPORT,
        @JsonProperty("Power.Active.Import") POWER_ACTIVE_IMPORT, @JsonProperty("Power.Factor") POWER_FACTOR,
        @JsonProperty("Power.Offered") POWER_OFFERED, @JsonProperty("Power.Reactive.Export") POWER_REACTIVE_EXPORT,
        @JsonProperty("Power.Reactive.Import") POWER_REACTIVE_IMPORT, @JsonProperty("SoC") SOC, @JsonProperty("Voltage") VOLTAGE
    }

    enum Phase { L1, L2, L3, N, @JsonProperty("L1-N") L1_N, @JsonProperty("L2-N") L2_N, @JsonProperty("L3-N") L3_N,
        @JsonProperty("L1-L2") L1_L2, @JsonProperty("L2-L3") L2_L3, @JsonProperty("L3-L1") L3_L1 }

    enum Location { Body, Cable, EV, Inlet, Outlet }

    enum TransactionEventType { Ended, Started, Updated }

    enum TriggerReason { Authorized, CablePluggedIn, ChargingRateChanged, ChargingStateChanged, Deauthorized, EnergyLimitReached,
        EVCommunicationLost, EVConnectTimeout, MeterValueClock, MeterValuePeriodic, TimeLimitReached, Trigger, UnlockCommand,
        StopAuthorized, EVDeparted, EVDetected, RemoteStop, RemoteStart, AbnormalCondition, SignedDataReceived, ResetCommand }

    enum ChargingState { Charging, EVConnected, SuspendedEV, SuspendedEVSE, Idle }

    enum StoppedReason { DeAuthorized, EmergencyStop, EnergyLimitReached, EVDisconnected, GroundFault, ImmediateReset, Local,
        LocalOutOfCredit, MasterPass, Other, OvercurrentFault, PowerLoss, PowerQuality, Reboot, Remote, SOCLimitReached,
        StoppedByEV, TimeLimitReached, Timeout }

    enum IdTokenType { Central, eMAID, ISO14443, ISO15693, KeyCode, Local, MacAddress, NoAuthorization }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Modem(String iccid, String imsi, Object customData) {
        Modem {
            max("modem.iccid", iccid, 20);
            max("modem.imsi", imsi, 20);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ChargingStation(String serialNumber, @JsonProperty(required = true) String model, Modem modem,
            @JsonProperty(required = true) String vendorName, String firmwareVersion, Object customData) {
        ChargingStation {
            max("chargingStation.serialNumber", serialNumber, 25);
            max("chargingStation.model", model, 20);
            max("chargingStation.vendorName", vendorName, 50);
            max("chargingStation.firmwareVersion", firmwareVersion, 50);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record UnitOfMeasure(String unit, Integer multiplier, Object customData) {
        UnitOfMeasure {
            max("unitOfMeasure.unit", unit, 20);
        }
    }

    /** OCPP 2.0.1 SignedMeterValueType: for OCMF, signedMeterData is the Base64 of the OCMF string. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SignedMeterValue(@JsonProperty(required = true) String signedMeterData, @JsonProperty(required = true) String signingMethod,
            @JsonProperty(required = true) String encodingMethod, @JsonProperty(required = true) String publicKey, Object customData) {
        SignedMeterValue {
            max("signedMeterValue.signedMeterData", signedMeterData, 2500);
            max("signedMeterValue.signingMethod", signingMethod, 50);
            max("signedMeterValue.encodingMethod", encodingMethod, 50);
            max("signedMeterValue.publicKey", publicKey, 2500);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SampledValue(@JsonProperty(required = true) BigDecimal value, ReadingContext context, Measurand measurand, Phase phase,
            Location location, SignedMeterValue signedMeterValue, UnitOfMeasure unitOfMeasure, Object customData) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MeterValue(@JsonProperty(required = true) List<SampledValue> sampledValue, @JsonProperty(required = true) String timestamp,
            Object customData) {
        MeterValue {
            atLeastOne("meterValue.sampledValue", sampledValue);
            dateTime("meterValue.timestamp", timestamp);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Evse(@JsonProperty(required = true) Integer id, Integer connectorId, Object customData) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record AdditionalInfo(@JsonProperty(required = true) String additionalIdToken, @JsonProperty(required = true) String type,
            Object customData) {
        AdditionalInfo {
            max("additionalInfo.additionalIdToken", additionalIdToken, 36);
            max("additionalInfo.type", type, 50);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record IdToken(@JsonProperty(required = true) String idToken, @JsonProperty(required = true) IdTokenType type,
            List<AdditionalInfo> additionalInfo, Object customData) {
        IdToken {
            max("idToken.idToken", idToken, 36);
            atLeastOne("idToken.additionalInfo", additionalInfo);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record TransactionInfo(@JsonProperty(required = true) String transactionId, ChargingState chargingState, Integer timeSpentCharging,
            StoppedReason stoppedReason, Integer remoteStartId, Object customData) {
        TransactionInfo {
            max("transactionInfo.transactionId", transactionId, 36);
        }
    }

    // ---------------------------------------------------------------- requests (charger → gateway)

    record BootNotificationRequest(@JsonProperty(required = true) ChargingStation chargingStation,
            @JsonProperty(required = true) BootReason reason, Object customData) {
    }

    record StatusNotificationRequest(@JsonProperty(required = true) String timestamp,
            @JsonProperty(required = true) ConnectorStatus connectorStatus, @JsonProperty(required = true) Integer evseId,
            @JsonProperty(required = true) Integer connectorId, Object customData) {
        StatusNotificationRequest {
            dateTime("timestamp", timestamp);
        }
    }

    record HeartbeatRequest(Object customData) {
    }

    record MeterValuesRequest(@JsonProperty(required = true) Integer evseId, @JsonProperty(required = true) List<MeterValue> meterValue,
            Object customData) {
        MeterValuesRequest {
            atLeastOne("meterValue", meterValue);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record TransactionEventRequest(@JsonProperty(required = true) TransactionEventType eventType, List<MeterValue> meterValue,
            @JsonProperty(required = true) String timestamp, @JsonProperty(required = true) TriggerReason triggerReason,
            @JsonProperty(required = true) Integer seqNo, Boolean offline, Integer numberOfPhasesUsed, Integer cableMaxCurrent,
            Integer reservationId, @JsonProperty(required = true) TransactionInfo transactionInfo, IdToken idToken, Evse evse,
            Object customData) {
        TransactionEventRequest {
            dateTime("timestamp", timestamp);
            atLeastOne("meterValue", meterValue);
            if (seqNo != null && seqNo < 0) {
                throw new IllegalArgumentException("seqNo must not be negative");
            }
        }

        boolean isOffline() {
            return Boolean.TRUE.equals(offline);
        }
    }

    // ---------------------------------------------------------------- responses (gateway → charger)

    record BootNotificationResponse(String currentTime, int interval, RegistrationStatus status) {
    }

    record HeartbeatResponse(String currentTime) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record EmptyResponse() {
    }
}
