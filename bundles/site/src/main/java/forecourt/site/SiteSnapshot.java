package forecourt.site;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import forecourt.api.id.ChargerId;
import forecourt.api.id.EvseId;
import forecourt.api.site.Charger;
import forecourt.api.site.Evse;
import forecourt.api.site.Site;
import forecourt.api.site.SiteModel;
import forecourt.api.site.Tariff;
import forecourt.api.site.Terminal;

/**
 * An immutable, cross-checked view of the configured site. Entries that refer to
 * something missing, or disagree with the site, are left out with a problem line:
 * a terminal must never take holds for an EVSE nobody can price.
 */
final class SiteSnapshot implements SiteModel {
    private final Site site;
    private final Map<ChargerId, Charger> chargers = new LinkedHashMap<>();
    private final Map<EvseId, Evse> evses = new LinkedHashMap<>();
    private final Map<String, Tariff> tariffs = new LinkedHashMap<>();
    private final Map<String, Terminal> terminals = new LinkedHashMap<>();
    private final List<String> problems = new ArrayList<>();

    SiteSnapshot(Site site, Collection<SiteEntry> entries) {
        this.site = site;
        List<Evse> evseCandidates = new ArrayList<>();
        List<Terminal> terminalCandidates = new ArrayList<>();
        for (SiteEntry entry : entries) {
            if (entry.problem() != null) {
                problems.add(entry.problem());
                continue;
            }
            Object value = entry.value();
            if (value instanceof Charger c) {
                addUnique(chargers, c.id(), c, "charger " + c.id());
            } else if (value instanceof Tariff t) {
                addUnique(tariffs, t.id(), t, "tariff " + t.id());
            } else if (value instanceof Evse e) {
                evseCandidates.add(e);
            } else if (value instanceof Terminal t) {
                terminalCandidates.add(t);
            }
        }
        tariffs.values().removeIf(t -> {
            if (!t.sessionFee().currency().equals(site.currency())) {
                problems.add("tariff " + t.id() + " left out: currency " + t.sessionFee().currency() + " is not the site's " + site.currency());
                return true;
            }
            if (!site.vatRates().containsKey(t.vatRate())) {
                problems.add("tariff " + t.id() + " left out: VAT rate '" + t.vatRate() + "' is not configured for the site");
                return true;
            }
            return false;
        });
        for (Evse e : evseCandidates) {
            if (!chargers.containsKey(e.id().charger())) {
                problems.add("EVSE " + e.id() + " left out: no charger " + e.id().charger() + " is configured");
            } else if (!tariffs.containsKey(e.tariffId())) {
                problems.add("EVSE " + e.id() + " left out: no usable tariff " + e.tariffId());
            } else {
                addUnique(evses, e.id(), e, "EVSE " + e.id());
            }
        }
        for (Terminal t : terminalCandidates) {
            List<EvseId> unknown = t.evses().stream().filter(id -> !evses.containsKey(id)).toList();
            if (!unknown.isEmpty()) {
                problems.add("terminal " + t.id() + " left out: serves unknown EVSE(s) " + unknown);
            } else if (!t.holdAmount().currency().equals(site.currency())) {
                problems.add("terminal " + t.id() + " left out: hold currency " + t.holdAmount().currency() + " is not the site's");
            } else {
                addUnique(terminals, t.id(), t, "terminal " + t.id());
            }
        }
    }

    private <K, V> void addUnique(Map<K, V> map, K key, V value, String what) {
        if (map.putIfAbsent(key, value) != null) {
            problems.add(what + " is configured twice; the second configuration is ignored");
        }
    }

    @Override
    public Site site() {
        return site;
    }

    @Override
    public List<Charger> chargers() {
        return List.copyOf(chargers.values());
    }

    @Override
    public Optional<Charger> charger(ChargerId id) {
        return Optional.ofNullable(chargers.get(id));
    }

    @Override
    public List<Evse> evses() {
        return List.copyOf(evses.values());
    }

    @Override
    public Optional<Evse> evse(EvseId id) {
        return Optional.ofNullable(evses.get(id));
    }

    @Override
    public List<Tariff> tariffs() {
        return List.copyOf(tariffs.values());
    }

    @Override
    public Optional<Tariff> tariff(String id) {
        return Optional.ofNullable(tariffs.get(id));
    }

    @Override
    public List<Terminal> terminals() {
        return List.copyOf(terminals.values());
    }

    @Override
    public Optional<Terminal> terminal(String id) {
        return Optional.ofNullable(terminals.get(id));
    }

    @Override
    public List<String> problems() {
        return List.copyOf(problems);
    }
}
