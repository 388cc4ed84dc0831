/**
 * Delivery of outbox instructions: the handler contract adapters implement per upstream link.
 */
@Export
@Version("1.0.0")
package forecourt.api.outbox;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
