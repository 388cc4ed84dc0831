package forecourt.site;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.Arrays;
import java.util.Currency;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import forecourt.api.id.EvseId;
import forecourt.api.money.Money;
import forecourt.api.site.Terminal;

@Component(configurationPid = "forecourt.site.terminal", configurationPolicy = ConfigurationPolicy.REQUIRE, service = SiteEntry.class)
@Designate(ocd = TerminalEntry.Config.class, factory = true)
public class TerminalEntry extends ConfiguredEntry {

    @ObjectClassDefinition(name = "Forecourt card terminal", description = "A card terminal, the EVSEs it serves and where its holds settle.")
    public @interface Config {
        String id();

        @AttributeDefinition(description = "EVSEs this terminal takes holds for, comma-separated, e.g. CH1/1,CH1/2")
        String evses();

        @AttributeDefinition(description = "Id of the acquirer instance that settles its holds, or 'terminal' for the terminal's own host")
        String acquirer();

        @AttributeDefinition(description = "Amount reserved per hold, decimal major units, e.g. 50.00")
        String holdAmount();

        @AttributeDefinition(description = "Currency of the hold (ISO 4217)")
        String currency();

        @AttributeDefinition(description = "How long a hold stays valid when the acquirer does not say (ISO-8601 duration)")
        String holdValidity() default "P7D";
    }

    @Activate
    public TerminalEntry(Config config) {
        parse("terminal '" + config.id() + "'", () -> new Terminal(config.id(),
                Arrays.stream(config.evses().split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(EvseId::parse).toList(),
                config.acquirer(),
                Money.fromDecimal(new BigDecimal(config.holdAmount()), Currency.getInstance(config.currency()), RoundingMode.UNNECESSARY),
                Duration.parse(config.holdValidity())));
    }
}
