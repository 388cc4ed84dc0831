package forecourt.api.metering;

import java.util.List;

/**
 * An OCMF record whose signature verified against the expected meter key.
 *
 * @param payload        the payload bytes exactly as received (what was signed)
 * @param meterSerial    {@code MS} (or {@code GS}, the gateway serial, when MS is absent)
 * @param pagination     {@code PG}, e.g. {@code T32}
 * @param identification {@code ID} ({@code IT} type): often empty on real meters
 * @param algorithm      {@code SA} of the signature
 * @param readings       the {@code RD} entries, in order
 */
public record VerifiedRecord(byte[] payload, String meterSerial, String pagination, String identificationType, String identification,
        String algorithm, List<MeterReading> readings) {
    public VerifiedRecord {
        payload = payload.clone();
        readings = List.copyOf(readings);
    }

    @Override
    public byte[] payload() {
        return payload.clone();
    }
}
