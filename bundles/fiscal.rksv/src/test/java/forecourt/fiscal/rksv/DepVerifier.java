package forecourt.fiscal.rksv;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * An independent check of a DEP export, written from the regulation's rules (not from the
 * cash box's code): every signature verifies against the exported certificate or public
 * key, the chain links, the turnover counter decrypts to the running total of standard and
 * storno receipts, and a receipt issued with a failed device is followed by a signed zero
 * receipt before any other signed receipt. Returns the problems found (none = valid).
 */
final class DepVerifier {
    record Checked(List<String> problems, List<String> receiptIds, long turnover, int failed) {
    }

    static Checked verify(String cashBoxId, JsonNode dep, JsonNode material) throws Exception {
        List<String> problems = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        byte[] aes = Base64.getDecoder().decode(material.get("base64AESKey").asText());
        String previous = null;
        long total = 0;
        int failed = 0;
        boolean zeroOwed = false;
        byte[] failedMarker = "Sicherheitseinrichtung ausgefallen".getBytes(StandardCharsets.UTF_8);
        for (JsonNode group : dep.get("Belege-Gruppe")) {
            for (JsonNode compact : group.get("Belege-kompakt")) {
                String jws = compact.asText();
                String[] parts = jws.split("\\.");
                if (parts.length != 3) {
                    problems.add("not a compact JWS: " + jws);
                    continue;
                }
                String header = new String(Base64.getUrlDecoder().decode(parts[0]), StandardCharsets.UTF_8);
                if (!header.equals("{\"alg\":\"ES256\"}")) {
                    problems.add("header " + header);
                }
                String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
                String[] f = payload.split("_");
                if (f.length != 13 || !f[0].isEmpty() || !f[1].startsWith("R1-")) {
                    problems.add("payload shape: " + payload);
                    continue;
                }
                String id = f[3];
                ids.add(id);
                if (!f[2].equals(cashBoxId)) {
                    problems.add(id + ": cash box " + f[2]);
                }
                // chain
                byte[] hash = MessageDigest.getInstance("SHA-256").digest((previous == null ? cashBoxId : previous).getBytes(StandardCharsets.UTF_8));
                if (!f[12].equals(Base64.getEncoder().encodeToString(Arrays.copyOf(hash, 8)))) {
                    problems.add(id + ": chain value does not link to the receipt before");
                }
                // signature
                byte[] sig = Base64.getUrlDecoder().decode(parts[2]);
                boolean deviceFailed = Arrays.equals(sig, failedMarker);
                long[] amounts = new long[5];
                boolean zero = true;
                for (int i = 0; i < 5; i++) {
                    amounts[i] = new BigDecimal(f[5 + i].replace(',', '.')).movePointRight(2).longValueExact();
                    zero &= amounts[i] == 0;
                }
                if (deviceFailed) {
                    failed++;
                    zeroOwed = true;
                } else {
                    JsonNode m = material.get("certificateOrPublicKeyMap").get(f[11]);
                    if (m == null) {
                        problems.add(id + ": no certificate or key for " + f[11]);
                    } else {
                        byte[] der = Base64.getDecoder().decode(m.get("signatureCertificateOrPublicKey").asText());
                        PublicKey key = m.get("signatureDeviceType").asText().equals("CERTIFICATE")
                                ? CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der)).getPublicKey()
                                : KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
                        Signature v = Signature.getInstance("SHA256withECDSAinP1363Format");
                        v.initVerify(key);
                        v.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
                        if (sig.length != 64 || !v.verify(sig)) {
                            problems.add(id + ": signature does not verify");
                        }
                    }
                    if (zeroOwed && !zero) {
                        problems.add(id + ": first signed receipt after a device failure is not a zero receipt");
                    }
                    if (zeroOwed && zero) {
                        zeroOwed = false;
                    }
                }
                // turnover counter
                String field = new String(Base64.getDecoder().decode(f[10]), StandardCharsets.ISO_8859_1);
                if (field.equals("TRA")) {
                    // training: not counted
                } else {
                    for (long a : amounts) {
                        total += a;
                    }
                    if (!field.equals("STO")) {
                        byte[] iv = Arrays.copyOf(MessageDigest.getInstance("SHA-256").digest((cashBoxId + id).getBytes(StandardCharsets.UTF_8)), 16);
                        Cipher aesCtr = Cipher.getInstance("AES/CTR/NoPadding");
                        aesCtr.init(Cipher.DECRYPT_MODE, new SecretKeySpec(aes, "AES"), new IvParameterSpec(iv));
                        byte[] plain = aesCtr.doFinal(Arrays.copyOf(Base64.getDecoder().decode(f[10]), 16));
                        long counter = 0;
                        for (int i = 0; i < 8; i++) {
                            counter = counter << 8 | (plain[i] & 0xFF);
                        }
                        if (counter != total) {
                            problems.add(id + ": turnover counter decrypts to " + counter + ", running total is " + total);
                        }
                    }
                }
                previous = jws;
            }
        }
        return new Checked(problems, ids, total, failed);
    }
}
