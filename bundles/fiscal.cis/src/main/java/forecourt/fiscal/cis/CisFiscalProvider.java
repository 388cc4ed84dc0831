package forecourt.fiscal.cis;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.fiscal.FiscalJson;
import forecourt.api.fiscal.FiscalProvider;
import forecourt.api.fiscal.FiscalReceipt;
import forecourt.api.fiscal.FiscalRequest;
import forecourt.api.id.AuthorizationReference;
import forecourt.api.id.IdempotencyKey;
import forecourt.api.id.SiteId;
import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.Instruction;
import forecourt.api.ledger.InstructionOutcome;
import forecourt.api.ledger.Ledger;
import forecourt.api.ledger.NaturalKeys;
import forecourt.api.money.Money;

/**
 * Croatia's fiskalizacija as the site's fiscal provider (link {@code fiscal:cis}). The ZKI
 * is computed locally at once (deterministic, so every retry carries the same one); the
 * signed RacunZahtjev goes to CIS, whose JIR completes the receipt. When CIS cannot be
 * reached the driver's receipt is issued at once with the ZKI only (degraded), and a late
 * delivery — the same receipt, same number and ZKI, {@code NakDost=true} — waits in the
 * outbox with the 48-hour deadline; an alarm is raised before it passes. A lost answer is
 * resolved by delivering the same receipt again (CIS keeps one JIR per receipt), never by a
 * second receipt number. Every receipt is fiscalized whatever the payment method (the rule in
 * force since 2026); card payments are {@code NacinPlac=K}.
 */
