/**
 * ZVT, the German ECR–terminal protocol, as bytes: APDU framing, BMP fields (BCD,
 * LLVAR/LLLVAR, TLV container), and the messages Forecourt exchanges with a card terminal
 * — both directions, so the ECR-side driver and the terminal simulator speak through one
 * codec that is checked against real captures.
 */
@Export
@Version("1.0.0")
package forecourt.zvt.protocol;

import org.osgi.annotation.bundle.Export;
import org.osgi.annotation.versioning.Version;
