package forecourt.site;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import forecourt.api.id.ChargerId;
import forecourt.api.site.Charger;

@Component(configurationPid = "forecourt.site.charger", configurationPolicy = ConfigurationPolicy.REQUIRE, service = SiteEntry.class)
@Designate(ocd = ChargerEntry.Config.class, factory = true)
public class ChargerEntry extends ConfiguredEntry {

    @ObjectClassDefinition(name = "Forecourt charger", description = "A charger at the site; one configuration per charger.")
    public @interface Config {
        @AttributeDefinition(description = "Charging station identity: MQTT client id and topic prefix")
        String id();

        @AttributeDefinition(description = "Human name shown to operators")
        String name() default "";

        @AttributeDefinition(description = "Hash of the charger's MQTT password (never the password)")
        String passwordHash() default "";
    }

    @Activate
    public ChargerEntry(Config config) {
        parse("charger '" + config.id() + "'",
                () -> new Charger(new ChargerId(config.id()), config.name(), config.passwordHash()));
    }
}
