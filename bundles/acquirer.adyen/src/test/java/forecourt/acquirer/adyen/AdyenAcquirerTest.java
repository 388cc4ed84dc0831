package forecourt.acquirer.adyen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.EvseId;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.InstructionOutcome.Result;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.money.Money;
import forecourt.api.payment.Hold;
import forecourt.api.payment.HoldDeclinedException;
import forecourt.api.payment.PaymentJson;
import forecourt.api.payment.SettlementOrder;
import forecourt.ledger.LedgerStore;
import forecourt.sim.adyen.AdyenEmulator;
import forecourt.sim.adyen.AdyenEmulator.WebhookFault;
import forecourt.testsupport.TestSite;

/** The Adyen adapter against the Adyen emulator, with notifications over HTTP and a real ledger on disk. */
class AdyenAcquirerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;
    AdyenEmulator adyen;
    LedgerStore ledger;
    AdyenTestRig rig;
    final TestSite site = new TestSite(AdyenTestRig.NAME);

    @BeforeEach
    void start() throws Exception {
        adyen = new AdyenEmulator(dir.resolve("adyen.mv.db"), 0, AdyenTestRig.API_KEY, AdyenTestRig.MERCHANT, AdyenTestRig.HMAC, Clock.systemUTC(),
                Duration.ofDays(7));
        ledger = new LedgerStore(dir.resolve("ledger.mv.db"), Clock.systemUTC(), 64);
        rig = new AdyenTestRig(adyen, ledger, site, Duration.ofMillis(500), Duration.ofSeconds(2), Duration.ofDays(31));
    }

    @AfterEach
    void stop() {
        rig.close();
        ledger.close();
        adyen.close();
    }

    private Hold hold() {
        return rig.terminal.placeHold(EvseId.parse("CH1/1")).toCompletableFuture().join();
    }

    private Instruction instruction(Hold hold, SettlementOrder.Operation op, long minor) {
        SettlementOrder order = new SettlementOrder(op, hold.authorizationReference(), hold.providerReference(), hold.amount(), Money.of(minor, "EUR"));
        IdempotencyKey key = IdempotencyKey.derive(site.site().id(), hold.authorizationReference(), new AuthorizationReference(hold.authorizationReference()),
                op.keyName());
        return Instruction.of(key, hold.acquirerLink(), hold.authorizationReference(), true, PaymentJson.order(order));
    }

    @Test
    void aPreAuthorisationThroughTheTerminalApiIsRecordedAsTheHold() {
        Hold hold = hold();
        assertThat(hold.providerReference()).hasSize(16);
        assertThat(hold.amount()).isEqualTo(Money.of(5000, "EUR"));
        assertThat(hold.acquirerLink()).isEqualTo("acquirer:" + AdyenTestRig.NAME);
        assertThat(hold.maskedPan()).isEqualTo("541333******0019");
        assertThat(hold.cardBrand()).isEqualTo("mc");
        assertThat(hold.providerData()).containsEntry("adyen.poiId", "V400m-346403161");
        assertThat(ledger.byNaturalKey(NaturalKeys.hold(hold.authorizationReference()))).isPresent();
        JsonNode payment = adyen.payment(hold.providerReference());
        assertThat(payment.get("preAuth").asBoolean()).as("flagged as pre-authorisation in SaleToAcquirerData").isTrue();
        assertThat(payment.get("amount").asLong()).isEqualTo(5000);
    }

    @Test
    void aCardBrandTheAccountDoesNotServeIsReleasedAtOnceAndDeclined() {
        rig.terminal.cardBrands(java.util.Set.of("visa", "mc"), rig.acquirer::releaseUnserved);
        adyen.presentCard("V400m-346403161", new AdyenEmulator.Card("amex", "371449*****8431", null));
        assertThatThrownBy(this::hold).hasCauseInstanceOf(HoldDeclinedException.class).hasMessageContaining("'amex' is not accepted");
        assertThat(ledger.read(0, 100)).filteredOn(e -> e.fact().type() == FactType.HOLD_PLACED).isEmpty();
        assertThat(adyen.payment("8800000000000001").get("status").asText()).isEqualTo("CANCELLED");
        assertThat(hold().cardBrand()).isEqualTo("mc"); // a served brand still works
    }

    @Test
    void aRefusedCardIsNoHold() {
        adyen.presentCard("V400m-346403161", new AdyenEmulator.Card("visa", "411111******1111", "Not enough balance"));
        assertThatThrownBy(this::hold).isInstanceOf(CompletionException.class).hasCauseInstanceOf(HoldDeclinedException.class)
                .hasMessageContaining("Not enough balance");
    }

    @Test
    void aCaptureBelowTheHoldSucceedsOnItsNotificationAndTheRestIsCancelled() {
        Hold hold = hold();
        InstructionOutcome outcome = rig.acquirer.deliver(instruction(hold, SettlementOrder.Operation.SETTLE, 708), 1);
        assertThat(outcome.result()).isEqualTo(Result.SUCCEEDED);
        assertThat(adyen.captures()).hasSize(1);
        assertThat(adyen.captures().get(0).get("amount").asLong()).isEqualTo(708);
        assertThat(adyen.captures().get(0).get("released").asLong()).isEqualTo(5000 - 708);
        assertThat(ledger.read(0, 100)).filteredOn(e -> e.fact().type() == FactType.UPSTREAM_NOTIFICATION).hasSize(1);
    }

    @Test
    void zeroEnergyCancelsTheWholeAuthorisation() {
        Hold hold = hold();
        assertThat(rig.acquirer.deliver(instruction(hold, SettlementOrder.Operation.RELEASE, 0), 1).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(adyen.payment(hold.providerReference()).get("status").asText()).isEqualTo("CANCELLED");
        assertThat(adyen.captures()).isEmpty();
    }

    @Test
    void aLostNotificationIsRecoveredByReplayingTheSameRequestNeverByASecondCapture() {
        Hold hold = hold();
        Instruction settle = instruction(hold, SettlementOrder.Operation.SETTLE, 1234);
        adyen.scriptWebhooks(WebhookFault.LOSE);
        InstructionOutcome sent = rig.acquirer.deliver(settle, 1);
        assertThat(sent.result()).isEqualTo(Result.UNKNOWN);
        assertThat(sent.detail()).contains("received by Adyen");
        InstructionOutcome resolved = rig.acquirer.resolve(settle, 1);
        assertThat(resolved.result()).isEqualTo(Result.SUCCEEDED);
        assertThat(adyen.captures()).hasSize(1);
    }

    @Test
    void aDuplicatedNotificationIsRecordedOnce() throws Exception {
        Hold hold = hold();
        adyen.scriptWebhooks(WebhookFault.DUPLICATE);
        assertThat(rig.acquirer.deliver(instruction(hold, SettlementOrder.Operation.SETTLE, 708), 1).result()).isEqualTo(Result.SUCCEEDED);
        long deadline = System.currentTimeMillis() + 3000;
        while (rig.notificationCounter("duplicate") == 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        assertThat(rig.notificationCounter("duplicate")).isEqualTo(1);
        assertThat(ledger.read(0, 100)).filteredOn(e -> e.fact().type() == FactType.UPSTREAM_NOTIFICATION).hasSize(1);
    }

    @Test
    void theSameKeyWithAnotherAmountIsRefusedAndNothingMoreIsCaptured() {
        Hold hold = hold();
        adyen.scriptWebhooks(WebhookFault.LOSE);
        Instruction first = instruction(hold, SettlementOrder.Operation.SETTLE, 708);
        assertThat(rig.acquirer.deliver(first, 1).result()).isEqualTo(Result.UNKNOWN);
        SettlementOrder other = new SettlementOrder(SettlementOrder.Operation.SETTLE, hold.authorizationReference(), hold.providerReference(),
                hold.amount(), Money.of(900, "EUR"));
        Instruction changed = Instruction.of(first.key(), first.link(), first.session(), true, PaymentJson.order(other));
        InstructionOutcome outcome = rig.acquirer.deliver(changed, 2);
        assertThat(outcome.result()).isEqualTo(Result.NEEDS_REVIEW);
        assertThat(outcome.detail()).contains("idempotency key");
        assertThat(adyen.captures()).hasSize(1);
        assertThat(adyen.captures().get(0).get("amount").asLong()).isEqualTo(708);
    }

    @Test
    void aForgedOrAlteredNotificationIsRefusedAndNotRecorded() throws Exception {
        Hold hold = hold();
        Instruction settle = instruction(hold, SettlementOrder.Operation.SETTLE, 708);
        ObjectNode item = JSON.createObjectNode();
        item.set("amount", JSON.createObjectNode().put("currency", "EUR").put("value", 708));
        item.put("eventCode", "CAPTURE").put("merchantAccountCode", AdyenTestRig.MERCHANT).put("merchantReference", settle.key().value())
                .put("originalReference", hold.providerReference()).put("pspReference", "8800000000000999").put("success", "true");
        item.putObject("additionalData").put("hmacSignature", AdyenNotifications.sign("wrong-key".getBytes(), AdyenNotifications.signingString(item)));
        assertThat(post(item)).isEqualTo(401);
        // correctly signed, then the amount altered on the way
        item.putObject("additionalData").put("hmacSignature", AdyenNotifications.sign(java.util.HexFormat.of().parseHex(AdyenTestRig.HMAC),
                AdyenNotifications.signingString(item)));
        ((ObjectNode) item.get("amount")).put("value", 7);
        assertThat(post(item)).isEqualTo(401);
        assertThat(rig.notificationCounter("refused.signature")).isEqualTo(2);
        assertThat(ledger.read(0, 100)).filteredOn(e -> e.fact().type() == FactType.UPSTREAM_NOTIFICATION).isEmpty();
        // and garbage is a clear refusal too
        assertThat(rig.notifications.receive("{not json".getBytes())).isEqualTo("malformed JSON");
        assertThat(rig.notificationCounter("refused.malformed")).isEqualTo(1);
    }

    private int post(JsonNode item) throws Exception {
        ObjectNode batch = JSON.createObjectNode().put("live", "false");
        batch.putArray("notificationItems").addObject().set("NotificationRequestItem", item);
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(rig.webhookUrl()))
                .POST(HttpRequest.BodyPublishers.ofString(batch.toString())).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void withoutANotificationPastTheIdempotencyWindowAPersonDecides() throws Exception {
        rig.close();
        rig = new AdyenTestRig(adyen, ledger, site, Duration.ofMillis(500), Duration.ofMillis(100), Duration.ofMillis(1));
        Hold hold = hold();
        Instruction settle = instruction(hold, SettlementOrder.Operation.SETTLE, 708);
        Ledger.await(ledger.enqueue(settle));
        adyen.scriptWebhooks(WebhookFault.LOSE);
        assertThat(rig.acquirer.deliver(settle, 1).result()).isEqualTo(Result.UNKNOWN);
        Thread.sleep(20);
        InstructionOutcome resolved = rig.acquirer.resolve(settle, 1);
        assertThat(resolved.result()).isEqualTo(Result.NEEDS_REVIEW);
        assertThat(resolved.detail()).contains("idempotency window");
    }

    @Test
    void aNotificationForAnotherMerchantAccountIsRefused() {
        String body = "{\"live\":\"false\",\"notificationItems\":[{\"NotificationRequestItem\":{\"eventCode\":\"CAPTURE\",\"merchantReference\":\"x\","
                + "\"merchantAccountCode\":\"Someone\",\"success\":\"true\",\"additionalData\":{\"hmacSignature\":\"AAAA\"}}}]}";
        assertThat(rig.notifications.receive(body.getBytes())).isEqualTo("other merchant account");
        assertThat(rig.notificationCounter("refused.merchant")).isEqualTo(1);
    }
}
