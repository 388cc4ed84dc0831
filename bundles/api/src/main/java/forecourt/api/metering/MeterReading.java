package forecourt.api.metering;

import java.math.BigDecimal;
import java.util.Objects;

/**
 * One reading of a signed OCMF record ({@code RD} entry).
 *
 * @param time        {@code TM} as the meter wrote it (OCMF's own format, with its sync flag)
 * @param transaction {@code TX}: B begin, C charging, X exception, E end, L, R, A, P, S, T
 * @param value       {@code RV}, exact as written (never a float)
 * @param unit        {@code RU}: kWh, Wh, ...
 * @param obis        {@code RI}, the OBIS id, e.g. 1-b:1.8.0
 * @param status      {@code ST}: G good, ...
 */
public record MeterReading(String time, String transaction, BigDecimal value, String unit, String obis, String status) {
    public MeterReading {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(unit, "unit");
    }

    /** The value in watt-hours, exactly; {@code null} for a unit that is not energy. */
    public BigDecimal energyWh() {
        return switch (unit) {
            case "kWh" -> value.movePointRight(3);
            case "Wh" -> value;
            case "MWh" -> value.movePointRight(6);
            default -> null;
        };
    }
}
