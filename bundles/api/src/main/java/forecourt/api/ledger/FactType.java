package forecourt.api.ledger;

/**
 * What a fact says. The names are stored in the journal: never rename one.
 */
public enum FactType {
    // the hold, from the terminal or the acquirer's card-present path
    HOLD_PLACED, HOLD_DECLINED, HOLD_CANCELLED,
    // from the chargers
    CHARGER_EVENT, TRANSACTION_EVENT, METER_READING, SIGNED_READING, FINAL_READING_PROVEN,
    // from the CPO
    CDR_RECEIVED,
    // from an upstream, asynchronously and verified (an acquirer's signed webhook)
    UPSTREAM_NOTIFICATION,
    // the settlement engine's decisions
    RECONCILED, REVIEW_OPENED, REVIEW_RESOLVED, SESSION_STATE_CHANGED,
    // money and receipts, as confirmed upstream
    CAPTURED, AUTHORIZATION_REVERSED, FISCAL_RECEIPT, FINANCIAL_ADVICE_CONFIRMED,
    // the settlement engine: gap-free receipt numbers, the driver's receipt, alarms a person must see
    RECEIPT_NUMBER_ASSIGNED, RECEIPT_ISSUED, ALARM,
    // a fiscal device's own journal (an RKSV cash box's signed receipts, in chain order)
    FISCAL_JOURNAL,
    // the outbox: instructions and their delivery, recorded by the ledger itself
    INSTRUCTION_ENQUEUED, INSTRUCTION_ATTEMPTED, INSTRUCTION_OUTCOME, INSTRUCTION_REVIEW, INSTRUCTION_RETRY,
    INSTRUCTION_CANCELLED,
    // the ledger's own record of what it refused or found
    TRANSITION_REFUSED, LEDGER_RECOVERED
}
