/**
 * Fiscalization: the request the settlement engine hands to the site's fiscal provider
 * and the receipt (or degraded receipt with its follow-up obligation) that comes back.
 */
@Export
@Version("1.0.0")
package forecourt.api.fiscal;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
