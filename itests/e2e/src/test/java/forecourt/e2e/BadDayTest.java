package forecourt.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.PaymentSession;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.ledger.LedgerStore;

/**
 * The bad day against the exported demo gateway (with its embedded broker) and the
 * simulators, each its own process:
 * hold at the terminal, charging starts, the WAN goes (acquirer unreachable, the charger's
 * link down) for ten minutes of charging, the driver stops offline, links return. Then:
 * one capture of the verified amount at the acquirer, the rest of the hold released, one
 * signed receipt, every transaction event in the ledger once, in order, chain intact.
 */
class BadDayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path work;

    static JsonNode get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    @Test
    void theHoldHeldTheCaptureWaitedAndFiredOnceTheRestWasReleasedAndTheReceiptIsSigned() throws Exception {
        int stripePort = Ports.free();
        int brokerPort = Ports.free();
        int httpPort = Ports.free();
        int csmsPort = Ports.free();
        String brokerUrl = "tcp://127.0.0.1:" + brokerPort; // the gateway's embedded broker, as on a site
        try (GatewayProcess sims = GatewayProcess.start("simulators.jar", work.resolve("sim-data"), GatewayProcess.repoConfigs(),
                "-Dforecourt.sim.scenario=badday", "-Dforecourt.broker.url=" + brokerUrl, "-Dforecourt.sim.stripe.port=" + stripePort,
                "-Dforecourt.sim.csms.port=" + csmsPort)) {
            sims.awaitLine("Forecourt simulators ready", Duration.ofSeconds(60));
            Path data = work.resolve("gateway-data");
            try (GatewayProcess gateway = GatewayProcess.start("demo.jar", data, GatewayProcess.repoConfigs(), "-Dforecourt.broker.url=" + brokerUrl,
                    "-Dforecourt.broker.port=" + brokerPort, "-Dorg.osgi.service.http.port=" + httpPort,
                    "-Dforecourt.stripe.url=http://127.0.0.1:" + stripePort, "-Dforecourt.ocpi.url=http://127.0.0.1:" + csmsPort + "/ocpi/versions")) {
                sims.awaitLine("SCENARIO DONE", Duration.ofMinutes(3));
                String closed = gateway.awaitLine("closed — timeline", Duration.ofMinutes(1));
                assertThat(gateway.output()).contains("CAPTURED 7.08 EUR", "rest of the hold RELEASED: 42.92 EUR", "fiscal receipt AT0042-1 signed");
                assertThat(closed).isNotEmpty();
                // the CPO started the session (OCPI START_SESSION, the charger's answer posted back), its CDR agreed with
                // the meter, and it has exactly one Financial Advice Confirmation of the captured amount
                assertThat(sims.output()).contains("CommandResult ACCEPTED");
                assertThat(gateway.output()).contains("the CPO started the charger on EVSE CH1/1", "meter 7.08 EUR and CDR 7.08 EUR agree",
                        "CPO CONFIRMED");
                JsonNode facs = get("http://127.0.0.1:" + csmsPort + "/_emulator/facs");
                assertThat(facs.get("facs")).hasSize(1);
                assertThat(facs.get("duplicates").asInt()).isZero();
                assertThat(facs.get("facs").get(0).path("total_costs").path("incl_vat").decimalValue()).isEqualByComparingTo("7.08");
                assertThat(facs.get("facs").get(0).path("capture_status_code").asText()).isEqualTo("SUCCESS");

                // the acquirer's own record: exactly one capture, of the verified amount; the rest released by it
                JsonNode captures = get("http://127.0.0.1:" + stripePort + "/_emulator/captures");
                assertThat(captures).hasSize(1);
                assertThat(captures.get(0).get("amount").asLong()).isEqualTo(708); // 12 kWh × 0.59 EUR
                assertThat(captures.get(0).get("released").asLong()).isEqualTo(5000 - 708);
                // the driver's receipt at the URL the terminal shows as a QR code
                String ref = closed.replaceAll(".*session (\\S+) closed.*", "$1");
                HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + httpPort + "/receipts/" + ref)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(page.statusCode()).isEqualTo(200);
                assertThat(page.body()).contains("7.08 EUR", "42.92 EUR", "12000 Wh", "AT0042-1");
                assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/receipts/AT0042-NOSUCH"))
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(404);
                gateway.terminate(Duration.ofSeconds(30));
                assertThat(gateway.output()).contains("Forecourt stopped"); // the ledger closed cleanly
            }
            try (LedgerStore ledger = new LedgerStore(data.resolve("ledger/ledger.mv.db"), Clock.systemUTC(), 16)) {
                assertThat(ledger.verify().intact()).isTrue();
                List<PaymentSession> sessions = ledger.sessions(null);
                assertThat(sessions).hasSize(1);
                PaymentSession s = sessions.get(0);
                assertThat(s.state()).isEqualTo(PaymentSessionState.CLOSED);
                List<JournalEntry> timeline = ledger.timeline(s.authorizationReference());
                assertThat(timeline).filteredOn(e -> e.fact().type() == FactType.CAPTURED).hasSize(1);
                assertThat(timeline).filteredOn(e -> e.fact().type() == FactType.AUTHORIZATION_REVERSED).hasSize(1);
                assertThat(timeline).filteredOn(e -> e.fact().type() == FactType.FISCAL_RECEIPT).hasSize(1);
                assertThat(timeline).filteredOn(e -> e.fact().type() == FactType.RECEIPT_ISSUED).hasSize(1);
                assertThat(timeline).filteredOn(e -> e.fact().type() == FactType.CDR_RECEIVED).hasSize(1);
                assertThat(timeline).filteredOn(e -> e.fact().type() == FactType.FINANCIAL_ADVICE_CONFIRMED).hasSize(1);
                // every transaction event once, in seqNo order, the offline ones flagged
                List<JsonNode> events = timeline.stream().filter(e -> e.fact().type() == FactType.TRANSACTION_EVENT)
                        .map(e -> read(e.fact().bodyText()).get("payload")).toList();
                assertThat(events.stream().map(p -> p.get("seqNo").asInt()).toList())
                        .isEqualTo(java.util.stream.IntStream.range(0, events.size()).boxed().toList());
                assertThat(events).hasSize(1 + 12 + 1); // Started, 12 minutes of readings, Ended
                assertThat(events.stream().filter(p -> p.path("offline").asBoolean())).hasSize(11); // 10 minutes + Ended
                String receipt = ledger.timeline(s.authorizationReference()).stream().filter(e -> e.fact().type() == FactType.RECEIPT_ISSUED)
                        .findFirst().orElseThrow().fact().bodyText();
                JsonNode r = read(receipt);
                assertThat(r.get("charged").get("minor").asLong()).isEqualTo(708);
                assertThat(r.get("fiscal").get("signature").asText()).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
                assertThat(receipt).doesNotContainPattern("\\d{13,19}"); // no card number, masked or otherwise long
            }
        }
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
