package forecourt.sim.adyen;

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

/** The Adyen emulator in the simulators' process. */
@Component(name = "forecourt.sim.adyen", configurationPid = "forecourt.sim.adyen", service = { Simulator.class, AdyenEmulatorComponent.class },
        immediate = true)
@Designate(ocd = AdyenEmulatorComponent.Config.class)
public class AdyenEmulatorComponent implements Simulator {
    @ObjectClassDefinition(name = "Forecourt simulator: Adyen")
    public @interface Config {
        @AttributeDefinition(description = "Loopback port of the emulated Checkout and Terminal APIs")
        int port() default 12112;

        String apiKey() default "adyen_test_forecourt_demo";

        String merchantAccount() default "ForecourtDemo";

        @AttributeDefinition(description = "HMAC key for the notifications, hex")
        String hmacKey() default "44782def547aaa06c910c43932b1eb0c71fc68d9d0c057550c48ec2acf6ba056";

        @AttributeDefinition(description = "Where notifications are posted")
        String webhookUrl() default "http://127.0.0.1:8080/adyen/adyen-demo/notifications";

        @AttributeDefinition(description = "Validity of pre-authorisations, ISO-8601")
        String authorizationValidity() default "P7D";
    }

    private final AdyenEmulator emulator;

    @Activate
    public AdyenEmulatorComponent(Config config, BundleContext context) throws IOException {
        Path data = Path.of(context.getProperty("forecourt.data") == null ? "sim-data" : context.getProperty("forecourt.data"));
        String port = context.getProperty("forecourt.sim.adyen.port");
        String webhook = context.getProperty("forecourt.sim.adyen.webhook");
        this.emulator = new AdyenEmulator(data.resolve("adyen.mv.db"), port == null ? config.port() : Integer.parseInt(port), config.apiKey(),
                config.merchantAccount(), config.hmacKey(), Clock.systemUTC(), Duration.parse(config.authorizationValidity()));
        emulator.webhookUrl(webhook == null ? config.webhookUrl() : webhook);
    }

    @Deactivate
    void deactivate() {
        emulator.close();
    }

    public AdyenEmulator emulator() {
        return emulator;
    }

    @Override
    public String describe() {
        return "Adyen Checkout and Terminal API emulator on " + emulator.terminalApiUrl();
    }
}
