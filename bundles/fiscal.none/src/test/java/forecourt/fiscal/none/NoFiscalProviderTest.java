package forecourt.fiscal.none;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import forecourt.api.fiscal.FiscalJson;
import forecourt.api.fiscal.FiscalRequest;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome.Result;
import forecourt.api.money.Money;
import forecourt.ledger.LedgerStore;

class NoFiscalProviderTest {
    @TempDir
    Path dir;

    @Test
    void issuesOneSignedReceiptPerSessionWhateverTheRetries() throws Exception {
        try (LedgerStore ledger = new LedgerStore(dir.resolve("ledger.mv.db"), Clock.systemUTC(), 16)) {
            NoFiscalProvider provider = new NoFiscalProvider(ledger, dir.resolve("key.p8"));
            FiscalRequest request = new FiscalRequest("AT0042-X", "AT0042", 7, Money.of(728, "EUR"), Map.of("standard", Money.of(728, "EUR")),
                    12345, Instant.parse("2026-11-24T10:00:00Z"));
            Instruction i = Instruction.of(new IdempotencyKey("fiscalize-" + "0".repeat(40)), "fiscal:none", "AT0042-X", false,
                    FiscalJson.request(request));
            assertThat(provider.resolve(i, 1).result()).isEqualTo(Result.RETRYABLE); // nothing issued yet
            assertThat(provider.deliver(i, 1).result()).isEqualTo(Result.SUCCEEDED);
            assertThat(provider.deliver(i, 2).result()).isEqualTo(Result.SUCCEEDED);
            assertThat(provider.resolve(i, 2).result()).isEqualTo(Result.SUCCEEDED);
            var receipt = FiscalJson.receipt(ledger.byNaturalKey("fiscal:AT0042-X").orElseThrow().fact().body());
            assertThat(receipt.receiptId()).isEqualTo("AT0042-7");
            assertThat(provider.deliver(i, 3).upstreamReference()).isEqualTo("AT0042-7");
            // the signature verifies with the gateway's key, and a changed payload does not
            GatewaySigner signer = new GatewaySigner(dir.resolve("key.p8"));
            assertThat(signer.verify(receipt.signature())).isTrue();
            String[] parts = receipt.signature().split("\\.");
            String forged = parts[0] + "." + parts[1].substring(0, parts[1].length() - 2) + "AA." + parts[2];
            assertThat(signer.verify(forged)).isFalse();
            assertThat(ledger.read(1, 100).stream().filter(e -> e.fact().type() == forecourt.api.ledger.FactType.FISCAL_RECEIPT)).hasSize(1);
        }
    }
}
