package forecourt.charger.ocpp;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.metering.MeterReading;
import forecourt.api.metering.OcmfVerifier;
import forecourt.api.metering.RefusedReading;
import forecourt.api.metering.VerifiedRecord;

/**
 * Turns the signed readings of a TransactionEvent into facts. A reading counts toward money
 * only if it verifies against the EVSE's configured meter key; one that does not is
 * recorded as refused (visible, never counted). A session's final reading is proven when a
 * verified end reading ({@code TX=E}) follows a verified begin reading ({@code TX=B}) from
 * the same meter in the same session; real meters often leave OCMF's {@code ID} empty, so
 * the link is the session and the meter, and a filled {@code ID} must match the hold.
 */
final class SignedReadings {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Natural-key prefix of a reading that did not verify: recorded, never counted. */
    private static final String REFUSED = "ocmf-refused:";

    private SignedReadings() {
    }

    /** The OCMF strings carried by a TransactionEvent (signedMeterData is Base64 of OCMF). */
    static List<byte[]> ocmfRecords(Messages.TransactionEventRequest tx) {
        List<byte[]> out = new ArrayList<>();
        if (tx.meterValue() == null) {
            return out;
        }
        for (Messages.MeterValue mv : tx.meterValue()) {
            for (Messages.SampledValue sv : mv.sampledValue()) {
                Messages.SignedMeterValue s = sv.signedMeterValue();
                if (s != null && "OCMF".equalsIgnoreCase(s.encodingMethod())) {
                    try {
                        out.add(Base64.getDecoder().decode(s.signedMeterData()));
                    } catch (IllegalArgumentException notBase64) {
                        out.add(s.signedMeterData().getBytes(StandardCharsets.UTF_8)); // verification will refuse it
                    }
                }
            }
        }
        return out;
    }

