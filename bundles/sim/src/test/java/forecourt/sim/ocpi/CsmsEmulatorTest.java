package forecourt.sim.ocpi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.math.BigDecimal;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The CSMS builds its CDR from what a charger reports over its own link, as a CPO's backend does. */
class CsmsEmulatorTest {
    final CsmsEmulator csms;

    CsmsEmulatorTest() throws IOException {
        csms = new CsmsEmulator(0, "token-A");
    }

    @AfterEach
    void close() {
        csms.close();
    }

    private static String event(String type, int seq, String extra, String context, long wh) {
        String meter = context == null ? "" : ",\"meterValue\":[{\"sampledValue\":[{\"value\":" + wh + ",\"context\":\"" + context + "\"}]}]";
        return "[2,\"m" + seq + "\",\"TransactionEvent\",{\"eventType\":\"" + type + "\",\"seqNo\":" + seq
                + ",\"transactionInfo\":{\"transactionId\":\"CH1-1\"}" + extra + meter + "}]";
    }

    @Test
    void theCdrCarriesTheIdTokenAsAuthorizationReferenceAndTheMetersEnergyPricedExactly() throws Exception {
        csms.report("CH1", "[2,\"s\",\"StatusNotification\",{\"connectorStatus\":\"Occupied\"}]");
        csms.report("CH1", event("Started", 0, ",\"idToken\":{\"idToken\":\"AT0042-REF\",\"type\":\"Central\"}", "Transaction.Begin", 1000));
        csms.report("CH1", event("Updated", 1, "", null, 0));
        csms.down(true);
        assertThatThrownBy(() -> csms.report("CH1", event("Ended", 2, "", "Transaction.End", 13000))).isInstanceOf(IOException.class);
        assertThat(csms.cdrs()).isEmpty();
        csms.down(false);
        csms.report("CH1", event("Ended", 2, "", "Transaction.End", 13000));
        csms.report("CH1", event("Ended", 2, "", "Transaction.End", 13000)); // replayed: once
        assertThat(csms.cdrs()).hasSize(1);
        var cdr = csms.cdrs().get(0);
        assertThat(cdr.path("authorization_reference").asText()).isEqualTo("AT0042-REF");
        assertThat(cdr.path("total_energy").decimalValue()).isEqualByComparingTo("12");
        assertThat(cdr.path("total_cost").path("incl_vat").decimalValue()).isEqualByComparingTo("7.08");
    }

    @Test
    void aScriptedDisagreementShiftsTheNextCdrOnly() throws Exception {
        csms.disagreeNextCdrBy(new BigDecimal("1.00"));
        csms.report("CH1", event("Started", 0, ",\"idToken\":{\"idToken\":\"AT0042-D\",\"type\":\"Central\"}", "Transaction.Begin", 0));
        csms.report("CH1", event("Ended", 1, "", "Transaction.End", 12000));
        assertThat(csms.cdrs().get(0).path("total_cost").path("incl_vat").decimalValue()).isEqualByComparingTo("8.08");
    }
}
