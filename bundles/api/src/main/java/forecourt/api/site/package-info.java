/**
 * The configured site: chargers, EVSEs, tariffs and terminals, read from ConfigAdmin.
 */
@Export
@Version("1.0.0")
package forecourt.api.site;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
