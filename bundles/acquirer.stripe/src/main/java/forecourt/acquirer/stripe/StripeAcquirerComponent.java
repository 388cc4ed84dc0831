package forecourt.acquirer.stripe;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.ledger.Ledger;
import forecourt.api.outbox.InstructionHandler;
import forecourt.api.payment.Acquirer;
import forecourt.api.payment.PaymentTerminal;
import forecourt.api.site.SiteModel;

/**
 * One Stripe account as an acquirer instance (factory configuration
 * {@code forecourt.acquirer.stripe~<name>}): the outbox handler of link
 * {@code acquirer:<name>}, and the payment terminal of each configured terminal id whose
 * reader it drives. Instructions for this link wait while this bundle is absent.
 */
@Component(name = "forecourt.acquirer.stripe", configurationPid = "forecourt.acquirer.stripe", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {}, immediate = true)
@Designate(ocd = StripeAcquirerComponent.Config.class, factory = true)
public class StripeAcquirerComponent {
    private static final Logger log = LoggerFactory.getLogger(StripeAcquirerComponent.class);

    @ObjectClassDefinition(name = "Forecourt acquirer: Stripe", description = "A Stripe account that settles holds taken on its readers.")
    public @interface Config {
        @AttributeDefinition(description = "Instance name: the outbox link is acquirer:<name>, and terminals name it as their acquirer")
        String name();

        @AttributeDefinition(description = "API base URL (overridable at start, e.g. for the emulator)")
        String baseUrl() default "https://api.stripe.com";

        @AttributeDefinition(type = AttributeType.PASSWORD, description = "Secret API key; never logged")
        String apiKey();

        @AttributeDefinition(description = "Terminal ids whose Stripe Terminal reader this instance drives, as <terminal>=<reader id>")
        String[] readers() default {};

        @AttributeDefinition(description = "Timeout of each HTTP call, ms (a call that times out after sending is UNKNOWN)")
        int requestTimeoutMillis() default 10_000;

        @AttributeDefinition(description = "Wait after HTTP 429 (rate limited) or 409 (key in use) before the next attempt, ms")
        int throttledBackoffMillis() default 2_000;

        @AttributeDefinition(description = "How long the reader waits for a card, seconds")
        int cardTimeoutSeconds() default 60;

        @AttributeDefinition(description = "Card brands this account serves (Stripe's names: visa, mastercard, amex...); empty: all")
        String[] cardBrands() default {};
    }

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private final ExecutorService holds;

    @Activate
    public StripeAcquirerComponent(BundleContext context, Config config, @Reference Ledger ledger, @Reference SiteModel site,
            @Reference Clock clock) {
        StripeApi api = new StripeApi(config.baseUrl(), config.apiKey(), Duration.ofMillis(config.requestTimeoutMillis()));
        String link = Acquirer.LINK_KIND + ":" + config.name();
        StripeAcquirer acquirer = new StripeAcquirer(config.name(), api, clock, Duration.ofMillis(config.throttledBackoffMillis()));
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(InstructionHandler.LINK, link);
        registrations.add(context.registerService(new String[] { Acquirer.class.getName(), InstructionHandler.class.getName() }, acquirer, props));
        this.holds = Executors.newCachedThreadPool(r -> new Thread(r, "stripe-hold-" + config.name()));
        SecureRandom random = new SecureRandom();
        for (String entry : config.readers()) {
            String[] pair = entry.split("=", 2);
            if (pair.length != 2 || pair[0].isBlank() || pair[1].isBlank()) {
                log.error("stripe {}: reader entry '{}' is not <terminal>=<reader id>: ignored", config.name(), entry);
                continue;
            }
            StripeTerminal terminal = new StripeTerminal(pair[0].trim(), pair[1].trim(), link, api, ledger, site, clock, random,
                    Duration.ofSeconds(config.cardTimeoutSeconds()), Duration.ofMillis(250), holds);
            terminal.cardBrands(java.util.Arrays.stream(config.cardBrands()).map(b -> b.trim().toLowerCase()).filter(b -> !b.isEmpty())
                    .collect(java.util.stream.Collectors.toSet()));
            Hashtable<String, Object> tprops = new Hashtable<>();
            tprops.put(PaymentTerminal.TERMINAL, terminal.terminalId());
            registrations.add(context.registerService(PaymentTerminal.class, terminal, tprops));
        }
        log.info("stripe acquirer {} up: {} ({} reader(s))", config.name(), api, registrations.size() - 1);
    }

    @Deactivate
    void deactivate() {
        registrations.forEach(ServiceRegistration::unregister);
        registrations.clear();
        holds.shutdownNow();
    }
}
