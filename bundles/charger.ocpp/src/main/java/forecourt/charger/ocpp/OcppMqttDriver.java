package forecourt.charger.ocpp;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.LongAdder;

import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallbackExtended;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.device.ChargerCommands;
import forecourt.api.id.ChargerId;
import forecourt.api.id.EvseId;
import forecourt.api.ledger.Appended;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactConflictException;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.metering.OcmfVerifier;
import forecourt.api.site.SiteModel;
import forecourt.charger.ocpp.Messages.BootNotificationRequest;
import forecourt.charger.ocpp.Messages.HeartbeatRequest;
import forecourt.charger.ocpp.Messages.MeterValuesRequest;
import forecourt.charger.ocpp.Messages.StatusNotificationRequest;
import forecourt.charger.ocpp.Messages.TransactionEventRequest;

/**
 * Chargers speaking OCPP 2.0.1 over MQTT (docs/ocpp-over-mqtt.md). Every charger fact goes
 * to the ledger, and only once it is durable does the charger get its CALLRESULT and the
 * broker its PUBACK: a gateway crash means redelivery, never loss.
 */
@Component(name = "forecourt.charger.ocpp", configurationPid = "forecourt.charger.ocpp", immediate = true,
        service = { OcppMqttDriver.class, ChargerCommands.class })
@Designate(ocd = OcppMqttDriver.Config.class)
public class OcppMqttDriver implements MqttCallbackExtended, ChargerCommands {
    private static final Logger log = LoggerFactory.getLogger(OcppMqttDriver.class);

    @ObjectClassDefinition(name = "Forecourt OCPP charger driver", description = "Chargers speaking OCPP 2.0.1 over MQTT.")
    public @interface Config {
        @AttributeDefinition(description = "Broker URL, e.g. tcp://127.0.0.1:1883")
        String brokerUrl() default "tcp://127.0.0.1:1883";

        @AttributeDefinition(description = "The gateway's MQTT client id (its session survives restarts)")
        String clientId() default "forecourt-gateway";

        String username() default "";

        @AttributeDefinition(type = AttributeType.PASSWORD, description = "Never logged")
        String password() default "";

        @AttributeDefinition(description = "Topic prefix: <prefix>/<charger id>/up and /down")
        String topicPrefix() default "chargers";

        @AttributeDefinition(description = "Heartbeat interval told to chargers, seconds")
        int heartbeatInterval() default 300;
    }

