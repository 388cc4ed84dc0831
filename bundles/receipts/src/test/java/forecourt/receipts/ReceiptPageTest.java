package forecourt.receipts;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.NaturalKeys;
import forecourt.ledger.LedgerStore;

class ReceiptPageTest {
    @TempDir
    Path dir;

    static final String RECEIPT = "{\"authorizationReference\":\"AT0042-R1\",\"site\":\"AT0042\",\"siteName\":\"Rest area <A1>\",\"evse\":\"CH1/1\","
            + "\"terminal\":\"T1\",\"card\":\"visa ************4242\",\"tariff\":{\"id\":\"HPC\",\"version\":1,\"pricePerKwh\":\"0.59\"},"
            + "\"deliveredWh\":\"12000\",\"held\":{\"minor\":5000,\"currency\":\"EUR\"},\"charged\":{\"minor\":708,\"currency\":\"EUR\"},"
            + "\"released\":{\"minor\":4292,\"currency\":\"EUR\"},\"fiscal\":{\"receiptNumber\":1,\"receiptId\":\"AT0042-1\",\"signature\":\"a.b.c\"},"
            + "\"meter\":{\"meterSerial\":\"M1\",\"beginWh\":0,\"endWh\":12000}}";

    @Test
    void aSessionsReceiptIsFoundByItsReferenceAndRenderedEscaped() throws Exception {
        try (LedgerStore ledger = new LedgerStore(dir.resolve("l.mv.db"), Clock.systemUTC(), 8)) {
            ledger.append(Fact.of(FactType.RECEIPT_ISSUED, NaturalKeys.decision("AT0042-R1", "receipt"), "AT0042-R1", RECEIPT)).toCompletableFuture().get();
            var r = ReceiptPage.receipt(ledger, "AT0042-R1").orElseThrow();
            String html = ReceiptPage.html(r);
            assertThat(html).contains("7.08 EUR", "42.92 EUR", "12000 Wh", "AT0042-1", "************4242", "Rest area &lt;A1&gt;")
                    .doesNotContain("<A1>");
            assertThat(ReceiptPage.receipt(ledger, "AT0042-NONE")).isEmpty();
            assertThat(ReceiptPage.receipt(ledger, "../../etc/passwd")).isEmpty();
            assertThat(ReceiptPage.receipt(ledger, "x".repeat(40))).isEmpty();
        }
    }
}
