package forecourt.settlement;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.cpo.RemoteStart;
import forecourt.api.device.ChargerCommands;
import forecourt.api.id.ChargerId;
import forecourt.api.id.EvseId;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.PaymentSession;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.api.payment.Hold;
import forecourt.api.payment.PaymentJson;
import forecourt.api.payment.PaymentTerminal;
import forecourt.api.site.SiteModel;
import forecourt.api.site.Terminal;

/**
 * The unattended site's choreography before money: a driver plugs in (the charger reports
 * the EVSE {@code Occupied}), the EVSE's terminal takes a hold, and the charger is asked to
 * start the transaction with the hold's authorization reference as its idToken — so every
 * transaction event that follows names the session it belongs to.
 */
@Component(name = "forecourt.session.starter", configurationPid = "forecourt.session.starter", immediate = true, service = SessionStarter.class)
@Designate(ocd = SessionStarter.Config.class)
public class SessionStarter {
    private static final Logger log = LoggerFactory.getLogger(SessionStarter.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The step names of the facts the starter records in a session's timeline. */
    static final String START_REQUESTED = "start-requested";
    static final String EVSE_FREED = "evse-freed";
    static final String CPO_START_REQUESTED = "cpo-start-requested";

    private final Ledger ledger;
    private final SiteModel site;
    private final Map<String, PaymentTerminal> terminals = new ConcurrentHashMap<>();
    private final List<ChargerCommands> chargers = new CopyOnWriteArrayList<>();
    private final Set<EvseId> holdsInProgress = ConcurrentHashMap.newKeySet();
    private final Map<String, Hold> pendingCpoStarts = new ConcurrentHashMap<>();
    private final Duration cpoStartTimeout;
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile RemoteStart remoteStart;
    private final ScheduledExecutorService tailer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "forecourt-session-starter");
        t.setDaemon(true);
        return t;
    });
    private long cursor;

    @ObjectClassDefinition(name = "Forecourt session starter")
    public @interface Config {
        @AttributeDefinition(description = "How long the CPO's start (OCPI START_SESSION) may take before the charger is started over the site LAN (ISO-8601)")
        String cpoStartTimeout() default "PT30S";
    }

    @Activate
    public SessionStarter(@Reference Ledger ledger, @Reference SiteModel site, Config config) {
        this.ledger = ledger;
        this.site = site;
        this.cpoStartTimeout = Duration.parse(config.cpoStartTimeout());
        this.cursor = ledger.head(); // a plug-in from before a restart is not acted on twice: the driver presents the card again
        tailer.execute(this::catchUp);
        tailer.scheduleWithFixedDelay(this::tail, 100, 100, TimeUnit.MILLISECONDS);
    }

    /**
     * A report that the EVSE is free may have been recorded while nobody was tailing (before
     * a restart, or between the ledger opening and this component): the authorised sessions
     * are checked against what was recorded after their holds, once at start.
     */
    private void catchUp() {
        try {
            long from = Long.MAX_VALUE;
            for (PaymentSession session : ledger.sessions(PaymentSessionState.AUTHORIZED)) {
                var hold = ledger.byNaturalKey(NaturalKeys.hold(session.authorizationReference()));
                if (hold.isPresent()) {
                    from = Math.min(from, hold.get().seq());
                }
            }
            replayStatusReports(from, cursor);
        } catch (RuntimeException e) {
            log.error("session starter: catching up: {}", e.toString(), e);
        }
    }

    /** The EVSE reports recorded after seq {@code after} up to {@code upTo}, looked at again (never as new plug-ins). */
    private void replayStatusReports(long after, long upTo) {
        List<JournalEntry> batch;
        for (long next = after; next < upTo && !(batch = ledger.read(next + 1, 500)).isEmpty(); next = batch.get(batch.size() - 1).seq()) {
            for (JournalEntry e : batch) {
                if (e.seq() <= upTo && e.fact().type() == FactType.CHARGER_EVENT) {
                    statusReported(e, false);
                }
            }
        }
    }

    /** The hold facts of the sessions in these states whose hold is on this EVSE. */
    private List<JournalEntry> holdsOn(EvseId evse, PaymentSessionState... states) {
        List<JournalEntry> holds = new java.util.ArrayList<>();
        for (PaymentSessionState s : states) {
            for (PaymentSession session : ledger.sessions(s)) {
                ledger.byNaturalKey(NaturalKeys.hold(session.authorizationReference()))
                        .filter(hold -> PaymentJson.hold(hold.fact().body()).evse().equals(evse)).ifPresent(holds::add);
            }
        }
        return holds;
    }

    private boolean freed(String ref) {
        return ledger.byNaturalKey(NaturalKeys.decision(ref, EVSE_FREED)).isPresent();
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addTerminal(PaymentTerminal terminal) {
        terminals.put(terminal.terminalId(), terminal);
    }

    void removeTerminal(PaymentTerminal terminal) {
        terminals.remove(terminal.terminalId(), terminal);
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addCharger(ChargerCommands commands) {
        chargers.add(commands);
    }

    void removeCharger(ChargerCommands commands) {
        chargers.remove(commands);
    }

    @Deactivate
    void deactivate() {
        tailer.shutdownNow();
    }

    private void tail() {
        try {
            List<JournalEntry> batch;
            while (!(batch = ledger.read(cursor + 1, 500)).isEmpty()) {
                for (JournalEntry e : batch) {
                    cursor = e.seq();
                    if (e.fact().type() == FactType.CHARGER_EVENT) {
                        statusReported(e, true);
                    } else if (e.fact().type() == FactType.UPSTREAM_NOTIFICATION && e.fact().naturalKey().startsWith("cpo-start-result:")) {
                        cpoStartResult(e);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("session starter: {}", e.toString(), e);
        }
    }

    private void statusReported(JournalEntry e, boolean live) {
        JsonNode n;
        try {
            n = JSON.readTree(e.fact().body());
        } catch (IOException malformed) {
            return;
        }
        if (!"StatusNotification".equals(n.path("action").asText())) {
            return;
        }
        EvseId evse = new EvseId(new ChargerId(n.path("charger").asText()), n.path("payload").path("evseId").asInt());
        switch (n.path("payload").path("connectorStatus").asText()) {
            case "Occupied" -> {
                if (live) { // a plug-in from before a restart is not acted on twice: the driver presents the card again
                    pluggedIn(evse);
                }
            }
            case "Available" -> freed(evse, e.seq());
            default -> {
            }
        }
    }

    /**
     * The EVSE is free again: a session authorised on it before this report that has no
     * transaction never will (a charger reports in order) — the proof the settlement engine
     * needs to release its hold.
     */
    private void freed(EvseId evse, long reportedAt) {
        for (JournalEntry hold : holdsOn(evse, PaymentSessionState.AUTHORIZED)) {
            if (hold.seq() < reportedAt) {
                String ref = hold.fact().session();
                Ledger.await(ledger.append(Fact.of(FactType.SESSION_STATE_CHANGED, NaturalKeys.decision(ref, EVSE_FREED), ref,
                        JSON.createObjectNode().put("evse", evse.toString()).put("reportSeq", reportedAt).toString())));
                log.info("session {}: EVSE {} reported free after the hold (released unless a transaction of it was reported before)", ref, evse);
            }
        }
    }

    private void pluggedIn(EvseId evse) {
        Terminal terminal = site.terminals().stream().filter(t -> t.evses().contains(evse)).findFirst().orElse(null);
        PaymentTerminal device = terminal == null ? null : terminals.get(terminal.id());
        if (device == null) {
            holdsInProgress.remove(evse);
            log.warn("EVSE {} occupied, but no terminal {} is available to take a hold", evse, terminal == null ? "is configured" : terminal.id());
            return;
        }
        log.info("EVSE {} occupied: asking terminal {} for a hold", evse, terminal.id());
        // every start decision on the starter's thread, in step with the EVSE reports it records
        device.placeHold(evse).thenComposeAsync(this::start, tailer).whenComplete((ok, failure) -> {
            holdsInProgress.remove(evse);
            if (failure != null) {
                log.warn("EVSE {}: no session started: {}", evse, failure.getCause() == null ? failure.toString() : failure.getCause().getMessage());
            }
        });
    }

    /**
     * Where the CPO's backend can start sessions (OCPI), it is asked first — that is how it
     * learns the reference it must echo in its CDR; the charger link on the site LAN is the
     * fallback whenever the CPO cannot be asked, does not take the command, reports that the
     * charger did not start, or stays silent — a driver who paid is never left standing.
     */
    private CompletionStage<Boolean> start(Hold hold) {
        if (!stillToStart(hold)) {
            return CompletableFuture.completedFuture(false);
        }
        RemoteStart cpo = remoteStart;
        if (cpo == null) {
            return startLocally(hold);
        }
        String ref = hold.authorizationReference();
        // pending before asking: the CPO's result may arrive before its synchronous answer is read
        pendingCpoStarts.put(ref, hold);
        return cpo.startSession(hold).toCompletableFuture().orTimeout(cpoStartTimeout.toMillis(), TimeUnit.MILLISECONDS).handle((taken, failure) -> {
            return failure != null ? "the CPO could not be asked: " + rootMessage(failure) : taken ? "" : "the CPO did not take the command";
        }).thenCompose(why -> ledger.append(Fact.of(FactType.SESSION_STATE_CHANGED, NaturalKeys.decision(ref, CPO_START_REQUESTED), ref,
                JSON.createObjectNode().put("evse", hold.evse().toString()).put("accepted", why.isEmpty()).put("reason", why).toString()))
                .thenApply(appended -> why))
        // decided on the starter's thread: never block the ledger's thread that completed the append
        .thenComposeAsync(why -> {
            if (!why.isEmpty()) {
                if (pendingCpoStarts.remove(ref) == null) {
                    return CompletableFuture.completedFuture(false); // its result came first and decided
                }
                log.warn("session {}: {}; starting EVSE {} over the charger link", ref, why, hold.evse());
                return startLocally(hold);
            }
            log.info("session {}: the CPO took START_SESSION on EVSE {}", ref, hold.evse());
            tailer.schedule(() -> cpoStartOverdue(ref), cpoStartTimeout.toMillis(), TimeUnit.MILLISECONDS);
            return CompletableFuture.completedFuture(true);
        }, tailer);
    }

    /** The CPO took the command, but neither its result nor a transaction came in time. */
    private void cpoStartOverdue(String ref) {
        Hold hold = pendingCpoStarts.remove(ref);
        if (hold != null && ledger.timeline(ref).stream().noneMatch(e -> e.fact().type() == FactType.TRANSACTION_EVENT)) {
            log.warn("session {}: no result from the CPO's start within {} and no transaction; starting EVSE {} over the charger link", ref,
                    cpoStartTimeout, hold.evse());
            startLocally(hold);
        }
    }

    /** The CPO's asynchronous CommandResult, as recorded by its receiver. */
    private void cpoStartResult(JournalEntry e) {
        String ref = e.fact().session();
        String result = readTree(e.fact().body()).path("result").asText();
        Hold hold = ref == null ? null : pendingCpoStarts.remove(ref);
        if (hold == null) {
            return; // already decided (or from before a restart: the charger's report decides)
        }
        if ("ACCEPTED".equals(result)) {
            log.info("session {}: the CPO started the charger on EVSE {}", ref, hold.evse());
        } else {
            log.warn("session {}: the CPO reports {} for the start; starting EVSE {} over the charger link", ref, result, hold.evse());
            startLocally(hold);
        }
    }

    /**
     * Whether the session may still be started: authorised, and its EVSE not reported free
     * since the hold — looked up in the ledger itself, not only in what this thread has tailed
     * so far. Starting it after its driver left would let the next driver charge on the first
     * driver's hold, which is being released.
     */
    private boolean stillToStart(Hold hold) {
        String ref = hold.authorizationReference();
        var session = ledger.session(ref);
        if (session.isEmpty() || session.get().state() != PaymentSessionState.AUTHORIZED || freed(ref)) {
            log.warn("session {}: not started on EVSE {}: {}", ref, hold.evse(),
                    session.isEmpty() ? "no such session" : session.get().state() != PaymentSessionState.AUTHORIZED ? "it is " + session.get().state()
                            : "its EVSE was freed");
            return false;
        }
        // reports recorded since the hold that this thread has not tailed yet: records evse-freed if the EVSE was reported free
        ledger.byNaturalKey(NaturalKeys.hold(ref)).ifPresent(held -> replayStatusReports(held.seq(), Long.MAX_VALUE));
        if (freed(ref)) {
            log.warn("session {}: not started on EVSE {}: its EVSE was freed after the hold", ref, hold.evse());
            return false;
        }
        return true;
    }

    private CompletionStage<Boolean> startLocally(Hold hold) {
        if (!stillToStart(hold)) {
            return CompletableFuture.completedFuture(false);
        }
        if (chargers.isEmpty()) {
            log.error("hold {} for EVSE {}: no charger driver to start the transaction", hold.authorizationReference(), hold.evse());
            return CompletableFuture.completedFuture(false);
        }
        return chargers.get(0).requestStart(hold.evse(), hold.authorizationReference()).thenCompose(accepted -> ledger.append(Fact.of(
                FactType.SESSION_STATE_CHANGED, NaturalKeys.decision(hold.authorizationReference(), START_REQUESTED), hold.authorizationReference(),
                JSON.createObjectNode().put("evse", hold.evse().toString()).put("accepted", accepted).toString())).thenApply(a -> accepted));
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t instanceof java.util.concurrent.CompletionException) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.toString() : t.getMessage();
    }

    private static JsonNode readTree(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    private boolean hasOpenSession(EvseId evse) {
        // a session whose driver left is being released: the new driver gets a hold of their own
        return holdsOn(evse, PaymentSessionState.AUTHORIZED, PaymentSessionState.CHARGING).stream().anyMatch(hold -> !freed(hold.fact().session()));
    }
}