    private final Ledger ledger;
    private final OcmfVerifier verifier;
    private final Clock clock;
    private final SiteModel site;
    private final Config config;
    private final MqttClient client;
    private volatile boolean stopping;
    // Paho's callback thread must never block on the client (a synchronous publish or
    // subscribe there deadlocks against the receiver thread): answers go out from here, in order
    private final ExecutorService answers = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "forecourt-ocpp-answers");
        t.setDaemon(true);
        return t;
    });
    final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    /** A transaction's link to its session, while the fact recording it is not yet durable. */
    private record TransactionLink(String session, int evse) {
    }

    private final Map<String, TransactionLink> linking = new ConcurrentHashMap<>();
    // the gateway's own CALLs to chargers awaiting their answer, by message id
    private final Map<String, CompletableFuture<OcppFrame>> pending = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong callIds = new java.util.concurrent.atomic.AtomicLong(System.currentTimeMillis());
    private static final long COMMAND_TIMEOUT_SECONDS = 30;

    @Activate
    public OcppMqttDriver(@Reference Ledger ledger, @Reference Clock clock, @Reference SiteModel site, @Reference OcmfVerifier verifier,
            Config config) throws MqttException {
        this.ledger = ledger;
        this.verifier = verifier;
        this.clock = clock;
        this.site = site;
        this.config = config;
        // in-flight answers need no disk of their own: an answer lost in a crash makes the
        // charger retry its CALL, which the ledger recognises as the same fact
        this.client = new MqttClient(config.brokerUrl(), config.clientId(), new MemoryPersistence());
        client.setCallback(this);
        client.setManualAcks(true);
        Thread connector = new Thread(this::connectUntilUp, "forecourt-ocpp-connect");
        connector.setDaemon(true);
        connector.start();
    }

    private void connectUntilUp() {
        MqttConnectOptions options = new MqttConnectOptions();
        options.setCleanSession(false); // the broker keeps our queue while we are down
        options.setAutomaticReconnect(true);
        options.setMaxInflight(1000);
        if (config.brokerUrl().startsWith("tcp://")) {
            options.setSocketFactory(new NoDelaySockets());
        }
        if (!config.username().isBlank()) {
            options.setUserName(config.username());
            options.setPassword(config.password().toCharArray());
        }
        long backoff = 200;
        long nextWarning = 0;
        while (!stopping && !client.isConnected()) {
            try {
                client.connect(options); // Paho does not retry a first connect itself
                subscribe();
            } catch (MqttException e) {
                if (System.nanoTime() >= nextWarning) { // once a minute, not every retry
                    log.warn("MQTT broker {} not reachable ({}); chargers cannot report until it is; retrying", config.brokerUrl(),
                            e.getMessage());
                    nextWarning = System.nanoTime() + 60_000_000_000L;
                }
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = Math.min(1000, backoff * 2); // a local broker (embedded, or on the LAN) is worth asking every second
            }
        }
    }

    @Override
    public void connectComplete(boolean reconnect, String serverURI) {
        if (reconnect) {
            // not on this (callback) thread: see 'answers'
            Thread t = new Thread(this::subscribe, "forecourt-ocpp-resubscribe");
            t.setDaemon(true);
            t.start();
        }
    }

    private void subscribe() {
        try {
            client.subscribe(config.topicPrefix() + "/+/up", 1);
            log.info("OCPP over MQTT: connected to {}, listening on {}/+/up", config.brokerUrl(), config.topicPrefix());
        } catch (MqttException e) {
            log.error("cannot subscribe to {}/+/up: {}", config.topicPrefix(), e.toString());
        }
    }

    @Override
    public void connectionLost(Throwable cause) {
        log.warn("MQTT connection lost: {} (reconnecting)", cause == null ? "?" : cause.toString());
    }

    @Override
    public void deliveryComplete(IMqttDeliveryToken token) {
        // answers are QoS 1 to the broker; nothing to do
    }

    boolean isConnected() {
        return client.isConnected();
    }

    long count(String what) {
        LongAdder a = counters.get(what);
        return a == null ? 0 : a.sum();
    }

    private void increment(String what) {
        counters.computeIfAbsent(what, k -> new LongAdder()).increment();
    }

    @Override
    public void messageArrived(String topic, MqttMessage message) {
        String[] parts = topic.split("/");
        String charger = parts.length == 3 ? parts[1] : null;
        CompletionStage<OcppFrame> answer;
        try {
            answer = handle(charger, message.getPayload());
        } catch (OcppProtocolException e) {
            increment("refused." + e.code());
            log.warn("charger {}: {} ({})", charger, e.getMessage(), e.code());
            answer = CompletableFuture.completedFuture(
                    e.messageId() == null ? null : new OcppFrame.CallError(e.messageId(), e.code(), e.getMessage(), null));
        }
        answer.whenCompleteAsync((frame, failure) -> {
            if (failure != null) {
                // not durable: no answer and no PUBACK, so the broker and the charger try again
                increment("ledger.failed");
                log.error("charger {}: fact not recorded ({}); not acknowledged", charger, failure.toString());
                return;
            }
            try {
                if (frame != null && charger != null) {
                    // handed to Paho without waiting for the broker's PUBACK (one at a time capped the
                    // whole site at ~50 answers/s); the charger's own message is acknowledged next
                    MqttMessage reply = new MqttMessage(OcppCodec.encode(frame));
                    reply.setQos(1);
                    client.getTopic(config.topicPrefix() + "/" + charger + "/down").publish(reply);
                }
                client.messageArrivedComplete(message.getId(), message.getQos());
            } catch (MqttException e) {
                log.warn("charger {}: answer not sent ({}); the charger will retry", charger, e.toString());
            }
        }, answers);
    }

    /** @return the answer to send (null for none), completed once the fact is durable */
    CompletionStage<OcppFrame> handle(String charger, byte[] bytes) throws OcppProtocolException {
        OcppFrame frame = OcppCodec.decode(bytes);
        if (charger == null || !knownCharger(charger)) {
            throw new OcppProtocolException(OcppError.SecurityError, frame.messageId(), "unknown charger " + charger);
        }
        if (!(frame instanceof OcppFrame.Call call)) {
            // an answer to one of the gateway's own CALLs
            CompletableFuture<OcppFrame> waiting = pending.remove(frame.messageId());
            if (waiting == null) {
                increment("answer.unexpected");
                log.warn("charger {}: answer to no pending CALL: {}", charger, new String(bytes, StandardCharsets.UTF_8));
            } else {
                waiting.complete(frame);
            }
            return CompletableFuture.completedFuture(null);
        }
        increment("call." + call.action());
        return switch (call.action()) {
            case "BootNotification" -> {
                BootNotificationRequest boot = OcppCodec.bind(call, BootNotificationRequest.class);
                yield record(call, Fact.of(FactType.CHARGER_EVENT, "charger:" + charger + ":boot:" + call.messageId(), null,
                        body(charger, call)), new Messages.BootNotificationResponse(clock.instant().toString(), config.heartbeatInterval(),
                                Messages.RegistrationStatus.Accepted), "boot " + boot.chargingStation().vendorName());
            }
            case "Heartbeat" -> {
                OcppCodec.bind(call, HeartbeatRequest.class);
                yield CompletableFuture.completedFuture(answer(call, new Messages.HeartbeatResponse(clock.instant().toString())));
            }
            case "StatusNotification" -> {
                StatusNotificationRequest s = OcppCodec.bind(call, StatusNotificationRequest.class);
                yield record(call, Fact.of(FactType.CHARGER_EVENT,
                        NaturalKeys.chargerEvent(charger, "status-" + s.evseId() + "-" + s.connectorId(), s.timestamp()), null, body(charger, call)),
                        new Messages.EmptyResponse(), null);
            }
            case "MeterValues" -> {
                MeterValuesRequest m = OcppCodec.bind(call, MeterValuesRequest.class);
                Messages.MeterValue first = m.meterValue().get(0);
                Messages.Measurand measurand = first.sampledValue().get(0).measurand();
                yield record(call, Fact.of(FactType.METER_READING, NaturalKeys.meterReading(charger, m.evseId(), first.timestamp(),
                        measurand == null ? "Energy.Active.Import.Register" : measurand.name()), null, body(charger, call)),
                        new Messages.EmptyResponse(), null);
            }
            case "TransactionEvent" -> transactionEvent(charger, call);
            default -> throw new OcppProtocolException(OcppError.NotImplemented, call.messageId(), call.action() + " is not handled by the gateway");
        };
    }

    private CompletionStage<OcppFrame> transactionEvent(String charger, OcppFrame.Call call) throws OcppProtocolException {
        TransactionEventRequest tx = OcppCodec.bind(call, TransactionEventRequest.class);
        String transactionId = tx.transactionInfo().transactionId();
        // the link recorded by the transaction's first event: later events name neither token nor EVSE.
        // A link still on its way to disk is in 'linking' (looked at first: once it leaves the
        // map it is durable, so the ledger has it) — the next event can arrive before the link is durable.
        String linkKey = charger + "/" + transactionId;
        TransactionLink pending = linking.get(linkKey);
        Optional<JournalEntry> link = pending != null ? Optional.empty() : ledger.byNaturalKey(NaturalKeys.transactionLink(charger, transactionId));
        String token = tx.idToken() != null && tx.idToken().type() == Messages.IdTokenType.Central ? tx.idToken().idToken() : null;
        String session = token != null ? token : pending != null ? pending.session() : link.map(e -> e.fact().session()).orElse(null);
        int evse = tx.evse() != null ? tx.evse().id() : pending != null ? pending.evse() : link.map(OcppMqttDriver::evseOf).orElse(0);
        Fact event = Fact.of(FactType.TRANSACTION_EVENT, NaturalKeys.transactionEvent(charger, transactionId, tx.seqNo()), session,
                body(charger, call));
        // every write of this event is handed to the ledger now, in order, from this one thread:
        // the journal keeps the charger's order (a write chained on an earlier one's completion
        // would let the next event overtake it)
        List<CompletableFuture<Appended>> writes = new java.util.ArrayList<>();
        if (session != null && link.isEmpty() && pending == null) {
            // link the charger's transaction to the hold first, so later events find it
            linking.put(linkKey, new TransactionLink(session, evse));
            writes.add(ledger.append(Fact.of(FactType.CHARGER_EVENT, NaturalKeys.transactionLink(charger, transactionId), session,
                    "{\"charger\":\"" + charger + "\",\"transactionId\":\"" + transactionId + "\",\"evse\":" + evse + "}"))
                    .whenComplete((linked, failure) -> linking.remove(linkKey)).toCompletableFuture());
        }
        CompletableFuture<Appended> eventWrite = ledger.append(event).toCompletableFuture();
        writes.add(eventWrite);
        // the signed readings it carries, each verified against the EVSE's meter key, then
        // whether the session's final reading is now proven — all durable before the answer
        List<byte[]> signed = SignedReadings.ocmfRecords(tx);
        String meterKey = evse < 1 ? "" : site.evse(new EvseId(new ChargerId(charger), evse)).map(e -> e.meterPublicKey()).orElse("");
        for (byte[] ocmf : signed) {
            Fact reading = SignedReadings.readingFact(verifier, ocmf, meterKey, charger, evse, transactionId, session,
                    ledger::lastVerifiedReading);
            if (SignedReadings.isRefused(reading)) {
                increment("reading.refused");
                log.warn("charger {} transaction {}: signed reading refused: {}", charger, transactionId, reading.bodyText());
            }
            writes.add(ledger.append(reading).toCompletableFuture());
        }
        CompletionStage<Appended> appended = CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).thenApply(done -> eventWrite.join());
        if (session != null && !signed.isEmpty()) { // only a new signed reading can complete the proof
            appended = appended.thenCompose(previous -> SignedReadings.finalProof(ledger.timeline(session), session)
                    .map(proof -> {
                        log.info("session {}: final reading proven {}", session, proof.bodyText());
                        return ledger.append(proof);
                    }).orElse(CompletableFuture.completedFuture(previous)));
        }
        if (tx.isOffline()) {
            increment("transaction.offline");
        }
        return answerWhenDurable(call, appended, new Messages.EmptyResponse());
    }

    private static int evseOf(JournalEntry link) {
        try {
            return OcppCodec.JSON.readTree(link.fact().body()).path("evse").asInt(0);
        } catch (java.io.IOException unreadable) {
            return 0;
        }
    }

    private CompletionStage<OcppFrame> record(OcppFrame.Call call, Fact fact, Object response, String info) {
        if (info != null) {
            log.info("charger: {}", info);
        }
        return answerWhenDurable(call, ledger.append(fact), response);
    }

    private CompletionStage<OcppFrame> answerWhenDurable(OcppFrame.Call call, CompletionStage<Appended> appended, Object response) {
        return appended.handle((done, failure) -> {
            if (failure == null) {
                if (done.duplicate()) {
                    increment("duplicate");
                }
                return answer(call, response);
            }
            Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
            if (cause instanceof FactConflictException conflict) {
                // the same event (charger, transaction, seqNo) with another body: refuse, keep the first
                increment("conflict");
                log.error("{}", conflict.getMessage());
                return new OcppFrame.CallError(call.messageId(), OcppError.PropertyConstraintViolation, conflict.getMessage(), null);
            }
            throw new java.util.concurrent.CompletionException(cause);
        });
    }

    private static OcppFrame answer(OcppFrame.Call call, Object response) {
        return new OcppFrame.CallResult(call.messageId(), OcppCodec.toPayload(response));
    }

    // ---------------------------------------------------------------- commands to chargers

    @Override
    public CompletionStage<Boolean> requestStart(EvseId evse, String authorizationReference) {
        ObjectNode payload = JsonNodeFactory.instance.objectNode();
        payload.putObject("idToken").put("idToken", authorizationReference).put("type", "Central");
        payload.put("evseId", evse.evse());
        payload.put("remoteStartId", Math.abs(authorizationReference.hashCode()));
        return command(evse.charger().value(), "RequestStartTransaction", payload);
    }

    @Override
    public CompletionStage<Boolean> requestStop(ChargerId charger, String transactionId) {
        ObjectNode payload = JsonNodeFactory.instance.objectNode().put("transactionId", transactionId);
        return command(charger.value(), "RequestStopTransaction", payload);
    }

    /** Sends a CALL to a charger; completes with whether its answer says {@code Accepted}. */
    private CompletionStage<Boolean> command(String charger, String action, ObjectNode payload) {
        String messageId = "gw-" + Long.toString(callIds.incrementAndGet(), 36);
        CompletableFuture<OcppFrame> answer = new CompletableFuture<>();
        pending.put(messageId, answer);
        answers.execute(() -> {
            try {
                client.publish(config.topicPrefix() + "/" + charger + "/down",
                        OcppCodec.encode(new OcppFrame.Call(messageId, action, payload)), 1, false);
            } catch (MqttException e) {
                answer.completeExceptionally(e);
            }
        });
        increment("command." + action);
        return answer.orTimeout(COMMAND_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS).whenComplete((f, e) -> pending.remove(messageId))
                .thenApply(frame -> {
                    boolean accepted = frame instanceof OcppFrame.CallResult r && "Accepted".equals(r.payload().path("status").asText());
                    log.info("charger {}: {} {} — {}", charger, action, payload, accepted ? "Accepted" : "not accepted: " + frame);
                    return accepted;
                });
    }

    private static String body(String charger, OcppFrame.Call call) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("charger", charger);
        body.put("action", call.action());
        body.set("payload", call.payload());
        return body.toString();
    }

    private boolean knownCharger(String charger) {
        try {
            return site.charger(new ChargerId(charger)).isPresent();
        } catch (IllegalArgumentException notAnId) {
            return false;
        }
    }

    @Deactivate
    void deactivate() {
        stopping = true;
        answers.shutdown();
        try {
            if (client.isConnected()) {
                client.disconnect(2000);
            }
            client.close(); // Paho's threads are not daemons
        } catch (MqttException e) {
            log.warn("MQTT close: {}", e.toString());
        }
    }
}
