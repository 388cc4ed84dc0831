package forecourt.sim.stripe;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import forecourt.sim.Simulator;

/** The Stripe emulator in the simulators' process (defaults suit the demo gateway's configs). */
@Component(name = "forecourt.sim.stripe", configurationPid = "forecourt.sim.stripe", service = { Simulator.class, StripeEmulatorComponent.class }, immediate = true)
@Designate(ocd = StripeEmulatorComponent.Config.class)
public class StripeEmulatorComponent implements Simulator {
    @ObjectClassDefinition(name = "Forecourt simulator: Stripe")
    public @interface Config {
        @AttributeDefinition(description = "Loopback port of the emulated api.stripe.com")
        int port() default 12111;

        String apiKey() default "sk_test_forecourt_demo";

        @AttributeDefinition(description = "Validity of card-present authorizations (capture_before), ISO-8601")
        String authorizationValidity() default "P2D";
    }

    private final StripeEmulator emulator;

    @Activate
    public StripeEmulatorComponent(Config config, BundleContext context) throws IOException {
        Path data = Path.of(context.getProperty("forecourt.data") == null ? "sim-data" : context.getProperty("forecourt.data"));
        String port = context.getProperty("forecourt.sim.stripe.port"); // tests run several sites side by side
        this.emulator = new StripeEmulator(data.resolve("stripe.mv.db"), port == null ? config.port() : Integer.parseInt(port), config.apiKey(), Clock.systemUTC(),
                Duration.parse(config.authorizationValidity()));
    }

    @Deactivate
    void deactivate() {
        emulator.close();
    }

    public StripeEmulator emulator() {
        return emulator;
    }

    @Override
    public String describe() {
        return "Stripe API and Terminal reader emulator on " + emulator.baseUrl();
    }
}
