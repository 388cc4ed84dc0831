package forecourt.fiscal.rksv;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;

/**
 * A signature device that is an ECDSA P-256 key in software ({@code AT0}: no certificate;
 * the receipts carry the key's id, e.g. {@code U:ATU12345678-K1}). For demo and tests; a
 * registered cash box in production uses a certified device.
 */
public final class SoftwareSignatureDevice implements SignatureDevice {
    private final String keyId;
    private final KeyPair keys;

    public SoftwareSignatureDevice(String keyId, KeyPair keys) {
        this.keyId = keyId;
        this.keys = keys;
    }

    public static SoftwareSignatureDevice generate(String keyId) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return new SoftwareSignatureDevice(keyId, g.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("P-256 is required by every Java platform", e);
        }
    }

    @Override
    public String zda() {
        return "AT0";
    }

    @Override
    public String serial() {
        return keyId;
    }

    @Override
    public byte[] certificateOrPublicKey() {
        return keys.getPublic().getEncoded();
    }

    @Override
    public boolean hasCertificate() {
        return false;
    }

    public KeyPair keys() {
        return keys;
    }

    @Override
    public byte[] sign(String signingInput) throws DeviceUnavailableException {
        try {
            Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
            s.initSign(keys.getPrivate());
            s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new DeviceUnavailableException("software key could not sign: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "software signature device " + keyId;
    }
}
