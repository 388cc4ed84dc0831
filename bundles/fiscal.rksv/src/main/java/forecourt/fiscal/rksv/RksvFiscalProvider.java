package forecourt.fiscal.rksv;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.fiscal.FiscalJson;
import forecourt.api.fiscal.FiscalProvider;
import forecourt.api.fiscal.FiscalReceipt;
import forecourt.api.fiscal.FiscalRequest;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.money.Money;

/**
 * The settlement engine's hand-off to the Austrian cash box (link {@code fiscal:rksv}): a
 * settled session becomes one standard receipt whose number is the site's gap-free receipt
 * number. Issuing is local and idempotent by receipt number — the cash box's journal is the
 * ledger — so a delivery killed at any point is completed by the next attempt with the same
 * receipt, never a second one. A receipt issued while the signature device had failed is a
 * degraded fiscal receipt: valid at once, with the obligation of the collective zero
 * receipt and the 48-hour reporting deadline.
 */
public final class RksvFiscalProvider implements FiscalProvider {
    private static final Logger log = LoggerFactory.getLogger(RksvFiscalProvider.class);

    /** The regulation's five VAT-rate slots, in the receipt's order. */
    public enum Slot {
        NORMAL, ERMAESSIGT_1, ERMAESSIGT_2, NULL, BESONDERS
    }

    private final CashBox box;
    private final Ledger ledger;
    private final Clock clock;
    private final ZoneId zone;
    private final Map<String, Slot> slots;
    private final Duration outageDeadline;

    public RksvFiscalProvider(CashBox box, Ledger ledger, Clock clock, ZoneId zone, Map<String, Slot> slots, Duration outageDeadline) {
        this.box = box;
        this.ledger = ledger;
        this.clock = clock;
        this.zone = zone;
        this.slots = Map.copyOf(slots);
        this.outageDeadline = outageDeadline;
    }

    @Override
    public String name() {
        return "rksv";
    }

    /** The cash box's start receipt, if it has none yet. */
    public void ensureStarted() {
        if (box.receipts() == 0) {
            box.issue(ReceiptType.START_BELEG, box.cashBoxId() + "-START", LocalDateTime.now(clock.withZone(zone)), new long[5], 0);
            log.info("RKSV cash box {} started", box.cashBoxId());
        }
    }

    long[] amounts(FiscalRequest request) {
        long[] amounts = new long[5];
        for (Map.Entry<String, Money> e : request.grossByVatRate().entrySet()) {
            Slot slot = slots.get(e.getKey());
            if (slot == null) {
                throw new IllegalArgumentException("VAT rate '" + e.getKey() + "' has no RKSV slot (configure vatRateSlots)");
            }
            amounts[slot.ordinal()] += e.getValue().minorUnits();
        }
        return amounts;
    }

    @Override
    public InstructionOutcome deliver(Instruction instruction, int attempt) {
        FiscalRequest request = FiscalJson.request(instruction.body());
        if (ledger.byNaturalKey(NaturalKeys.fiscalReceipt(request.authorizationReference())).isPresent()) {
            return InstructionOutcome.succeeded(request.siteId() + "-" + request.receiptNumber()); // recorded before the crash
        }
        if (!request.total().currency().getCurrencyCode().equals("EUR")) {
            return InstructionOutcome.declined("an Austrian cash box records EUR, not " + request.total().currency());
        }
        long[] amounts;
        try {
            amounts = amounts(request);
        } catch (IllegalArgumentException e) {
            return InstructionOutcome.declined(e.getMessage());
        }
        ensureStarted();
        String receiptId = request.siteId() + "-" + request.receiptNumber();
        CashBox.Receipt r = box.issue(ReceiptType.STANDARD_BELEG, receiptId, LocalDateTime.ofInstant(request.soldAt(), zone), amounts, 0);
        FiscalReceipt receipt = new FiscalReceipt("rksv", receiptId, r.jws(), r.qrPayload(), r.deviceFailed(),
                r.deviceFailed() ? "collective zero receipt when the signature device is back; report an outage over "
                        + outageDeadline.toHours() + " h to the tax office" : "",
                r.deviceFailed() ? box.deviceFailedSince().orElse(clock.instant()).plus(outageDeadline) : null);
        Ledger.await(ledger.append(FiscalJson.receiptFact(request, receipt)));
        log.info("RKSV receipt {} for session {}{}", receiptId, request.authorizationReference(),
                r.deviceFailed() ? " issued with the failure marker (signature device down)" : " signed");
        return InstructionOutcome.succeeded(receiptId);
    }

    @Override
    public InstructionOutcome resolve(Instruction instruction, int attempt) {
        return deliver(instruction, attempt); // local and idempotent by receipt number
    }
}
