package forecourt.sim.charger;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;

/**
 * A charger speaking OCPP 2.0.1 over MQTT (docs/ocpp-over-mqtt.md), with its own signing
 * meter. Like a real OCPP charger it keeps its transaction events while its link is down
 * and sends them, in order and flagged {@code offline: true}, when the link returns.
 */
public final class SimulatedCharger implements AutoCloseable {
    private final String id;
    private final String brokerUrl;
    private final SimulatedMeter meter;
    private final Clock clock;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final AtomicInteger messages = new AtomicInteger();
    private final AtomicInteger remoteStarts = new AtomicInteger();
    private final ExecutorService commands = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sim-charger-commands");
        t.setDaemon(true);
        return t;
    });
    private final Deque<String> queued = new ArrayDeque<>();
    /** message id → the answer frame, for every CALL answered */
    public final Map<String, String> answers = new ConcurrentHashMap<>();
    private final String password;
    private MqttClient client;
    private boolean linkUp;
    private String transactionId;
    private String idToken;
    private CsmsLink csms;
    private boolean csmsLinkUp = true;
    private final java.util.ArrayDeque<String> csmsQueued = new java.util.ArrayDeque<>();
    private boolean plugged;
    private int seqNo;
    private int evse;

    public SimulatedCharger(String id, String brokerUrl, SimulatedMeter meter, Clock clock) {
        this(id, brokerUrl, meter, clock, null);
    }

    /** @param password its MQTT password (user name and client id are its id), or null for an open broker */
    public SimulatedCharger(String id, String brokerUrl, SimulatedMeter meter, Clock clock, String password) {
        this.password = password;
        this.id = id;
        this.brokerUrl = brokerUrl;
        this.meter = meter;
        this.clock = clock;
    }

    public String id() {
        return id;
    }

    public SimulatedMeter meter() {
        return meter;
    }

    /** Connects and sends what was queued while the link was down. */
    public synchronized void linkUp() throws MqttException {
        if (linkUp && client != null && client.isConnected()) {
            flushToCsms(); // reports the CSMS missed while it was unreachable
            return;
        }
        linkUp = false; // it went down under us (the broker died): connect afresh
        if (client != null) {
            drop();
        }
        client = new MqttClient(brokerUrl, id, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMaxInflight(1000);
        if (password != null) {
            options.setUserName(id);
            options.setPassword(password.toCharArray());
        }
        try {
            client.connect(options);
        } catch (MqttException e) {
            drop();
            throw e;
        }
        client.subscribe("chargers/" + id + "/down", 1, (topic, message) -> {
            String frame = new String(message.getPayload(), StandardCharsets.UTF_8);
            JsonNode parsed = JSON.readTree(frame);
            if (parsed.path(0).asInt() == 2) {
                commands.execute(() -> command(parsed)); // never publish from Paho's callback thread
            } else {
                answers.put(parsed.path(1).asText(), frame);
            }
        });
        linkUp = true;
        csmsLinkUp = true;
        flushToCsms();
        while (!queued.isEmpty()) {
            if (!send(queued.peek())) {
                return; // the link failed again: the rest stays queued, in order
            }
            queued.poll();
        }
    }

    /** Whether the charger believes its link is up (it finds out it is not when a publish fails). */
    public synchronized boolean isLinkUp() {
        return linkUp && client != null && client.isConnected();
    }

    /** Reports also go to the CPO's CSMS over the charger's own link (the CSMS builds its CDRs from them). */
    public synchronized void reportTo(CsmsLink link) {
        this.csms = link;
    }

    private void flushToCsms() {
        while (csms != null && csmsLinkUp && !csmsQueued.isEmpty()) {
            try {
                csms.report(id, csmsQueued.peek());
                csmsQueued.poll();
            } catch (java.io.IOException unreachable) {
                return; // stays queued, in order
            }
        }
    }

    /**
     * The CSMS starts a transaction (its RequestStartTransaction over the charger's own link,
     * after the CPO took an OCPI START_SESSION): like a start from the gateway, refused with no
     * cable or a transaction running.
     */
    public synchronized boolean startFromCsms(String idToken, int evseId) {
        if (transactionId != null || !plugged) {
            return false;
        }
        try {
            startTransaction(idToken, evseId);
        } catch (MqttException e) {
            // the report is queued towards the gateway; the transaction runs
        }
        remoteStarts.incrementAndGet();
        return true;
    }

    /** The idToken its current transaction was started with (the hold's reference), or null. */
    public synchronized String idToken() {
        return transactionId == null ? null : idToken;
    }

    private void drop() {
        try {
            client.disconnectForcibly(100, 100);
        } catch (MqttException | RuntimeException ignored) {
            // already gone
        }
        try {
            client.close(true);
        } catch (MqttException | RuntimeException ignored) {
            // already closed
        }
        client = null;
    }

    /** Publishes; on failure the link is down (like a real charger noticing its socket died). */
    private boolean send(String frame) {
        try {
            publish(frame);
            return true;
        } catch (MqttException | RuntimeException e) {
            linkUp = false;
            if (client != null) {
                drop();
            }
            return false;
        }
    }

    /** The link drops (a cable, the LTE modem): energy still flows, events wait. */
    public synchronized void linkDown() {
        linkUp = false;
        csmsLinkUp = false; // the same WAN
        if (client != null) {
            drop();
        }
    }

    /** A CALL from the gateway: RequestStartTransaction / RequestStopTransaction, answered like a real charger. */
    private void command(JsonNode call) {
        String messageId = call.path(1).asText();
        String action = call.path(2).asText();
        JsonNode payload = call.path(3);
        try {
            switch (action) {
                case "RequestStartTransaction" -> {
                    boolean free;
                    synchronized (this) {
                        free = transactionId == null && plugged; // no cable, no charge: a late start is refused
                    }
                    answer(messageId, free ? "Accepted" : "Rejected");
                    if (free) {
                        startTransaction(payload.path("idToken").path("idToken").asText(), payload.path("evseId").asInt(1));
                        remoteStarts.incrementAndGet();
                    }
                }
                case "RequestStopTransaction" -> {
                    boolean ours;
                    synchronized (this) {
                        ours = payload.path("transactionId").asText().equals(transactionId);
                    }
                    answer(messageId, ours ? "Accepted" : "Rejected");
                    if (ours) {
                        stopTransaction();
                    }
                }
                default -> publishRaw("[4,\"" + messageId + "\",\"NotImplemented\",\"" + action + " is not simulated\",{}]");
            }
        } catch (MqttException e) {
            // the link dropped meanwhile: the gateway's command times out, as with a real charger
        }
    }

    private void answer(String messageId, String status) throws MqttException {
        publishRaw("[3,\"" + messageId + "\",{\"status\":\"" + status + "\"}]");
    }

    private synchronized void publishRaw(String frame) {
        if (linkUp) {
            send(frame); // an answer lost with the link: the gateway's command times out, as with a real charger
        }
    }

    /** Transactions started on the gateway's request. */
    public int remoteStarts() {
        return remoteStarts.get();
    }

    /** The driver plugs the cable in: the EVSE reports Occupied, which is what makes the gateway take a hold. */
    public synchronized String plugIn(int evseId) throws MqttException {
        plugged = true;
        return call("StatusNotification", "{\"timestamp\":\"" + clock.instant() + "\",\"connectorStatus\":\"Occupied\",\"evseId\":" + evseId
                + ",\"connectorId\":1}");
    }

    /** The driver unplugs after the transaction: the EVSE is Available again. */
    public synchronized String unplug(int evseId) throws MqttException {
        plugged = false;
        return call("StatusNotification", "{\"timestamp\":\"" + clock.instant() + "\",\"connectorStatus\":\"Available\",\"evseId\":" + evseId
                + ",\"connectorId\":1}");
    }

    /** The charger's current transaction, or null. */
    public synchronized String transactionId() {
        return transactionId;
    }

    public synchronized String boot() throws MqttException {
        return call("BootNotification", "{\"reason\":\"PowerUp\",\"chargingStation\":{\"model\":\"SIM-HPC\",\"vendorName\":\"Forecourt\"}}");
    }

    /** The driver authorised by the gateway's hold: the transaction starts with the hold's reference as idToken. */
    public synchronized String startTransaction(String authorizationReference, int evseId) throws MqttException {
        this.evse = evseId;
        this.idToken = authorizationReference;
        this.transactionId = id + "-" + clock.millis();
        this.seqNo = 0;
        return transactionEvent("Started", "Authorized", ",\"idToken\":{\"idToken\":\"" + authorizationReference
                + "\",\"type\":\"Central\"},\"evse\":{\"id\":" + evseId + ",\"connectorId\":1}", meter.sign("B", ocmfTime()));
    }

    /** Energy flows; an unsigned periodic reading goes out (real meters sign only begin and end). */
    public synchronized String charge(BigDecimal wh) throws MqttException {
        meter.deliver(wh);
        String value = meter.registerWh().toPlainString();
        return transactionEvent("Updated", "MeterValuePeriodic", ",\"meterValue\":[{\"timestamp\":\"" + clock.instant()
                + "\",\"sampledValue\":[{\"value\":" + value + ",\"measurand\":\"Energy.Active.Import.Register\",\"unitOfMeasure\":{\"unit\":\"Wh\"}}]}]",
                null);
    }

    public synchronized String stopTransaction() throws MqttException {
        String sent = transactionEvent("Ended", "StopAuthorized", ",\"evse\":{\"id\":" + evse + ",\"connectorId\":1}", meter.sign("E", ocmfTime()));
        transactionId = null;
        return sent;
    }

    private String transactionEvent(String type, String trigger, String extra, String signedOcmf) throws MqttException {
        String meterValue = "";
        if (signedOcmf != null) {
            meterValue = ",\"meterValue\":[{\"timestamp\":\"" + clock.instant() + "\",\"sampledValue\":[{\"value\":"
                    + meter.registerWh().toPlainString() + ",\"context\":\"" + (type.equals("Started") ? "Transaction.Begin" : "Transaction.End")
                    + "\",\"measurand\":\"Energy.Active.Import.Register\",\"unitOfMeasure\":{\"unit\":\"Wh\"},\"signedMeterValue\":{\"signedMeterData\":\""
                    + Base64.getEncoder().encodeToString(signedOcmf.getBytes(StandardCharsets.UTF_8))
                    + "\",\"signingMethod\":\"ECDSA-secp256r1-SHA256\",\"encodingMethod\":\"OCMF\",\"publicKey\":\"" + meter.publicKeyHex() + "\"}}]}]";
        }
        if (extra.contains("\"meterValue\"")) {
            meterValue = "";
        }
        String payload = "{\"eventType\":\"" + type + "\",\"timestamp\":\"" + clock.instant() + "\",\"triggerReason\":\"" + trigger
                + "\",\"seqNo\":" + seqNo++ + (linkUp ? "" : ",\"offline\":true") + ",\"transactionInfo\":{\"transactionId\":\""
                + transactionId + "\"}" + extra + meterValue + "}";
        return call("TransactionEvent", payload);
    }

    private String call(String action, String payload) throws MqttException {
        String messageId = id + "-" + messages.incrementAndGet();
        String frame = "[2,\"" + messageId + "\",\"" + action + "\"," + payload + "]";
        // queued when the link is down, or when sending finds out it is: replayed in order on
        // reconnect (a message that did reach the broker arrives twice: the ledger keeps it once)
        if (!linkUp || !send(frame)) {
            queued.add(frame);
        }
        if (csms != null) {
            csmsQueued.add(frame);
            flushToCsms();
        }
        return messageId;
    }

    private void publish(String frame) throws MqttException {
        client.publish("chargers/" + id + "/up", frame.getBytes(StandardCharsets.UTF_8), 1, false);
    }

    public synchronized int queuedEvents() {
        return queued.size();
    }

    private String ocmfTime() {
        // OCMF's time format: ISO 8601 with a comma before the milliseconds and a numeric offset
        return clock.instant().toString().replace("Z", "").replace('.', ',').replaceAll(",(\\d{3})\\d*$", ",$1") + "+0000";
    }

    @Override
    public synchronized void close() {
        commands.shutdownNow();
        linkUp = false;
        if (client != null) {
            try {
                client.disconnect(1_000);
            } catch (MqttException alreadyGone) {
                // disconnected by the broker going away: nothing to say goodbye to
            }
            drop();
        }
    }
}
