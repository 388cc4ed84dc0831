package forecourt.api.fiscal;

import org.osgi.annotation.versioning.ConsumerType;

import forecourt.api.outbox.InstructionHandler;

/**
 * The site's fiscal provider, chosen by configuration. It serves fiscalize instructions
 * from the outbox (link {@code fiscal:<name>}); the instruction's body is a
 * {@link FiscalRequest} ({@link FiscalJson}) and its idempotency key goes upstream. Before
 * {@code deliver} or {@code resolve} answers SUCCEEDED, the provider records its
 * {@link FiscalReceipt} in the ledger ({@link FiscalJson#receiptFact}). A timeout is "may
 * have arrived" and is resolved by the provider's own lookup or replay rule, never by a
 * second receipt number.
 */
@ConsumerType
public interface FiscalProvider extends InstructionHandler {
    String LINK_KIND = "fiscal";

    /** The provider's name: its outbox link is {@code fiscal:<name>}. */
    String name();
}
