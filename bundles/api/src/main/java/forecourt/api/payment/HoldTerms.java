package forecourt.api.payment;

import forecourt.api.id.EvseId;
import forecourt.api.site.SiteModel;
import forecourt.api.site.Tariff;
import forecourt.api.site.Terminal;

/**
 * What a hold for an EVSE at a terminal is taken on, from the site's configuration: the
 * terminal (its hold amount and validity) and the EVSE's tariff in the version shown now.
 * Every payment terminal starts a hold from here.
 */
public record HoldTerms(Terminal terminal, Tariff tariff) {
    /**
     * @throws HoldDeclinedException when the terminal is not configured, does not serve the
     *                               EVSE, or the EVSE or its tariff is not configured
     */
    public static HoldTerms of(SiteModel site, String terminalId, EvseId evseId) {
        Terminal terminal = site.terminal(terminalId).orElseThrow(() -> new HoldDeclinedException("terminal " + terminalId + " is not configured"));
        if (!terminal.evses().contains(evseId)) {
            throw new HoldDeclinedException("terminal " + terminalId + " does not serve EVSE " + evseId);
        }
        var evse = site.evse(evseId).orElseThrow(() -> new HoldDeclinedException("EVSE " + evseId + " is not configured"));
        Tariff tariff = site.tariff(evse.tariffId()).orElseThrow(() -> new HoldDeclinedException("tariff " + evse.tariffId() + " is not configured"));
        return new HoldTerms(terminal, tariff);
    }
}
