package forecourt.broker;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.protocol.mqtt.MQTTProtocolManagerFactory;
import org.apache.activemq.artemis.core.server.ActiveMQServer;
import org.apache.activemq.artemis.core.server.JournalType;
import org.apache.activemq.artemis.core.server.impl.ActiveMQServerImpl;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;

/**
 * The broker itself, without the framework around it (so tests can run it plainly):
 * MQTT 3.1.1 and 5 only, persistent (MQTT sessions, subscriptions and queued QoS 1
 * messages in a journal under {@code dataDir}), security on.
 */
final class SiteBroker implements AutoCloseable {
    /** Where and how to listen. {@code tlsPort} 0: no TLS listener. */
    record Listener(String host, int port, int tlsPort, String keyStorePath, String keyStorePassword) {
    }

    private final ActiveMQServer server;
    final ChargerSecurity security;

    SiteBroker(Path dataDir, Listener listener, String gatewayUser, String gatewayPasswordHash,
            Function<String, Optional<String>> chargerPasswordHash, String topicPrefix) throws Exception {
        ConfigurationImpl c = new ConfigurationImpl();
        c.setName("forecourt-site-broker");
        c.setPersistenceEnabled(true);
        c.setJournalType(JournalType.NIO);
        c.setJournalDirectory(dataDir.resolve("journal").toString());
        c.setBindingsDirectory(dataDir.resolve("bindings").toString());
        c.setPagingDirectory(dataDir.resolve("paging").toString());
        c.setLargeMessagesDirectory(dataDir.resolve("large-messages").toString());
        c.setNodeManagerLockDirectory(dataDir.toString());
        c.setJMXManagementEnabled(false);
        c.setSecurityEnabled(true);
        // Artemis caches logins by user+password, not client id: off (see ChargerSecurity)
        c.setAuthenticationCacheSize(0);
        // the ledger sits on the same disk and fails loudly first; the broker must not stall chargers at 90 %
        c.setMaxDiskUsage(-1);
        // messages a client never takes (expired, undeliverable) have somewhere to go, as Artemis asks
        c.addAddressSetting("#", new AddressSettings().setDeadLetterAddress(SimpleString.of("DLQ")).setExpiryAddress(SimpleString.of("ExpiryQueue")));
        c.addAcceptorConfiguration("mqtt", "tcp://" + listener.host() + ":" + listener.port() + "?protocols=MQTT");
        if (listener.tlsPort() > 0) {
            c.addAcceptorConfiguration("mqtts", "tcp://" + listener.host() + ":" + listener.tlsPort() + "?protocols=MQTT;sslEnabled=true;keyStorePath="
                    + listener.keyStorePath() + ";keyStorePassword=" + listener.keyStorePassword());
        }
        this.security = new ChargerSecurity(gatewayUser, gatewayPasswordHash, chargerPasswordHash, topicPrefix);
        this.server = new ActiveMQServerImpl(c, security);
        // across bundles Artemis does not find its protocol modules itself: hand MQTT over
        server.addProtocolManagerFactory(new MQTTProtocolManagerFactory());
        server.start();
        if (!server.waitForActivation(30, java.util.concurrent.TimeUnit.SECONDS)) {
            server.stop();
            throw new IllegalStateException("the broker did not become active within 30 s");
        }
    }

    boolean isActive() {
        return server.isActive();
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
