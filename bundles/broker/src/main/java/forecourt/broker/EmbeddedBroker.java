package forecourt.broker;

import java.nio.file.Path;
import java.util.Optional;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.id.ChargerId;
import forecourt.api.site.Charger;
import forecourt.api.site.SiteModel;

/**
 * The site's MQTT broker, embedded so a site needs no other server. Its configuration is
 * required (pid {@code forecourt.broker}): without it — a site on an external broker — it
 * does not start, and it never starts on defaults before its configuration arrives.
 * Charger passwords come from the site model (each charger's {@code passwordHash}).
 */
@Component(name = "forecourt.broker", configurationPid = "forecourt.broker", configurationPolicy = ConfigurationPolicy.REQUIRE, immediate = true,
        service = EmbeddedBroker.class, property = { "osgi.command.scope=broker", "osgi.command.function=passwordhash",
                "osgi.command.function=status" })
@Designate(ocd = EmbeddedBroker.Config.class)
public class EmbeddedBroker {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedBroker.class);

    @ObjectClassDefinition(name = "Forecourt embedded MQTT broker")
    public @interface Config {
        @AttributeDefinition(description = "false: this site uses an external broker (e.g. Mosquitto) and none is started here")
        boolean enabled() default true;

        @AttributeDefinition(description = "Address to listen on (0.0.0.0: the site LAN)")
        String host() default "0.0.0.0";

        int port() default 1883;

        @AttributeDefinition(description = "TLS listener port; 0 for none")
        int tlsPort() default 0;

        @AttributeDefinition(description = "Key store (PKCS12 or JKS) with the TLS listener's certificate")
        String keyStorePath() default "";

        @AttributeDefinition(type = AttributeType.PASSWORD)
        String keyStorePassword() default "";

        @AttributeDefinition(description = "The gateway's own MQTT user (may use every topic)")
        String gatewayUser() default "forecourt-gateway";

        @AttributeDefinition(description = "Hash of the gateway user's password (broker:passwordhash)")
        String gatewayPasswordHash();

        @AttributeDefinition(description = "First topic level of charger topics: a charger may use only <prefix>/<its id>/...")
        String topicPrefix() default "chargers";
    }

    private final SiteBroker broker;
    private final Config config;

    @Activate
    public EmbeddedBroker(BundleContext context, Config config, @Reference SiteModel site) throws Exception {
        this.config = config;
        if (!config.enabled()) {
            this.broker = null;
            log.info("embedded MQTT broker disabled: chargers and the gateway use an external broker");
            return;
        }
        String data = context.getProperty("forecourt.data");
        Path dir = Path.of(data == null ? "data" : data, "broker");
        long t0 = System.nanoTime();
        this.broker = new SiteBroker(dir, new SiteBroker.Listener(config.host(), config.port(), config.tlsPort(), config.keyStorePath(),
                config.keyStorePassword()), config.gatewayUser(), config.gatewayPasswordHash(), id -> passwordHash(site, id), config.topicPrefix());
        log.info("embedded MQTT broker up in {} ms on {}:{}{} (journal {})", (System.nanoTime() - t0) / 1_000_000, config.host(), config.port(),
                config.tlsPort() > 0 ? ", TLS on " + config.tlsPort() : "", dir);
    }

    private static Optional<String> passwordHash(SiteModel site, String chargerId) {
        try {
            return site.charger(new ChargerId(chargerId)).map(Charger::passwordHash);
        } catch (IllegalArgumentException notAChargerId) {
            return Optional.empty();
        }
    }

    @Deactivate
    void deactivate() throws Exception {
        if (broker == null) {
            return;
        }
        broker.close();
        log.info("embedded MQTT broker stopped");
    }

    /** broker:passwordhash <password> — the hash to put in a charger's or the gateway's configuration. */
    public String passwordhash(String password) {
        return PasswordHash.hash(password);
    }

    /** broker:status — listener and refusals so far. */
    public String status() {
        if (broker == null) {
            return "embedded broker disabled (external broker in use)";
        }
        return String.format("broker %s on %s:%d, %d login(s) refused, %d access(es) refused", broker.isActive() ? "active" : "NOT ACTIVE",
                config.host(), config.port(), broker.security.refusedLogins.sum(), broker.security.refusedAccess.sum());
    }
}
