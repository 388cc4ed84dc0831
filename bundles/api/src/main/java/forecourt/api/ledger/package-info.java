/**
 * The ledger: the only state of the gateway. Facts are appended durably, in order, hash-chained; payment-session state and the outbox are derived from them.
 */
@Export
@Version("1.1.0")
package forecourt.api.ledger;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
