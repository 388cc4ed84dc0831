package forecourt.api.metering;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Verifies signed meter readings in the Open Charge Metering Format:
 * {@code OCMF|{payload}|{signature}}, ECDSA over the payload bytes exactly as received.
 * A reading counts toward money only through this.
 */
@ProviderType
public interface OcmfVerifier {
    /**
     * @param ocmf      the whole record, as the charger sent it (after Base64 decoding of
     *                  OCPP's {@code signedMeterData})
     * @param publicKey the EVSE's configured meter key: hex or base64 DER
     *                  SubjectPublicKeyInfo, or raw X‖Y hex (the curve then comes from {@code SA})
     * @return the verified record
     * @throws RefusedReading with the reason, when the record is malformed, signed by
     *                        another key, on another curve than it says, or altered
     */
    VerifiedRecord verify(byte[] ocmf, String publicKey) throws RefusedReading;
}
