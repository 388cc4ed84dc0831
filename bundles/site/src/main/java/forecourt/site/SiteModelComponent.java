package forecourt.site;

import java.util.Arrays;
import java.util.Currency;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.id.ChargerId;
import forecourt.api.id.EvseId;
import forecourt.api.id.SiteId;
import forecourt.api.site.Charger;
import forecourt.api.site.Evse;
import forecourt.api.site.Site;
import forecourt.api.site.SiteModel;
import forecourt.api.site.Tariff;
import forecourt.api.site.Terminal;

/**
 * The site model service: the site configuration plus every charger, EVSE, tariff and
 * terminal configuration, re-checked whenever any of them changes.
 */
@Component(name = "forecourt.site.model", configurationPid = "forecourt.site", configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true)
@Designate(ocd = SiteModelComponent.Config.class)
public class SiteModelComponent implements SiteModel {
    private static final Logger log = LoggerFactory.getLogger(SiteModelComponent.class);

    @ObjectClassDefinition(name = "Forecourt site", description = "The charging site this gateway serves.")
    public @interface Config {
        @AttributeDefinition(description = "Operator's site id, 1-12 characters A-Z 0-9")
        String id();

        String name() default "";

        @AttributeDefinition(description = "ISO 3166-1 alpha-2 country; chooses fiscal rules")
        String country();

        @AttributeDefinition(description = "ISO 4217 currency the site charges in")
        String currency();

        @AttributeDefinition(description = "VAT rates in basis points, e.g. standard=2000,reduced=1000")
        String vatRates() default "standard=2000";
    }

    private final List<SiteEntry> entries = new CopyOnWriteArrayList<>();
    private volatile Site site;
    private volatile SiteSnapshot snapshot;
    private final ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "forecourt-site-report");
        t.setDaemon(true);
        return t;
    });
    private ScheduledFuture<?> pendingReport;
    private List<String> reported = List.of();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addEntry(SiteEntry entry) {
        entries.add(entry);
        rebuild();
    }

    void removeEntry(SiteEntry entry) {
        entries.remove(entry);
        rebuild();
    }

    @Activate
    @Modified
    void configure(Config config) {
        site = parseSite(config);
        rebuild();
    }

    static Site parseSite(Config config) {
        Map<String, Integer> rates = new LinkedHashMap<>();
        Arrays.stream(config.vatRates().split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(pair -> {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("VAT rate '" + pair + "' is not name=basisPoints");
            }
            rates.put(pair.substring(0, eq).trim(), Integer.parseInt(pair.substring(eq + 1).trim()));
        });
        return new Site(new SiteId(config.id()), config.name(), config.country(), Currency.getInstance(config.currency()), rates);
    }

    private synchronized void rebuild() {
        Site current = site;
        if (current == null || reporter.isShutdown()) {
            return; // bind calls come before activate, unbind calls after deactivate
        }
        snapshot = new SiteSnapshot(current, entries);
        // Configurations arrive one by one, in no particular order: report only once they
        // have been quiet for a moment, so a half-loaded site is not reported as broken.
        if (pendingReport != null) {
            pendingReport.cancel(false);
        }
        pendingReport = reporter.schedule(this::report, 1, TimeUnit.SECONDS);
    }

    private synchronized void report() {
        SiteSnapshot s = snapshot;
        log.info("site {} ({}, {}): {} chargers, {} EVSEs, {} tariffs, {} terminals, {} problems", s.site().id(),
                s.site().country(), s.site().currency(), s.chargers().size(), s.evses().size(), s.tariffs().size(),
                s.terminals().size(), s.problems().size());
        s.problems().stream().filter(p -> !reported.contains(p)).forEach(p -> log.error("site configuration: {}", p));
        reported = s.problems();
    }

    @Deactivate
    void deactivate() {
        reporter.shutdownNow();
    }

    @Override
    public Site site() {
        return snapshot.site();
    }

    @Override
    public List<Charger> chargers() {
        return snapshot.chargers();
    }

    @Override
    public Optional<Charger> charger(ChargerId id) {
        return snapshot.charger(id);
    }

    @Override
    public List<Evse> evses() {
        return snapshot.evses();
    }

    @Override
    public Optional<Evse> evse(EvseId id) {
        return snapshot.evse(id);
    }

    @Override
    public List<Tariff> tariffs() {
        return snapshot.tariffs();
    }

    @Override
    public Optional<Tariff> tariff(String id) {
        return snapshot.tariff(id);
    }

    @Override
    public List<Terminal> terminals() {
        return snapshot.terminals();
    }

    @Override
    public Optional<Terminal> terminal(String id) {
        return snapshot.terminal(id);
    }

    @Override
    public List<String> problems() {
        return snapshot.problems();
    }
}
