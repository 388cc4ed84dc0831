package forecourt.site;

/**
 * One configured thing of the site (charger, EVSE, tariff, terminal), registered by its
 * factory-configured component and gathered by {@link SiteModelComponent}. A configuration
 * that does not parse becomes a problem entry instead of failing silently.
 */
interface SiteEntry {
    /** The parsed record, or {@code null} when the configuration was refused. */
    Object value();

    /** Why the configuration was refused; {@code null} when it was accepted. */
    String problem();
}
