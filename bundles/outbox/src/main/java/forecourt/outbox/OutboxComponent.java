package forecourt.outbox;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.OutboxEntry;
import forecourt.api.outbox.InstructionHandler;

/**
 * Runs the delivery worker: a pass every {@code pollMillis} looks at the outbox and lets
 * each link with work drain on its own thread (one thread per link at a time, so a link's
 * instructions keep their order; links do not wait for each other).
 */
@Component(name = "forecourt.outbox", configurationPid = "forecourt.outbox", immediate = true, service = OutboxComponent.class)
@Designate(ocd = OutboxComponent.Config.class)
public class OutboxComponent {
    private static final Logger log = LoggerFactory.getLogger(OutboxComponent.class);

    @ObjectClassDefinition(name = "Forecourt outbox delivery", description = "How every upstream instruction is delivered.")
    public @interface Config {
        @AttributeDefinition(description = "Attempts before an instruction goes to REVIEW with an alarm (it is never dropped)")
        int maxAttempts() default 20;

        @AttributeDefinition(description = "First backoff after a link failure, ms (doubles per failure)")
        long backoffBaseMillis() default 1000;

        @AttributeDefinition(description = "Longest backoff, ms")
        long backoffCapMillis() default 300_000;

        @AttributeDefinition(description = "Jitter on each backoff, percent (+/-)")
        int jitterPercent() default 20;

        @AttributeDefinition(description = "How often the outbox is looked at, ms")
        long pollMillis() default 200;

        @AttributeDefinition(description = "Links drained at the same time")
        int threads() default 4;
    }

    private final Ledger ledger;
    // every handler claiming a link, oldest first: the first one serves. Two at once is an
    // update in progress (version 2 installed before version 1 leaves), or a misconfiguration.
    private final Map<String, List<InstructionHandler>> handlers = new ConcurrentHashMap<>();
    private final Set<String> busyLinks = ConcurrentHashMap.newKeySet();
    private final DeliveryWorker worker;
    private final ScheduledExecutorService passes;
    private final ExecutorService drains;

    @Activate
    public OutboxComponent(@Reference Ledger ledger, @Reference Clock clock, Config config) {
        this.ledger = ledger;
        DeliveryPolicy policy = new DeliveryPolicy(config.maxAttempts(), Duration.ofMillis(config.backoffBaseMillis()),
                Duration.ofMillis(config.backoffCapMillis()), config.jitterPercent() / 100.0);
        this.worker = new DeliveryWorker(ledger, clock, this::handlerFor, policy, new SecureRandom());
        AtomicInteger n = new AtomicInteger();
        this.drains = Executors.newFixedThreadPool(Math.max(1, config.threads()), r -> {
            Thread t = new Thread(r, "forecourt-outbox-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.passes = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "forecourt-outbox-pass");
            t.setDaemon(true);
            return t;
        });
        passes.scheduleWithFixedDelay(this::pass, 0, Math.max(10, config.pollMillis()), TimeUnit.MILLISECONDS);
        log.info("outbox delivery running: {} open instruction(s)", ledger.outbox().size());
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addHandler(InstructionHandler handler, Map<String, Object> properties) {
        Object link = properties.get(InstructionHandler.LINK);
        if (!(link instanceof String l) || l.isBlank()) {
            log.error("instruction handler {} has no '{}' property: ignored", handler.getClass().getName(), InstructionHandler.LINK);
            return;
        }
        List<InstructionHandler> claimants = handlers.computeIfAbsent(l, k -> new CopyOnWriteArrayList<>());
        claimants.add(handler);
        if (claimants.size() > 1) {
            log.warn("{} handlers claim link {}: the first keeps serving until it leaves", claimants.size(), l);
        } else {
            log.info("handler for link {} available", l);
        }
    }

    private InstructionHandler handlerFor(String link) {
        List<InstructionHandler> claimants = handlers.get(link);
        return claimants == null || claimants.isEmpty() ? null : claimants.get(0);
    }

    void removeHandler(InstructionHandler handler, Map<String, Object> properties) {
        Object link = properties.get(InstructionHandler.LINK);
        if (link instanceof String l) {
            List<InstructionHandler> claimants = handlers.getOrDefault(l, List.of());
            claimants.remove(handler);
            log.info(claimants.isEmpty() ? "handler for link {} gone: its instructions wait" : "handler for link {} replaced", l);
        }
    }

    private void pass() {
        try {
            for (Map.Entry<String, List<OutboxEntry>> due : worker.dueByLink().entrySet()) {
                String link = due.getKey();
                if (handlerFor(link) == null || !busyLinks.add(link)) {
                    continue;
                }
                try {
                    drains.execute(() -> {
                        try {
                            worker.drain(link, due.getValue());
                        } catch (RuntimeException e) {
                            log.error("outbox link {}: {}", link, e.toString(), e);
                        } finally {
                            busyLinks.remove(link);
                        }
                    });
                } catch (RejectedExecutionException stopping) {
                    busyLinks.remove(link);
                }
            }
        } catch (RuntimeException e) {
            log.error("outbox pass failed: {}", e.toString(), e);
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        passes.shutdownNow();
        drains.shutdown();
        // a drain in the middle of a call finishes it and records the outcome; what is not
        // recorded in time is IN_FLIGHT in the ledger and will be resolved after restart
        if (!drains.awaitTermination(10, TimeUnit.SECONDS)) {
            log.warn("outbox: deliveries still running at stop; they will be resolved after restart");
            drains.shutdownNow();
        }
    }

    String status() {
        StringBuilder out = new StringBuilder();
        out.append(String.format("delivered %d, declined %d, retryable %d, unknown %d, resolved %d, to review %d%n",
                worker.delivered.sum(), worker.declined.sum(), worker.retryable.sum(), worker.unknown.sum(), worker.resolved.sum(),
                worker.reviews.sum()));
        out.append("handlers: ").append(handlers.entrySet().stream().filter(h -> !h.getValue().isEmpty()).map(Map.Entry::getKey).sorted().toList())
                .append('\n');
        worker.describeLinks().forEach(l -> out.append("  ").append(l).append('\n'));
        return out.toString();
    }

    Ledger ledger() {
        return ledger;
    }
}
