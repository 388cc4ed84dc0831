package forecourt.fiscal.rksv;

/**
 * A signature-creation device of a cash box (Signaturerstellungseinheit): a software key
 * for demo and tests, or an online HSM. It signs the JWS signing input with ES256.
 */
public interface SignatureDevice {
    /** The ZDA id in the receipt's algorithm field: {@code AT0} (no certificate), {@code AT1} (A-Trust), ... */
    String zda();

    /** The serial the receipts carry: the certificate's serial (hex), or the key's id for {@code AT0}. */
    String serial();

    /** The certificate (DER), or for {@code AT0} the public key (X.509 SubjectPublicKeyInfo DER). */
    byte[] certificateOrPublicKey();

    boolean hasCertificate();

    /**
     * Signs {@code signingInput} (base64url header "." base64url payload).
     *
     * @return the 64-byte ES256 signature (R || S)
     * @throws DeviceUnavailableException when the device cannot sign now
     */
    byte[] sign(String signingInput) throws DeviceUnavailableException;

    /** The device did not sign: the receipt is issued with the failure marker. */
    final class DeviceUnavailableException extends Exception {
        private static final long serialVersionUID = 1L;

        public DeviceUnavailableException(String message) {
            super(message);
        }
    }
}
