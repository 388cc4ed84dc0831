package forecourt.charger.ocpp;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERSequence;
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
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.junit.jupiter.api.Test;

import forecourt.testsupport.Mosquitto;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.ledger.LedgerStore;
import forecourt.metering.OcmfSignatureVerifier;

/** A session's final reading is proven only by verified readings of the EVSE's own meter. */
class SignedReadingsTest {
    @TempDir
    Path dir;

    /** A calibration-law meter with its own key, signing OCMF records as real ones do. */
    static final class Meter {
        final AsymmetricCipherKeyPair keys;
        final X9ECParameters curve = CustomNamedCurves.getByName("secp256r1");

        Meter() {
            ECKeyPairGenerator gen = new ECKeyPairGenerator();
            gen.init(new ECKeyGenerationParameters(new ECDomainParameters(curve), new SecureRandom()));
            keys = gen.generateKeyPair();
        }

        String publicKeyRawXY() {
            byte[] point = ((ECPublicKeyParameters) keys.getPublic()).getQ().getEncoded(false);
            return HexFormat.of().formatHex(point, 1, point.length); // X||Y without the 04 prefix
        }

        String sign(String tx, String kWh, int page) throws Exception {
            String payload = "{\"FV\":\"1.0\",\"GI\":\"SIM\",\"GS\":\"SIM-METER-1\",\"PG\":\"T" + page + "\",\"IS\":true,\"IT\":\"NONE\",\"ID\":\"\","
                    + "\"RD\":[{\"TM\":\"2026-11-24T10:00:00,000+0000 S\",\"TX\":\"" + tx + "\",\"RV\":" + kWh + ",\"RI\":\"1-b:1.8.0\",\"RU\":\"kWh\",\"ST\":\"G\"}]}";
            byte[] bytes = payload.getBytes(StandardCharsets.UTF_8);
            SHA256Digest d = new SHA256Digest();
            d.update(bytes, 0, bytes.length);
            byte[] hash = new byte[32];
            d.doFinal(hash, 0);
            ECDSASigner signer = new ECDSASigner(new HMacDSAKCalculator(new SHA256Digest()));
            signer.init(true, (ECPrivateKeyParameters) keys.getPrivate());
            BigInteger[] rs = signer.generateSignature(hash);
            ASN1EncodableVector v = new ASN1EncodableVector();
            v.add(new ASN1Integer(rs[0]));
            v.add(new ASN1Integer(rs[1]));
            String sd = HexFormat.of().formatHex(new DERSequence(v).getEncoded());
            return "OCMF|" + payload + "|{\"SA\":\"ECDSA-secp256r1-SHA256\",\"SD\":\"" + sd + "\"}";
        }
    }

    static String event(String id, String type, int seqNo, String token, String ocmf) {
        String signed = ocmf == null ? "" : ",\"meterValue\":[{\"timestamp\":\"2026-11-24T10:00:00Z\",\"sampledValue\":[{\"value\":1,"
                + "\"signedMeterValue\":{\"signedMeterData\":\"" + Base64.getEncoder().encodeToString(ocmf.getBytes(StandardCharsets.UTF_8))
                + "\",\"signingMethod\":\"\",\"encodingMethod\":\"OCMF\",\"publicKey\":\"\"}}]}]";
        return "[2,\"" + id + "\",\"TransactionEvent\",{\"eventType\":\"" + type + "\",\"timestamp\":\"2026-11-24T10:00:00Z\","
                + "\"triggerReason\":\"Authorized\",\"seqNo\":" + seqNo + ",\"transactionInfo\":{\"transactionId\":\"tx-9\"}"
                + (token == null ? "" : ",\"idToken\":{\"idToken\":\"" + token + "\",\"type\":\"Central\"},\"evse\":{\"id\":1}") + signed + "}]";
    }

    @Test
    void verifiedBeginAndEndReadingsProveTheEnergyExactlyAndForgeriesProveNothing() throws Exception {
        Meter meter = new Meter();
        Meter other = new Meter();
        try (Mosquitto broker = new Mosquitto(dir); LedgerStore ledger = new LedgerStore(dir.resolve("l.mv.db"), Clock.systemUTC(), 64)) {
            for (String ref : List.of("AT0042-GOOD", "AT0042-FORGED")) {
                ledger.append(Fact.moving(FactType.HOLD_PLACED, NaturalKeys.hold(ref), ref, PaymentSessionState.AUTHORIZED, "{}"))
                        .toCompletableFuture().get();
            }
            OcppMqttDriver driver = new OcppMqttDriver(ledger, Clock.systemUTC(), OcppMqttDriverTest.siteWithMeterKey(meter.publicKeyRawXY(), "CH1", "CH2"),
                    new OcmfSignatureVerifier(), OcppMqttDriverTest.config(broker.url()));
            try (OcppMqttDriverTest.TestCharger ch1 = new OcppMqttDriverTest.TestCharger(broker.url(), "CH1");
                    OcppMqttDriverTest.TestCharger ch2 = new OcppMqttDriverTest.TestCharger(broker.url(), "CH2")) {
                for (int i = 0; i < 100 && !driver.isConnected(); i++) {
                    Thread.sleep(50);
                }
                Thread.sleep(200);
                assertThat(ch1.call(event("s", "Started", 0, "AT0042-GOOD", meter.sign("B", "10.000", 1)))).isEqualTo("[3,\"s\",{}]");
                assertThat(ch1.call(event("e", "Ended", 1, null, meter.sign("E", "22.345", 2)))).isEqualTo("[3,\"e\",{}]");
                List<JournalEntry> good = ledger.timeline("AT0042-GOOD");
                JournalEntry proof = good.stream().filter(e -> e.fact().type() == FactType.FINAL_READING_PROVEN).findFirst().orElseThrow();
                JsonNode body = new ObjectMapper().readTree(proof.fact().body());
                assertThat(body.get("deliveredWh").decimalValue()).isEqualByComparingTo(new BigDecimal("12345"));
                assertThat(good.stream().filter(e -> e.fact().type() == FactType.SIGNED_READING)).hasSize(2)
                        .allSatisfy(e -> assertThat(e.bodyText()).contains("\"verified\":true"));

                // the end reading signed by another meter's key: recorded as refused, proves nothing
                assertThat(ch2.call(event("s2", "Started", 0, "AT0042-FORGED", meter.sign("B", "5.000", 1)).replace("tx-9", "tx-F")))
                        .isEqualTo("[3,\"s2\",{}]");
                assertThat(ch2.call(event("e2", "Ended", 1, null, other.sign("E", "99.000", 2)).replace("tx-9", "tx-F")))
                        .isEqualTo("[3,\"e2\",{}]");
                List<JournalEntry> forged = ledger.timeline("AT0042-FORGED");
                assertThat(forged).noneMatch(e -> e.fact().type() == FactType.FINAL_READING_PROVEN);
                assertThat(forged).anySatisfy(e -> assertThat(e.bodyText()).contains("\"verified\":false").contains("does not verify"));
                assertThat(driver.count("reading.refused")).isEqualTo(1);
            } finally {
                driver.deactivate();
            }
        }
    }
}
