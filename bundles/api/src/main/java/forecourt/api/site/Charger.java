package forecourt.api.site;

import java.util.Objects;

import forecourt.api.id.ChargerId;

/**
 * A charger at the site, as configured.
 *
 * @param id           its charging station identity (MQTT client id and topic prefix)
 * @param name         human name for operators
 * @param passwordHash its MQTT password, hashed (never the password itself)
 */
public record Charger(ChargerId id, String name, String passwordHash) {
    public Charger {
        Objects.requireNonNull(id, "id");
    }

    @Override
    public String toString() {
        // never print the password hash
        return "Charger[" + id + ", " + name + "]";
    }
}
