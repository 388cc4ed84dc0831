package forecourt.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded broker as chargers and the gateway meet it: real Paho clients over loopback. */
class SiteBrokerTest {
    static final String GATEWAY_HASH = PasswordHash.hash("gateway-secret");
    static final Map<String, String> CHARGERS = Map.of("CH1", PasswordHash.hash("ch1-secret"), "CH2", PasswordHash.hash("ch2-secret"));
    @TempDir
    Path dir;
    int port;
    SiteBroker broker;

    @BeforeEach
    void start() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        broker = open();
    }

    SiteBroker open() throws Exception {
        return new SiteBroker(dir.resolve("broker"), new SiteBroker.Listener("127.0.0.1", port, 0, "", ""), "forecourt-gateway", GATEWAY_HASH,
                id -> Optional.ofNullable(CHARGERS.get(id)), "chargers");
    }

    @AfterEach
    void stop() throws Exception {
        broker.close();
    }

    MqttClient connect(String clientId, String user, String password, boolean cleanSession) throws MqttException {
        MqttClient c = new MqttClient("tcp://127.0.0.1:" + port, clientId, new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName(user);
        o.setPassword(password.toCharArray());
        o.setCleanSession(cleanSession);
        c.connect(o);
        return c;
    }

    @Test
    void aWrongPasswordAnUnknownChargerAndABorrowedClientIdAreRefused() {
        assertThatThrownBy(() -> connect("CH1", "CH1", "not-the-password", true)).isInstanceOf(MqttException.class);
        assertThatThrownBy(() -> connect("CH9", "CH9", "anything", true)).isInstanceOf(MqttException.class);
        assertThatThrownBy(() -> connect("CH2", "CH1", "ch1-secret", true)).isInstanceOf(MqttException.class); // CH1's password, CH2's session
        assertThat(broker.security.refusedLogins.sum()).isGreaterThanOrEqualTo(3); // Artemis may ask twice per connect
    }

    @Test
    void aChargerPublishingUnderAnotherChargersPrefixReachesNobody() throws Exception {
        MqttClient gateway = connect("forecourt-gateway", "forecourt-gateway", "gateway-secret", true);
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        gateway.subscribe("chargers/+/up", 1, (t, m) -> seen.add(t + " " + new String(m.getPayload(), StandardCharsets.UTF_8)));
        MqttClient ch1 = connect("CH1", "CH1", "ch1-secret", true);
        ch1.publish("chargers/CH1/up", "own".getBytes(), 1, false);
        assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("chargers/CH1/up own");
        // posing as CH2: refused by the broker (Paho 3.1.1 sees the connection closed), nothing delivered
        try {
            ch1.publish("chargers/CH2/up", "forged".getBytes(), 1, false);
        } catch (MqttException refused) {
            // expected: the broker drops a client that publishes where it may not
        }
        assertThat(seen.poll(1, TimeUnit.SECONDS)).isNull();
        assertThat(broker.security.refusedAccess.sum()).isGreaterThanOrEqualTo(1);
        // nor may it listen to another charger's commands
        MqttClient ch2 = connect("CH2", "CH2", "ch2-secret", true);
        assertThatThrownBy(() -> {
            ch2.subscribe("chargers/CH1/down", 1);
        }).isInstanceOf(MqttException.class);
        gateway.disconnect();
        gateway.close();
    }

    @Test
    void queuedQos1MessagesForAnOfflineGatewaySurviveABrokerRestart() throws Exception {
        MqttClient gateway = connect("forecourt-gateway", "forecourt-gateway", "gateway-secret", false);
        gateway.subscribe("chargers/+/up", 1);
        gateway.disconnect();
        gateway.close();
        MqttClient ch1 = connect("CH1", "CH1", "ch1-secret", true);
        for (int i = 0; i < 50; i++) {
            ch1.publish("chargers/CH1/up", ("m" + i).getBytes(), 1, false);
        }
        ch1.disconnect();
        ch1.close();
        broker.close();
        broker = open(); // the gateway box restarted
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        MqttClient back = new MqttClient("tcp://127.0.0.1:" + port, "forecourt-gateway", new MemoryPersistence());
        back.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            public void connectionLost(Throwable cause) { }
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                seen.add(new String(message.getPayload(), StandardCharsets.UTF_8));
            }
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) { }
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("forecourt-gateway");
        o.setPassword("gateway-secret".toCharArray());
        o.setCleanSession(false);
        back.connect(o);
        List<String> got = new java.util.ArrayList<>();
        for (String m; got.size() < 50 && (m = seen.poll(10, TimeUnit.SECONDS)) != null;) {
            got.add(m);
        }
        assertThat(got).hasSize(50).startsWith("m0").endsWith("m49");
        back.disconnect();
        back.close();
    }

    @Test
    void passwordsAreStoredOnlyAsSaltedHashes() {
        String h = PasswordHash.hash("secret");
        assertThat(h).startsWith("pbkdf2-sha256$").doesNotContain("secret");
        assertThat(PasswordHash.hash("secret")).isNotEqualTo(h); // salted
        assertThat(PasswordHash.matches("secret", h)).isTrue();
        assertThat(PasswordHash.matches("Secret", h)).isFalse();
        assertThat(PasswordHash.matches("secret", "plain-text")).isFalse();
    }

    @Test
    void theTlsListenerServesChargersWithTheCertificateFromConfiguration() throws Exception {
        Path keyStore = dir.resolve("broker.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair", "-alias", "broker",
                "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", "changeit").redirectErrorStream(true).start();
        assertThat(keytool.waitFor()).isZero();
        int tlsPort;
        try (ServerSocket s = new ServerSocket(0)) {
            tlsPort = s.getLocalPort();
        }
        broker.close();
        broker = new SiteBroker(dir.resolve("broker"), new SiteBroker.Listener("127.0.0.1", port, tlsPort, keyStore.toString(), "changeit"),
                "forecourt-gateway", GATEWAY_HASH, id -> Optional.ofNullable(CHARGERS.get(id)), "chargers");
        java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
        try (var in = java.nio.file.Files.newInputStream(keyStore)) {
            trust.load(in, "changeit".toCharArray());
        }
        javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        MqttClient ch1 = new MqttClient("ssl://127.0.0.1:" + tlsPort, "CH1", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setUserName("CH1");
        o.setPassword("ch1-secret".toCharArray());
        o.setSocketFactory(tls.getSocketFactory());
        ch1.connect(o);
        assertThat(ch1.isConnected()).isTrue();
        ch1.publish("chargers/CH1/up", "over tls".getBytes(), 1, false);
        ch1.disconnect();
        ch1.close();
        // the same credentials rules apply on the TLS listener
        MqttClient wrong = new MqttClient("ssl://127.0.0.1:" + tlsPort, "CH1", new MemoryPersistence());
        MqttConnectOptions w = new MqttConnectOptions();
        w.setUserName("CH1");
        w.setPassword("nope".toCharArray());
        w.setSocketFactory(tls.getSocketFactory());
        assertThatThrownBy(() -> wrong.connect(w)).isInstanceOf(MqttException.class);
        wrong.close();
    }

    @Test
    void mqtt5ClientsMeetTheSameCredentialsAndAcl() throws Exception {
        org.eclipse.paho.mqttv5.client.MqttClient gateway = new org.eclipse.paho.mqttv5.client.MqttClient("tcp://127.0.0.1:" + port,
                "forecourt-gateway", new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        org.eclipse.paho.mqttv5.client.MqttConnectionOptions g = new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
        g.setUserName("forecourt-gateway");
        g.setPassword("gateway-secret".getBytes(StandardCharsets.UTF_8));
        gateway.connect(g);
        BlockingQueue<String> seen = new LinkedBlockingQueue<>();
        gateway.subscribe(new org.eclipse.paho.mqttv5.common.MqttSubscription[] { new org.eclipse.paho.mqttv5.common.MqttSubscription("chargers/+/up", 1) },
                new org.eclipse.paho.mqttv5.client.IMqttMessageListener[] { (t, m) -> seen.add(t + " " + new String(m.getPayload(), StandardCharsets.UTF_8)) });
        org.eclipse.paho.mqttv5.client.MqttClient ch1 = new org.eclipse.paho.mqttv5.client.MqttClient("tcp://127.0.0.1:" + port, "CH1",
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        org.eclipse.paho.mqttv5.client.MqttConnectionOptions o = new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
        o.setUserName("CH1");
        o.setPassword("ch1-secret".getBytes(StandardCharsets.UTF_8));
        ch1.connect(o);
        ch1.publish("chargers/CH1/up", "v5".getBytes(StandardCharsets.UTF_8), 1, false);
        assertThat(seen.poll(5, TimeUnit.SECONDS)).isEqualTo("chargers/CH1/up v5");
        try {
            ch1.publish("chargers/CH2/up", "forged".getBytes(StandardCharsets.UTF_8), 1, false);
        } catch (org.eclipse.paho.mqttv5.common.MqttException refused) {
            // MQTT 5 can say why (reason code): refused either way
        }
        assertThat(seen.poll(1, TimeUnit.SECONDS)).isNull();
        org.eclipse.paho.mqttv5.client.MqttClient wrong = new org.eclipse.paho.mqttv5.client.MqttClient("tcp://127.0.0.1:" + port, "CH2",
                new org.eclipse.paho.mqttv5.client.persist.MemoryPersistence());
        org.eclipse.paho.mqttv5.client.MqttConnectionOptions w = new org.eclipse.paho.mqttv5.client.MqttConnectionOptions();
        w.setUserName("CH2");
        w.setPassword("wrong".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> wrong.connect(w)).isInstanceOf(org.eclipse.paho.mqttv5.common.MqttException.class);
        gateway.disconnect();
        gateway.close();
    }
}
