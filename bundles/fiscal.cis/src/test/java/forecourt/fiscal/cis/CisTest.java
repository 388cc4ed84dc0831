package forecourt.fiscal.cis;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.fiscal.FiscalJson;
import forecourt.api.fiscal.FiscalReceipt;
import forecourt.api.fiscal.FiscalRequest;
import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.id.SiteId;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.InstructionOutcome.Result;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.money.Money;
import forecourt.ledger.LedgerStore;
import forecourt.sim.cis.CisEmulator;

/** ZKI against openssl, and the provider against the CIS emulator (signature validated, JIR, outage and late delivery). */
class CisTest {
    private static final String OIB = "12345678903";
    @TempDir
    Path dir;
    static KeyPair keys;
    static X509Certificate certificate;
    LedgerStore ledger;
    CisEmulator cis;

    @BeforeEach
    void start() throws Exception {
        if (keys == null) {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            keys = g.generateKeyPair();
            X500Name name = new X500Name("CN=FISKAL 1, O=Forecourt test d.o.o., C=HR");
            certificate = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(42),
                    new Date(), new Date(System.currentTimeMillis() + 86_400_000L * 365), name, keys.getPublic())
                    .build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
        }
        ledger = new LedgerStore(dir.resolve("ledger.mv.db"), Clock.systemUTC(), 64);
        cis = new CisEmulator(0);
    }

    @AfterEach
    void stop() {
        cis.close();
        ledger.close();
    }

    @Test
    void theZkiEqualsWhatOpensslAndMd5sumComputeFromTheSameKeyAndString() throws Exception {
        Path pem = dir.resolve("key.pem");
        Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n");
        String input = Zki.input(OIB, "24.11.2026 11:15:00", 17, "PP1", "1", "7.08");
        Path data = dir.resolve("zki-input.txt");
        Files.writeString(data, input, StandardCharsets.UTF_8);
        Process p = new ProcessBuilder("sh", "-c", "openssl dgst -sha1 -sign '" + pem + "' '" + data + "' | md5sum").redirectErrorStream(true).start();
        String expected = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+")[0];
        assertThat(p.waitFor()).isZero();
        assertThat(Zki.compute(keys.getPrivate(), input)).isEqualTo(expected).hasSize(32);
    }

    private CisFiscalProvider provider(Clock clock) {
        return new CisFiscalProvider(new CisFiscalProvider.Issuer(OIB, "PP1", "1", "98765432106", true, keys.getPrivate(), certificate), cis.url(),
                Duration.ofSeconds(2), ledger, clock, ZoneId.of("Europe/Zagreb"), Map.of("standard", new BigDecimal("25")), Duration.ofHours(48),
                Duration.ofHours(6));
    }

    private static Instruction fiscalize(long number, long cents) {
        String ref = "HR0001-SESSION" + number;
        FiscalRequest r = new FiscalRequest(ref, "HR0001", number, Money.of(cents, "EUR"), Map.of("standard", Money.of(cents, "EUR")), 12_000,
                Instant.parse("2026-11-24T10:15:00Z"));
        return Instruction.of(IdempotencyKey.derive(new SiteId("HR0001"), ref, new AuthorizationReference(ref), "fiscalize"), "fiscal:cis", ref, false,
                FiscalJson.request(r));
    }

    private FiscalReceipt receipt(Instruction i) {
        return FiscalJson.receipt(ledger.byNaturalKey(NaturalKeys.fiscalReceipt(i.session())).orElseThrow().fact().body());
    }

    @Test
    void aSignedRequestGetsItsJirAndTheReceiptShowsZkiAndJir() {
        Instruction i = fiscalize(17, 708);
        InstructionOutcome outcome = provider(Clock.systemUTC()).deliver(i, 1);
        assertThat(outcome.result()).as(outcome.detail()).isEqualTo(Result.SUCCEEDED);
        CisEmulator.Received got = cis.received().get(0);
        assertThat(got.total()).isEqualTo("7.08");
        assertThat(got.number()).isEqualTo(17);
        assertThat(got.lateDelivery()).isFalse();
        FiscalReceipt r = receipt(i);
        assertThat(r.receiptId()).isEqualTo("17/PP1/1");
        assertThat(r.signature()).isEqualTo(got.zki());
        assertThat(r.qrPayload()).isEqualTo("https://porezna.gov.hr/rn?jir=" + got.jir() + "&datv=20261124_1115&izn=708");
        assertThat(r.degraded()).isFalse();
    }

    @Test
    void vatIsSplitSoBaseAndTaxSumToTheGross() {
        CisFiscalProvider p = provider(Clock.systemUTC());
        FiscalRequest r = FiscalJson.request(fiscalize(1, 708).body());
        RacunZahtjev.Racun racun = p.racun(r, "x", false);
        assertThat(racun.vat()).containsExactly(new RacunZahtjev.Vat("25.00", "5.66", "1.42"));
    }

    @Test
    void aTamperedRequestIsRefusedByTheSignatureCheck() throws Exception {
        CisFiscalProvider p = provider(Clock.systemUTC());
        FiscalRequest r = FiscalJson.request(fiscalize(5, 708).body());
        String soap = RacunZahtjev.signed(p.racun(r, p.zki(r), false), "id-1", "24.11.2026T11:15:00", keys.getPrivate(), certificate);
        String tampered = soap.replace("<tns:IznosUkupno>7.08</tns:IznosUkupno>", "<tns:IznosUkupno>0.08</tns:IznosUkupno>");
        assertThat(tampered).isNotEqualTo(soap);
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(cis.url()))
                .POST(HttpRequest.BodyPublishers.ofString(tampered)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.body()).contains("s004");
        assertThat(cis.received()).isEmpty();
    }

    @Test
    void whileCisIsDownTheReceiptHasItsZkiAndIsDeliveredLaterWithNakDost() {
        CisFiscalProvider p = provider(Clock.systemUTC());
        cis.down(true);
        Instruction i = fiscalize(18, 1200);
        assertThat(p.deliver(i, 1).result()).isEqualTo(Result.SUCCEEDED); // the driver has a receipt at once
        FiscalReceipt degraded = receipt(i);
        assertThat(degraded.degraded()).isTrue();
        assertThat(degraded.qrPayload()).contains("zki=" + degraded.signature());
        assertThat(degraded.deadline()).isEqualTo(Instant.parse("2026-11-24T10:15:00Z").plus(Duration.ofHours(48)));
        List<OutboxEntry> late = ledger.outbox();
        assertThat(late).hasSize(1);
        Instruction lateInstruction = ledger.instructionBody(late.get(0).key()).orElseThrow();
        assertThat(p.deliver(lateInstruction, 1).result()).isEqualTo(Result.RETRYABLE); // still down
        cis.down(false);
        InstructionOutcome delivered = p.deliver(lateInstruction, 2);
        assertThat(delivered.result()).isEqualTo(Result.SUCCEEDED);
        assertThat(cis.received()).hasSize(1);
        assertThat(cis.received().get(0).lateDelivery()).isTrue();
        assertThat(cis.received().get(0).zki()).isEqualTo(degraded.signature());
        assertThat(ledger.byNaturalKey("cis:jir:" + i.session())).isPresent();
        // delivered again (a lost answer): the same receipt, the same JIR, no second receipt number
        assertThat(p.resolve(lateInstruction, 2).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(ledger.read(0, 1000)).filteredOn(e -> e.fact().type() == FactType.FISCAL_RECEIPT).hasSize(1);
    }

    @Test
    void aLateDeliveryNearItsDeadlineRaisesTheAlarmOnce() {
        Clock late = Clock.fixed(Instant.parse("2026-11-26T06:00:00Z"), ZoneId.of("UTC")); // 44 h after the sale: within the 6 h margin
        CisFiscalProvider p = provider(late);
        cis.down(true);
        Instruction i = fiscalize(19, 500);
        p.deliver(i, 1);
        Instruction lateInstruction = ledger.instructionBody(ledger.outbox().get(0).key()).orElseThrow();
        p.deliver(lateInstruction, 1);
        p.deliver(lateInstruction, 2);
        assertThat(ledger.read(0, 1000)).filteredOn(e -> e.fact().type() == FactType.ALARM).hasSize(1);
    }
}
