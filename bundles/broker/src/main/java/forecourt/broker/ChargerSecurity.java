package forecourt.broker;

import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

import javax.security.auth.Subject;

import org.apache.activemq.artemis.core.security.CheckType;
import org.apache.activemq.artemis.core.security.Role;
import org.apache.activemq.artemis.spi.core.protocol.RemotingConnection;
import org.apache.activemq.artemis.spi.core.security.ActiveMQSecurityManager5;
import org.apache.activemq.artemis.spi.core.security.jaas.RolePrincipal;
import org.apache.activemq.artemis.spi.core.security.jaas.UserPrincipal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.ledger.NaturalKeys;

/**
 * Who may connect and what they may touch. A charger logs in with its id as user name
 * <em>and</em> client id and its own password (checked against the hash in its site
 * configuration); it may publish and subscribe only under {@code <prefix>/<its id>/}. The
 * gateway's own client may use every topic. Everything else is refused, logged, counted.
 * <p>
 * Artemis caches logins by user and password, not client id — with that cache one
 * charger's credentials could take over another's session — so the broker runs with the
 * cache off and this class remembers verified passwords itself (PBKDF2 per connect would
 * make a site-wide reconnect slow).
 */
final class ChargerSecurity implements ActiveMQSecurityManager5 {
    private static final Logger log = LoggerFactory.getLogger(ChargerSecurity.class);
    static final String GATEWAY_ROLE = "gateway";
    static final String CHARGER_ROLE = "charger";

    private final String gatewayUser;
    private final String gatewayPasswordHash;
    private final Function<String, Optional<String>> chargerPasswordHash;
    private final String addressPrefix;
    private final Map<String, String> verified = new ConcurrentHashMap<>();
    final LongAdder refusedLogins = new LongAdder();
    final LongAdder refusedAccess = new LongAdder();

    /**
     * @param chargerPasswordHash a charger id → its configured password hash (empty: unknown charger)
     * @param topicPrefix         the charger topics' first level, e.g. {@code chargers}
     */
    ChargerSecurity(String gatewayUser, String gatewayPasswordHash, Function<String, Optional<String>> chargerPasswordHash, String topicPrefix) {
        this.gatewayUser = gatewayUser;
        this.gatewayPasswordHash = gatewayPasswordHash;
        this.chargerPasswordHash = chargerPasswordHash;
        this.addressPrefix = topicPrefix + "."; // MQTT topic a/b/c is Artemis address a.b.c
    }

    @Override
    public Subject authenticate(String user, String password, RemotingConnection connection, String securityDomain) {
        String clientId = connection == null ? null : connection.getClientID();
        String where = connection == null ? "?" : connection.getRemoteAddress();
        if (user == null || user.isEmpty()) {
            return refuse("no user name", user, where);
        }
        if (clientId != null && !clientId.equals(user)) {
            return refuse("client id " + clientId + " is not its user name", user, where);
        }
        boolean gateway = user.equals(gatewayUser);
        Optional<String> hash = gateway ? Optional.of(gatewayPasswordHash) : chargerPasswordHash.apply(user);
        if (hash.isEmpty() || hash.get().isEmpty()) {
            return refuse("unknown charger (or no password configured)", user, where);
        }
        String token = NaturalKeys.sha256((password == null ? "" : password).getBytes(StandardCharsets.UTF_8)) + "/" + hash.get();
        if (!token.equals(verified.get(user))) {
            if (!PasswordHash.matches(password, hash.get())) {
                return refuse("wrong password", user, where);
            }
            verified.put(user, token); // a changed hash in config changes the token: checked afresh
        }
        Subject subject = new Subject();
        subject.getPrincipals().add(new UserPrincipal(user));
        subject.getPrincipals().add(new RolePrincipal(gateway ? GATEWAY_ROLE : CHARGER_ROLE));
        return subject;
    }

    private Subject refuse(String why, String user, String where) {
        refusedLogins.increment();
        log.warn("MQTT login refused for '{}' from {}: {}", user, where, why);
        return null;
    }

    @Override
    public boolean authorize(Subject subject, Set<Role> roles, CheckType checkType, String address) {
        if (subject == null) {
            return false;
        }
        String user = null;
        boolean gateway = false;
        for (Principal p : subject.getPrincipals()) {
            if (p instanceof UserPrincipal) {
                user = p.getName();
            } else if (p instanceof RolePrincipal && p.getName().equals(GATEWAY_ROLE)) {
                gateway = true;
            }
        }
        if (gateway) {
            return true;
        }
        // subscriptions are checked as "<address>::<queue>"
        int sep = address.indexOf("::");
        String base = sep < 0 ? address : address.substring(0, sep);
        boolean own = user != null && base.startsWith(addressPrefix + user + ".");
        boolean allowed = own && switch (checkType) {
            case SEND, CONSUME, CREATE_ADDRESS, CREATE_DURABLE_QUEUE, CREATE_NON_DURABLE_QUEUE, DELETE_DURABLE_QUEUE, DELETE_NON_DURABLE_QUEUE -> true;
            default -> false;
        };
        if (!allowed) {
            refusedAccess.increment();
            log.warn("MQTT access refused: charger '{}' may not {} on {} (only under {}{}/)", user, checkType, base,
                    addressPrefix.replace('.', '/'), user);
        }
        return allowed;
    }

    @Override
    public boolean validateUser(String user, String password) {
        return false; // the broker calls authenticate(); this older path is never allowed in
    }

    @Override
    public boolean validateUserAndRole(String user, String password, Set<Role> roles, CheckType checkType) {
        return false;
    }
}
