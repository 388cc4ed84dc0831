package forecourt.ocpi;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.cpo.RemoteStart;
import forecourt.api.payment.Hold;
import forecourt.api.site.Evse;
import forecourt.api.site.SiteModel;

/**
 * {@link RemoteStart} by OCPI {@code START_SESSION} on the hold's EVSE (its OCPI uid from the
 * site configuration, the site's OCPI location id), the hold's authorization reference as
 * {@code authorization_reference} and as the ad-hoc token's uid. Only the CPO's synchronous
 * CommandResponse is awaited here; its CommandResult comes to {@link PtpServlet}.
 */
final class OcpiRemoteStart implements RemoteStart {
    private static final Logger log = LoggerFactory.getLogger(OcpiRemoteStart.class);

    private final OcpiCommands commands;
    private final SiteModel site;
    private final String locationId;
    private final Executor executor;

    OcpiRemoteStart(OcpiCommands commands, SiteModel site, String locationId, Executor executor) {
        this.commands = commands;
        this.site = site;
        this.locationId = locationId;
        this.executor = executor;
    }

    @Override
    public CompletionStage<Boolean> startSession(Hold hold) {
        String evseUid = site.evse(hold.evse()).map(Evse::ocpiEvseUid).filter(u -> u != null && !u.isEmpty()).orElse(null);
        if (evseUid == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("EVSE " + hold.evse() + " has no OCPI uid (ocpiEvseUid) configured"));
        }
        return CompletableFuture.supplyAsync(() -> {
            try {
                OcpiCommands.Response r = commands.startSession(hold.authorizationReference(), locationId, evseUid);
                if (!r.accepted()) {
                    log.warn("OCPI: START_SESSION for {} on {} answered {} {}", hold.authorizationReference(), evseUid, r.result(), r.message());
                }
                return r.accepted();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, executor);
    }
}
