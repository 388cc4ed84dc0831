package forecourt.sim.zvt;

import java.io.IOException;
import java.nio.file.Path;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import forecourt.sim.Simulator;

/** A ZVT card terminal in the simulators' process (defaults suit the demo gateway's configs). */
@Component(name = "forecourt.sim.zvt", configurationPid = "forecourt.sim.zvt", service = { Simulator.class, ZvtSimulatorComponent.class },
        immediate = true)
@Designate(ocd = ZvtSimulatorComponent.Config.class)
public class ZvtSimulatorComponent implements Simulator {
    @ObjectClassDefinition(name = "Forecourt simulator: ZVT terminal")
    public @interface Config {
        @AttributeDefinition(description = "Loopback TCP port (20007 is ZVT's usual port)")
        int port() default 20007;

        @AttributeDefinition(description = "The terminal's ECR password (6 digits)")
        int password() default 123456;

        @AttributeDefinition(description = "The terminal id it reports (8 digits)")
        long terminalId() default 52523535L;
    }

    private final ZvtTerminalSimulator terminal;

    @Activate
    public ZvtSimulatorComponent(Config config, BundleContext context) throws IOException {
        Path data = Path.of(context.getProperty("forecourt.data") == null ? "sim-data" : context.getProperty("forecourt.data"));
        String port = context.getProperty("forecourt.sim.zvt.port"); // tests run several sites side by side
        this.terminal = new ZvtTerminalSimulator(data.resolve("zvt-" + config.terminalId() + ".json"),
                port == null ? config.port() : Integer.parseInt(port), config.password(), config.terminalId());
    }

    @Deactivate
    void deactivate() {
        terminal.close();
    }

    public ZvtTerminalSimulator terminal() {
        return terminal;
    }

    @Override
    public String describe() {
        return "ZVT card terminal simulator on 127.0.0.1:" + terminal.port();
    }
}
