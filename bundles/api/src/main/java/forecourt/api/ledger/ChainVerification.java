package forecourt.api.ledger;

/**
 * The result of walking the hash chain.
 *
 * @param checked   entries whose hash was recomputed
 * @param firstBad  the first entry whose hash or link does not match, or -1 when intact
 * @param problem   what did not match, or {@code null}
 */
public record ChainVerification(long checked, long firstBad, String problem) {
    public boolean intact() {
        return firstBad < 0;
    }
}
