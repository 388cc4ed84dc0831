package forecourt.metering;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import org.bouncycastle.asn1.ASN1InputStream;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.util.PublicKeyFactory;
import org.bouncycastle.util.Properties;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.osgi.service.component.annotations.Component;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.metering.MeterReading;
import forecourt.api.metering.OcmfVerifier;
import forecourt.api.metering.RefusedReading;
import forecourt.api.metering.VerifiedRecord;

/**
 * OCMF verification. The signature covers the payload bytes between the first and the
 * last {@code |} exactly as received: the JSON is parsed only to read it, never
 * re-serialised for checking. High-S signatures are accepted (real meters produce them;
 * OCMF does not require low-S). The key's curve must be the one {@code SA} names.
 */
@Component(service = OcmfVerifier.class)
public class OcmfSignatureVerifier implements OcmfVerifier {
    /** OCMF's default when a record's signature section names no algorithm. */
    static final String DEFAULT_ALGORITHM = "ECDSA-secp256r1-SHA256";
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final String UNSAFE_INTEGER = "org.bouncycastle.asn1.allow_unsafe_integer";
    private static final byte[] HEADER = "OCMF|".getBytes(StandardCharsets.US_ASCII);

    @Override
    public VerifiedRecord verify(byte[] ocmf, String publicKey) throws RefusedReading {
        if (ocmf == null || ocmf.length < HEADER.length + 4 || !Arrays.equals(ocmf, 0, HEADER.length, HEADER, 0, HEADER.length)) {
            throw new RefusedReading("not an OCMF record (expected 'OCMF|{payload}|{signature}')");
        }
        int last = lastIndexOf(ocmf, (byte) '|');
        if (last <= HEADER.length) {
            throw new RefusedReading("OCMF record has no signature section");
        }
        byte[] payload = Arrays.copyOfRange(ocmf, HEADER.length, last);
        JsonNode signature = readJson(Arrays.copyOfRange(ocmf, last + 1, ocmf.length), "signature");
        JsonNode body = readJson(payload, "payload");

        String algorithm = text(signature, "SA", DEFAULT_ALGORITHM);
        String encoding = text(signature, "SE", "hex");
        String mime = text(signature, "SM", "application/x-der");
        String data = text(signature, "SD", null);
        if (data == null || data.isBlank()) {
            throw new RefusedReading("OCMF signature has no SD");
        }
        String[] parts = algorithm.split("-");
        if (parts.length != 3 || !parts[0].equals("ECDSA")) {
            throw new RefusedReading("unsupported signature algorithm " + algorithm);
        }
        X9ECParameters curve = curve(parts[1]);
        Digest digest = switch (parts[2]) {
            case "SHA256" -> new SHA256Digest();
            case "SHA384" -> new SHA384Digest();
            case "SHA512" -> new SHA512Digest();
            default -> throw new RefusedReading("unsupported digest in " + algorithm);
        };
        ECPublicKeyParameters key = publicKey(publicKey, curve, parts[1]);
        BigInteger[] rs = signature(decode(data, encoding, "SD"), mime, curve);

        byte[] hash = new byte[digest.getDigestSize()];
        digest.update(payload, 0, payload.length);
        digest.doFinal(hash, 0);
        ECDSASigner verifier = new ECDSASigner();
        verifier.init(false, key);
        if (!verifier.verifySignature(hash, rs[0], rs[1])) {
            throw new RefusedReading("OCMF signature does not verify: altered, or signed by another meter");
        }
        return new VerifiedRecord(payload, text(body, "MS", text(body, "GS", null)), text(body, "PG", null), text(body, "IT", null),
                text(body, "ID", null), algorithm, readings(body));
    }

    private static List<MeterReading> readings(JsonNode body) throws RefusedReading {
        JsonNode rd = body.get("RD");
        if (rd == null || !rd.isArray() || rd.isEmpty()) {
            throw new RefusedReading("OCMF payload has no readings (RD)");
        }
        List<MeterReading> out = new ArrayList<>();
        for (JsonNode r : rd) {
            out.add(new MeterReading(text(r, "TM", null), text(r, "TX", null), value(r.get("RV")), text(r, "RU", ""), text(r, "RI", null),
                    text(r, "ST", null)));
        }
        return out;
    }

    /** RV as an exact decimal. Many meters write it as a padded string ("       3.988"). */
    private static BigDecimal value(JsonNode rv) throws RefusedReading {
        if (rv != null && rv.isNumber()) {
            return rv.decimalValue();
        }
        if (rv != null && rv.isTextual()) {
            try {
                return new BigDecimal(rv.asText().trim());
            } catch (NumberFormatException e) {
                throw new RefusedReading("OCMF reading value '" + rv.asText() + "' is not a number");
            }
        }
        throw new RefusedReading("OCMF reading without a value (RV)");
    }

    private static X9ECParameters curve(String name) throws RefusedReading {
        // OCMF spells curves as SEC/brainpool names; BouncyCastle knows them all
        X9ECParameters curve = CustomNamedCurves.getByName(name);
        if (curve == null) {
            curve = ECNamedCurveTable.getByName(name);
        }
        if (curve == null) {
            throw new RefusedReading("unknown curve " + name);
        }
        return curve;
    }

