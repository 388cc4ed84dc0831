package forecourt.site;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import forecourt.api.id.EvseId;
import forecourt.api.site.Evse;

@Component(configurationPid = "forecourt.site.evse", configurationPolicy = ConfigurationPolicy.REQUIRE, service = SiteEntry.class)
@Designate(ocd = EvseEntry.Config.class, factory = true)
public class EvseEntry extends ConfiguredEntry {

    @ObjectClassDefinition(name = "Forecourt EVSE", description = "One EVSE of a charger, its tariff and its meter key.")
    public @interface Config {
        @AttributeDefinition(description = "<charger id>/<EVSE number>, e.g. CH1/1")
        String evse();

        @AttributeDefinition(description = "Id of the tariff that prices sessions here")
        String tariff();

        @AttributeDefinition(description = "Public key of the EVSE's calibration-law meter (hex or base64 DER, or raw X||Y hex)")
        String meterPublicKey() default "";

        @AttributeDefinition(description = "The EVSE's uid in the CPO's OCPI Locations module")
        String ocpiEvseUid() default "";
    }

    @Activate
    public EvseEntry(Config config) {
        parse("EVSE '" + config.evse() + "'",
                () -> new Evse(EvseId.parse(config.evse()), config.tariff(), config.meterPublicKey(), config.ocpiEvseUid()));
    }
}
