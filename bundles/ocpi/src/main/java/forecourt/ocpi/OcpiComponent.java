package forecourt.ocpi;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Hashtable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

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

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.cpo.RemoteStart;
import forecourt.api.ledger.Ledger;
import forecourt.api.outbox.InstructionHandler;
import forecourt.api.site.SiteModel;

/**
 * The site's OCPI 2.3.0 connection to its CPO as the PTP (pid {@code forecourt.ocpi}):
 * the handshake (retried until the CPO answers), the site's terminals pushed to the CPO, CDRs
 * pulled every {@code pullIntervalSeconds}, and the outbox handler of link
 * {@code cpo:<name>} for Financial Advice Confirmations. Gogo: {@code ocpi:status},
 * {@code ocpi:pull}.
 */
@Component(name = "forecourt.ocpi", configurationPid = "forecourt.ocpi", configurationPolicy = ConfigurationPolicy.REQUIRE, service = OcpiComponent.class,
        immediate = true, property = { "osgi.command.scope=ocpi", "osgi.command.function=status", "osgi.command.function=pull" })
@Designate(ocd = OcpiComponent.Config.class)
public class OcpiComponent {
    private static final Logger log = LoggerFactory.getLogger(OcpiComponent.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @ObjectClassDefinition(name = "Forecourt OCPI (PTP side)")
    public @interface Config {
        @AttributeDefinition(description = "Connection name: the outbox link is cpo:<name>")
        String name() default "ocpi";

        @AttributeDefinition(description = "The CPO's versions URL")
        String versionsUrl();

        @AttributeDefinition(type = AttributeType.PASSWORD, description = "Token A, given by the CPO for the registration; never logged")
        String tokenA();

        @AttributeDefinition(description = "Forecourt's own versions URL as the CPO should know it (a site behind NAT is rarely reachable)")
        String ourVersionsUrl() default "http://127.0.0.1:8080/ocpi/versions";

        String countryCode() default "AT";

        String partyId() default "FCT";

        String businessName() default "Forecourt";

        @AttributeDefinition(description = "The driver's receipts, for the terminals' invoice_base_url")
        String invoiceBaseUrl() default "http://127.0.0.1:8080/receipts/";

        @AttributeDefinition(description = "The site's location id in the CPO's OCPI Locations module (START_SESSION); empty: the site id")
        String locationId() default "";

        @AttributeDefinition(description = "Ask the CPO to start each paid session (START_SESSION), the charger link being the fallback")
        boolean startSessions() default true;

        int pullIntervalSeconds() default 60;

        int timeoutMillis() default 10_000;
    }

    private final OcpiConnection connection;
    private final CdrIntake intake;
    private final SiteModel site;
    private final Config config;
    private final ServiceRegistration<?> registration;
    private final ServiceRegistration<?> ptpEndpoints;
    private final ServiceRegistration<?> remoteStart;
    private final TerminalBook terminals;
    private final PtpServlet servlet;
    private final ExecutorService commandExecutor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ocpi-commands");
        t.setDaemon(true);
        return t;
    });
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "ocpi"));

    @Activate
    public OcpiComponent(BundleContext context, Config config, @Reference Ledger ledger, @Reference SiteModel site, @Reference Clock clock)
            throws IOException {
        this.config = config;
        this.site = site;
        Path data = Path.of(context.getProperty("forecourt.data") == null ? "data" : context.getProperty("forecourt.data"));
        this.connection = new OcpiConnection(config.versionsUrl(), config.tokenA(), config.ourVersionsUrl(), config.countryCode(), config.partyId(),
                config.businessName(), data.resolve("ocpi-" + config.name() + ".json"), Duration.ofMillis(config.timeoutMillis()));
        this.intake = new CdrIntake(connection, ledger, clock.instant().minus(Duration.ofDays(7)));
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(InstructionHandler.LINK, "cpo:" + config.name());
        this.registration = context.registerService(InstructionHandler.class, new FinancialAdviceHandler(connection, clock, Duration.ofSeconds(30)), props);
        this.terminals = new TerminalBook(site, config.invoiceBaseUrl(), data.resolve("ocpi-" + config.name() + "-terminals.json"), clock);
        // where the site can be reached, the CPO calls the PTP: CDRs pushed, command results, terminal activation and assignment
        String ourBase = config.ourVersionsUrl().replaceFirst("/versions/?$", "");
        this.servlet = new PtpServlet(connection, intake, terminals, ledger, ourBase, "cpo:" + config.name(), () -> scheduler.execute(this::cycle));
        Hashtable<String, Object> sprops = new Hashtable<>();
        sprops.put(org.osgi.service.servlet.whiteboard.HttpWhiteboardConstants.HTTP_WHITEBOARD_SERVLET_PATTERN, "/ocpi/*");
        this.ptpEndpoints = context.registerService(jakarta.servlet.Servlet.class, servlet, sprops);
        OcpiCommands commands = new OcpiCommands(connection, ourBase + "/" + OcpiConnection.VERSION + "/commands/", config.countryCode(),
                config.partyId(), config.businessName());
        String locationId = config.locationId().isEmpty() ? site.site().id().value() : config.locationId();
        this.remoteStart = config.startSessions()
                ? context.registerService(RemoteStart.class, new OcpiRemoteStart(commands, site, locationId, commandExecutor), null)
                : null;
        scheduler.scheduleWithFixedDelay(this::cycle, 0, config.pullIntervalSeconds(), TimeUnit.SECONDS);
        log.info("OCPI {} to {}: CDRs pulled every {} s, confirmations on link cpo:{}", OcpiConnection.VERSION, config.versionsUrl(),
                config.pullIntervalSeconds(), config.name());
    }

    private void cycle() {
        try {
            connection.connect();
            pushTerminals();
            int n = intake.pull();
            if (n > 0) {
                log.info("OCPI: {} new CDR(s) recorded", n);
            }
        } catch (IOException | RuntimeException e) {
            log.warn("OCPI: CPO not reachable now ({}); retried in {} s", e.getMessage(), config.pullIntervalSeconds());
        }
    }

    /**
     * The site's terminals created on the CPO's system (the Receiver interface has POST only:
     * a changed terminal is posted again with the same {@code terminal_id}); only those new or
     * changed since the CPO last received them, so a configuration change reaches the CPO and
     * a restart sends nothing twice.
     */
    private void pushTerminals() throws IOException {
        String payments = connection.endpoint("payments", "RECEIVER");
        for (ObjectNode terminal : terminals.toPush()) {
            OcpiClient.Answer a = connection.client().post((payments.endsWith("/") ? payments : payments + "/") + "terminals", terminal);
            if (!a.ok()) {
                throw new IOException("terminal " + terminal.get("terminal_id").asText() + ": " + a.describe());
            }
            terminals.pushed(terminal);
            log.info("OCPI: terminal {} pushed to the CPO (EVSEs {})", terminal.get("terminal_id").asText(), terminal.get("evse_uids"));
        }
    }

    @Deactivate
    void deactivate() {
        scheduler.shutdownNow();
        commandExecutor.shutdownNow();
        if (remoteStart != null) {
            remoteStart.unregister();
        }
        ptpEndpoints.unregister();
        registration.unregister();
    }

    public String status() {
        return "OCPI " + OcpiConnection.VERSION + " to " + config.versionsUrl() + ": " + (connection.connected() ? "registered" : "not registered yet")
                + ", CDRs recorded " + intake.counter("recorded") + ", duplicates " + intake.counter("duplicate") + ", refused " + intake.counter("refused")
                + ", unknown references " + intake.counter("unknown-reference") + "; calls from the CPO refused " + servlet.counter("refused")
                + ", unauthorized " + servlet.counter("unauthorized") + "; terminals " + terminals.all().size() + " active, CPO assignments differing from the configuration "
                + terminals.assignmentsDiffering();
    }

    public String pull() throws IOException {
        return intake.pull() + " new CDR(s) recorded";
    }
}
