package forecourt.fiscal.none;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * The gateway's own receipt-signing key (ES256, P-256), created on first use and kept in
 * the data directory, and JWS compact signatures with it (RFC 7515: raw r‖s).
 */
final class GatewaySigner {
    private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
    private final PrivateKey privateKey;
    private final PublicKey publicKey;

    GatewaySigner(Path keyFile) throws IOException, GeneralSecurityException {
        Path pubFile = keyFile.resolveSibling(keyFile.getFileName() + ".pub");
        KeyFactory ec = KeyFactory.getInstance("EC");
        if (!Files.exists(keyFile)) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = g.generateKeyPair();
            Files.createDirectories(keyFile.toAbsolutePath().getParent());
            Path tmp = keyFile.resolveSibling(keyFile.getFileName() + ".tmp");
            Files.write(tmp, pair.getPrivate().getEncoded());
            Files.write(pubFile, pair.getPublic().getEncoded());
            Files.move(tmp, keyFile, StandardCopyOption.ATOMIC_MOVE);
        }
        this.privateKey = ec.generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(keyFile)));
        this.publicKey = ec.generatePublic(new X509EncodedKeySpec(Files.readAllBytes(pubFile)));
    }

    String jws(String payloadJson) throws GeneralSecurityException {
        String signingInput = B64URL.encodeToString("{\"alg\":\"ES256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + B64URL.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8));
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initSign(privateKey);
        s.update(signingInput.getBytes(StandardCharsets.US_ASCII));
        return signingInput + "." + B64URL.encodeToString(s.sign());
    }

    boolean verify(String jws) throws GeneralSecurityException {
        int dot = jws.lastIndexOf('.');
        Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
        s.initVerify(publicKey);
        s.update(jws.substring(0, dot).getBytes(StandardCharsets.US_ASCII));
        return s.verify(Base64.getUrlDecoder().decode(jws.substring(dot + 1)));
    }

    String publicKeyBase64() {
        return Base64.getEncoder().encodeToString(publicKey.getEncoded());
    }
}
