package forecourt.testsupport;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import forecourt.api.id.ChargerId;
import forecourt.api.id.EvseId;
import forecourt.api.id.SiteId;
import forecourt.api.money.Money;
import forecourt.api.site.Charger;
import forecourt.api.site.Evse;
import forecourt.api.site.Site;
import forecourt.api.site.SiteModel;
import forecourt.api.site.Tariff;
import forecourt.api.site.Terminal;

/**
 * The demo site as a fixed model for tests outside a framework: site AT0042 (EUR, Austrian
 * VAT), chargers CH1 and CH2 with two EVSEs each on tariff HPC (0.59 EUR/kWh, version 1),
 * terminal T1 for all four EVSEs, 50.00 EUR holds, settled by the given acquirer.
 */
public final class TestSite implements SiteModel {
    private final Site site = new Site(new SiteId("AT0042"), "Test site", "AT", Currency.getInstance("EUR"), Map.of("standard", 2000));
    private final List<Charger> chargers = List.of(new Charger(new ChargerId("CH1"), "CH1", ""), new Charger(new ChargerId("CH2"), "CH2", ""));
    private final List<Evse> evses;
    private final Tariff tariff = new Tariff("HPC", 1, new BigDecimal("0.59"), Money.of(0, "EUR"), "standard");
    private final List<Terminal> terminals;

    public TestSite(String acquirer) {
        this(acquirer, "");
    }

    /** @param meterPublicKey every EVSE's meter key (empty: none configured) */
    public TestSite(String acquirer, String meterPublicKey) {
        this.evses = List.of(evse("CH1/1", meterPublicKey), evse("CH1/2", meterPublicKey), evse("CH2/1", meterPublicKey),
                evse("CH2/2", meterPublicKey));
        this.terminals = List.of(new Terminal("T1", evses.stream().map(Evse::id).toList(), acquirer, Money.of(5000, "EUR"), Duration.ofDays(7)));
    }

    private static Evse evse(String id, String key) {
        return new Evse(EvseId.parse(id), "HPC", key, "AT*FCT*E" + id.replace("/", "*"));
    }

    public Site site() { return site; }
    public List<Charger> chargers() { return chargers; }
    public Optional<Charger> charger(ChargerId id) { return chargers.stream().filter(c -> c.id().equals(id)).findFirst(); }
    public List<Evse> evses() { return evses; }
    public Optional<Evse> evse(EvseId id) { return evses.stream().filter(e -> e.id().equals(id)).findFirst(); }
    public List<Tariff> tariffs() { return List.of(tariff); }
    public Optional<Tariff> tariff(String id) { return tariff.id().equals(id) ? Optional.of(tariff) : Optional.empty(); }
    public List<Terminal> terminals() { return terminals; }
    public Optional<Terminal> terminal(String id) { return terminals.stream().filter(t -> t.id().equals(id)).findFirst(); }
    public List<String> problems() { return List.of(); }
}
