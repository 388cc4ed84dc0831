/**
 * Identifiers of the site, its devices, payment sessions, holds and upstream instructions.
 */
@Export
@Version("1.0.0")
package forecourt.api.id;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
