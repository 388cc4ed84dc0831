package forecourt.site;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Currency;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import forecourt.api.money.Money;
import forecourt.api.site.Tariff;

@Component(configurationPid = "forecourt.site.tariff", configurationPolicy = ConfigurationPolicy.REQUIRE, service = SiteEntry.class)
@Designate(ocd = TariffEntry.Config.class, factory = true)
public class TariffEntry extends ConfiguredEntry {

    @ObjectClassDefinition(name = "Forecourt tariff", description = "A price list; prices include VAT. Raise the version on every change.")
    public @interface Config {
        String id();

        @AttributeDefinition(description = "Raised on every price change; the version at hold time prices the session")
        int version() default 1;

        @AttributeDefinition(description = "Currency (ISO 4217); must be the site's")
        String currency();

        @AttributeDefinition(description = "Price per kWh incl. VAT, decimal major units, e.g. 0.59")
        String pricePerKwh();

        @AttributeDefinition(description = "Fee per session incl. VAT, decimal major units, e.g. 0.00")
        String sessionFee() default "0";

        @AttributeDefinition(description = "Name of the site VAT rate that applies")
        String vatRate() default "standard";
    }

    @Activate
    public TariffEntry(Config config) {
        parse("tariff '" + config.id() + "'", () -> {
            Currency currency = Currency.getInstance(config.currency());
            // a fee is an amount of money: it must be exact in minor units
            Money fee = Money.fromDecimal(new BigDecimal(config.sessionFee()), currency, RoundingMode.UNNECESSARY);
            return new Tariff(config.id(), config.version(), new BigDecimal(config.pricePerKwh()), fee, config.vatRate());
        });
    }
}
