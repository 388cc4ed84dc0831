package forecourt.acquirer.adyen;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpServer;

import forecourt.api.ledger.Ledger;
import forecourt.api.outbox.InstructionHandler;
import forecourt.api.payment.PaymentTerminal;
import forecourt.api.site.SiteModel;
import forecourt.sim.adyen.AdyenEmulator;

/**
 * The Adyen adapter wired to an emulator for tests: the acquirer, a terminal, and the
 * webhook endpoint (a JDK HTTP server doing what the gateway's servlet does).
 */
public final class AdyenTestRig implements AutoCloseable {
    public static final String API_KEY = "adyen_test_key";
    public static final String MERCHANT = "TestMerchant";
    public static final String HMAC = "44782def547aaa06c910c43932b1eb0c71fc68d9d0c057550c48ec2acf6ba056";
    public static final String NAME = "adyen-test";

    final AdyenNotifications notifications;
    final AdyenAcquirer acquirer;
    final AdyenTerminal terminal;
    private final HttpServer webhook;
    private final ExecutorService executor = Executors.newFixedThreadPool(8);

    public AdyenTestRig(AdyenEmulator emulator, Ledger ledger, SiteModel site, Duration requestTimeout, Duration notificationWait,
            Duration idempotencyWindow) throws IOException {
        notifications = new AdyenNotifications(NAME, MERCHANT, HMAC, ledger);
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        webhook.setExecutor(Executors.newCachedThreadPool());
        webhook.createContext("/adyen/" + NAME + "/notifications", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                String result = notifications.receive(in.readAllBytes());
                boolean ok = AdyenNotifications.ACCEPTED.equals(result);
                byte[] bytes = result.getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(ok ? 200 : 401, bytes.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        });
        webhook.start();
        emulator.webhookUrl(webhookUrl());
        AdyenApi checkout = new AdyenApi(emulator.checkoutUrl(), API_KEY, requestTimeout);
        acquirer = new AdyenAcquirer(NAME, MERCHANT, checkout, ledger, Clock.systemUTC(), idempotencyWindow, Duration.ZERO, notificationWait);
        terminal = new AdyenTerminal("T1", "V400m-346403161", "acquirer:" + NAME, new AdyenApi(emulator.terminalApiUrl(), API_KEY,
                Duration.ofSeconds(5)), ledger, site, Clock.systemUTC(), Duration.ofSeconds(5), executor);
    }

    public String webhookUrl() {
        return "http://127.0.0.1:" + webhook.getAddress().getPort() + "/adyen/" + NAME + "/notifications";
    }

    public InstructionHandler acquirer() {
        return acquirer;
    }

    public PaymentTerminal terminal() {
        return terminal;
    }

    public long notificationCounter(String what) {
        return notifications.counter(what);
    }

    @Override
    public void close() {
        webhook.stop(0);
        executor.shutdownNow();
    }
}
