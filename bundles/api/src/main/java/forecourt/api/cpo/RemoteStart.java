package forecourt.api.cpo;

import java.util.concurrent.CompletionStage;

import org.osgi.annotation.versioning.ProviderType;

import forecourt.api.payment.Hold;

/**
 * Starting a paid session through the CPO's backend (OCPI {@code START_SESSION}), which
 * starts the charger over its own link with the hold's authorization reference as the
 * token. The CPO's answer is in two parts: at once, whether it took the command; later,
 * asynchronously, whether the charger started — recorded in the session's timeline as an
 * {@code UPSTREAM_NOTIFICATION} under {@link #resultKey(String)}.
 */
@ProviderType
public interface RemoteStart {
    /**
     * @return completes with whether the CPO took the command; fails when it could not be
     *         asked (unreachable, refused the request)
     */
    CompletionStage<Boolean> startSession(Hold hold);

    /** The natural key of the CPO's asynchronous result for a session. */
    static String resultKey(String authorizationReference) {
        return "cpo-start-result:" + authorizationReference;
    }
}
