/**
 * Signed meter readings (OCMF): parsing and signature verification, the only way a reading may count toward money.
 */
@Export
@Version("1.0.0")
package forecourt.api.metering;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
