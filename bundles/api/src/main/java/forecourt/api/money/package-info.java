/**
 * Money as integer minor units with an ISO 4217 currency. No floating point anywhere.
 */
@Export
@Version("1.0.0")
package forecourt.api.money;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
