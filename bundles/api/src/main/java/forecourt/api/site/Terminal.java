package forecourt.api.site;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import forecourt.api.money.Money;
import forecourt.api.id.EvseId;

/**
 * A card terminal, as configured.
 *
 * @param id           terminal id (also its OCPI {@code terminal_id})
 * @param evses        the EVSEs this terminal takes holds for
 * @param acquirer     id of the acquirer instance that settles its holds ({@code terminal}
 *                     when the terminal's own host settles them, e.g. ZVT book total)
 * @param holdAmount   the amount reserved by each pre-authorization
 * @param holdValidity how long a hold stays valid when the acquirer does not say
 */
public record Terminal(String id, List<EvseId> evses, String acquirer, Money holdAmount, Duration holdValidity) {
    public Terminal {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(acquirer, "acquirer");
        Objects.requireNonNull(holdAmount, "holdAmount");
        Objects.requireNonNull(holdValidity, "holdValidity");
        evses = List.copyOf(evses);
        if (holdAmount.isZero() || holdAmount.isNegative()) {
            throw new IllegalArgumentException("terminal " + id + " hold amount must be positive");
        }
    }
}
