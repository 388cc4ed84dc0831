package forecourt.ocpi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Currency;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.cpo.RemoteStart;
import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.ChargerId;
import forecourt.api.id.EvseId;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.id.SiteId;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome.Result;
import forecourt.api.money.Money;
import forecourt.api.payment.Cdr;
import forecourt.api.payment.Hold;
import forecourt.api.site.Charger;
import forecourt.api.site.Evse;
import forecourt.api.site.Site;
import forecourt.api.site.SiteModel;
import forecourt.api.site.Tariff;
import forecourt.api.site.Terminal;
import forecourt.testsupport.TestSite;
import forecourt.api.payment.PaymentJson;
import forecourt.ledger.LedgerStore;
import forecourt.sim.ocpi.CsmsEmulator;

/** The PTP side against the CSMS emulator: handshake, envelope, CDR intake, Financial Advice Confirmations. */
class OcpiTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN_A = "token-A-from-the-cpo";
    @TempDir
    Path dir;
    CsmsEmulator csms;
    LedgerStore ledger;
    OcpiConnection connection;

    @BeforeEach
    void start() throws Exception {
        csms = new CsmsEmulator(0, TOKEN_A);
        ledger = new LedgerStore(dir.resolve("ledger.mv.db"), Clock.systemUTC(), 64);
        connection = connection();
    }

    private OcpiConnection connection() {
        return new OcpiConnection(csms.versionsUrl(), TOKEN_A, "http://gateway.invalid/ocpi/versions", "AT", "FCT", "Forecourt site AT0042",
                dir.resolve("ocpi-credentials.json"), Duration.ofSeconds(2));
    }

    @AfterEach
    void stop() {
        ledger.close();
        csms.close();
    }

    @Test
    void theHandshakeRegistersAsPtpAndUsesTokenCFromThenOn() throws Exception {
        connection.connect();
        assertThat(csms.registeredPtp().path("roles").get(0).path("role").asText()).isEqualTo("PTP");
        assertThat(csms.registeredPtp().path("token").asText()).hasSize(48);
        assertThat(connection.endpoint("cdrs", "SENDER")).endsWith("/ocpi/2.3.0/cdrs");
        assertThat(connection.endpoint("payments", "RECEIVER")).endsWith("/ocpi/2.3.0/payments");
        String saved = Files.readString(dir.resolve("ocpi-credentials.json"));
        assertThat(saved).contains("tokenC").doesNotContain(TOKEN_A);
        // a restart reloads the registration: no second handshake, token C works
        OcpiConnection again = connection();
        again.connect();
        assertThat(again.client().get(again.endpoint("cdrs", "SENDER")).ok()).isTrue();
        // token A alone no longer reads CDRs
        OcpiClient a = new OcpiClient(TOKEN_A, Duration.ofSeconds(2));
        OcpiClient.Answer refused = a.get(again.endpoint("cdrs", "SENDER"));
        assertThat(refused.ok()).isFalse();
        assertThat(refused.statusCode()).isEqualTo(2001);
    }

    @Test
    void theTokenHeaderIsBase64AndTheEnvelopeIsRead() throws Exception {
        assertThat(OcpiClient.authorization("abc")).isEqualTo("Token YWJj");
        connection.connect();
        OcpiClient.Answer a = connection.client().get(connection.endpoint("cdrs", "SENDER"));
        assertThat(a.statusCode()).isEqualTo(1000);
        assertThat(a.statusMessage()).isEqualTo("Success");
        assertThat(a.data().isArray()).isTrue();
        OcpiClient.Answer missing = connection.client().get(connection.endpoint("payments", "RECEIVER") + "/financial-advice-confirmations/nope");
        assertThat(missing.unknownObject()).isTrue();
    }

    @Test
    void ocpiDecimalsBecomeMinorUnitsByOneExplicitRule() {
        Currency eur = Currency.getInstance("EUR");
        assertThat(CdrIntake.minorUnits(new BigDecimal("7.08"), eur)).isEqualTo(708);
        assertThat(CdrIntake.minorUnits(new BigDecimal("7.085"), eur)).isEqualTo(709); // half up
        assertThat(CdrIntake.minorUnits(new BigDecimal("7.0849"), eur)).isEqualTo(708);
        assertThat(CdrIntake.wattHours(new BigDecimal("12.0004"))).isEqualTo(12_000);
        assertThat(CdrIntake.wattHours(new BigDecimal("12.0005"))).isEqualTo(12_001);
    }

    @Test
    void cdrsArePulledAcrossPagesStoredOnceAndUnknownReferencesKept() throws Exception {
        for (int i = 0; i < 12; i++) {
            csms.addCdr("CDR" + i, "AT0042-REF" + i, "7.08", "12.000");
        }
        csms.addCdr("CDR-BAD", "", "1.00", "1.0"); // no authorization reference: refused, logged, counted
        CdrIntake intake = new CdrIntake(connection, ledger, Instant.EPOCH);
        assertThat(intake.pull()).isEqualTo(12); // 13 CDRs over 3 pages of 5
        assertThat(intake.counter("refused")).isEqualTo(1);
        assertThat(intake.counter("unknown-reference")).isEqualTo(12); // no holds in this ledger: kept and shown
        assertThat(intake.pull()).isZero(); // the same CDRs again: duplicates
        assertThat(intake.counter("duplicate")).isEqualTo(12);
        var facts = ledger.read(0, 1000).stream().filter(e -> e.fact().type() == FactType.CDR_RECEIVED).toList();
        assertThat(facts).hasSize(12);
        Cdr cdr = PaymentJson.cdr(facts.get(0).fact().body());
        assertThat(cdr.totalCost()).isEqualTo(Money.of(708, "EUR"));
        assertThat(cdr.totalEnergyWh()).isEqualTo(12_000);
        assertThat(ledger.sessionsWithoutHold()).isNotEmpty();
    }

    private static Instruction fac(String ref) {
        var body = JSON.createObjectNode().put("id", "FAC-" + ref).put("authorization_reference", ref).put("currency", "EUR")
                .put("capture_status_code", "SUCCESS").put("last_updated", Instant.now().toString());
        body.putObject("total_costs").put("excl_vat", new BigDecimal("5.90")).put("incl_vat", new BigDecimal("7.08"));
        body.putArray("eft_data").add("pi_123").add("visa ************4242");
        return Instruction.of(IdempotencyKey.derive(new SiteId("AT0042"), ref, new AuthorizationReference(ref), "confirm"), "cpo:csms", ref, false,
                body.toString());
    }

    @Test
    void aFinancialAdviceConfirmationArrivesExactlyOnceAcrossAnOutageAndALostAnswer() {
        FinancialAdviceHandler handler = new FinancialAdviceHandler(connection, Clock.systemUTC(), Duration.ZERO);
        Instruction i = fac("AT0042-REF1");
        csms.down(true);
        assertThat(handler.deliver(i, 1).result()).isEqualTo(Result.RETRYABLE); // the handshake cannot even start
        csms.down(false);
        csms.dropNextFacAnswer();
        assertThat(handler.deliver(i, 2).result()).isEqualTo(Result.UNKNOWN); // stored, answer lost
        assertThat(handler.resolve(i, 2).result()).isEqualTo(Result.SUCCEEDED); // found by GET: not posted again
        assertThat(csms.facPosts()).isEqualTo(1);
        assertThat(csms.financialAdviceConfirmations()).containsKey("FAC-AT0042-REF1");
        // one that never arrived is found missing and sent
        Instruction other = fac("AT0042-REF2");
        assertThat(handler.resolve(other, 1).result()).isEqualTo(Result.RETRYABLE);
        assertThat(handler.deliver(other, 2).result()).isEqualTo(Result.SUCCEEDED);
        assertThat(csms.facPosts()).isEqualTo(2);
    }

    @Test
    void startSessionCarriesTheHoldsReferenceWhichComesBackInTheCdr() throws Exception {
        OcpiCommands commands = new OcpiCommands(connection, "http://gateway.invalid/ocpi/commands", "AT", "FCT", "Forecourt");
        OcpiCommands.Response started = commands.startSession("AT0042-01M87QBTEV69VR7MDYXESH4", "LOC1", "AT*FCT*ECH1*1");
        assertThat(started.accepted()).isTrue();
        var command = csms.startedSessions().get("AT0042-01M87QBTEV69VR7MDYXESH4");
        assertThat(command.path("token").path("type").asText()).isEqualTo("AD_HOC_USER");
        assertThat(command.path("response_url").asText()).endsWith("/START_SESSION/AT0042-01M87QBTEV69VR7MDYXESH4");
        csms.completeSession("AT0042-01M87QBTEV69VR7MDYXESH4", "7.08", "12.0");
        new CdrIntake(connection, ledger, Instant.EPOCH).pull();
        var cdr = ledger.read(0, 100).stream().filter(e -> e.fact().type() == FactType.CDR_RECEIVED).findFirst().orElseThrow();
        assertThat(cdr.fact().session()).isEqualTo("AT0042-01M87QBTEV69VR7MDYXESH4");
        csms.answerNextCommand("REJECTED");
        assertThat(commands.startSession("AT0042-OTHER", "LOC1", "AT*FCT*ECH1*1").accepted()).isFalse();
        assertThat(commands.stopSession("SESSION-1").result()).isEqualTo("ACCEPTED");
        assertThatThrownBy(() -> commands.startSession("X".repeat(37), "LOC1", "E")).isInstanceOf(IllegalArgumentException.class);
    }

    /** The site, with terminals a test may change as an operator changes the configuration. */
    static final class ChangingSite implements SiteModel {
        final TestSite site = new TestSite("test-acquirer");
        volatile List<Terminal> terminals = site.terminals();

        public Site site() { return site.site(); }
        public List<Charger> chargers() { return site.chargers(); }
        public Optional<Charger> charger(ChargerId id) { return site.charger(id); }
        public List<Evse> evses() { return site.evses(); }
        public Optional<Evse> evse(EvseId id) { return site.evse(id); }
        public List<Tariff> tariffs() { return site.tariffs(); }
        public Optional<Tariff> tariff(String id) { return site.tariff(id); }
        public List<Terminal> terminals() { return terminals; }
        public Optional<Terminal> terminal(String id) { return terminals.stream().filter(t -> t.id().equals(id)).findFirst(); }
        public List<String> problems() { return List.of(); }
    }

    private PtpServlet servlet(ChangingSite site, AtomicInteger activations) throws Exception {
        TerminalBook book = new TerminalBook(site, "http://gw/receipts/", dir.resolve("terminals.json"), Clock.systemUTC());
        return new PtpServlet(connection, new CdrIntake(connection, ledger, Instant.EPOCH), book, ledger, "http://gw/ocpi", "cpo:csms",
                activations::incrementAndGet);
    }

    private String tokenB() throws Exception {
        connection.connect();
        return OcpiClient.authorization(JSON.readTree(Files.readString(dir.resolve("ocpi-credentials.json"))).get("tokenB").asText());
    }

    @Test
    void aPushedCdrNeedsTokenBAndGoesThroughTheSameIntake() throws Exception {
        PtpServlet receiver = servlet(new ChangingSite(), new AtomicInteger());
        byte[] cdr = ("{\"country_code\":\"AT\",\"party_id\":\"CSM\",\"id\":\"PUSH1\",\"authorization_reference\":\"AT0042-P\","
                + "\"currency\":\"EUR\",\"total_cost\":{\"excl_vat\":5.9,\"incl_vat\":7.08},\"total_energy\":12.0}").getBytes();
        assertThat(receiver.handle("POST", "2.3.0/cdrs", Map.of(), null, cdr).http()).as("before registration there is no token B").isEqualTo(401);
        String tokenB = tokenB();
        assertThat(receiver.handle("POST", "2.3.0/cdrs", Map.of(), OcpiClient.authorization("someone-else"), cdr).http()).isEqualTo(401);
        PtpServlet.Reply ok = receiver.handle("POST", "2.3.0/cdrs", Map.of(), tokenB, cdr);
        assertThat(ok.http()).isEqualTo(200);
        assertThat(JSON.readTree(ok.envelope()).get("status_code").asInt()).isEqualTo(1000);
        assertThat(receiver.handle("POST", "2.3.0/cdrs", Map.of(), tokenB, cdr).envelope()).contains("already recorded");
        assertThat(receiver.handle("POST", "2.3.0/cdrs", Map.of(), tokenB, "{\"id\":\"X\"}".getBytes()).http()).isEqualTo(400);
        assertThat(receiver.handle("POST", "2.3.0/cdrs", Map.of(), tokenB, "not json".getBytes()).http()).isEqualTo(400);
        assertThat(receiver.handle("POST", "2.3.0/cdrs", Map.of(), tokenB, new byte[PtpServlet.MAX_BODY_BYTES + 1]).http()).isEqualTo(400);
        assertThat(receiver.counter("refused")).isEqualTo(2);
        assertThat(ledger.read(0, 100)).filteredOn(e -> e.fact().type() == FactType.CDR_RECEIVED).hasSize(1);
    }

    @Test
    void theCposCommandResultIsRecordedInTheSessionsTimelineAndNonsenseIsRefused() throws Exception {
        PtpServlet receiver = servlet(new ChangingSite(), new AtomicInteger());
        String tokenB = tokenB();
        String ref = "AT0042-CMD1";
        byte[] failed = "{\"result\":\"EVSE_INOPERATIVE\",\"message\":[{\"language\":\"en\",\"text\":\"charger offline\"}]}".getBytes();
        assertThat(receiver.handle("POST", "2.3.0/commands/START_SESSION/" + ref, Map.of(), tokenB, failed).http())
                .as("no hold with that reference").isEqualTo(404);
        Hold hold = new Hold(ref, "T1", EvseId.parse("CH1/1"), new Tariff("HPC", 1, new BigDecimal("0.59"), Money.of(0, "EUR"), "standard"),
                Money.of(5000, "EUR"), "acquirer:x", "pi_1", "visa", "************4242", Instant.now(), Instant.now().plus(Duration.ofDays(7)));
        ledger.append(PaymentJson.holdPlaced(hold)).toCompletableFuture().join();
        assertThat(receiver.handle("POST", "2.3.0/commands/START_SESSION/" + ref, Map.of(), tokenB, failed).http()).isEqualTo(200);
        var recorded = ledger.byNaturalKey(RemoteStart.resultKey(ref)).orElseThrow();
        assertThat(recorded.fact().session()).isEqualTo(ref);
        assertThat(recorded.fact().bodyText()).contains("EVSE_INOPERATIVE", "charger offline");
        assertThat(receiver.handle("POST", "2.3.0/commands/START_SESSION/" + ref, Map.of(), tokenB, "{\"result\":\"MAYBE\"}".getBytes()).http())
                .isEqualTo(400);
    }

    @Test
    void terminalsArePushedOnceKeptInStepWithTheConfigurationAndServedToTheCpo() throws Exception {
        ChangingSite site = new ChangingSite();
        AtomicInteger activations = new AtomicInteger();
        PtpServlet ptp = servlet(site, activations);
        String tokenB = tokenB();
        TerminalBook book = new TerminalBook(site, "http://gw/receipts/", dir.resolve("terminals.json"), Clock.systemUTC());
        // the first push: T1 with its EVSE uids; nothing after it is recorded as pushed
        List<ObjectNode> first = book.toPush();
        assertThat(first).hasSize(1);
        assertThat(first.get(0).path("reference").asText()).isEqualTo("AT0042/T1");
        assertThat(first.get(0).path("invoice_creator").asText()).isEqualTo("PTP");
        assertThat(first.get(0).path("evse_uids").toString()).contains("AT*FCT*ECH1*1");
        book.pushed(first.get(0));
        assertThat(book.toPush()).isEmpty();
        assertThat(new TerminalBook(site, "http://gw/receipts/", dir.resolve("terminals.json"), Clock.systemUTC()).toPush())
                .as("a restart pushes nothing twice").isEmpty();
        // the operator adds a terminal and takes an EVSE from T1: both are pushed again
        Terminal t1 = site.terminals.get(0);
        site.terminals = List.of(new Terminal("T1", List.of(t1.evses().get(0)), t1.acquirer(), t1.holdAmount(), t1.holdValidity()),
                new Terminal("T9", List.of(t1.evses().get(1)), t1.acquirer(), t1.holdAmount(), t1.holdValidity()));
        assertThat(book.toPush()).extracting(o -> o.get("terminal_id").asText()).containsExactlyInAnyOrder("T1", "T9");
        // the CPO reads them (paginated envelope), assigns a location by PATCH, deactivates and re-activates one
        PtpServlet.Reply list = ptp.handle("GET", "2.3.0/payments/terminals", Map.of("limit", "1"), tokenB, new byte[0]);
        assertThat(JSON.readTree(list.envelope()).path("data")).hasSize(1);
        assertThat(list.headers()).containsEntry("X-Total-Count", "2").containsKey("Link");
        assertThat(ptp.handle("PATCH", "2.3.0/payments/terminals/T9", Map.of(), tokenB, "{\"location_ids\":[\"LOC-42\"]}".getBytes()).http())
                .isEqualTo(200);
        assertThat(JSON.readTree(ptp.handle("GET", "2.3.0/payments/terminals/T9", Map.of(), tokenB, new byte[0]).envelope())
                .path("data").path("location_ids").toString()).contains("LOC-42");
        assertThat(ptp.handle("PATCH", "2.3.0/payments/terminals/T9", Map.of(), tokenB, "{\"location_ids\":\"LOC\"}".getBytes()).http())
                .isEqualTo(400);
        TerminalBook seen = new TerminalBook(site, "http://gw/receipts/", dir.resolve("terminals2.json"), Clock.systemUTC());
        seen.update("T9", JSON.readTree("{\"evse_uids\":[\"AT*FCT*ECH2*2\"]}"), false);
        assertThat(seen.assignmentsDiffering()).as("the CPO assigns CH2/2, the configuration CH1/2").isEqualTo(1);
        seen.update("T9", JSON.readTree("{\"evse_uids\":[\"AT*FCT*ECH1*2\"]}"), false);
        assertThat(seen.assignmentsDiffering()).isEqualTo(1);
        assertThat(ptp.handle("POST", "2.3.0/payments/terminals/T9/deactivate", Map.of(), tokenB, new byte[0]).http()).isEqualTo(200);
        assertThat(ptp.handle("GET", "2.3.0/payments/terminals/T9", Map.of(), tokenB, new byte[0]).http()).isEqualTo(404);
        assertThat(ptp.handle("POST", "2.3.0/payments/terminals/activate", Map.of(), tokenB, "{\"reference\":\"AT0042/T9\"}".getBytes()).http())
                .isEqualTo(200);
        assertThat(activations).hasValue(1);
        assertThat(ptp.handle("POST", "2.3.0/payments/terminals/activate", Map.of(), tokenB, "{\"reference\":\"AT0042/T77\"}".getBytes()).http())
                .isEqualTo(404);
        assertThat(ptp.handle("GET", "versions", Map.of(), tokenB, new byte[0]).envelope()).contains("http://gw/ocpi/2.3.0");
        assertThat(ptp.handle("GET", "2.3.0/payments/terminals", Map.of(), null, new byte[0]).http()).isEqualTo(401);
    }

    @Test
    void aMalformedConfirmationIsDeclinedByTheCpo() {
        FinancialAdviceHandler handler = new FinancialAdviceHandler(connection, Clock.systemUTC(), Duration.ZERO);
        Instruction bad = Instruction.of(IdempotencyKey.derive(new SiteId("AT0042"), "X", new AuthorizationReference("AT0042-X"), "confirm"), "cpo:csms",
                "AT0042-X", false, "{\"id\":\"FAC-X\"}");
        assertThat(handler.deliver(bad, 1).result()).isEqualTo(Result.DECLINED);
        assertThatThrownBy(() -> CdrIntake.parse(JSON.readTree("{\"id\":\"C\"}"))).isInstanceOf(IllegalArgumentException.class);
    }
}
