package forecourt.launch;

import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.launch.Framework;
import org.osgi.framework.FrameworkEvent;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops the OSGi framework cleanly when the JVM is asked to exit (SIGTERM from systemd,
 * Ctrl-C). The bnd launcher does not do this itself, and without it no component is
 * deactivated and the ledger is never closed: the next start must then recover instead
 * of simply opening.
 * <p>
 * Off when {@code forecourt.shutdownhook=false} (the in-framework test runner, where a
 * hook that waits would stall every test run).
 */
@Component(name = "forecourt.launch.gracefulstop", configurationPid = "forecourt.launch.gracefulstop")
@Designate(ocd = GracefulStop.Config.class)
public class GracefulStop {
    private static final Logger log = LoggerFactory.getLogger(GracefulStop.class);

    @ObjectClassDefinition(name = "Forecourt graceful stop", description = "Stops the framework on SIGTERM.")
    public @interface Config {
        @AttributeDefinition(description = "Seconds to wait for every bundle to stop")
        int stopTimeoutSeconds() default 20;
    }

    private final Thread hook;

    @Activate
    public GracefulStop(BundleContext context, Config config) {
        if ("false".equalsIgnoreCase(context.getProperty("forecourt.shutdownhook"))) {
            hook = null;
            return;
        }
        Framework framework = (Framework) context.getBundle(0);
        hook = new Thread(() -> {
            log.info("stop requested: stopping the framework");
            try {
                framework.stop();
                FrameworkEvent event = framework.waitForStop(config.stopTimeoutSeconds() * 1000L);
                if (event.getType() == FrameworkEvent.WAIT_TIMEDOUT) {
                    System.err.println("Forecourt: framework did not stop within " + config.stopTimeoutSeconds() + " s");
                } else {
                    System.out.println("Forecourt stopped");
                }
            } catch (BundleException | InterruptedException | IllegalStateException e) {
                System.err.println("Forecourt: error while stopping: " + e);
            }
        }, "forecourt-graceful-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        log.info("graceful stop armed: SIGTERM stops the framework cleanly");
    }

    @Deactivate
    void deactivate() {
        if (hook != null && Thread.currentThread() != hook) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is what is stopping us: nothing to remove
            }
        }
    }
}
