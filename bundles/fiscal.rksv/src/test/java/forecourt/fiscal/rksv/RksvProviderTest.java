package forecourt.fiscal.rksv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;

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
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.InstructionOutcome.Result;
import forecourt.api.money.Money;
import forecourt.ledger.LedgerStore;
import forecourt.sim.rksv.SignatureServiceEmulator;

/** The settlement hand-off to the RKSV cash box, with a software key and with the online HSM emulator. */
class RksvProviderTest {
    private static final Map<String, RksvFiscalProvider.Slot> SLOTS = Map.of("standard", RksvFiscalProvider.Slot.NORMAL);
    @TempDir
    Path dir;
    LedgerStore ledger;
    SignatureServiceEmulator hsm;
    final byte[] aes = Base64.getDecoder().decode("WQRtiiya3hYh/Uz44Bv3x8ETl1nrH6nCdErn69g5/lU=");

    /** A clock the test moves. */
    static final class MovableClock extends Clock {
        Instant now = Instant.parse("2026-11-24T10:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return Clock.fixed(now, zone);
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @BeforeEach
    void start() throws Exception {
        ledger = new LedgerStore(dir.resolve("ledger.mv.db"), Clock.systemUTC(), 64);
        hsm = new SignatureServiceEmulator(0, "u123456789", "secret");
    }

    @AfterEach
    void stop() {
        hsm.close();
        ledger.close();
    }

    private static Instruction fiscalize(long receiptNumber, long cents) {
        String ref = "AT0042-SESSION" + receiptNumber;
        FiscalRequest request = new FiscalRequest(ref, "AT0042", receiptNumber, Money.of(cents, "EUR"), Map.of("standard", Money.of(cents, "EUR")),
                12_000, Instant.parse("2026-11-24T10:15:00Z"));
        IdempotencyKey key = IdempotencyKey.derive(new SiteId("AT0042"), ref, new AuthorizationReference(ref), "fiscalize");
        return Instruction.of(key, "fiscal:rksv", ref, false, FiscalJson.request(request));
    }

    private FiscalReceipt recorded(Instruction i) {
        return FiscalJson.receipt(ledger.byNaturalKey(NaturalKeys.fiscalReceipt(i.session())).orElseThrow().fact().body());
    }

    private HttpSignatureDevice hsmDevice() {
        return new HttpSignatureDevice(hsm.baseUrl(), hsm.user(), "secret", "AT1", "unknown", Duration.ofSeconds(2));
    }

    @Test
    void aSettledSessionBecomesOneSignedStandardReceipt() throws Exception {
        SoftwareSignatureDevice key = SoftwareSignatureDevice.generate("U:ATU12345678-K1");
        CashBox box = new CashBox("AT0042-KASSE1", aes, List.of(key), ledger, Clock.systemUTC(), Duration.ofHours(48));
        RksvFiscalProvider provider = new RksvFiscalProvider(box, ledger, Clock.systemUTC(), ZoneId.of("Europe/Vienna"), SLOTS, Duration.ofHours(48));
        Instruction i = fiscalize(1, 708);
        assertThat(provider.deliver(i, 1).result()).isEqualTo(Result.SUCCEEDED);
        FiscalReceipt receipt = recorded(i);
        assertThat(receipt.receiptId()).isEqualTo("AT0042-1");
        assertThat(receipt.degraded()).isFalse();
        // _R1-AT0_<cash box>_<receipt>_<local date>_7,08_0,00_0,00_0,00_0,00_<counter>_<key id>_<chain>_<signature>
        assertThat(receipt.qrPayload()).startsWith("_R1-AT0_AT0042-KASSE1_AT0042-1_2026-11-24T11:15:00_7,08_0,00_0,00_0,00_0,00_")
                .contains("_U:ATU12345678-K1_");
        assertThat(box.journal()).extracting(CashBox.Receipt::type).containsExactly(ReceiptType.START_BELEG, ReceiptType.STANDARD_BELEG);
        assertThat(DepVerifier.verify("AT0042-KASSE1", box.depExport(), box.cryptographicMaterial()).problems()).isEmpty();
    }

    @Test
    void aFiscalCallKilledAfterTheReceiptWasIssuedYieldsExactlyOneReceipt() throws Exception {
        SoftwareSignatureDevice key = SoftwareSignatureDevice.generate("U:ATU12345678-K1");
        CashBox box = new CashBox("AT0042-KASSE1", aes, List.of(key), ledger, Clock.systemUTC(), Duration.ofHours(48));
        RksvFiscalProvider provider = new RksvFiscalProvider(box, ledger, Clock.systemUTC(), ZoneId.of("Europe/Vienna"), SLOTS, Duration.ofHours(48));
        provider.ensureStarted();
        Instruction first = fiscalize(1, 708);
        // the gateway died after the cash box journal took the receipt, before the session's fiscal receipt was recorded
        box.issue(ReceiptType.STANDARD_BELEG, "AT0042-1", java.time.LocalDateTime.parse("2026-11-24T11:15:00"), new long[] { 708, 0, 0, 0, 0 }, 0);
        CashBox restarted = new CashBox("AT0042-KASSE1", aes, List.of(key), ledger, Clock.systemUTC(), Duration.ofHours(48));
        RksvFiscalProvider again = new RksvFiscalProvider(restarted, ledger, Clock.systemUTC(), ZoneId.of("Europe/Vienna"), SLOTS, Duration.ofHours(48));
        assertThat(again.resolve(first, 1).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(again.deliver(first, 2).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(again.deliver(fiscalize(2, 1200), 1).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(restarted.journal()).extracting(CashBox.Receipt::receiptId).containsExactly("AT0042-KASSE1-START", "AT0042-1", "AT0042-2");
        assertThat(ledger.read(0, 1000)).filteredOn(e -> e.fact().type() == FactType.FISCAL_RECEIPT).hasSize(2);
        assertThat(restarted.turnoverCents()).isEqualTo(1908);
    }

    @Test
    void theOnlineHsmSignsWithItsCertificate() throws Exception {
        CashBox box = new CashBox("AT0042-KASSE1", aes, List.of(hsmDevice()), ledger, Clock.systemUTC(), Duration.ofHours(48));
        RksvFiscalProvider provider = new RksvFiscalProvider(box, ledger, Clock.systemUTC(), ZoneId.of("Europe/Vienna"), SLOTS, Duration.ofHours(48));
        Instruction i = fiscalize(1, 708);
        assertThat(provider.deliver(i, 1).result()).isEqualTo(Result.SUCCEEDED);
        String jws = recorded(i).signature();
        assertThat(new String(Base64.getUrlDecoder().decode(jws.split("\\.")[1]), StandardCharsets.UTF_8)).startsWith("_R1-AT1_")
                .contains("_" + hsm.serialHex() + "_");
        X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(Base64.getDecoder().decode(box.depExport().get("Belege-Gruppe").get(0).get("Signaturzertifikat").asText())));
        Signature v = Signature.getInstance("SHA256withECDSAinP1363Format");
        v.initVerify(cert.getPublicKey());
        v.update(jws.substring(0, jws.lastIndexOf('.')).getBytes(StandardCharsets.US_ASCII));
        assertThat(v.verify(Base64.getUrlDecoder().decode(jws.substring(jws.lastIndexOf('.') + 1)))).isTrue();
        assertThat(hsm.signatures()).isEqualTo(2); // start receipt and the sale
        assertThat(DepVerifier.verify("AT0042-KASSE1", box.depExport(), box.cryptographicMaterial()).problems()).isEmpty();
    }

    @Test
    void anHsmOutageGivesDegradedReceiptsThenACollectiveZeroReceiptAndTheAlarmAfter48Hours() throws Exception {
        MovableClock clock = new MovableClock();
        CashBox box = new CashBox("AT0042-KASSE1", aes, List.of(hsmDevice()), ledger, clock, Duration.ofHours(48));
        RksvFiscalProvider provider = new RksvFiscalProvider(box, ledger, clock, ZoneId.of("Europe/Vienna"), SLOTS, Duration.ofHours(48));
        provider.ensureStarted();
        hsm.down(true);
        Instruction during = fiscalize(1, 708);
        assertThat(provider.deliver(during, 1).result()).isEqualTo(Result.SUCCEEDED); // the driver gets a receipt at once
        FiscalReceipt degraded = recorded(during);
        assertThat(degraded.degraded()).isTrue();
        assertThat(degraded.obligation()).contains("collective zero receipt");
        assertThat(degraded.deadline()).isEqualTo(clock.now.plus(Duration.ofHours(48)));
        assertThat(new String(Base64.getDecoder().decode(degraded.qrPayload().substring(degraded.qrPayload().lastIndexOf('_') + 1)),
                StandardCharsets.UTF_8)).isEqualTo("Sicherheitseinrichtung ausgefallen");
        clock.now = clock.now.plus(Duration.ofHours(49));
        box.checkOutage();
        assertThat(ledger.read(0, 1000)).filteredOn(e -> e.fact().type() == FactType.ALARM).hasSize(1);
        box.checkOutage(); // once
        assertThat(ledger.read(0, 1000)).filteredOn(e -> e.fact().type() == FactType.ALARM).hasSize(1);
        hsm.down(false);
        assertThat(provider.deliver(fiscalize(2, 1200), 1).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(box.journal()).extracting(CashBox.Receipt::type).containsExactly(ReceiptType.START_BELEG, ReceiptType.STANDARD_BELEG,
                ReceiptType.NULL_BELEG, ReceiptType.STANDARD_BELEG);
        assertThat(box.zeroReceiptOwed()).isFalse();
        DepVerifier.Checked checked = DepVerifier.verify("AT0042-KASSE1", box.depExport(), box.cryptographicMaterial());
        assertThat(checked.problems()).isEmpty();
        assertThat(checked.failed()).isEqualTo(1);
        assertThat(checked.turnover()).isEqualTo(1908);
    }
}
