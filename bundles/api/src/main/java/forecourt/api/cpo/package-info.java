/**
 * What the gateway asks of the charge point operator's backend (CPO) about a session —
 * today: starting it with the hold's authorization reference, so the CPO's sessions and
 * CDRs carry it.
 */
@Export
@Version("1.0.0")
package forecourt.api.cpo;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
