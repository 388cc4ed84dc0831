package forecourt.terminal.zvt;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.EvseId;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.PaymentSession;
import forecourt.api.money.Money;
import forecourt.api.payment.Hold;
import forecourt.api.payment.HoldDeclinedException;
import forecourt.api.payment.HoldTerms;
import forecourt.api.payment.PaymentJson;
import forecourt.api.payment.PaymentTerminal;
import forecourt.api.site.SiteModel;
import forecourt.api.site.Tariff;
import forecourt.api.site.Terminal;
import forecourt.terminal.zvt.ZvtClient.Aborted;
import forecourt.terminal.zvt.ZvtClient.Answer;
import forecourt.terminal.zvt.ZvtClient.Completed;
import forecourt.terminal.zvt.ZvtClient.LinkFailure;
import forecourt.terminal.zvt.ZvtClient.Refused;
import forecourt.zvt.protocol.Messages;
import forecourt.zvt.protocol.StatusInformation;

/**
 * Holds through a ZVT terminal: a pre-authorisation (06 22) for the terminal's configured
 * amount, recorded in the ledger as the hold before anyone hears of it. A pre-authorisation
 * the gateway cannot have recorded (the link broke after the card was read, or the gateway
 * died in between) is an orphan: money reserved on a card with no session. The sweep finds
 * such orphans with the open pre-authorisation query and releases them.
 */
final class ZvtPaymentTerminal implements PaymentTerminal {
    private static final Logger log = LoggerFactory.getLogger(ZvtPaymentTerminal.class);
    static final String RECEIPT = "zvt.receipt", TRACE = "zvt.trace", TERMINAL_ID = "zvt.terminalId";

    private final String terminalId;
    private final ZvtClient client;
    private final Ledger ledger;
    private final SiteModel site;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();
    private final Duration cardTimeout;
    private final Duration answerTimeout;
    private final Executor executor;
    /** A pre-authorisation and the recording of its hold happen under this lock, and so does the sweep. */
    private final Object recording = new Object();

    ZvtPaymentTerminal(String terminalId, ZvtClient client, Ledger ledger, SiteModel site, Clock clock, Duration cardTimeout,
            Duration answerTimeout, Executor executor) {
        this.terminalId = terminalId;
        this.client = client;
        this.ledger = ledger;
        this.site = site;
        this.clock = clock;
        this.cardTimeout = cardTimeout;
        this.answerTimeout = answerTimeout;
        this.executor = executor;
    }

    static String link(String terminalId) {
        return "terminal:" + terminalId;
    }

    @Override
    public String terminalId() {
        return terminalId;
    }

    @Override
    public CompletionStage<Hold> placeHold(EvseId evseId) {
        HoldTerms terms;
        try {
            terms = HoldTerms.of(site, terminalId, evseId);
        } catch (HoldDeclinedException e) {
            return CompletableFuture.failedFuture(e);
        }
        return CompletableFuture.supplyAsync(() -> preAuthorise(terms.terminal(), evseId, terms.tariff()), executor);
    }

    private Hold preAuthorise(Terminal terminal, EvseId evse, Tariff tariff) {
        Money amount = terminal.holdAmount();
        synchronized (recording) {
            Answer answer;
            try {
                answer = client.transact(Messages.preAuthorisation(amount.minorUnits(), client.currency()), cardTimeout);
            } catch (Refused r) {
                throw new HoldDeclinedException("terminal " + terminalId + " busy: " + r.getMessage());
            } catch (LinkFailure f) {
                if (f.mayHaveApplied) {
                    log.error("ALARM terminal {}: the link broke during a pre-authorisation ({}); a hold may exist on the card without "
                            + "a session: sweeping for orphans", terminalId, f.getMessage());
                    executor.execute(this::sweepQuietly);
                }
                throw new HoldDeclinedException("terminal " + terminalId + ": " + f.getMessage());
            }
            if (answer instanceof Aborted a) {
                throw new HoldDeclinedException("card not accepted at terminal " + terminalId + ": " + a.reason());
            }
            Hold hold;
            try {
                hold = hold(terminal, evse, tariff, ((Completed) answer).statusInformation());
            } catch (RuntimeException | forecourt.zvt.protocol.ZvtProtocolException e) {
                log.error("ALARM terminal {}: pre-authorisation completed without what a hold needs ({}): sweeping for orphans", terminalId,
                        e.getMessage());
                executor.execute(this::sweepQuietly);
                throw new HoldDeclinedException("terminal " + terminalId + " answered a pre-authorisation incompletely");
            }
            Ledger.await(ledger.append(PaymentJson.holdPlaced(hold)));
            log.info("hold {} placed at ZVT terminal {} for EVSE {}: {} ({} {}), receipt {}, expires {}", hold.authorizationReference(),
                    terminalId, evse, hold.amount(), hold.cardBrand(), hold.maskedPan(), hold.providerReference(), hold.expiresAt());
            return hold;
        }
    }

