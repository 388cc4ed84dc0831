package forecourt.settlement;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.fiscal.FiscalJson;
import forecourt.api.fiscal.FiscalProvider;
import forecourt.api.fiscal.FiscalRequest;
import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.ledger.Appended;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactConflictException;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.LedgerException;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.ledger.PaymentSession;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.api.money.Money;
import forecourt.api.payment.Hold;
import forecourt.api.payment.PaymentJson;
import forecourt.api.payment.SettlementOrder;
import forecourt.api.site.SiteModel;
import forecourt.settlement.Reconciliation.DeadlinePolicy;
import forecourt.settlement.Reconciliation.Decision;

/**
 * Moves each payment session on from what the journal says, one step at a time, writing
 * every decision as a fact (keyed per session and step, so a step taken twice after a
 * crash is recorded once) and every upstream action as an outbox instruction. It keeps no
 * state of its own between steps.
 */
final class SettlementEngine {
    private static final Logger log = LoggerFactory.getLogger(SettlementEngine.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** How the engine is set up; see the component's configuration for each meaning. */
    record Settings(boolean cdrExpected, long toleranceMinor, DeadlinePolicy deadlinePolicy, Duration expiryMargin, Duration noShowTimeout,
            String fiscalProvider, String receiptBaseUrl, boolean cpoConfirms, String cpoLink, Duration cdrWait) {
        Settings(boolean cdrExpected, long toleranceMinor, DeadlinePolicy deadlinePolicy, Duration expiryMargin, Duration noShowTimeout,
                String fiscalProvider, String receiptBaseUrl, boolean cpoConfirms, String cpoLink) {
            this(cdrExpected, toleranceMinor, deadlinePolicy, expiryMargin, noShowTimeout, fiscalProvider, receiptBaseUrl, cpoConfirms, cpoLink, null);
        }

        /** Without the CPO's outbox link: {@code cpo:ocpi}. */
        Settings(boolean cdrExpected, long toleranceMinor, DeadlinePolicy deadlinePolicy, Duration expiryMargin, Duration noShowTimeout,
                String fiscalProvider, String receiptBaseUrl, boolean cpoConfirms) {
            this(cdrExpected, toleranceMinor, deadlinePolicy, expiryMargin, noShowTimeout, fiscalProvider, receiptBaseUrl, cpoConfirms, "cpo:ocpi");
        }
    }

    private final Ledger ledger;
    private final SiteModel site;
    private final Clock clock;
    private final Settings settings;
    final LongAdder steps = new LongAdder();
    final LongAdder conflicts = new LongAdder();
    private long cursor;
    private long lastReceiptNumber = -1;

    SettlementEngine(Ledger ledger, SiteModel site, Clock clock, Settings settings) {
        this.ledger = ledger;
        this.site = site;
        this.clock = clock;
        this.settings = settings;
    }

    /** Steps every session that is not finished: at start, and periodically for deadlines. */
    synchronized int sweep() {
        int n = 0;
        for (PaymentSession s : ledger.sessions(null)) {
            if (s.hasHold() && !s.state().isFinal()) {
                step(s.authorizationReference());
                n++;
            }
        }
        return n;
    }

    /** Steps the sessions named by facts recorded since the last call. */
    synchronized int tail() {
        if (cursor == 0) {
            cursor = ledger.head(); // the first sweep covered what was already there
            return 0;
        }
        Set<String> touched = new LinkedHashSet<>();
        while (true) {
            List<JournalEntry> batch = ledger.read(cursor + 1, 1000);
            if (batch.isEmpty()) {
                break;
            }
            for (JournalEntry e : batch) {
                if (e.fact().session() != null) {
                    touched.add(e.fact().session());
                }
                cursor = e.seq();
            }
        }
        touched.forEach(this::step);
        return touched.size();
    }

    /** Takes every step the facts allow for one session now. */
    synchronized void step(String ref) {
        for (int guard = 0; guard < 12; guard++) { // each pass takes at most one transition
            try {
                if (!stepOnce(ref)) {
                    return;
                }
                steps.increment();
            } catch (FactConflictException e) {
                conflicts.increment();
                log.error("session {}: a decision conflicts with one already recorded ({}); left as it is", ref, e.getMessage());
                return;
            } catch (LedgerException e) {
                log.warn("session {}: {}", ref, e.getMessage());
                return;
            }
        }
    }

    /** @return whether something was recorded (so another step may follow) */
    private boolean stepOnce(String ref) {
        Optional<PaymentSession> session = ledger.session(ref);
        if (session.isEmpty() || !session.get().hasHold()) {
            return false; // facts for a reference with no hold: shown, never billed
        }
        PaymentSessionState state = session.get().state();
        SessionFacts f = SessionFacts.of(ledger.timeline(ref));
        Hold hold = f.hold();
        Instant now = clock.instant();
        boolean deadline = !now.isBefore(hold.expiresAt().minus(settings.expiryMargin()));
        switch (state) {
            case AUTHORIZED -> {
                if (ledger.instruction(moneyKey(ref, SettlementOrder.Operation.RELEASE)).isPresent()) {
                    // the release is under way: it is finished, never turned into a capture on a hold being cancelled
                    if (f.started() && !f.alarms().contains("ENERGY_ON_RELEASED_HOLD")) {
                        log.error("ALARM session {}: energy delivered on hold {} after its release was decided; nothing can be captured on it",
                                ref, hold.providerReference());
                        append(Fact.of(FactType.ALARM, NaturalKeys.decision(ref, "alarm-energy-on-released-hold"), ref,
                                json("alarm", "ENERGY_ON_RELEASED_HOLD").toString()));
                        return true;
                    }
                    return moveMoney(ref, hold, Money.zero(hold.amount().currency()));
                }
                if (f.started()) {
                    return move(ref, "charging", PaymentSessionState.CHARGING, FactType.SESSION_STATE_CHANGED, json("reason", "transaction started"));
                }
                // Nobody charged — but only proof releases the hold: a charger whose link is down
                // may be charging on it right now, its events queued. Proof is the EVSE reported
                // free with no transaction before it (a charger reports in order), or the charger
                // refusing the start; otherwise the hold waits for the charger's word until its deadline.
                String noShow = f.evseFreed() ? "the EVSE was freed with no transaction"
                        : Boolean.FALSE.equals(f.startAccepted()) && now.isAfter(hold.placedAt().plus(settings.noShowTimeout()))
                                ? "the charger refused the start, no charging within " + settings.noShowTimeout()
                                : deadline ? "no transaction reported before the hold's deadline" : null;
                if (noShow != null) {
                    return reconciled(ref, hold, new Decision(Reconciliation.Kind.RELEASE, Money.zero(hold.amount().currency()),
                            Money.zero(hold.amount().currency()), Money.zero(hold.amount().currency()), false, noShow), PaymentSessionState.RELEASED, true);
                }
                if (now.isAfter(hold.placedAt().plus(settings.noShowTimeout())) && f.alarms().stream().noneMatch("NO_TRANSACTION"::equals)) {
                    log.error("ALARM session {}: no transaction reported {} after the hold on {} (start {}); the hold is kept until the charger "
                            + "reports or the EVSE is freed", ref, settings.noShowTimeout(), hold.evse(),
                            f.startAccepted() == null ? "answer unknown" : "accepted");
                    append(Fact.of(FactType.ALARM, NaturalKeys.decision(ref, "alarm-no-transaction"), ref, json("alarm", "NO_TRANSACTION").toString()));
                    return true;
                }
                return false;
            }
            case CHARGING -> {
                if (f.ended()) {
                    return move(ref, "stopped", PaymentSessionState.STOPPED, FactType.SESSION_STATE_CHANGED, json("reason", "transaction ended"));
                }
                return expiring(ref, hold, deadline, f);
            }
            case STOPPED -> {
                if (f.finalProof() != null) {
                    return move(ref, "final-proven", PaymentSessionState.FINAL_PROVEN, FactType.SESSION_STATE_CHANGED,
                            json("reason", "verified end reading").put("deliveredWh", f.deliveredWh().get()));
                }
                return expiring(ref, hold, deadline, f);
            }
            case FINAL_PROVEN -> {
                if (reconcile(ref, hold, f, deadline)) {
                    return true;
                }
                return expiring(ref, hold, deadline, f);
            }
            case HOLD_EXPIRING -> {
                // settle what can be proven; a session without a verified end reading stays, visible
                return f.finalProof() != null && reconcile(ref, hold, f, true);
            }
            case RECONCILED -> {
                return settle(ref, hold, f);
            }
            case SETTLED -> {
                return fiscalize(ref, hold, f, now);
            }
            case FISCALIZED -> {
                if (!f.receiptIssued()) {
                    return issueReceipt(ref, hold, f);
                }
                if (!settings.cpoConfirms()) {
                    boolean moved = move(ref, "closed", PaymentSessionState.CLOSED, FactType.SESSION_STATE_CHANGED, json("reason", "receipt issued"));
                    logTimeline(ref);
                    return moved;
                }
                return confirm(ref, hold, f); // CONFIRMED comes with the delivered Financial Advice Confirmation
            }
            case CONFIRMED -> {
                boolean moved = move(ref, "closed", PaymentSessionState.CLOSED, FactType.SESSION_STATE_CHANGED, json("reason", "CPO confirmed"));
                logTimeline(ref);
                return moved;
            }
            case RELEASED -> {
                // nothing was captured: the CPO has no invoice to enrich, no confirmation is sent
                boolean moved = move(ref, "closed", PaymentSessionState.CLOSED, FactType.SESSION_STATE_CHANGED, json("reason", "hold released"));
                logTimeline(ref);
                return moved;
            }
            default -> {
                return false; // REVIEW, CAPTURE_DECLINED: a person decides (settlement:resolve)
            }
        }
    }

    private boolean expiring(String ref, Hold hold, boolean deadline, SessionFacts f) {
        if (!deadline) {
            return false;
        }
        log.error("ALARM session {}: hold {} expires {} and the session is not settled ({})", ref, hold.providerReference(), hold.expiresAt(),
                f.finalProof() == null ? "no verified end reading yet" : "waiting for the CDR");
        append(Fact.of(FactType.ALARM, NaturalKeys.decision(ref, "alarm-hold-expiring"), ref,
                json("alarm", "HOLD_EXPIRING").put("expiresAt", hold.expiresAt().toString()).toString()));
        return move(ref, "hold-expiring", PaymentSessionState.HOLD_EXPIRING, FactType.SESSION_STATE_CHANGED,
                json("reason", "hold expires " + hold.expiresAt()));
    }

    private boolean reconcile(String ref, Hold hold, SessionFacts f, boolean deadline) {
        if (f.finalProof() == null) {
            return false; // never on an unproven number
        }
        Money meter = Pricing.price(hold.tariff(), f.deliveredWh().get(), hold.amount().currency());
        // the CDR is waited for until the hold's deadline, or — configured — this long after the verified end reading
        boolean waitedEnough = deadline || settings.cdrWait() != null && f.finalProofAt() != null
                && !clock.instant().isBefore(f.finalProofAt().plus(settings.cdrWait()));
        Decision d = Reconciliation.decide(meter, f.cdr(), hold.amount(), settings.toleranceMinor(), settings.cdrExpected(), waitedEnough,
                settings.deadlinePolicy());
        return switch (d.kind()) {
            case WAIT -> false;
            case REVIEW -> {
                log.error("ALARM session {}: REVIEW — {} (resolve with settlement:resolve)", ref, d.reason());
                yield move(ref, "review", PaymentSessionState.REVIEW, FactType.REVIEW_OPENED,
                        decisionBody(d).put("reason", d.reason()));
            }
            case SETTLE, RELEASE -> reconciled(ref, hold, d, PaymentSessionState.RECONCILED, false);
        };
    }

    private boolean reconciled(String ref, Hold hold, Decision d, PaymentSessionState target, boolean noShow) {
        if (d.shortfall().exceeds(Money.zero(d.shortfall().currency()))) {
            log.error("ALARM session {}: metered {} exceeds the hold {}: capturing the hold, shortfall {} recorded", ref, d.meterAmount(),
                    hold.amount(), d.shortfall());
            append(Fact.of(FactType.ALARM, NaturalKeys.decision(ref, "alarm-shortfall"), ref,
                    json("alarm", "SHORTFALL").set("shortfall", PaymentJson.money(d.shortfall())).toString()));
        }
        if (noShow) {
            // straight from AUTHORIZED: the release instruction first, the move when it is done
            return moveMoney(ref, hold, Money.zero(hold.amount().currency()));
        }
        ObjectNode body = decisionBody(d);
        return move(ref, "reconciled", target, FactType.RECONCILED, body);
    }

    private ObjectNode decisionBody(Decision d) {
        ObjectNode body = JSON.createObjectNode();
        body.put("kind", d.kind().name());
        if (d.amount() != null) {
            body.set("amount", PaymentJson.money(d.amount()));
        }
        body.set("meterAmount", PaymentJson.money(d.meterAmount()));
        body.set("shortfall", PaymentJson.money(d.shortfall()));
        body.put("flagged", d.flagged());
        body.put("rule", d.reason());
        return body;
    }

    /** RECONCILED: the money instruction to the hold's acquirer, then the facts of what it did. */
    private boolean settle(String ref, Hold hold, SessionFacts f) {
        return moveMoney(ref, hold, PaymentJson.money(f.decision().get("amount")));
    }

    /**
     * Captures {@code amount} and releases the rest (zero: releases all): the instruction to
     * the hold's own acquirer link (enqueued once: its key dedups), then the facts of what it did.
     */
    private boolean moveMoney(String ref, Hold hold, Money amount) {
        SettlementOrder.Operation op = amount.isZero() ? SettlementOrder.Operation.RELEASE : SettlementOrder.Operation.SETTLE;
        SettlementOrder order = new SettlementOrder(op, ref, hold.providerReference(), hold.amount(), amount);
        ObjectNode body = (ObjectNode) readTree(PaymentJson.order(order));
        // past the authorization's life a capture cannot succeed: a person must see it first
        body.put("deliverBy", hold.expiresAt().toString());
        Ledger.await(ledger.enqueue(Instruction.of(moneyKey(ref, order.operation()), hold.acquirerLink(), ref, true, body.toString())));
        OutboxEntry e = ledger.instruction(moneyKey(ref, order.operation())).orElseThrow();
        switch (e.status()) {
            case SUCCEEDED -> {
                if (order.operation() == SettlementOrder.Operation.SETTLE) {
                    append(Fact.of(FactType.CAPTURED, NaturalKeys.decision(ref, "captured"), ref,
                            json("upstreamReference", e.upstreamReference()).put("instruction", e.key().value())
                                    .set("amount", PaymentJson.money(amount)).toString()));
                    log.info("session {}: captured {} on {} ({}), {} of the hold released", ref, amount, hold.acquirerLink(),
                            e.upstreamReference(), order.released());
                }
                ObjectNode reversed = json("upstreamReference", e.upstreamReference()).put("instruction", e.key().value());
                reversed.set("amount", PaymentJson.money(order.released()));
                return move(ref, "reversed", order.operation() == SettlementOrder.Operation.SETTLE ? PaymentSessionState.SETTLED
                        : PaymentSessionState.RELEASED, FactType.AUTHORIZATION_REVERSED, reversed);
            }
            case DECLINED -> {
                log.error("ALARM session {}: {} declined by {}: {}", ref, order.operation(), hold.acquirerLink(), e.lastDetail());
                return move(ref, "declined", PaymentSessionState.CAPTURE_DECLINED, FactType.SESSION_STATE_CHANGED,
                        json("reason", "declined: " + e.lastDetail()));
            }
            default -> {
                return false; // the outbox is on it (PENDING, IN_FLIGHT, UNKNOWN) or a person is (REVIEW)
            }
        }
    }

    /**
     * FISCALIZED, the CPO creates the invoice: the OCPI Financial Advice Confirmation (the
     * captured amount incl. VAT, EFT data) goes to the CPO's link; its delivery is CONFIRMED.
     */
    private boolean confirm(String ref, Hold hold, SessionFacts f) {
        IdempotencyKey key = IdempotencyKey.derive(site.site().id(), ref, new AuthorizationReference(ref), "confirm");
        Optional<OutboxEntry> sent = ledger.instruction(key);
        if (sent.isEmpty()) {
            Money total = PaymentJson.money(f.decision().get("amount"));
            int bp = site.site().vatRates().getOrDefault(hold.tariff().vatRate(), 0);
            BigDecimal incl = BigDecimal.valueOf(total.minorUnits(), total.currency().getDefaultFractionDigits());
            BigDecimal excl = incl.multiply(BigDecimal.valueOf(10_000)).divide(BigDecimal.valueOf(10_000L + bp), total.currency().getDefaultFractionDigits(),
                    RoundingMode.HALF_UP);
            ObjectNode fac = JSON.createObjectNode().put("id", UUID.nameUUIDFromBytes(("fac:" + ref).getBytes(StandardCharsets.UTF_8)).toString())
                    .put("authorization_reference", ref).put("currency", total.currency().getCurrencyCode()).put("capture_status_code", "SUCCESS")
                    .put("last_updated", clock.instant().toString());
            fac.putObject("total_costs").put("excl_vat", excl).put("incl_vat", incl);
            var eft = fac.putArray("eft_data");
            eft.add(hold.acquirerLink() + " " + hold.providerReference());
            if (!hold.maskedPan().isEmpty()) {
                eft.add((hold.cardBrand() + " " + hold.maskedPan()).trim());
            }
            Ledger.await(ledger.enqueue(Instruction.of(key, settings.cpoLink(), ref, false, fac.toString())));
            return false;
        }
        if (sent.get().status() == OutboxEntry.Status.SUCCEEDED) {
            return move(ref, "confirmed", PaymentSessionState.CONFIRMED, FactType.FINANCIAL_ADVICE_CONFIRMED,
                    json("financialAdviceConfirmation", sent.get().upstreamReference()));
        }
        if (sent.get().status() == OutboxEntry.Status.DECLINED) {
            log.error("ALARM session {}: the CPO refused the financial advice confirmation: {}", ref, sent.get().lastDetail());
        }
        return false;
    }

    private IdempotencyKey moneyKey(String ref, SettlementOrder.Operation op) {
        return IdempotencyKey.derive(site.site().id(), ref, new AuthorizationReference(ref), op.keyName());
    }

    /** SETTLED: a gap-free receipt number, the fiscalize instruction, then wait for the provider's receipt. */
    private boolean fiscalize(String ref, Hold hold, SessionFacts f, Instant now) {
        if (f.fiscalReceipt() != null) {
            return move(ref, "fiscalized", PaymentSessionState.FISCALIZED, FactType.SESSION_STATE_CHANGED,
                    json("receiptId", f.fiscalReceipt().receiptId()).put("degraded", f.fiscalReceipt().degraded()));
        }
        if (f.receiptNumber() == null) {
            assignReceiptNumber(ref);
            return true;
        }
        Money total = PaymentJson.money(f.decision().get("amount"));
        FiscalRequest request = new FiscalRequest(ref, site.site().id().value(), f.receiptNumber(), total, Map.of(hold.tariff().vatRate(), total),
                f.deliveredWh().map(w -> w.longValue()).orElse(0L), soldAt(ref));
        IdempotencyKey key = IdempotencyKey.derive(site.site().id(), ref, new AuthorizationReference(ref), "fiscalize");
        Ledger.await(ledger.enqueue(Instruction.of(key, FiscalProvider.LINK_KIND + ":" + settings.fiscalProvider(), ref, false,
                FiscalJson.request(request))));
        return false;
    }

    /** When the sale settled: the recorded time of the capture fact (stable across restarts). */
    private Instant soldAt(String ref) {
        return ledger.byNaturalKey(NaturalKeys.decision(ref, "captured")).map(JournalEntry::recordedAt).orElse(Instant.EPOCH);
    }

    private void assignReceiptNumber(String ref) {
        String siteId = site.site().id().value();
        if (lastReceiptNumber < 0) {
            lastReceiptNumber = highestReceiptNumber(siteId);
        }
        while (true) {
            long n = lastReceiptNumber + 1;
            try {
                Ledger.await(ledger.append(Fact.of(FactType.RECEIPT_NUMBER_ASSIGNED, "receiptno:" + siteId + ":" + n, ref,
                        JSON.createObjectNode().put("receiptNumber", n).toString())));
                lastReceiptNumber = n;
                return;
            } catch (FactConflictException taken) {
                lastReceiptNumber = n; // another session holds n: never reuse it, never skip one
            }
        }
    }

    /** The highest receipt number in the ledger: numbers are dense, so a galloping probe finds it. */
    private long highestReceiptNumber(String siteId) {
        long lo = 0;
        long hi = 1;
        while (ledger.byNaturalKey("receiptno:" + siteId + ":" + hi).isPresent()) {
            lo = hi;
            hi *= 2;
        }
        while (hi - lo > 1) { // lo exists (or is 0), hi does not
            long mid = (lo + hi) >>> 1;
            if (ledger.byNaturalKey("receiptno:" + siteId + ":" + mid).isPresent()) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The driver's receipt: everything they paid for, with the fiscal signature and the meter's signed data. */
    private boolean issueReceipt(String ref, Hold hold, SessionFacts f) {
        ObjectNode r = JSON.createObjectNode();
        r.put("authorizationReference", ref);
        r.put("site", site.site().id().value());
        r.put("siteName", site.site().name());
        r.put("evse", hold.evse().toString());
        r.put("terminal", hold.terminalId());
        r.put("card", (hold.cardBrand() + " " + hold.maskedPan()).trim());
        ObjectNode tariff = r.putObject("tariff");
        tariff.put("id", hold.tariff().id()).put("version", hold.tariff().version()).put("pricePerKwh", hold.tariff().pricePerKwh().toPlainString())
                .set("sessionFee", PaymentJson.money(hold.tariff().sessionFee()));
        r.put("deliveredWh", f.deliveredWh().map(w -> w.toPlainString()).orElse("0"));
        Money amount = PaymentJson.money(f.decision().get("amount"));
        r.set("held", PaymentJson.money(hold.amount()));
        r.set("charged", PaymentJson.money(amount));
        r.set("released", PaymentJson.money(hold.amount().minus(amount)));
        ObjectNode fiscal = r.putObject("fiscal");
        fiscal.put("provider", f.fiscalReceipt().provider()).put("receiptId", f.fiscalReceipt().receiptId())
                .put("receiptNumber", f.receiptNumber()).put("signature", f.fiscalReceipt().signature())
                .put("qrPayload", f.fiscalReceipt().qrPayload()).put("degraded", f.fiscalReceipt().degraded());
        r.set("meter", f.finalProof());
        r.put("url", settings.receiptBaseUrl() + ref);
        append(Fact.of(FactType.RECEIPT_ISSUED, NaturalKeys.decision(ref, "receipt"), ref, r.toString()));
        log.info("session {}: receipt issued — charged {}, released {}, fiscal receipt {} ({})", ref, amount, hold.amount().minus(amount),
                f.fiscalReceipt().receiptId(), settings.receiptBaseUrl() + ref);
        return true;
    }

    /** The session's story in one block of log lines, for the operator (and the demo). */
    private void logTimeline(String ref) {
        StringBuilder out = new StringBuilder("session " + ref + " closed — timeline:");
        for (JournalEntry e : ledger.timeline(ref)) {
            String type = e.fact().type().name();
            if (type.startsWith("INSTRUCTION_") && e.fact().type() != FactType.INSTRUCTION_OUTCOME && e.fact().type() != FactType.INSTRUCTION_ENQUEUED) {
                continue;
            }
            JsonNode body = readTree(e.fact().bodyText());
            String what = switch (e.fact().type()) {
                case HOLD_PLACED -> "hold " + PaymentJson.money(body.get("amount")) + " at " + body.path("terminalId").asText() + " for "
                        + body.path("evse").asText() + " (" + body.path("providerReference").asText() + ")";
                case TRANSACTION_EVENT -> body.path("payload").path("eventType").asText() + " seqNo " + body.path("payload").path("seqNo").asText()
                        + (body.path("payload").path("offline").asBoolean() ? " (offline)" : "");
                case SIGNED_READING -> "signed reading " + (body.path("verified").asBoolean() ? "verified" : "REFUSED");
                case FINAL_READING_PROVEN -> "final reading proven: " + body.path("deliveredWh").asText() + " Wh";
                case RECONCILED, REVIEW_RESOLVED -> "reconciled: " + body.path("rule").asText();
                case INSTRUCTION_ENQUEUED -> "instruction " + body.path("key").asText() + " to " + body.path("link").asText();
                case INSTRUCTION_OUTCOME -> "  attempt " + body.path("attempt").asText() + ": " + body.path("result").asText() + " "
                        + body.path("detail").asText("");
                case CAPTURED -> "CAPTURED " + PaymentJson.money(body.get("amount")) + " (" + body.path("upstreamReference").asText() + ")";
                case AUTHORIZATION_REVERSED -> "rest of the hold RELEASED: " + PaymentJson.money(body.get("amount"));
                case FISCAL_RECEIPT -> "fiscal receipt " + body.path("receiptId").asText() + (body.path("signature").asText().isEmpty() ? ""
                        : " signed") + (body.path("degraded").asBoolean() ? " (degraded)" : "");
                case RECEIPT_ISSUED -> "driver's receipt " + body.path("url").asText();
                case CDR_RECEIVED -> "CDR " + body.path("id").asText() + " from the CPO: " + PaymentJson.money(body.get("totalCost")) + ", "
                        + body.path("totalEnergyWh").asText() + " Wh";
                case UPSTREAM_NOTIFICATION -> body.has("result") ? "CPO's start result: " + body.path("result").asText() : "";
                case FINANCIAL_ADVICE_CONFIRMED -> "CPO CONFIRMED (financial advice confirmation delivered)";
                default -> e.fact().moveTo() == null ? "" : "";
            };
            String move = e.fact().moveTo() == null ? "" : " → " + e.fact().moveTo();
            if (!what.isEmpty() || !move.isEmpty()) {
                out.append(String.format("%n  %s  %-24s %s%s", e.recordedAt(), type, what, move));
            }
        }
        log.info("{}", out);
    }

    // ---------------------------------------------------------------- operator decisions

    /**
     * A person settles a session in REVIEW or CAPTURE_DECLINED: the amount to capture (zero
     * releases the hold), with who and why recorded.
     */
    synchronized void resolve(String ref, Money amount, String who, String why) {
        PaymentSession s = ledger.session(ref).orElseThrow(() -> new IllegalArgumentException("no session " + ref));
        if (s.state() != PaymentSessionState.REVIEW) {
            throw new IllegalStateException("session " + ref + " is " + s.state() + ": only a session in REVIEW is resolved by a person");
        }
        Hold hold = SessionFacts.of(ledger.timeline(ref)).hold();
        if (amount.isNegative() || amount.exceeds(hold.amount()) || !amount.currency().equals(hold.amount().currency())) {
            throw new IllegalArgumentException("amount must be between 0 and the hold " + hold.amount());
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("kind", amount.isZero() ? "RELEASE" : "SETTLE");
        body.set("amount", PaymentJson.money(amount));
        body.put("who", who).put("why", why).put("rule", "decided by " + who + ": " + why);
        long n = s.factSeqs().size();
        Ledger.await(ledger.append(Fact.moving(FactType.REVIEW_RESOLVED, NaturalKeys.decision(ref, "resolved-" + n), ref, PaymentSessionState.RECONCILED,
                body.toString())));
        log.info("session {}: review resolved by {} — {} ({})", ref, who, amount, why);
        step(ref);
    }

    // ---------------------------------------------------------------- helpers

    private boolean move(String ref, String step, PaymentSessionState to, FactType type, ObjectNode body) {
        Appended a = append(Fact.moving(type, NaturalKeys.decision(ref, step), ref, to, body.toString()));
        return !a.duplicate();
    }

    private Appended append(Fact fact) {
        return Ledger.await(ledger.append(fact));
    }

    private static ObjectNode json(String key, String value) {
        return JSON.createObjectNode().put(key, value);
    }

    private static JsonNode readTree(String json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

}
