package forecourt.sim.charger;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;

/**
 * A calibration-law meter: an energy register and a secp256r1 key that signs OCMF records
 * of begin and end readings, as Eichrecht meters do. The key derives from a seed so that a
 * demo site's configuration can carry the matching public key; a real meter's key is made
 * in the meter and never leaves it.
 */
public final class SimulatedMeter {
    private static final X9ECParameters CURVE = CustomNamedCurves.getByName("secp256r1");
    private final String serial;
    private final ECPrivateKeyParameters key;
    private BigDecimal registerWh = BigDecimal.ZERO;
    private int pagination;

    public SimulatedMeter(String serial, String seed) {
        this.serial = serial;
        ECDomainParameters domain = new ECDomainParameters(CURVE);
        BigInteger d = new BigInteger(1, sha256(seed)).mod(domain.getN().subtract(BigInteger.ONE)).add(BigInteger.ONE);
        this.key = new ECPrivateKeyParameters(d, domain);
    }

    /** Raw X‖Y hex, the form a site's EVSE configuration takes. */
    public String publicKeyHex() {
        byte[] point = key.getParameters().getG().multiply(key.getD()).normalize().getEncoded(false);
        return HexFormat.of().formatHex(point, 1, point.length);
    }

    public synchronized void deliver(BigDecimal wh) {
        registerWh = registerWh.add(wh);
    }

    public synchronized BigDecimal registerWh() {
        return registerWh;
    }

    /** A signed OCMF record of the register now, for transaction code B (begin) or E (end). */
    public synchronized String sign(String transactionCode, String timestamp) {
        pagination++;
        // kWh with at least three decimals, more when the register has them: never rounded
        BigDecimal kWhValue = registerWh.movePointLeft(3);
        String kWh = kWhValue.setScale(Math.max(3, kWhValue.scale()), java.math.RoundingMode.UNNECESSARY).toPlainString();
        String payload = "{\"FV\":\"1.0\",\"GI\":\"FORECOURT-SIM\",\"GS\":\"" + serial + "\",\"GV\":\"1.0\",\"PG\":\"T" + pagination
                + "\",\"MV\":\"Forecourt\",\"MS\":\"" + serial + "\",\"IS\":true,\"IL\":\"NONE\",\"IT\":\"NONE\",\"ID\":\"\",\"RD\":[{\"TM\":\""
                + timestamp + " S\",\"TX\":\"" + transactionCode + "\",\"RV\":" + kWh + ",\"RI\":\"1-b:1.8.0\",\"RU\":\"kWh\",\"ST\":\"G\"}]}";
        byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
        SHA256Digest digest = new SHA256Digest();
        digest.update(bytes, 0, bytes.length);
        byte[] hash = new byte[32];
        digest.doFinal(hash, 0);
        ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
        signer.init(true, key);
        BigInteger[] rs = signer.generateSignature(hash);
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(new ASN1Integer(rs[0]));
        v.add(new ASN1Integer(rs[1]));
        try {
            return "OCMF|" + payload + "|{\"SA\":\"ECDSA-secp256r1-SHA256\",\"SD\":\"" + HexFormat.of().formatHex(new DERSequence(v).getEncoded())
                    + "\"}";
        } catch (java.io.IOException e) {
            throw new IllegalStateException("DER encoding in memory cannot fail", e);
        }
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
