package forecourt.settlement;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.ledger.Ledger;
import forecourt.api.money.Money;
import forecourt.api.site.SiteModel;
import forecourt.settlement.Reconciliation.DeadlinePolicy;

/**
 * Runs the settlement engine: a sweep of every open session at start and periodically
 * (deadlines), and in between the sessions named by new facts in the journal.
 */
@Component(name = "forecourt.settlement", configurationPid = "forecourt.settlement", immediate = true, service = SettlementComponent.class,
        property = { "osgi.command.scope=settlement", "osgi.command.function=sessions", "osgi.command.function=show",
                "osgi.command.function=resolve" })
@Designate(ocd = SettlementComponent.Config.class)
public class SettlementComponent {
    private static final Logger log = LoggerFactory.getLogger(SettlementComponent.class);

    @ObjectClassDefinition(name = "Forecourt settlement engine")
    public @interface Config {
        @AttributeDefinition(description = "A CDR from the CPO is expected for every session (true once OCPI is configured)")
        boolean cdrExpected() default false;

        @AttributeDefinition(description = "Meter and CDR agree when they differ by at most this many minor units")
        long toleranceMinor() default 1;

        @AttributeDefinition(description = "With cdrExpected: how long after the verified end reading the CPO's CDR is waited for before the "
                + "deadline policy applies (ISO-8601); empty: until the hold's deadline")
        String cdrWait() default "PT1H";

        @AttributeDefinition(description = "No CDR by the hold's deadline (or cdrWait): METER (settle on the verified meter amount, flagged) or REVIEW")
        String deadlinePolicy() default "METER";

        @AttributeDefinition(description = "HOLD_EXPIRING alarm and deadline policy this long before a hold expires (ISO-8601)")
        String expiryMargin() default "PT6H";

        @AttributeDefinition(description = "A hold with no charging after this long is released (ISO-8601)")
        String noShowTimeout() default "PT15M";

        @AttributeDefinition(description = "The site's fiscal provider: its outbox link is fiscal:<name>")
        String fiscalProvider() default "none";

        @AttributeDefinition(description = "Where the driver's receipt is served; the session's reference is appended")
        String receiptBaseUrl() default "http://127.0.0.1:8080/receipts/";

        @AttributeDefinition(description = "The CPO confirms each settlement (OCPI Financial Advice Confirmation) before a session closes")
        boolean cpoConfirms() default false;

        @AttributeDefinition(description = "The CPO's outbox link for Financial Advice Confirmations (cpo:<name> of the OCPI connection)")
        String cpoLink() default "cpo:ocpi";

        @AttributeDefinition(description = "How often new facts are looked at, ms")
        long pollMillis() default 100;

        @AttributeDefinition(description = "How often every open session is stepped (deadlines), s")
        long sweepSeconds() default 10;
    }

    private final SettlementEngine engine;
    private final Ledger ledger;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "forecourt-settlement");
        t.setDaemon(true);
        return t;
    });

    @Activate
    public SettlementComponent(@Reference Ledger ledger, @Reference SiteModel site, @Reference Clock clock, Config config) {
        this.ledger = ledger;
        this.engine = new SettlementEngine(ledger, site, clock, new SettlementEngine.Settings(config.cdrExpected(), config.toleranceMinor(),
                DeadlinePolicy.valueOf(config.deadlinePolicy().trim().toUpperCase()), Duration.parse(config.expiryMargin()),
                Duration.parse(config.noShowTimeout()), config.fiscalProvider(), config.receiptBaseUrl(), config.cpoConfirms(),
                config.cpoLink(), config.cdrWait().isBlank() ? null : Duration.parse(config.cdrWait())));
        scheduler.execute(() -> guarded(() -> log.info("settlement: {} open session(s) at start", engine.sweep())));
        scheduler.scheduleWithFixedDelay(() -> guarded(engine::tail), config.pollMillis(), config.pollMillis(), TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(() -> guarded(engine::sweep), config.sweepSeconds(), config.sweepSeconds(), TimeUnit.SECONDS);
    }

    private static void guarded(Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            log.error("settlement engine: {}", e.toString(), e); // next run tries again from the journal
        }
    }

    @Deactivate
    void deactivate() throws InterruptedException {
        scheduler.shutdown();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
    }

    // ---------------------------------------------------------------- Gogo commands

    /** settlement:sessions [state] — sessions with their state. */
    public String sessions(String... state) {
        StringBuilder out = new StringBuilder();
        var filter = state.length == 0 ? null : forecourt.api.ledger.PaymentSessionState.valueOf(state[0].toUpperCase());
        ledger.sessions(filter).forEach(s -> out.append(String.format("%-36s %-16s %d facts, last %s%n", s.authorizationReference(),
                s.state() == null ? "(no hold)" : s.state(), s.factSeqs().size(), s.updatedAt())));
        return out.length() == 0 ? "no sessions" : out.toString();
    }

    /** settlement:show <reference> — a session's timeline. */
    public String show(String reference) {
        StringBuilder out = new StringBuilder();
        ledger.timeline(reference).forEach(e -> out.append(String.format("%6d %s %-24s %s%n", e.seq(), e.recordedAt(), e.fact().type()
                + (e.fact().moveTo() == null ? "" : " → " + e.fact().moveTo()), e.fact().bodyText())));
        return out.length() == 0 ? "no facts for " + reference : out.toString();
    }

    /** settlement:resolve <reference> <amount in minor units> <currency> <who> <why...> — a person decides a REVIEW. */
    public String resolve(String reference, long minorUnits, String currency, String who, String... why) {
        engine.resolve(reference, Money.of(minorUnits, currency), who, String.join(" ", why));
        return "session " + reference + " resolved: " + Money.of(minorUnits, currency) + " by " + who;
    }
}
