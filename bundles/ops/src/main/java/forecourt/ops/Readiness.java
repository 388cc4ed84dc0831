package forecourt.ops;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.runtime.ServiceComponentRuntime;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs {@code Forecourt ready in N ms} once every required local component is active —
 * never anything upstream, because the gateway must be ready on the day the WAN is down.
 * If they are not all active within the timeout, it logs which one and why, and keeps
 * watching so that a late fix still ends in the ready line.
 */
@Component(name = "forecourt.ops.readiness", configurationPid = "forecourt.ops.readiness", service = Readiness.class, immediate = true)
@Designate(ocd = Readiness.Config.class)
public class Readiness {
    private static final Logger log = LoggerFactory.getLogger(Readiness.class);

    @ObjectClassDefinition(name = "Forecourt readiness", description = "Which local components must be active before the gateway is ready.")
    public @interface Config {
        @AttributeDefinition(description = "Component names that must be active")
        String[] required() default { "forecourt.clock", "forecourt.site.model", "forecourt.ledger" };

        @AttributeDefinition(description = "Seconds to wait before reporting what is missing")
        int timeoutSeconds() default 20;
    }

    private final ServiceComponentRuntime scr;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "forecourt-readiness");
        t.setDaemon(true);
        return t;
    });
    private volatile List<String> required;
    private volatile long deadline;
    private final long started = System.nanoTime();
    private volatile boolean ready;
    private volatile List<String> lastProblems = List.of();
    private boolean reported;

    @Activate
    public Readiness(@Reference ServiceComponentRuntime scr, Config config) {
        this.scr = scr;
        configure(config);
        timer.schedule(this::checkAndReschedule, 0, TimeUnit.MILLISECONDS);
    }

    /** A changed list applies at once; the component is not restarted, so "ready" is said once. */
    @Modified
    void configure(Config config) {
        // a .cfg file gives a list as one comma-separated string
        required = Arrays.stream(config.required()).flatMap(r -> Arrays.stream(r.split(","))).map(String::trim)
                .filter(r -> !r.isEmpty()).toList();
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(config.timeoutSeconds());
    }

    @Deactivate
    void stop() {
        timer.shutdownNow();
    }

    public boolean isReady() {
        return ready;
    }

    public List<String> problems() {
        return lastProblems;
    }

    /** Looks often while starting, then once a second, so a gateway stuck not-ready does not spin. */
    private void checkAndReschedule() {
        check();
        if (!ready && !timer.isShutdown()) {
            long sinceStart = System.nanoTime() - started;
            timer.schedule(this::checkAndReschedule, sinceStart < TimeUnit.SECONDS.toNanos(5) ? 20 : 1000, TimeUnit.MILLISECONDS);
        }
    }

    private void check() {
        try {
            List<String> problems = ReadinessCheck.notReady(required, new ReadinessCheck.Runtime() {
                @Override
                public ComponentDescriptionDTO description(String name) {
                    for (ComponentDescriptionDTO d : scr.getComponentDescriptionDTOs()) {
                        if (d.name.equals(name)) {
                            return d;
                        }
                    }
                    return null;
                }

                @Override
                public Collection<ComponentConfigurationDTO> configurations(ComponentDescriptionDTO description) {
                    return scr.getComponentConfigurationDTOs(description);
                }
            });
            lastProblems = problems;
            if (problems.isEmpty()) {
                if (ready) {
                    return;
                }
                ready = true;
                long sinceJvmStart = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
                log.info("Forecourt ready in {} ms", sinceJvmStart);
                timer.shutdown();
            } else if (!reported && System.nanoTime() > deadline) {
                reported = true;
                log.error("Forecourt NOT ready: {} required component(s) not active:", problems.size());
                problems.forEach(p -> log.error("  {}", p));
            }
        } catch (RuntimeException e) {
            log.warn("readiness check failed: {}", e.toString());
        }
    }
}
