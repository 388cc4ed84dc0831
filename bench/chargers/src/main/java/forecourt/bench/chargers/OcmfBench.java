package forecourt.bench.chargers;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.AsymmetricCipherKeyPair;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.crypto.generators.ECKeyPairGenerator;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECKeyGenerationParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;

import forecourt.metering.OcmfSignatureVerifier;

/** OCMF verifications per second per curve, through the gateway's own verifier (one thread). */
public final class OcmfBench {
    public static void main(String[] args) throws Exception {
        OcmfSignatureVerifier verifier = new OcmfSignatureVerifier();
        String payload = "{\"FV\":\"1.0\",\"GI\":\"BENCH\",\"GS\":\"M1\",\"PG\":\"T1\",\"MS\":\"M1\",\"IS\":true,\"IT\":\"NONE\",\"ID\":\"\","
                + "\"RD\":[{\"TM\":\"2026-11-24T10:00:00,000+0000 S\",\"TX\":\"E\",\"RV\":12.345,\"RI\":\"1-b:1.8.0\",\"RU\":\"kWh\",\"ST\":\"G\"}]}";
        System.out.println("OCMF verifications per second (one thread, SHA-256):");
        for (String curveName : List.of("secp256r1", "secp384r1", "secp256k1", "brainpoolP256r1", "brainpoolP384r1", "secp192r1")) {
            X9ECParameters x9 = CustomNamedCurves.getByName(curveName) != null ? CustomNamedCurves.getByName(curveName) : ECNamedCurveTable.getByName(curveName);
            ECDomainParameters domain = new ECDomainParameters(x9);
            ECKeyPairGenerator gen = new ECKeyPairGenerator();
            gen.init(new ECKeyGenerationParameters(domain, new SecureRandom()));
            AsymmetricCipherKeyPair pair = gen.generateKeyPair();
            byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
            SHA256Digest d = new SHA256Digest();
            d.update(bytes, 0, bytes.length);
            byte[] hash = new byte[32];
            d.doFinal(hash, 0);
            ECDSASigner signer = new ECDSASigner();
            signer.init(true, (ECPrivateKeyParameters) pair.getPrivate());
            BigInteger[] rs = signer.generateSignature(hash);
            ASN1EncodableVector v = new ASN1EncodableVector();
            v.add(new ASN1Integer(rs[0]));
            v.add(new ASN1Integer(rs[1]));
            String ocmf = "OCMF|" + payload + "|{\"SA\":\"ECDSA-" + curveName + "-SHA256\",\"SD\":\"" + HexFormat.of().formatHex(new DERSequence(v).getEncoded())
                    + "\"}";
            byte[] point = ((ECPublicKeyParameters) pair.getPublic()).getQ().getEncoded(false);
            String key = HexFormat.of().formatHex(point, 1, point.length);
            byte[] record = ocmf.getBytes(StandardCharsets.UTF_8);
            verifier.verify(record, key); // throws if the setup is wrong
            long end = System.nanoTime() + 1_000_000_000L;
            while (System.nanoTime() < end) {
                verifier.verify(record, key); // warm-up
            }
            long n = 0;
            long t0 = System.nanoTime();
            end = t0 + 3_000_000_000L;
            while (System.nanoTime() < end) {
                verifier.verify(record, key);
                n++;
            }
            System.out.printf("  %-16s %,8.0f /s%n", curveName, n / ((System.nanoTime() - t0) / 1e9));
        }
    }
}
