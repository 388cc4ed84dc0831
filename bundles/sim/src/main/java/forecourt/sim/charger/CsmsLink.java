package forecourt.sim.charger;

import java.io.IOException;

/**
 * A charger's own OCPP link to the CPO's CSMS, beside its link to the gateway on the site LAN:
 * every report the charger makes goes both ways. It goes over the same WAN, so it fails with
 * the WAN; the charger queues and replays in order, as it does towards the gateway.
 */
public interface CsmsLink {
    /** @throws IOException the CSMS cannot be reached now */
    void report(String chargerId, String frame) throws IOException;
}
