package forecourt.terminal.zvt;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.outbox.InstructionHandler;
import forecourt.api.payment.PaymentJson;
import forecourt.api.payment.SettlementOrder;
import forecourt.terminal.zvt.ZvtClient.Aborted;
import forecourt.terminal.zvt.ZvtClient.Answer;
import forecourt.terminal.zvt.ZvtClient.Completed;
import forecourt.terminal.zvt.ZvtClient.LinkFailure;
import forecourt.terminal.zvt.ZvtClient.Refused;
import forecourt.zvt.protocol.Apdu;
import forecourt.zvt.protocol.Messages;
import forecourt.zvt.protocol.ResultCode;
import forecourt.zvt.protocol.StatusInformation;
import forecourt.zvt.protocol.ZvtProtocolException;

/**
 * Settling holds through the terminal's own host, as the outbox handler of link
 * {@code terminal:<id>}: settle is one command — a partial reversal of the unused amount
 * (what EVerest's Feig module does) or a book total of the final amount — and a zero-energy
 * release is a reversal of the pre-authorisation. An attempt whose answer was lost is resolved
 * by asking the terminal which pre-authorisations are still open, never by sending again blindly.
 */
final class ZvtSettlement implements InstructionHandler {
    private static final Logger log = LoggerFactory.getLogger(ZvtSettlement.class);

    enum SettleWith {
        PARTIAL_REVERSAL, BOOK_TOTAL
    }

    private final String terminalId;
    private final ZvtClient client;
    private final Ledger ledger;
    private final Clock clock;
    private final SettleWith settleWith;
    private final Duration answerTimeout;
    private final Duration busyBackoff;

    ZvtSettlement(String terminalId, ZvtClient client, Ledger ledger, Clock clock, SettleWith settleWith, Duration answerTimeout,
            Duration busyBackoff) {
        this.terminalId = terminalId;
        this.client = client;
        this.ledger = ledger;
        this.clock = clock;
        this.settleWith = settleWith;
        this.answerTimeout = answerTimeout;
        this.busyBackoff = busyBackoff;
    }

    /** The command that carries out {@code order} on pre-authorisation {@code receipt}. */
    Apdu command(SettlementOrder order, int receipt) {
        int currency = client.currency();
        if (order.operation() == SettlementOrder.Operation.RELEASE) {
            return Messages.preAuthReversal(receipt, currency);
        }
        if (settleWith == SettleWith.PARTIAL_REVERSAL && !order.released().isZero()) {
            return Messages.partialReversal(receipt, order.released().minorUnits(), currency);
        }
        return Messages.bookTotal(receipt, order.amount().minorUnits(), currency);
    }

    @Override
    public InstructionOutcome deliver(Instruction instruction, int attempt) {
        SettlementOrder order = PaymentJson.order(instruction.body());
        int receipt = Integer.parseInt(order.providerReference());
        Answer answer;
        try {
            answer = client.transact(command(order, receipt), answerTimeout);
        } catch (Refused r) {
            return InstructionOutcome.retryable(r.getMessage(), clock.instant().plus(busyBackoff));
        } catch (LinkFailure f) {
            return f.mayHaveApplied ? InstructionOutcome.unknown(f.getMessage())
                    : InstructionOutcome.retryable(f.getMessage(), clock.instant().plus(busyBackoff));
        }
        if (answer instanceof Aborted a) {
            if (ResultCode.isTransient(a.resultCode())) {
                return InstructionOutcome.retryable("terminal " + terminalId + ": " + a.reason(), clock.instant().plus(busyBackoff));
            }
            return InstructionOutcome.declined("terminal " + terminalId + " refused " + order.operation().keyName() + " of receipt " + receipt
                    + ": " + a.reason());
        }
        String reference = reference((Completed) answer, receipt);
        log.info("terminal {}: {} of pre-authorisation {} done: {} captured, {} released ({})", terminalId, order.operation().keyName(),
                receipt, order.amount(), order.released(), reference);
        return InstructionOutcome.succeeded(reference);
    }

    private static String reference(Completed completed, int receipt) {
        for (StatusInformation info : completed.statusInformation()) {
            try {
                if (info.receiptNo().isPresent()) {
                    return "zvt receipt " + info.receiptNo().getAsLong() + (info.traceNo().isPresent() ? " trace " + info.traceNo().getAsLong() : "");
                }
            } catch (ZvtProtocolException e) {
                // checked when the status information was read
            }
        }
        return "zvt pre-authorisation " + receipt;
    }

    @Override
    public InstructionOutcome resolve(Instruction instruction, int attempt) {
        SettlementOrder order = PaymentJson.order(instruction.body());
        int receipt = Integer.parseInt(order.providerReference());
        List<Integer> open;
        try {
            open = openPreAuthorisations(client, answerTimeout);
        } catch (Refused | LinkFailure e) {
            return InstructionOutcome.unknown("cannot ask terminal " + terminalId + " which pre-authorisations are open: " + e.getMessage());
        }
        if (open.contains(receipt)) {
            log.info("terminal {}: pre-authorisation {} is still open: the {} was not applied", terminalId, receipt, order.operation().keyName());
            return InstructionOutcome.retryable("pre-authorisation " + receipt + " still open at terminal " + terminalId, clock.instant());
        }
        // only Forecourt settles its pre-authorisations, and only by this instruction
        log.info("terminal {}: pre-authorisation {} is no longer open: the {} was applied", terminalId, receipt, order.operation().keyName());
        return InstructionOutcome.succeeded("zvt pre-authorisation " + receipt + " closed (resolved)");
    }

    /** The terminal's open pre-authorisations (partial reversal with receipt number FFFF). */
    static List<Integer> openPreAuthorisations(ZvtClient client, Duration answerTimeout) throws Refused, LinkFailure {
        Answer answer = client.transact(Messages.openPreAuthorisationQuery(), answerTimeout);
        if (!(answer instanceof Aborted a) || a.resultCode() != ResultCode.PRE_AUTHORISATION_ERROR) {
            throw new LinkFailure("the terminal did not answer the open pre-authorisation query with the list (" + answer + ")", false);
        }
        try {
            return Messages.openReceipts(a.abort());
        } catch (ZvtProtocolException e) {
            throw new LinkFailure("malformed open pre-authorisation list: " + e.getMessage(), false);
        }
    }

    /**
     * End-of-day (06 50): the terminal submits its batch. Never while an instruction on this
     * terminal is unresolved: its outcome must be known before the batch closes.
     */
    String endOfDay() throws Refused, LinkFailure {
        String link = ZvtPaymentTerminal.link(terminalId);
        List<OutboxEntry> open = ledger.outbox().stream().filter(e -> e.link().equals(link) && e.status().isOpen()).toList();
        if (!open.isEmpty()) {
            throw new IllegalStateException("end-of-day refused: " + open.size() + " instruction(s) on terminal " + terminalId
                    + " not finished (first: " + open.get(0).key() + ", " + open.get(0).status() + ")");
        }
        Answer answer = client.transact(Messages.endOfDay(client.password()), answerTimeout);
        if (answer instanceof Aborted a) {
            return "end-of-day aborted by terminal " + terminalId + ": " + a.reason();
        }
        long total = 0;
        for (StatusInformation info : ((Completed) answer).statusInformation()) {
            try {
                total += info.amount().orElse(0);
            } catch (ZvtProtocolException e) {
                // checked when read
            }
        }
        log.info("terminal {}: end-of-day done, batch total {} minor units", terminalId, total);
        return "end-of-day done at terminal " + terminalId + ": batch total " + total + " minor units";
    }
}
