/**
 * Holds and how they are settled: the hold fact every terminal or card-present path
 * records, the settlement order the engine sends to the acquirer that holds the
 * authorization, and the contracts of terminals and acquirers.
 */
@Export
@Version("1.1.0")
package forecourt.api.payment;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