    /** A fact for one signed reading: verified, or refused with the reason. */
    static Fact readingFact(OcmfVerifier verifier, byte[] ocmf, String meterKey, String charger, int evse, String transactionId,
            String session, Function<String, Optional<JournalEntry>> lastVerifiedReading) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("charger", charger).put("evse", evse).put("transactionId", transactionId);
        body.put("ocmf", new String(ocmf, StandardCharsets.UTF_8)); // kept whole: it must verify again as received
        try {
            VerifiedRecord v = verifier.verify(ocmf, meterKey);
            if (v.identification() != null && !v.identification().isEmpty() && session != null
                    && !v.identification().equals(session) && !"NONE".equals(v.identificationType())) {
                throw new RefusedReading("OCMF ID " + v.identification() + " names another session than " + session);
            }
            notBackwards(v, lastVerifiedReading.apply(v.meterSerial()));
            body.put("verified", true).put("meterSerial", v.meterSerial()).put("pagination", v.pagination());
            ArrayNode readings = body.putArray("readings");
            for (MeterReading r : v.readings()) {
                ObjectNode n = readings.addObject();
                n.put("TX", r.transaction()).put("TM", r.time()).put("RV", r.value()).put("RU", r.unit()).put("RI", r.obis()).put("ST", r.status());
                BigDecimal wh = r.energyWh();
                if (wh != null) {
                    n.put("Wh", wh);
                }
            }
            return Fact.of(FactType.SIGNED_READING, NaturalKeys.signedReading(v.payload()), session, body.toString());
        } catch (RefusedReading refused) {
            body.put("verified", false).put("refused", refused.getMessage());
            return Fact.of(FactType.SIGNED_READING, REFUSED + NaturalKeys.sha256(ocmf), session, body.toString());
        }
    }

    static boolean isRefused(Fact reading) {
        return reading.naturalKey().startsWith(REFUSED);
    }

    /**
     * A meter's pagination counter and energy register only ever go up: a signed reading that
     * goes back (a replayed old record, a swapped or reset meter) is refused and flagged.
     */
    private static void notBackwards(VerifiedRecord v, Optional<JournalEntry> last) throws RefusedReading {
        if (last.isEmpty()) {
            return;
        }
        JsonNode previous = read(last.get().fact().body());
        if (previous == null || NaturalKeys.signedReading(v.payload()).equals(last.get().fact().naturalKey())) {
            return; // the same record again: a duplicate, not a step back
        }
        String before = previous.path("pagination").asText("");
        String now = v.pagination() == null ? "" : v.pagination();
        if (!before.isEmpty() && !now.isEmpty() && before.charAt(0) == now.charAt(0)) {
            long b = pageNumber(before);
            long n = pageNumber(now);
            if (b >= 0 && n >= 0 && n <= b) {
                throw new RefusedReading("meter " + v.meterSerial() + " pagination went backwards: " + now + " after " + before
                        + " (seq " + last.get().seq() + ")");
            }
        }
        BigDecimal lastRegister = null;
        for (JsonNode r : previous.path("readings")) {
            if (r.has("Wh")) {
                lastRegister = r.get("Wh").decimalValue();
            }
        }
        for (MeterReading r : v.readings()) {
            BigDecimal wh = r.energyWh();
            if (wh != null && lastRegister != null && wh.compareTo(lastRegister) < 0) {
                throw new RefusedReading("meter " + v.meterSerial() + " register went backwards: " + wh.toPlainString() + " Wh after "
                        + lastRegister.toPlainString() + " Wh (seq " + last.get().seq() + ")");
            }
        }
    }

    private static long pageNumber(String pagination) {
        try {
            return Long.parseLong(pagination.substring(1));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return -1;
        }
    }

    /**
     * If the session now has a verified begin and a later verified end reading from one meter,
     * the fact proving its final reading (with the energy delivered, exactly, in Wh).
     */
    static Optional<Fact> finalProof(List<JournalEntry> sessionTimeline, String session) {
        JsonNode begin = null;
        JsonNode end = null;
        long endSeq = 0;
        for (JournalEntry e : sessionTimeline) {
            if (e.fact().type() == FactType.FINAL_READING_PROVEN) {
                return Optional.empty(); // proven once
            }
            if (e.fact().type() != FactType.SIGNED_READING) {
                continue;
            }
            JsonNode body = read(e.fact().body());
            if (body == null || !body.path("verified").asBoolean(false)) {
                continue;
            }
            for (JsonNode r : body.path("readings")) {
                String tx = r.path("TX").asText();
                if (tx.equals("B") && begin == null) {
                    begin = withMeter(r, body);
                } else if (tx.equals("E") && begin != null && sameMeter(begin, body)) {
                    end = withMeter(r, body);
                    endSeq = e.seq();
                }
            }
        }
        if (begin == null || end == null || !begin.has("Wh") || !end.has("Wh")) {
            return Optional.empty();
        }
        BigDecimal delivered = end.get("Wh").decimalValue().subtract(begin.get("Wh").decimalValue());
        if (delivered.signum() < 0) {
            return Optional.empty(); // a register that went backwards proves nothing
        }
        ObjectNode proof = JsonNodeFactory.instance.objectNode();
        proof.put("meterSerial", end.path("meterSerial").asText()).put("beginWh", begin.get("Wh").decimalValue())
                .put("endWh", end.get("Wh").decimalValue()).put("deliveredWh", delivered).put("endReadingSeq", endSeq);
        return Optional.of(Fact.of(FactType.FINAL_READING_PROVEN, NaturalKeys.decision(session, "final-reading"), session, proof.toString()));
    }

    private static ObjectNode withMeter(JsonNode reading, JsonNode record) {
        ObjectNode n = ((ObjectNode) reading).deepCopy();
        n.put("meterSerial", record.path("meterSerial").asText());
        return n;
    }

    private static boolean sameMeter(JsonNode begin, JsonNode record) {
        return begin.path("meterSerial").asText().equals(record.path("meterSerial").asText());
    }

    private static JsonNode read(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
