package forecourt.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.PaymentSession;
import forecourt.api.ledger.PaymentSessionState;
import forecourt.ledger.LedgerStore;

/**
 * What must hold after any bad day, however it went: for every session with a hold, exactly
 * one capture of its verified amount at the acquirer and the rest released, or — if it never
 * charged — the whole hold released; one fiscal receipt per capture, receipt numbers without a
 * gap; every transaction event once, in order; no capture without a hold; the ledger's chain
 * intact. The gateway must be stopped (the ledger file is read directly).
 */
final class SettlementAudit {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SettlementAudit() {
    }

    /** @return a one-line summary; fails the test on any breach */
    static String everySessionSettledOnce(Path data, int stripePort, int csmsPort, Map<String, Long> delivered, int minSessions) throws Exception {
        // the CPO's record: Financial Advice Confirmations by authorization reference, never one posted twice
        JsonNode cpo = get("http://127.0.0.1:" + csmsPort + "/_emulator/facs");
        assertThat(cpo.get("duplicates").asInt()).as("FACs posted twice").isZero();
        Map<String, Integer> facsPerReference = new HashMap<>();
        cpo.get("facs").forEach(f -> facsPerReference.merge(f.get("authorization_reference").asText(), 1, Integer::sum));
        JsonNode intents = get("http://127.0.0.1:" + stripePort + "/_emulator/intents");
        JsonNode captures = get("http://127.0.0.1:" + stripePort + "/_emulator/captures");
        Map<String, Integer> capturesPerIntent = new HashMap<>();
        Map<String, Long> capturedAmount = new HashMap<>();
        captures.forEach(c -> {
            capturesPerIntent.merge(c.get("payment_intent").asText(), 1, Integer::sum);
            capturedAmount.put(c.get("payment_intent").asText(), c.get("amount").asLong());
        });
        assertThat(capturesPerIntent.values()).as("captures per PaymentIntent").allMatch(n -> n == 1);

        try (LedgerStore ledger = new LedgerStore(data.resolve("ledger/ledger.mv.db"), Clock.systemUTC(), 16)) {
            assertThat(ledger.verify().intact()).as("ledger chain").isTrue();
            List<PaymentSession> sessions = ledger.sessions(null).stream().filter(PaymentSession::hasHold).toList();
            assertThat(sessions.size()).as("sessions").isGreaterThan(minSessions);
            Set<Long> receiptNumbers = new HashSet<>();
            int charged = 0;
            for (PaymentSession s : sessions) {
                String ref = s.authorizationReference();
                List<JournalEntry> timeline = ledger.timeline(ref);
                assertThat(s.state()).as("state of " + ref).isEqualTo(PaymentSessionState.CLOSED);
                String pi = read(timeline.get(0).fact().bodyText()).get("providerReference").asText();
                Long wh = delivered.get(ref);
                long capturedFacts = timeline.stream().filter(e -> e.fact().type() == FactType.CAPTURED).count();
                if (wh != null && wh > 0 && timeline.stream().anyMatch(e -> e.fact().type() == FactType.FINAL_READING_PROVEN)) {
                    charged++;
                    long expected = new BigDecimal(wh).multiply(new BigDecimal("0.59")).divide(BigDecimal.TEN).longValueExact(); // Wh × 0.59 EUR/kWh in cents
                    assertThat(capturesPerIntent.get(pi)).as("captures of " + ref).isEqualTo(1);
                    assertThat(capturedAmount.get(pi)).as("captured amount of " + ref).isEqualTo(expected);
                    assertThat(capturedFacts).isEqualTo(1);
                    assertThat(facsPerReference.get(ref)).as("FACs at the CPO for " + ref).isEqualTo(1);
                    assertThat(timeline.stream().filter(e -> e.fact().type() == FactType.FINANCIAL_ADVICE_CONFIRMED).count()).isEqualTo(1);
                    List<JournalEntry> fiscal = timeline.stream().filter(e -> e.fact().type() == FactType.FISCAL_RECEIPT).toList();
                    assertThat(fiscal).as("fiscal receipts of " + ref).hasSize(1);
                    receiptNumbers.add(read(fiscal.get(0).fact().bodyText()).get("receiptNumber").asLong());
                } else {
                    assertThat(capturesPerIntent).as("no capture for " + ref).doesNotContainKey(pi);
                    assertThat(facsPerReference).as("no FAC for " + ref).doesNotContainKey(ref);
                    assertThat(intents.get(pi).get("status").asText()).as("hold of " + ref).isEqualTo("canceled");
                }
                // every transaction event once, seqNo 0..n per transaction
                Map<String, List<Integer>> seqs = new HashMap<>();
                timeline.stream().filter(e -> e.fact().type() == FactType.TRANSACTION_EVENT).map(e -> read(e.fact().bodyText()).get("payload"))
                        .forEach(p -> seqs.computeIfAbsent(p.path("transactionInfo").path("transactionId").asText(), t -> new ArrayList<>())
                                .add(p.get("seqNo").asInt()));
                seqs.forEach((tx, list) -> {
                    int last = list.get(list.size() - 1);
                    List<String> missing = new ArrayList<>();
                    for (int q = 0; q <= last; q++) {
                        if (!list.contains(q)) {
                            String charger = tx.substring(0, tx.indexOf('-'));
                            missing.add(q + "=" + ledger.byNaturalKey(forecourt.api.ledger.NaturalKeys.transactionEvent(charger, tx, q))
                                    .map(e -> "recorded under session " + e.fact().session() + " at seq " + e.seq()).orElse("NOT RECORDED"));
                        }
                    }
                    assertThat(missing).as("events of " + tx + " (session " + ref + ") missing from its timeline").isEmpty();
                    assertThat(list).as("seqNos of " + tx).isEqualTo(java.util.stream.IntStream.range(0, list.size()).boxed().toList());
                });
            }
            assertThat(charged).as("sessions charged and captured").isGreaterThan(0);
            assertThat(receiptNumbers).as("receipt numbers, gap-free").isEqualTo(
                    java.util.stream.LongStream.rangeClosed(1, receiptNumbers.size()).boxed().collect(java.util.stream.Collectors.toSet()));
            // no capture for an authorization the ledger has no hold for (a hold interrupted by a kill is never charged)
            Set<String> heldIntents = new HashSet<>();
            for (PaymentSession s : sessions) {
                heldIntents.add(read(ledger.timeline(s.authorizationReference()).get(0).fact().bodyText()).get("providerReference").asText());
            }
            assertThat(heldIntents).containsAll(capturesPerIntent.keySet());
            return String.format("%d sessions, %d charged and captured once (each confirmed to the CPO once), %d released, %d PaymentIntents",
                    sessions.size(), charged, sessions.size() - charged, intents.size());
        }
    }

    static JsonNode get(String url) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body());
    }

    static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
