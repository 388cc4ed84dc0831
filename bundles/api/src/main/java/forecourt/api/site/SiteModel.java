package forecourt.api.site;

import java.util.List;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

import forecourt.api.id.ChargerId;
import forecourt.api.id.EvseId;

/**
 * The site as configured right now: read from ConfigAdmin at start and on every change.
 * Entries that do not fit together (an EVSE of an unknown charger, a terminal that serves
 * an unknown EVSE, a tariff in another currency) are left out and logged, never guessed.
 */
@ProviderType
public interface SiteModel {
    Site site();

    List<Charger> chargers();

    Optional<Charger> charger(ChargerId id);

    List<Evse> evses();

    Optional<Evse> evse(EvseId id);

    List<Tariff> tariffs();

    Optional<Tariff> tariff(String id);

    List<Terminal> terminals();

    Optional<Terminal> terminal(String id);

    /** Configuration problems found (entries left out, and why), for operations. */
    List<String> problems();
}
