package forecourt.ocpi;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.Currency;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import forecourt.api.ledger.Ledger;
import forecourt.api.money.Money;
import forecourt.api.payment.Cdr;
import forecourt.api.payment.PaymentJson;

/**
 * CDR intake by pulling the CPO's CDRs interface (a roadside box behind NAT or LTE cannot be
 * called; {@code GET cdrs?date_from=…} with pagination). Each CDR is validated and stored as
 * a {@code CDR_RECEIVED} fact linked to its session by {@code authorization_reference},
 * deduplicated by (country, party, CDR id); one that matches no hold is kept and shown, not
 * dropped. OCPI prices are decimals: read exactly (BigDecimal) and converted to minor units
 * rounding half up — the one rounding rule, tested.
 */
final class CdrIntake {
    private static final Logger log = LoggerFactory.getLogger(CdrIntake.class);

    private final OcpiConnection connection;
    private final Ledger ledger;
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private volatile Instant since;

    CdrIntake(OcpiConnection connection, Ledger ledger, Instant since) {
        this.connection = connection;
        this.ledger = ledger;
        this.since = since;
    }

    /** OCPI decimal → minor units of the currency, half up. */
    static long minorUnits(BigDecimal value, Currency currency) {
        return value.setScale(currency.getDefaultFractionDigits(), RoundingMode.HALF_UP).movePointRight(currency.getDefaultFractionDigits())
                .longValueExact();
    }

    /** kWh (decimal) → Wh, half up. */
    static long wattHours(BigDecimal kwh) {
        return kwh.movePointRight(3).setScale(0, RoundingMode.HALF_UP).longValueExact();
    }

    static Cdr parse(JsonNode c) {
        String id = c.path("id").asText("");
        String ref = c.path("authorization_reference").asText("");
        String currency = c.path("currency").asText("");
        JsonNode cost = c.path("total_cost").path("incl_vat");
        if (id.isEmpty() || id.length() > 39 || ref.isEmpty() || ref.length() > 36 || currency.length() != 3 || !cost.isNumber()
                || !c.path("total_energy").isNumber()) {
            throw new IllegalArgumentException("CDR '" + id + "' lacks id, authorization_reference (≤ 36), currency, total_cost.incl_vat or total_energy");
        }
        Currency cur = Currency.getInstance(currency);
        return new Cdr(c.path("country_code").asText("--"), c.path("party_id").asText("---"), id, ref,
                Money.of(minorUnits(cost.decimalValue(), cur), currency), wattHours(c.get("total_energy").decimalValue()));
    }

    /** Pulls what is new; returns the CDRs recorded (duplicates not counted). */
    int pull() throws IOException {
        connection.connect();
        String url = connection.endpoint("cdrs", "SENDER") + "?date_from=" + since + "&limit=50";
        Instant started = Instant.now();
        int recorded = 0;
        for (JsonNode c : connection.client().getAll(url, 1_000)) {
            if (accept(c) == Accepted.RECORDED) {
                recorded++;
            }
        }
        since = started.minusSeconds(300); // overlap: a CDR stored at the CPO meanwhile is not missed (duplicates are deduped)
        return recorded;
    }

    /** What became of one CDR. */
    enum Accepted {
        RECORDED, DUPLICATE, REFUSED
    }

    /** One CDR, pulled or pushed: validated, recorded once, an unknown reference kept and shown. */
    Accepted accept(JsonNode c) {
        Cdr cdr;
        try {
            cdr = parse(c);
        } catch (IllegalArgumentException | IllegalStateException e) {
            count("refused");
            log.error("OCPI CDR refused: {}", e.getMessage());
            return Accepted.REFUSED;
        }
        boolean duplicate = Ledger.await(ledger.append(PaymentJson.cdrReceived(cdr, c))).duplicate();
        if (duplicate) {
            count("duplicate");
            return Accepted.DUPLICATE;
        }
        count("recorded");
        if (ledger.session(cdr.authorizationReference()).map(s -> !s.hasHold()).orElse(true)) {
            count("unknown-reference");
            log.warn("OCPI CDR {} names authorization reference {}, which has no hold here: kept and shown, not billed", cdr.id(),
                    cdr.authorizationReference());
        }
        return Accepted.RECORDED;
    }

    private void count(String what) {
        counters.computeIfAbsent(what, k -> new LongAdder()).increment();
    }

    long counter(String what) {
        LongAdder a = counters.get(what);
        return a == null ? 0 : a.sum();
    }
}
