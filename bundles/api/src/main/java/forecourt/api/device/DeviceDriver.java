package forecourt.api.device;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * What a device driver (a charger dialect, a meter, a card terminal) tells operations
 * about the device it drives. Each driver registers one per device. The driver's own
 * version is its bundle's version, read from the service reference.
 */
@ConsumerType
public interface DeviceDriver {
    /** The device's id as configured (charger id, terminal id). */
    String deviceId();

    /** {@code charger}, {@code meter}, {@code terminal}. */
    String kind();

    /** One line on the device's link, for the status view. */
    LinkState link();

    /** The protocol or dialect spoken, e.g. {@code OCPP 2.0.1 over MQTT}. */
    String protocol();
}
