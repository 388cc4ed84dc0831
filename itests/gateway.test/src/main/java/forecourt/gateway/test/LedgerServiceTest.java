package forecourt.gateway.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.FrameworkUtil;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.util.tracker.ServiceTracker;

import forecourt.api.ledger.Appended;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.ledger.PaymentSessionState;

/**
 * The ledger as a service in a real framework: appends are durable, and restarting the
 * ledger bundle (as an update would) loses nothing and keeps the chain.
 */
class LedgerServiceTest {
    @InjectBundleContext
    BundleContext context;

    private Ledger awaitLedger() throws InterruptedException {
        ServiceTracker<Ledger, Ledger> tracker = new ServiceTracker<>(context, Ledger.class, null);
        tracker.open();
        try {
            Ledger ledger = tracker.waitForService(TimeUnit.SECONDS.toMillis(10));
            assertThat(ledger).as("ledger service").isNotNull();
            return ledger;
        } finally {
            tracker.close();
        }
    }

    @Test
    void factsSurviveARestartOfTheLedgerBundle() throws Exception {
        Ledger ledger = awaitLedger();
        String ref = "ITEST-" + System.nanoTime();
        Appended hold = ledger.append(Fact.moving(FactType.HOLD_PLACED, NaturalKeys.hold(ref), ref, PaymentSessionState.AUTHORIZED,
                "{\"amount\":5000}")).toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(hold.duplicate()).isFalse();
        long head = ledger.head();

        Bundle ledgerBundle = FrameworkUtil.getBundle(ledger.getClass());
        ledgerBundle.stop();
        ledgerBundle.start();

        Ledger restarted = awaitLedger();
        assertThat(restarted).isNotSameAs(ledger);
        assertThat(restarted.head()).isEqualTo(head);
        assertThat(restarted.session(ref).orElseThrow().state()).isEqualTo(PaymentSessionState.AUTHORIZED);
        assertThat(restarted.verify().intact()).isTrue();
        assertThat(restarted.append(Fact.moving(FactType.HOLD_PLACED, NaturalKeys.hold(ref), ref, PaymentSessionState.AUTHORIZED,
                "{\"amount\":5000}")).toCompletableFuture().get(10, TimeUnit.SECONDS).duplicate()).isTrue();
    }
}
