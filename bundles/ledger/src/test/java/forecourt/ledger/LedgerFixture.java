package forecourt.ledger;

import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import forecourt.api.ledger.Appended;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.PaymentSessionState;

/** Small helpers shared by the ledger tests. */
final class LedgerFixture {
    private LedgerFixture() {
    }

    static LedgerStore open(Path file) {
        return new LedgerStore(file, Clock.systemUTC(), 1024);
    }

    static Appended await(CompletionStage<Appended> stage) {
        try {
            return stage.toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException | TimeoutException e) {
            throw new IllegalStateException(e);
        }
    }

    static Fact hold(String ref) {
        return Fact.moving(FactType.HOLD_PLACED, NaturalKeys.hold(ref), ref, PaymentSessionState.AUTHORIZED,
                "{\"amount\":5000,\"currency\":\"EUR\",\"maskedPan\":\"************1234\"}");
    }

    static Fact move(String ref, PaymentSessionState to, String step) {
        return Fact.moving(FactType.SESSION_STATE_CHANGED, NaturalKeys.decision(ref, step), ref, to, "{\"to\":\"" + to + "\"}");
    }

    static Fact txEvent(String charger, String tx, int seqNo, String ref, String body) {
        return Fact.of(FactType.TRANSACTION_EVENT, NaturalKeys.transactionEvent(charger, tx, seqNo), ref, body);
    }
}
