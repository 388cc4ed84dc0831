package forecourt.charger.ocpp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

import org.junit.jupiter.api.Test;

import forecourt.charger.ocpp.Messages.BootNotificationRequest;
import forecourt.charger.ocpp.Messages.HeartbeatRequest;
import forecourt.charger.ocpp.Messages.MeterValuesRequest;
import forecourt.charger.ocpp.Messages.StatusNotificationRequest;
import forecourt.charger.ocpp.Messages.TransactionEventRequest;

class OcppCodecTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static OcppFrame.Call call(String action, String payload) throws OcppProtocolException {
        return (OcppFrame.Call) OcppCodec.decode(bytes("[2,\"m-1\",\"" + action + "\"," + payload + "]"));
    }

    private static void refused(String action, Class<?> type, String payload, OcppError code) {
        assertThatThrownBy(() -> OcppCodec.bind(call(action, payload), type)).as(payload).isInstanceOf(OcppProtocolException.class)
                .satisfies(e -> {
                    assertThat(((OcppProtocolException) e).code()).as(e.getMessage()).isEqualTo(code);
                    assertThat(((OcppProtocolException) e).messageId()).isEqualTo("m-1");
                });
    }

    // ---------------------------------------------------------------- frames

    @Test
    void framesRoundTrip() throws Exception {
        OcppFrame.Call c = call("Heartbeat", "{}");
        assertThat(c.action()).isEqualTo("Heartbeat");
        assertThat(new String(OcppCodec.encode(c), StandardCharsets.UTF_8)).isEqualTo("[2,\"m-1\",\"Heartbeat\",{}]");

        OcppFrame.CallResult r = new OcppFrame.CallResult("m-1",
                OcppCodec.toPayload(new Messages.HeartbeatResponse("2026-11-24T10:00:00Z")));
        assertThat(new String(OcppCodec.encode(r), StandardCharsets.UTF_8)).isEqualTo("[3,\"m-1\",{\"currentTime\":\"2026-11-24T10:00:00Z\"}]");
        assertThat(OcppCodec.decode(OcppCodec.encode(r))).isEqualTo(r);

        OcppFrame.CallError e = new OcppFrame.CallError("m-1", OcppError.FormatViolation, "bad", null);
        OcppFrame back = OcppCodec.decode(OcppCodec.encode(e));
        assertThat(back).isInstanceOfSatisfying(OcppFrame.CallError.class, b -> {
            assertThat(b.code()).isEqualTo(OcppError.FormatViolation);
            assertThat(b.description()).isEqualTo("bad");
        });
    }

    @Test
    void malformedFramesGetTheRpcErrorOcppNames() {
        String[][] cases = {
                { "not json", "RpcFrameworkError" },
                { "{\"a\":1}", "RpcFrameworkError" },
                { "[2]", "RpcFrameworkError" },
                { "[2,17,\"Heartbeat\",{}]", "RpcFrameworkError" },
                { "[2,\"" + "x".repeat(37) + "\",\"Heartbeat\",{}]", "RpcFrameworkError" },
                { "[2,\"m\",\"Heartbeat\",[]]", "RpcFrameworkError" },
                { "[2,\"m\",\"Heartbeat\"]", "RpcFrameworkError" },
                { "[7,\"m\",\"Heartbeat\",{}]", "MessageTypeNotSupported" },
                { "[3,\"m\",\"x\"]", "RpcFrameworkError" },
                { "[4,\"m\",\"GenericError\",\"d\"]", "RpcFrameworkError" } };
        for (String[] c : cases) {
            assertThatThrownBy(() -> OcppCodec.decode(bytes(c[0]))).as(c[0]).isInstanceOf(OcppProtocolException.class)
                    .satisfies(e -> assertThat(((OcppProtocolException) e).code().name()).isEqualTo(c[1]));
        }
        byte[] huge = bytes("[2,\"m\",\"DataTransfer\",{\"data\":\"" + "x".repeat(70_000) + "\"}]");
        assertThatThrownBy(() -> OcppCodec.decode(huge)).isInstanceOf(OcppProtocolException.class)
                .satisfies(e -> assertThat(((OcppProtocolException) e).code()).isEqualTo(OcppError.FormatViolation));
    }

    // ---------------------------------------------------------------- messages

    @Test
    void bootNotification() throws Exception {
        BootNotificationRequest ok = OcppCodec.bind(call("BootNotification",
                "{\"reason\":\"PowerUp\",\"chargingStation\":{\"model\":\"HPC-300\",\"vendorName\":\"Forecourt Sim\",\"serialNumber\":\"SN1\","
                        + "\"modem\":{\"iccid\":\"8949\"}}}"), BootNotificationRequest.class);
        assertThat(ok.reason()).isEqualTo(Messages.BootReason.PowerUp);
        assertThat(ok.chargingStation().vendorName()).isEqualTo("Forecourt Sim");
        refused("BootNotification", BootNotificationRequest.class, "{\"reason\":\"PowerUp\",\"chargingStation\":{\"model\":\"M\"}}",
                OcppError.OccurrenceConstraintViolation);
        refused("BootNotification", BootNotificationRequest.class,
                "{\"reason\":\"Sunrise\",\"chargingStation\":{\"model\":\"M\",\"vendorName\":\"V\"}}", OcppError.PropertyConstraintViolation);
        refused("BootNotification", BootNotificationRequest.class,
                "{\"reason\":\"PowerUp\",\"chargingStation\":{\"model\":\"" + "M".repeat(21) + "\",\"vendorName\":\"V\"}}",
                OcppError.PropertyConstraintViolation);
        refused("BootNotification", BootNotificationRequest.class,
                "{\"reason\":\"PowerUp\",\"chargingStation\":{\"model\":\"M\",\"vendorName\":\"V\"},\"colour\":\"red\"}", OcppError.FormatViolation);
        refused("BootNotification", BootNotificationRequest.class, "{\"reason\":\"PowerUp\",\"chargingStation\":\"M\"}",
                OcppError.TypeConstraintViolation);
    }

    @Test
    void statusNotificationAndHeartbeat() throws Exception {
        StatusNotificationRequest ok = OcppCodec.bind(call("StatusNotification",
                "{\"timestamp\":\"2026-11-24T10:00:00.000Z\",\"connectorStatus\":\"Occupied\",\"evseId\":1,\"connectorId\":1}"),
                StatusNotificationRequest.class);
        assertThat(ok.connectorStatus()).isEqualTo(Messages.ConnectorStatus.Occupied);
        refused("StatusNotification", StatusNotificationRequest.class,
                "{\"timestamp\":\"2026-11-24T10:00:00Z\",\"connectorStatus\":\"Occupied\",\"evseId\":\"1\",\"connectorId\":1}",
                OcppError.TypeConstraintViolation);
        refused("StatusNotification", StatusNotificationRequest.class,
                "{\"timestamp\":\"yesterday\",\"connectorStatus\":\"Occupied\",\"evseId\":1,\"connectorId\":1}",
                OcppError.PropertyConstraintViolation);
        refused("StatusNotification", StatusNotificationRequest.class,
                "{\"timestamp\":\"2026-11-24T10:00:00Z\",\"connectorStatus\":\"Occupied\",\"evseId\":1.5,\"connectorId\":1}",
                OcppError.TypeConstraintViolation);
        refused("StatusNotification", StatusNotificationRequest.class, "{\"timestamp\":\"2026-11-24T10:00:00Z\",\"evseId\":1,\"connectorId\":1}",
                OcppError.OccurrenceConstraintViolation);
        assertThat(OcppCodec.bind(call("Heartbeat", "{}"), HeartbeatRequest.class)).isNotNull();
        refused("Heartbeat", HeartbeatRequest.class, "{\"beat\":1}", OcppError.FormatViolation);
    }

    @Test
    void meterValues() throws Exception {
        MeterValuesRequest ok = OcppCodec.bind(call("MeterValues",
                "{\"evseId\":1,\"meterValue\":[{\"timestamp\":\"2026-11-24T10:01:00Z\",\"sampledValue\":[{\"value\":12.345,"
                        + "\"measurand\":\"Energy.Active.Import.Register\",\"context\":\"Sample.Periodic\",\"unitOfMeasure\":{\"unit\":\"kWh\"}}]}]}"),
                MeterValuesRequest.class);
        Messages.SampledValue v = ok.meterValue().get(0).sampledValue().get(0);
        assertThat(v.value()).isEqualByComparingTo(new BigDecimal("12.345"));
        assertThat(v.measurand()).isEqualTo(Messages.Measurand.ENERGY_ACTIVE_IMPORT_REGISTER);
        refused("MeterValues", MeterValuesRequest.class, "{\"evseId\":1,\"meterValue\":[]}", OcppError.OccurrenceConstraintViolation);
        refused("MeterValues", MeterValuesRequest.class,
                "{\"evseId\":1,\"meterValue\":[{\"timestamp\":\"2026-11-24T10:01:00Z\",\"sampledValue\":[]}]}",
                OcppError.OccurrenceConstraintViolation);
        refused("MeterValues", MeterValuesRequest.class,
                "{\"evseId\":1,\"meterValue\":[{\"timestamp\":\"2026-11-24T10:01:00Z\",\"sampledValue\":[{\"value\":\"lots\"}]}]}",
                OcppError.TypeConstraintViolation);
        refused("MeterValues", MeterValuesRequest.class,
                "{\"evseId\":1,\"meterValue\":[{\"timestamp\":\"2026-11-24T10:01:00Z\",\"sampledValue\":[{\"value\":1,\"measurand\":\"Happiness\"}]}]}",
                OcppError.PropertyConstraintViolation);
    }

    @Test
    void transactionEventWithASignedReading() throws Exception {
        String ocmf = "OCMF|{\"FV\":\"1.0\",\"RD\":[{\"TX\":\"E\",\"RV\":1.5,\"RU\":\"kWh\"}]}|{\"SD\":\"3045\"}";
        String json = "{\"eventType\":\"Ended\",\"timestamp\":\"2026-11-24T10:30:00Z\",\"triggerReason\":\"StopAuthorized\",\"seqNo\":7,"
                + "\"offline\":true,\"transactionInfo\":{\"transactionId\":\"tx-42\",\"stoppedReason\":\"Local\"},"
                + "\"idToken\":{\"idToken\":\"AT0042-01JB2W3X4Y5Z6A7B8C9D0E\",\"type\":\"Central\"},\"evse\":{\"id\":1,\"connectorId\":1},"
                + "\"meterValue\":[{\"timestamp\":\"2026-11-24T10:30:00Z\",\"sampledValue\":[{\"value\":1.5,\"context\":\"Transaction.End\","
                + "\"measurand\":\"Energy.Active.Import.Register\",\"signedMeterValue\":{\"signedMeterData\":\""
                + Base64.getEncoder().encodeToString(ocmf.getBytes(StandardCharsets.UTF_8))
                + "\",\"signingMethod\":\"ECDSA-secp256r1-SHA256\",\"encodingMethod\":\"OCMF\",\"publicKey\":\"\"}}]}]}";
        TransactionEventRequest ok = OcppCodec.bind(call("TransactionEvent", json), TransactionEventRequest.class);
        assertThat(ok.isOffline()).isTrue();
        assertThat(ok.seqNo()).isEqualTo(7);
        assertThat(ok.idToken().type()).isEqualTo(Messages.IdTokenType.Central);
        Messages.SignedMeterValue signed = ok.meterValue().get(0).sampledValue().get(0).signedMeterValue();
        assertThat(new String(Base64.getDecoder().decode(signed.signedMeterData()), StandardCharsets.UTF_8)).isEqualTo(ocmf);

        String minimal = "{\"eventType\":\"Started\",\"timestamp\":\"2026-11-24T10:00:00Z\",\"triggerReason\":\"Authorized\",\"seqNo\":0,"
                + "\"transactionInfo\":{\"transactionId\":\"%s\"}%s}";
        assertThat(OcppCodec.bind(call("TransactionEvent", String.format(minimal, "tx", "")), TransactionEventRequest.class).isOffline()).isFalse();
        refused("TransactionEvent", TransactionEventRequest.class, String.format(minimal, "t".repeat(37), ""), OcppError.PropertyConstraintViolation);
        refused("TransactionEvent", TransactionEventRequest.class, String.format(minimal, "tx", ",\"idToken\":{\"idToken\":\"x\",\"type\":\"Badge\"}"),
                OcppError.PropertyConstraintViolation);
        refused("TransactionEvent", TransactionEventRequest.class, String.format(minimal, "tx", ",\"idToken\":{\"type\":\"Central\"}"),
                OcppError.OccurrenceConstraintViolation);
        refused("TransactionEvent", TransactionEventRequest.class, String.format(minimal, "tx", ",\"offline\":\"yes\""),
                OcppError.TypeConstraintViolation);
        refused("TransactionEvent", TransactionEventRequest.class, String.format(minimal, "tx", "").replace("\"seqNo\":0", "\"seqNo\":-1"),
                OcppError.PropertyConstraintViolation);
        refused("TransactionEvent", TransactionEventRequest.class, String.format(minimal, "tx", "").replace("\"eventType\":\"Started\",", ""),
                OcppError.OccurrenceConstraintViolation);
    }
}
