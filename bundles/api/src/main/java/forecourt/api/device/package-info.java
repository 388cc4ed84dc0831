/**
 * What every device driver (charger, meter, terminal) tells operations about itself.
 */
@Export
@Version("1.0.0")
package forecourt.api.device;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
