package forecourt.gateway.test;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.Version;
import org.osgi.test.common.annotation.InjectBundleContext;
import org.osgi.util.tracker.ServiceTracker;

import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.id.SiteId;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.OutboxEntry;

/**
 * An instruction handler's bundle is stopped and updated while its instructions are due:
 * they wait (no attempt, no re-routing), then each completes exactly once through the new
 * version.
 */
class HandlerUpdateTest {
    @InjectBundleContext
    BundleContext context;

    @Test
    void instructionsWaitForTheUpdatedHandlerThenCompleteOnce() throws Exception {
        ServiceTracker<Ledger, Ledger> tracker = new ServiceTracker<>(context, Ledger.class, null);
        tracker.open();
        Ledger ledger = tracker.waitForService(10_000);
        tracker.close();
        assertThat(ledger).isNotNull();
        Bundle handler = null;
        for (Bundle b : context.getBundles()) {
            if ("forecourt.handler.sample".equals(b.getSymbolicName())) {
                handler = b;
            }
        }
        assertThat(handler).as("handler fixture installed").isNotNull();
        assertThat(handler.getVersion().getMajor()).as("version 1 is what the framework started").isEqualTo(1);
        Path upstream = Paths.get(context.getProperty("forecourt.itest.upstream"));

        handler.stop(); // the update begins: the handler is gone
        String run = Long.toString(System.nanoTime());
        List<IdempotencyKey> keys = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            IdempotencyKey k = IdempotencyKey.derive(new SiteId("AT0042"), run + i, new AuthorizationReference("AT0042-U" + i), "confirm");
            keys.add(k);
            ledger.enqueue(Instruction.of(k, "test:sample", null, false, "{\"n\":" + i + "}")).toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        Thread.sleep(1500); // several outbox passes
        for (IdempotencyKey k : keys) {
            assertThat(ledger.instruction(k).orElseThrow().attempts()).as("no attempt without its handler").isZero();
        }

        try (InputStream v2 = context.getBundle().getEntry("fixtures/handler.sample-v2.jar").openStream()) {
            handler.update(v2);
        }
        handler.start();
        assertThat(handler.getVersion()).isEqualTo(new Version(2, 0, 0));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline
                && keys.stream().anyMatch(k -> ledger.instruction(k).orElseThrow().status() != OutboxEntry.Status.SUCCEEDED)) {
            Thread.sleep(50);
        }
        List<String> delivered = Files.readAllLines(upstream);
        for (IdempotencyKey k : keys) {
            OutboxEntry e = ledger.instruction(k).orElseThrow();
            assertThat(e.status()).isEqualTo(OutboxEntry.Status.SUCCEEDED);
            assertThat(e.attempts()).isEqualTo(1);
            assertThat(delivered.stream().filter(l -> l.endsWith(" " + k.value()))).as("delivered once, by version 2")
                    .containsExactly("2.0.0 " + k.value());
        }
    }
}
