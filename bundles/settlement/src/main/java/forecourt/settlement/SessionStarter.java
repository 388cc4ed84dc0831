package forecourt.settlement;

import java.io.IOException;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
@Component(name = "forecourt.session.starter", immediate = true, service = SessionStarter.class)
public class SessionStarter {
    private static final Logger log = LoggerFactory.getLogger(SessionStarter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Ledger ledger;
    private final SiteModel site;
    private final Map<String, PaymentTerminal> terminals = new ConcurrentHashMap<>();
    private final List<ChargerCommands> chargers = new CopyOnWriteArrayList<>();
    private final Set<EvseId> holdsInProgress = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService tailer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "forecourt-session-starter");
        t.setDaemon(true);
        return t;
    });
    private long cursor;

    @Activate
    public SessionStarter(@Reference Ledger ledger, @Reference SiteModel site) {
        this.ledger = ledger;
        this.site = site;
        this.cursor = ledger.head(); // a plug-in from before a restart is not acted on twice: the driver presents the card again
        tailer.scheduleWithFixedDelay(this::tail, 100, 100, TimeUnit.MILLISECONDS);
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
                        pluggedIn(e.fact().body());
                    }
                }
            }
        } catch (RuntimeException e) {
            log.error("session starter: {}", e.toString(), e);
        }
    }

    private void pluggedIn(byte[] body) {
        JsonNode n;
        try {
            n = JSON.readTree(body);
        } catch (IOException e) {
            return;
        }
        if (!"StatusNotification".equals(n.path("action").asText()) || !"Occupied".equals(n.path("payload").path("connectorStatus").asText())) {
            return;
        }
        EvseId evse = new EvseId(new ChargerId(n.path("charger").asText()), n.path("payload").path("evseId").asInt());
        if (hasOpenSession(evse) || !holdsInProgress.add(evse)) {
            return; // already paid for, or a card is being read for it
        }
        Terminal terminal = site.terminals().stream().filter(t -> t.evses().contains(evse)).findFirst().orElse(null);
        PaymentTerminal device = terminal == null ? null : terminals.get(terminal.id());
        if (device == null) {
            holdsInProgress.remove(evse);
            log.warn("EVSE {} occupied, but no terminal {} is available to take a hold", evse, terminal == null ? "is configured" : terminal.id());
            return;
        }
        log.info("EVSE {} occupied: asking terminal {} for a hold", evse, terminal.id());
        device.placeHold(evse).thenCompose(hold -> start(hold)).whenComplete((ok, failure) -> {
            holdsInProgress.remove(evse);
            if (failure != null) {
                log.warn("EVSE {}: no session started: {}", evse, failure.getCause() == null ? failure.toString() : failure.getCause().getMessage());
            }
        });
    }

    private CompletionStage<Boolean> start(Hold hold) {
        if (chargers.isEmpty()) {
            log.error("hold {} for EVSE {}: no charger driver to start the transaction", hold.authorizationReference(), hold.evse());
            return CompletableFuture.completedFuture(false);
        }
        return chargers.get(0).requestStart(hold.evse(), hold.authorizationReference()).thenCompose(accepted -> ledger.append(Fact.of(
                FactType.SESSION_STATE_CHANGED, NaturalKeys.decision(hold.authorizationReference(), "start-requested"), hold.authorizationReference(),
                JSON.createObjectNode().put("evse", hold.evse().toString()).put("accepted", accepted).toString())).thenApply(a -> accepted));
    }

    private boolean hasOpenSession(EvseId evse) {
        for (PaymentSessionState s : List.of(PaymentSessionState.AUTHORIZED, PaymentSessionState.CHARGING)) {
            for (PaymentSession session : ledger.sessions(s)) {
                var hold = ledger.byNaturalKey(NaturalKeys.hold(session.authorizationReference()));
                if (hold.isPresent() && PaymentJson.hold(hold.get().fact().body()).evse().equals(evse)) {
                    return true;
                }
            }
        }
        return false;
    }
}
