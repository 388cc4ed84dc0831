package forecourt.settlement;

import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.fiscal.FiscalJson;
import forecourt.api.fiscal.FiscalReceipt;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.payment.Cdr;
import forecourt.api.payment.Hold;
import forecourt.api.payment.PaymentJson;

/**
 * What the journal says about one session, read fresh at every step: the engine keeps
 * nothing between steps, so a restart anywhere continues from exactly this.
 */
record SessionFacts(Hold hold, boolean started, boolean ended, Boolean startAccepted, boolean evseFreed, JsonNode finalProof, java.time.Instant finalProofAt, List<Cdr> cdrs, JsonNode decision,
        Long receiptNumber, FiscalReceipt fiscalReceipt, boolean receiptIssued, boolean captured, boolean reversed, List<String> alarms) {
    private static final ObjectMapper JSON = new ObjectMapper();

    static SessionFacts of(List<JournalEntry> timeline) {
        Hold hold = null;
        boolean started = false;
        boolean ended = false;
        Boolean startAccepted = null;
        boolean evseFreed = false;
        JsonNode proof = null;
        java.time.Instant proofAt = null;
        List<Cdr> cdrs = new ArrayList<>();
        JsonNode decision = null;
        Long receiptNumber = null;
        FiscalReceipt fiscal = null;
        boolean issued = false;
        boolean captured = false;
        boolean reversed = false;
        List<String> alarms = new ArrayList<>();
        for (JournalEntry e : timeline) {
            byte[] body = e.fact().body();
            switch (e.fact().type()) {
                case HOLD_PLACED -> hold = PaymentJson.hold(body);
                case TRANSACTION_EVENT -> {
                    String type = read(body).path("payload").path("eventType").asText();
                    started |= type.equals("Started") || type.equals("Updated") || type.equals("Ended");
                    ended |= type.equals("Ended");
                }
                case SESSION_STATE_CHANGED -> {
                    String key = e.fact().naturalKey();
                    if (key.endsWith(":" + SessionStarter.START_REQUESTED)) {
                        startAccepted = read(body).path("accepted").asBoolean();
                    } else if (key.endsWith(":" + SessionStarter.EVSE_FREED)) {
                        evseFreed = true;
                    }
                }
                case FINAL_READING_PROVEN -> {
                    proof = read(body);
                    proofAt = e.recordedAt();
                }
                case CDR_RECEIVED -> cdrs.add(PaymentJson.cdr(body));
                // the latest word on the amount: the engine's reconciliation or a person's resolution
                case RECONCILED, REVIEW_RESOLVED -> decision = read(body);
                case RECEIPT_NUMBER_ASSIGNED -> receiptNumber = read(body).get("receiptNumber").asLong();
                case FISCAL_RECEIPT -> fiscal = FiscalJson.receipt(body);
                case RECEIPT_ISSUED -> issued = true;
                case CAPTURED -> captured = true;
                case AUTHORIZATION_REVERSED -> reversed = true;
                case ALARM -> alarms.add(read(body).path("alarm").asText());
                default -> {
                }
            }
        }
        return new SessionFacts(hold, started, ended, startAccepted, evseFreed, proof, proofAt, cdrs, decision, receiptNumber, fiscal, issued, captured, reversed, alarms);
    }

    Optional<BigDecimal> deliveredWh() {
        return finalProof == null ? Optional.empty() : Optional.of(finalProof.get("deliveredWh").decimalValue());
    }

    /** The latest CDR received (a CPO may send a corrected one). */
    Optional<Cdr> cdr() {
        return cdrs.isEmpty() ? Optional.empty() : Optional.of(cdrs.get(cdrs.size() - 1));
    }

    private static JsonNode read(byte[] body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }
}
