package forecourt.sim.ocpi;

import java.io.IOException;
import java.math.BigDecimal;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import forecourt.sim.Simulator;

/** The CPO's backend (CSMS, OCPI 2.3.0) in the simulators' process; defaults suit the demo gateway's configs. */
@Component(name = "forecourt.sim.csms", configurationPid = "forecourt.sim.csms", service = { Simulator.class, CsmsEmulatorComponent.class }, immediate = true)
@Designate(ocd = CsmsEmulatorComponent.Config.class)
public class CsmsEmulatorComponent implements Simulator {
    @ObjectClassDefinition(name = "Forecourt simulator: CSMS (OCPI)")
    public @interface Config {
        @AttributeDefinition(description = "Loopback port of the CPO's OCPI endpoints")
        int port() default 12113;

        @AttributeDefinition(description = "Token A the CPO gave the site for its registration (configs/forecourt.ocpi.cfg)")
        String tokenA() default "demo-token-A";

        @AttributeDefinition(description = "The CPO's energy price incl. VAT per kWh, for its CDRs")
        String pricePerKwh() default "0.59";
    }

    private final CsmsEmulator emulator;

    @Activate
    public CsmsEmulatorComponent(Config config, BundleContext context) throws IOException {
        String port = context.getProperty("forecourt.sim.csms.port"); // tests run several sites side by side
        this.emulator = new CsmsEmulator(port == null ? config.port() : Integer.parseInt(port), config.tokenA());
        emulator.pricePerKwh(new BigDecimal(config.pricePerKwh()));
        String delta = context.getProperty("forecourt.sim.csms.cdrDelta"); // the demo of a CDR that disagrees with the meter
        if (delta != null) {
            emulator.disagreeNextCdrBy(new BigDecimal(delta));
        }
    }

    @Deactivate
    void deactivate() {
        emulator.close();
    }

    public CsmsEmulator emulator() {
        return emulator;
    }

    @Override
    public String describe() {
        return "CSMS (OCPI 2.3.0 CPO side) emulator at " + emulator.versionsUrl();
    }
}
