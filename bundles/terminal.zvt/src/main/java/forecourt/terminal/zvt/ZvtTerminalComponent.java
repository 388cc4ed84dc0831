package forecourt.terminal.zvt;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Currency;
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
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.ledger.Ledger;
import forecourt.api.outbox.InstructionHandler;
import forecourt.api.payment.PaymentTerminal;
import forecourt.api.site.SiteModel;
import forecourt.api.site.Terminal;
import forecourt.terminal.zvt.ZvtClient.LinkFailure;
import forecourt.terminal.zvt.ZvtClient.Refused;

/**
 * One ZVT card terminal on the site's network (factory configuration
 * {@code forecourt.terminal.zvt~<name>}): the payment terminal that takes holds for its
 * EVSEs, and the outbox handler of link {@code terminal:<id>} that settles them through the
 * terminal's host. Taking the bundle out (update, cable pull) leaves recorded holds as they
 * are: their instructions wait in the outbox until the terminal is back.
 */
@Component(name = "forecourt.terminal.zvt", configurationPid = "forecourt.terminal.zvt", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = ZvtTerminalComponent.class, immediate = true)
@Designate(ocd = ZvtTerminalComponent.Config.class, factory = true)
public class ZvtTerminalComponent {
    private static final Logger log = LoggerFactory.getLogger(ZvtTerminalComponent.class);

    @ObjectClassDefinition(name = "Forecourt card terminal: ZVT", description = "A ZVT terminal (e.g. Feig cVEND) reached over TCP")
    public @interface Config {
        @AttributeDefinition(description = "Terminal id as configured for the site (forecourt.site.terminal)")
        String terminalId();

        String host() default "127.0.0.1";

        @AttributeDefinition(description = "TCP port (ZVT's usual port is 20007)")
        int port() default 20007;

        @AttributeDefinition(type = AttributeType.PASSWORD, description = "The terminal's ECR password (6 digits); never logged")
        String password() default "000000";

        @AttributeDefinition(description = "How a session is settled at the terminal", options = {
                @Option(label = "Partial reversal of the unused amount (06 23)", value = "partialReversal"),
                @Option(label = "Book total of the final amount (06 24)", value = "bookTotal") })
        String settleWith() default "partialReversal";

        @AttributeDefinition(description = "How long the terminal may wait for a card, seconds")
        int cardTimeoutSeconds() default 120;

        @AttributeDefinition(description = "How long a settling command may take to complete, seconds (then: UNKNOWN, resolved by query)")
        int answerTimeoutSeconds() default 60;

        @AttributeDefinition(description = "How long the terminal may take to acknowledge a command, ms (ZVT's T3)")
        int ackTimeoutMillis() default 5000;

        int connectTimeoutMillis() default 3000;

        @AttributeDefinition(description = "Wait before sending again after the terminal said busy or was unreachable, seconds")
        int busyBackoffSeconds() default 10;

        @AttributeDefinition(description = "On start, release open pre-authorisations that no recorded hold names")
        boolean sweepOrphansOnStart() default true;
    }

    private final String terminalId;
    private final ZvtClient client;
    private final ZvtPaymentTerminal terminal;
    private final ZvtSettlement settlement;
    private final ExecutorService executor;
    private final List<ServiceRegistration<?>> registrations = new ArrayList<>();

    @Activate
    public ZvtTerminalComponent(BundleContext context, Config config, @Reference Ledger ledger, @Reference SiteModel site, @Reference Clock clock) {
        this.terminalId = config.terminalId();
        Terminal configured = site.terminal(terminalId)
                .orElseThrow(() -> new IllegalStateException("ZVT terminal " + terminalId + " is not a terminal of the site configuration"));
        int currency = Currency.getInstance(configured.holdAmount().currency().getCurrencyCode()).getNumericCode();
        int password = Integer.parseInt(config.password().trim());
        this.client = new ZvtClient(terminalId, config.host(), config.port(), password, currency, Duration.ofMillis(config.connectTimeoutMillis()),
                Duration.ofMillis(config.ackTimeoutMillis()));
        this.executor = Executors.newCachedThreadPool(r -> new Thread(r, "zvt-" + terminalId));
        Duration answer = Duration.ofSeconds(config.answerTimeoutSeconds());
        this.terminal = new ZvtPaymentTerminal(terminalId, client, ledger, site, clock, Duration.ofSeconds(config.cardTimeoutSeconds()), answer,
                executor);
        this.settlement = new ZvtSettlement(terminalId, client, ledger, clock,
                config.settleWith().equals("bookTotal") ? ZvtSettlement.SettleWith.BOOK_TOTAL : ZvtSettlement.SettleWith.PARTIAL_REVERSAL, answer,
                Duration.ofSeconds(config.busyBackoffSeconds()));
        if (!configured.acquirer().equals("terminal")) {
            log.warn("terminal {}: site configuration names acquirer '{}', but ZVT holds settle through the terminal (acquirer=terminal)",
                    terminalId, configured.acquirer());
        }
        Hashtable<String, Object> tprops = new Hashtable<>();
        tprops.put(PaymentTerminal.TERMINAL, terminalId);
        registrations.add(context.registerService(PaymentTerminal.class, terminal, tprops));
        Hashtable<String, Object> hprops = new Hashtable<>();
        hprops.put(InstructionHandler.LINK, ZvtPaymentTerminal.link(terminalId));
        registrations.add(context.registerService(InstructionHandler.class, settlement, hprops));
        if (config.sweepOrphansOnStart()) {
            executor.execute(terminal::sweepQuietly);
        }
        log.info("ZVT terminal {} at {}:{} (settles by {})", terminalId, config.host(), config.port(), config.settleWith());
    }

    @Deactivate
    void deactivate() {
        registrations.forEach(ServiceRegistration::unregister);
        registrations.clear();
        client.close();
        executor.shutdownNow();
    }

    String terminalId() {
        return terminalId;
    }

    String status() {
        return "terminal " + terminalId + ": " + (client.isConnected() ? "connected" : "not connected") + ", counters " + client.counters();
    }

    List<Integer> openPreAuthorisations() throws Refused, LinkFailure {
        return ZvtSettlement.openPreAuthorisations(client, Duration.ofSeconds(30));
    }

    /** Status enquiry (05 01): whether the terminal answers and is ready. */
    String statusEnquiry() throws Refused, LinkFailure {
        ZvtClient.Answer answer = client.transact(forecourt.zvt.protocol.Messages.statusEnquiry(client.password()), Duration.ofSeconds(30));
        return answer instanceof ZvtClient.Aborted a ? "terminal " + terminalId + " not ready: " + a.reason()
                : "terminal " + terminalId + " ready (status enquiry completed)";
    }

    String endOfDay() throws Refused, LinkFailure {
        return settlement.endOfDay();
    }

    List<Integer> sweepOrphans() throws Refused, LinkFailure {
        return terminal.sweepOrphans();
    }
}