    private Hold hold(Terminal terminal, EvseId evse, Tariff tariff, List<StatusInformation> infos)
            throws forecourt.zvt.protocol.ZvtProtocolException {
        StatusInformation info = null;
        for (StatusInformation i : infos) {
            if (i.resultCode() == 0 && i.receiptNo().isPresent()) {
                info = i;
            }
        }
        if (info == null) {
            throw new IllegalStateException("no status information with a receipt number");
        }
        Instant placedAt = clock.instant();
        Money authorized = info.amount().isPresent() ? Money.of(info.amount().getAsLong(), terminal.holdAmount().currency().getCurrencyCode())
                : terminal.holdAmount();
        Map<String, String> data = new LinkedHashMap<>();
        data.put(RECEIPT, Long.toString(info.receiptNo().getAsLong()));
        info.traceNo().ifPresent(t -> data.put(TRACE, Long.toString(t)));
        info.terminalId().ifPresent(t -> data.put(TERMINAL_ID, Long.toString(t)));
        AuthorizationReference reference = AuthorizationReference.generate(site.site().id(), clock, random);
        return new Hold(reference.value(), terminalId, evse, tariff, authorized, link(terminalId), Long.toString(info.receiptNo().getAsLong()),
                info.cardName().orElse(""), info.maskedPan().orElse(""), placedAt, placedAt.plus(terminal.holdValidity()), data);
    }

    /** Receipt numbers of this terminal's holds that the ledger knows, in any state. */
    private Set<Integer> knownReceipts() {
        Set<Integer> known = new HashSet<>();
        for (PaymentSession session : ledger.sessions(null)) { // every session with a hold, in one read
            ledger.byNaturalKey(NaturalKeys.hold(session.authorizationReference())).map(e -> PaymentJson.hold(e.fact().body()))
                    .filter(h -> h.terminalId().equals(terminalId) && h.acquirerLink().equals(link(terminalId)))
                    .ifPresent(h -> known.add(Integer.parseInt(h.providerReference())));
        }
        return known;
    }

    /**
     * Releases open pre-authorisations that no hold in the ledger names. Returns the receipts
     * released.
     */
    List<Integer> sweepOrphans() throws Refused, LinkFailure {
        synchronized (recording) {
            List<Integer> open = ZvtSettlement.openPreAuthorisations(client, answerTimeout);
            if (open.isEmpty()) {
                return List.of();
            }
            Set<Integer> known = knownReceipts();
            List<Integer> orphans = open.stream().filter(r -> !known.contains(r)).toList();
            for (int receipt : orphans) {
                Answer answer = client.transact(Messages.preAuthReversal(receipt, client.currency()), answerTimeout);
                if (answer instanceof Aborted a) {
                    log.error("ALARM terminal {}: orphan pre-authorisation {} could not be released: {}", terminalId, receipt, a.reason());
                } else {
                    log.warn("terminal {}: released orphan pre-authorisation {} (no hold was recorded for it)", terminalId, receipt);
                }
            }
            return orphans;
        }
    }

    void sweepQuietly() {
        try {
            sweepOrphans();
        } catch (Refused | LinkFailure | RuntimeException e) {
            log.warn("terminal {}: orphan sweep not possible now: {}", terminalId, e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "ZVT terminal " + terminalId;
    }
}