    private static ECPublicKeyParameters publicKey(String text, X9ECParameters curve, String curveName) throws RefusedReading {
        if (text == null || text.isBlank()) {
            throw new RefusedReading("no meter public key configured for this EVSE");
        }
        String compact = text.replaceAll("\\s+", "");
        try {
            if (compact.matches("[0-9A-Fa-f]+")) {
                byte[] bytes = HexFormat.of().parseHex(compact);
                if (bytes.length > 0 && bytes[0] == 0x30) {
                    return spki(bytes, curve, curveName);
                }
                // raw X||Y (optionally with the 04 point prefix): the curve is the one SA names
                byte[] point = bytes.length % 2 == 0 ? concat(new byte[] { 4 }, bytes) : bytes;
                ECDomainParameters domain = new ECDomainParameters(curve);
                return new ECPublicKeyParameters(domain.getCurve().decodePoint(point), domain);
            }
            return spki(Base64.getDecoder().decode(compact), curve, curveName);
        } catch (IllegalArgumentException | IOException e) {
            throw new RefusedReading("meter public key cannot be read: " + e.getMessage(), e);
        }
    }

    private static ECPublicKeyParameters spki(byte[] der, X9ECParameters curve, String curveName) throws IOException, RefusedReading {
        AsymmetricKeyParameter key = PublicKeyFactory.createKey(SubjectPublicKeyInfo.getInstance(der));
        if (!(key instanceof ECPublicKeyParameters ec)) {
            throw new RefusedReading("meter public key is not an EC key");
        }
        ECDomainParameters d = ec.getParameters();
        if (!d.getCurve().equals(curve.getCurve()) || !d.getG().equals(curve.getG())) {
            throw new RefusedReading("meter public key is not on " + curveName + ", the curve the record's SA names");
        }
        return ec;
    }

    private static BigInteger[] signature(byte[] sig, String mime, X9ECParameters curve) throws RefusedReading {
        if (mime.equalsIgnoreCase("application/x-der")) {
            // Some meters (an eBZ DD3 among the public samples) write non-minimal DER
            // integers, which BouncyCastle refuses by default. The value is unambiguous, and
            // the signature check that follows is what decides: allow them, for this thread
            // and this parse only.
            boolean wasSet = Properties.isOverrideSet(UNSAFE_INTEGER);
            Properties.setThreadOverride(UNSAFE_INTEGER, true);
            try (ASN1InputStream in = new ASN1InputStream(sig)) {
                ASN1Primitive p = in.readObject();
                ASN1Sequence seq = ASN1Sequence.getInstance(p);
                if (seq.size() != 2) {
                    throw new RefusedReading("DER signature is not a pair (r, s)");
                }
                return new BigInteger[] { integer(seq, 0), integer(seq, 1) };
            } catch (IOException | IllegalArgumentException | ClassCastException e) {
                // a record whose signature is not the DER it claims may still be raw r||s
                return raw(sig, curve, e);
            } finally {
                if (!wasSet) {
                    Properties.removeThreadOverride(UNSAFE_INTEGER);
                }
            }
        }
        return raw(sig, curve, null);
    }

    private static BigInteger integer(ASN1Sequence seq, int i) {
        return ((ASN1Integer) seq.getObjectAt(i)).getPositiveValue();
    }

    private static BigInteger[] raw(byte[] sig, X9ECParameters curve, Exception cause) throws RefusedReading {
        int size = (curve.getCurve().getFieldSize() + 7) / 8;
        if (sig.length != 2 * size) {
            throw new RefusedReading("signature is neither DER nor raw r||s for this curve"
                    + (cause == null ? "" : " (" + cause.getMessage() + ")"));
        }
        return new BigInteger[] { new BigInteger(1, Arrays.copyOfRange(sig, 0, size)), new BigInteger(1, Arrays.copyOfRange(sig, size, sig.length)) };
    }

    private static byte[] decode(String data, String encoding, String what) throws RefusedReading {
        try {
            return switch (encoding.toLowerCase(Locale.ROOT)) {
                case "hex" -> HexFormat.of().parseHex(data.replaceAll("\\s+", ""));
                case "base64" -> Base64.getDecoder().decode(data.replaceAll("\\s+", ""));
                default -> throw new RefusedReading("unsupported " + what + " encoding " + encoding);
            };
        } catch (IllegalArgumentException e) {
            throw new RefusedReading(what + " is not valid " + encoding);
        }
    }

    private static JsonNode readJson(byte[] bytes, String what) throws RefusedReading {
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw new RefusedReading("OCMF " + what + " is not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw new RefusedReading("OCMF " + what + " is not JSON: " + e.getMessage());
        }
    }

    private static String text(JsonNode node, String field, String fallback) {
        JsonNode n = node.get(field);
        return n == null || n.isNull() ? fallback : n.asText();
    }

    private static int lastIndexOf(byte[] bytes, byte b) {
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
