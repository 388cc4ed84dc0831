package forecourt.api.payment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import forecourt.api.id.EvseId;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.api.money.Money;
import forecourt.api.site.Tariff;

class PaymentJsonTest {
    private static Hold hold(String pan) {
        return new Hold("AT0042-0001", "T1", EvseId.parse("CH1/1"),
                new Tariff("HPC", 3, new BigDecimal("0.5900"), Money.of(35, "EUR"), "standard"), Money.of(5000, "EUR"), "acquirer:stripe-demo", "pi_123",
                "visa", pan, Instant.parse("2026-11-24T10:00:00Z"), Instant.parse("2026-12-01T10:00:00Z"));
    }

    @Test
    void holdRoundTripsThroughItsFactAndOpensTheSession() {
        Hold h = hold("424242******4242");
        var fact = PaymentJson.holdPlaced(h);
        assertThat(fact.type()).isEqualTo(FactType.HOLD_PLACED);
        assertThat(fact.moveTo()).isEqualTo(PaymentSessionState.AUTHORIZED);
        assertThat(fact.session()).isEqualTo("AT0042-0001");
        assertThat(PaymentJson.hold(fact.body())).isEqualTo(h);
    }

    @Test
    void providerDataTravelsWithTheHoldAndRefusesCardNumbers() {
        Hold plain = hold("559883******8074");
        Hold zvt = new Hold(plain.authorizationReference(), plain.terminalId(), plain.evse(), plain.tariff(), plain.amount(), "terminal:T2", "249",
                "girocard", plain.maskedPan(), plain.placedAt(), plain.expiresAt(), java.util.Map.of("zvt.receipt", "249", "zvt.trace", "1012"));
        assertThat(PaymentJson.hold(PaymentJson.holdPlaced(zvt).body())).isEqualTo(zvt);
        assertThat(PaymentJson.hold(PaymentJson.holdPlaced(plain).body()).providerData()).isEmpty();
        assertThatThrownBy(() -> new Hold(plain.authorizationReference(), plain.terminalId(), plain.evse(), plain.tariff(), plain.amount(),
                "terminal:T2", "249", "", "", plain.placedAt(), plain.expiresAt(), java.util.Map.of("track", "4711008005757038004")))
                .hasMessageContaining("not masked");
    }

    @Test
    void aFullCardNumberIsRefused() {
        assertThatThrownBy(() -> hold("4242424242424242")).hasMessageContaining("not masked");
        assertThatThrownBy(() -> hold("4242 4242 4242 4242")).hasMessageContaining("not masked");
    }

    @Test
    void settlementOrderRoundTripsAndKnowsWhatItReleases() {
        var o = new SettlementOrder(SettlementOrder.Operation.SETTLE, "AT0042-0001", "pi_123", Money.of(5000, "EUR"), Money.of(1234, "EUR"));
        assertThat(PaymentJson.order(PaymentJson.order(o).getBytes())).isEqualTo(o);
        assertThat(o.released()).isEqualTo(Money.of(3766, "EUR"));
    }

    @Test
    void ordersOutsideTheHoldAreRefused() {
        assertThatThrownBy(() -> new SettlementOrder(SettlementOrder.Operation.SETTLE, "r", "p", Money.of(5000, "EUR"), Money.of(5001, "EUR")))
                .hasMessageContaining("within the hold");
        assertThatThrownBy(() -> new SettlementOrder(SettlementOrder.Operation.SETTLE, "r", "p", Money.of(5000, "EUR"), Money.of(0, "EUR")))
                .hasMessageContaining("released");
        assertThatThrownBy(() -> new SettlementOrder(SettlementOrder.Operation.RELEASE, "r", "p", Money.of(5000, "EUR"), Money.of(1, "EUR")))
                .hasMessageContaining("captures nothing");
    }

    @Test
    void moneyMustBeIntegerMinorUnits() {
        var json = "{\"operation\":\"SETTLE\",\"authorizationReference\":\"r\",\"providerReference\":\"p\","
                + "\"authorized\":{\"minor\":50.5,\"currency\":\"EUR\"},\"amount\":{\"minor\":1,\"currency\":\"EUR\"}}";
        assertThatThrownBy(() -> PaymentJson.order(json.getBytes())).hasMessageContaining("integer");
    }
}
