package forecourt.acquirer.adyen;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import jakarta.servlet.Servlet;

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
import org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.ledger.Ledger;
import forecourt.api.outbox.InstructionHandler;
import forecourt.api.payment.Acquirer;
import forecourt.api.payment.PaymentTerminal;
import forecourt.api.site.SiteModel;

/**
 * One Adyen merchant account as an acquirer instance (factory configuration
 * {@code forecourt.acquirer.adyen~<name>}): the outbox handler of link
 * {@code acquirer:<name>}, the webhook endpoint {@code /adyen/<name>/notifications}, and the
 * payment terminal of each configured terminal id whose POI it drives.
 */
@Component(name = "forecourt.acquirer.adyen", configurationPid = "forecourt.acquirer.adyen", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {}, immediate = true)
@Designate(ocd = AdyenAcquirerComponent.Config.class, factory = true)
public class AdyenAcquirerComponent {
    private static final Logger log = LoggerFactory.getLogger(AdyenAcquirerComponent.class);

    @ObjectClassDefinition(name = "Forecourt acquirer: Adyen", description = "An Adyen merchant account that settles holds taken on its terminals.")
    public @interface Config {
        @AttributeDefinition(description = "Instance name: the outbox link is acquirer:<name>, and terminals name it as their acquirer")
        String name();

        @AttributeDefinition(description = "Checkout API base URL incl. version, e.g. https://checkout-test.adyen.com/v71")
        String checkoutUrl() default "https://checkout-test.adyen.com/v71";

        @AttributeDefinition(description = "Terminal API (cloud) base URL")
        String terminalApiUrl() default "https://terminal-api-test.adyen.com";

        @AttributeDefinition(type = AttributeType.PASSWORD, description = "API key (X-API-Key); never logged")
        String apiKey();

        String merchantAccount();

        @AttributeDefinition(type = AttributeType.PASSWORD, description = "HMAC key of the webhook, hex; never logged")
        String hmacKey();

        @AttributeDefinition(description = "Terminal ids whose Adyen terminal this instance drives, as <terminal>=<POIID>")
        String[] terminals() default {};

        @AttributeDefinition(description = "How long Adyen keeps an idempotency key (ISO-8601); past it, an unconfirmed instruction goes to REVIEW")
        String idempotencyWindow() default "P31D";

        @AttributeDefinition(description = "How long a send waits for its notification before leaving the instruction UNKNOWN, ms")
        int notificationWaitMillis() default 10_000;

        @AttributeDefinition(description = "Timeout of each HTTP call, ms")
        int requestTimeoutMillis() default 10_000;

        @AttributeDefinition(description = "Wait after a refused or failed send before the next, ms")
        int backoffMillis() default 2_000;

        @AttributeDefinition(description = "How long a terminal waits for a card, seconds")
        int cardTimeoutSeconds() default 120;

        @AttributeDefinition(description = "Card brands this merchant account serves (Adyen's names: visa, mc, amex, maestro...); empty: all")
        String[] cardBrands() default {};
    }

    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();
    private final ExecutorService holds;

    @Activate
    public AdyenAcquirerComponent(BundleContext context, Config config, @Reference Ledger ledger, @Reference SiteModel site, @Reference Clock clock) {
        String link = Acquirer.LINK_KIND + ":" + config.name();
        AdyenApi checkout = new AdyenApi(config.checkoutUrl(), config.apiKey(), Duration.ofMillis(config.requestTimeoutMillis()));
        AdyenAcquirer acquirer = new AdyenAcquirer(config.name(), config.merchantAccount(), checkout, ledger, clock,
                Duration.parse(config.idempotencyWindow()), Duration.ofMillis(config.backoffMillis()), Duration.ofMillis(config.notificationWaitMillis()));
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(InstructionHandler.LINK, link);
        registrations.add(context.registerService(new String[] { Acquirer.class.getName(), InstructionHandler.class.getName() }, acquirer, props));

        AdyenNotifications notifications = new AdyenNotifications(config.name(), config.merchantAccount(), config.hmacKey(), ledger);
        Hashtable<String, Object> sprops = new Hashtable<>();
        sprops.put(HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, "/adyen/" + config.name() + "/notifications");
        registrations.add(context.registerService(Servlet.class, new AdyenNotificationServlet(notifications), sprops));

        this.holds = Executors.newCachedThreadPool(r -> new Thread(r, "adyen-hold-" + config.name()));
        AdyenApi terminalApi = new AdyenApi(config.terminalApiUrl(), config.apiKey(), Duration.ofSeconds(config.cardTimeoutSeconds()));
        int terminals = 0;
        for (String entry : config.terminals()) {
            String[] pair = entry.split("=", 2);
            if (pair.length != 2 || pair[0].isBlank() || pair[1].isBlank()) {
                log.error("adyen {}: terminal entry '{}' is not <terminal>=<POIID>: ignored", config.name(), entry);
                continue;
            }
            AdyenTerminal terminal = new AdyenTerminal(pair[0].trim(), pair[1].trim(), link, terminalApi, ledger, site, clock,
                    Duration.ofSeconds(config.cardTimeoutSeconds()), holds);
            terminal.cardBrands(java.util.Arrays.stream(config.cardBrands()).map(b -> b.trim().toLowerCase()).filter(b -> !b.isEmpty())
                    .collect(java.util.stream.Collectors.toSet()), acquirer::releaseUnserved);
            Hashtable<String, Object> tprops = new Hashtable<>();
            tprops.put(PaymentTerminal.TERMINAL, terminal.terminalId());
            registrations.add(context.registerService(PaymentTerminal.class, terminal, tprops));
            terminals++;
        }
        log.info("adyen acquirer {} up: {} (merchant account {}, {} terminal(s), webhook /adyen/{}/notifications)", config.name(), checkout,
                config.merchantAccount(), terminals, config.name());
    }

    @Deactivate
    void deactivate() {
        registrations.forEach(ServiceRegistration::unregister);
        registrations.clear();
        holds.shutdownNow();
    }
}
