package forecourt.fiscal.rksv;

/** The receipt types of the RKSV (names as in the official test scenarios). */
public enum ReceiptType {
    /** The first receipt of a cash box: zero amounts, signed, its chain starts at the cash box id. */
    START_BELEG,
    /** A sale. */
    STANDARD_BELEG,
    /** A cancellation: amounts (usually negative) count, the turnover field reads "STO". */
    STORNO_BELEG,
    /** Training: amounts do not count, the turnover field reads "TRA". */
    TRAINING_BELEG,
    /** Zero receipt: monthly/yearly closing, and the collective receipt after a device failure. */
    NULL_BELEG
}