public final class CisFiscalProvider implements FiscalProvider {
    private static final Logger log = LoggerFactory.getLogger(CisFiscalProvider.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    static final DateTimeFormatter XML_TIME = DateTimeFormatter.ofPattern("dd.MM.yyyy'T'HH:mm:ss");
    static final DateTimeFormatter ZKI_TIME = DateTimeFormatter.ofPattern("dd.MM.yyyy HH:mm:ss");
    static final DateTimeFormatter QR_TIME = DateTimeFormatter.ofPattern("yyyyMMdd_HHmm");

    /** The business and its fiscal certificate. */
    public record Issuer(String oib, String premises, String device, String operatorOib, boolean inVatSystem, PrivateKey key,
            X509Certificate certificate) {
    }

    private final Issuer issuer;
    private final CisClient cis;
    private final Ledger ledger;
    private final Clock clock;
    private final ZoneId zone;
    private final Map<String, BigDecimal> vatRates;
    private final Duration lateDeadline;
    private final Duration alarmMargin;

    public CisFiscalProvider(Issuer issuer, String serviceUrl, Duration timeout, Ledger ledger, Clock clock, ZoneId zone,
            Map<String, BigDecimal> vatRates, Duration lateDeadline, Duration alarmMargin) {
        this.issuer = issuer;
        this.cis = new CisClient(serviceUrl, timeout);
        this.ledger = ledger;
        this.clock = clock;
        this.zone = zone;
        this.vatRates = Map.copyOf(vatRates);
        this.lateDeadline = lateDeadline;
        this.alarmMargin = alarmMargin;
    }

    @Override
    public String name() {
        return "cis";
    }

    static String amount(long cents) {
        return BigDecimal.valueOf(cents, 2).toPlainString();
    }

    String zki(FiscalRequest r) {
        return Zki.compute(issuer.key(), Zki.input(issuer.oib(), ZKI_TIME.format(r.soldAt().atZone(zone)), r.receiptNumber(), issuer.premises(),
                issuer.device(), amount(r.total().minorUnits())));
    }

    RacunZahtjev.Racun racun(FiscalRequest r, String zki, boolean late) {
        List<RacunZahtjev.Vat> vat = new ArrayList<>();
        for (Map.Entry<String, Money> e : new TreeMap<>(r.grossByVatRate()).entrySet()) {
            BigDecimal rate = vatRates.get(e.getKey());
            if (rate == null) {
                throw new IllegalArgumentException("VAT rate '" + e.getKey() + "' has no percentage for CIS (configure vatRates)");
            }
            // base = gross / (1 + rate), rounded half up to the cent; the tax is what is left (they sum to the gross exactly)
            long gross = e.getValue().minorUnits();
            long base = BigDecimal.valueOf(gross).multiply(BigDecimal.valueOf(100)).divide(rate.add(BigDecimal.valueOf(100)), 0, RoundingMode.HALF_UP)
                    .longValueExact();
            vat.add(new RacunZahtjev.Vat(rate.setScale(2).toPlainString(), amount(base), amount(gross - base)));
        }
        return new RacunZahtjev.Racun(issuer.oib(), issuer.inVatSystem(), XML_TIME.format(r.soldAt().atZone(zone)), r.receiptNumber(), issuer.premises(),
                issuer.device(), vat, amount(r.total().minorUnits()), "K", issuer.operatorOib(), zki, late);
    }

    private String receiptId(FiscalRequest r) {
        return r.receiptNumber() + "/" + issuer.premises() + "/" + issuer.device();
    }

    private String qr(FiscalRequest r, String code, boolean jir) {
        return "https://porezna.gov.hr/rn?" + (jir ? "jir=" : "zki=") + code + "&datv=" + QR_TIME.format(r.soldAt().atZone(zone)) + "&izn="
                + r.total().minorUnits();
    }

    private static String jirKey(String ref) {
        return "cis:jir:" + ref;
    }

    @Override
    public InstructionOutcome deliver(Instruction instruction, int attempt) {
        JsonNode body;
        try {
            body = JSON.readTree(instruction.body());
        } catch (IOException e) {
            return InstructionOutcome.declined("not a fiscal request");
        }
        FiscalRequest r = FiscalJson.request(instruction.body());
        return body.path("nakDost").asBoolean() ? lateDelivery(r, body) : fiscalize(r);
    }

    private InstructionOutcome fiscalize(FiscalRequest r) {
        if (ledger.byNaturalKey(NaturalKeys.fiscalReceipt(r.authorizationReference())).isPresent()) {
            return InstructionOutcome.succeeded(receiptId(r)); // recorded before a crash
        }
        String zki = zki(r);
        RacunZahtjev.Racun racun;
        try {
            racun = racun(r, zki, false);
        } catch (IllegalArgumentException e) {
            return InstructionOutcome.declined(e.getMessage());
        }
        try {
            String jir = cis.send(RacunZahtjev.signed(racun, UUID.randomUUID().toString(), XML_TIME.format(clock.instant().atZone(zone)),
                    issuer.key(), issuer.certificate()));
            recordJir(r, zki, jir, false);
            Ledger.await(ledger.append(FiscalJson.receiptFact(r, new FiscalReceipt("cis", receiptId(r), zki, qr(r, jir, true), false, "", null))));
            log.info("CIS receipt {} for session {}: JIR {}", receiptId(r), r.authorizationReference(), jir);
            return InstructionOutcome.succeeded(jir);
        } catch (CisClient.Refused refused) {
            return InstructionOutcome.needsReview("CIS refused receipt " + receiptId(r) + ": " + refused.getMessage());
        } catch (IOException unreachable) {
            // the driver gets the receipt now, with the ZKI; CIS gets it later, flagged as late
            Instant deadline = r.soldAt().plus(lateDeadline);
            ObjectNode late = (ObjectNode) parse(FiscalJson.request(r));
            late.put("nakDost", true).put("deliverBy", deadline.toString());
            SiteId site = new SiteId(r.siteId());
            IdempotencyKey key = IdempotencyKey.derive(site, r.authorizationReference(), new AuthorizationReference(r.authorizationReference()), "cislate");
            Ledger.await(ledger.enqueue(Instruction.of(key, "fiscal:cis", r.authorizationReference(), false, late.toString())));
            Ledger.await(ledger.append(FiscalJson.receiptFact(r, new FiscalReceipt("cis", receiptId(r), zki, qr(r, zki, false), true,
                    "deliver to CIS with NakDost=true", deadline))));
            log.warn("CIS unreachable ({}): receipt {} issued with its ZKI; late delivery due by {}", unreachable.getMessage(), receiptId(r), deadline);
            return InstructionOutcome.succeeded("zki:" + zki);
        }
    }

    private InstructionOutcome lateDelivery(FiscalRequest r, JsonNode body) {
        if (ledger.byNaturalKey(jirKey(r.authorizationReference())).isPresent()) {
            return InstructionOutcome.succeeded("delivered before");
        }
        Instant deadline = r.soldAt().plus(lateDeadline);
        if (clock.instant().isAfter(deadline.minus(alarmMargin))) {
            String text = "CIS late delivery of receipt " + receiptId(r) + " not done; the legal deadline is " + deadline;
            if (ledger.byNaturalKey("cis:alarm:" + r.authorizationReference()).isEmpty()) {
                log.error("ALARM {}", text);
                Ledger.await(ledger.append(Fact.of(FactType.ALARM, "cis:alarm:" + r.authorizationReference(), r.authorizationReference(),
                        JSON.createObjectNode().put("alarm", "CIS_LATE_DELIVERY").put("text", text).toString())));
            }
        }
        String zki = zki(r);
        try {
            String jir = cis.send(RacunZahtjev.signed(racun(r, zki, true), UUID.randomUUID().toString(), XML_TIME.format(clock.instant().atZone(zone)),
                    issuer.key(), issuer.certificate()));
            recordJir(r, zki, jir, true);
            log.info("CIS receipt {} delivered late (NakDost): JIR {}", receiptId(r), jir);
            return InstructionOutcome.succeeded(jir);
        } catch (CisClient.Refused refused) {
            return InstructionOutcome.needsReview("CIS refused the late delivery of " + receiptId(r) + ": " + refused.getMessage());
        } catch (IOException unreachable) {
            // delivering the same receipt again is CIS's own rule for a lost answer: safe to retry
            return InstructionOutcome.retryable("CIS unreachable: " + unreachable.getMessage(), clock.instant().plus(Duration.ofMinutes(1)));
        }
    }

    private void recordJir(FiscalRequest r, String zki, String jir, boolean late) {
        Ledger.await(ledger.append(Fact.of(FactType.FISCAL_JOURNAL, jirKey(r.authorizationReference()), r.authorizationReference(),
                JSON.createObjectNode().put("receiptId", receiptId(r)).put("zki", zki).put("jir", jir).put("nakDost", late).toString())));
    }

    @Override
    public InstructionOutcome resolve(Instruction instruction, int attempt) {
        return deliver(instruction, attempt); // the same receipt again: same number, same ZKI
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
