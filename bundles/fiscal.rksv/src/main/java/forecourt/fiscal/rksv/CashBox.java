package forecourt.fiscal.rksv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import forecourt.api.ledger.Fact;
import forecourt.api.ledger.FactType;
import forecourt.api.ledger.JournalEntry;
import forecourt.api.ledger.Ledger;
import forecourt.fiscal.rksv.SignatureDevice.DeviceUnavailableException;

/**
 * One RKSV cash box (Registrierkasse): issues start, standard, storno, training and zero
 * receipts, each chained to the one before, carrying the encrypted turnover counter and a
 * JWS from one of its signature devices. Its journal is the ledger: every receipt is a
 * {@code FISCAL_JOURNAL} fact (natural key {@code rksv:<cash box>:<n>}) before it is
 * handed out, and the cash box's state (chain, counter, outage) is read back from there
 * on start. Issuing the same receipt number again returns the receipt already issued.
 * <p>
 * A device that cannot sign: the receipt is issued at once with the failure marker
 * ("Sicherheitseinrichtung ausgefallen"), chained as usual; the next receipt that a device
 * signs is a zero receipt (Sammelbeleg) — issued automatically before anything else — and
 * an outage longer than {@code outageAlarm} (48 h by the regulation) raises an alarm: it
 * must be reported to the tax office.
 */
public final class CashBox {
    private static final Logger log = LoggerFactory.getLogger(CashBox.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A receipt as issued. */
    public record Receipt(long seq, ReceiptType type, String receiptId, String jws, boolean deviceFailed, long turnoverCents, String serial) {
        public String qrPayload() {
            return Rksv.qrPayload(jws);
        }
    }

    private final String cashBoxId;
    private final byte[] aesKey;
    private final List<SignatureDevice> devices;
    private final Ledger ledger;
    private final Clock clock;
    private final Duration outageAlarm;

    private long seq;
    private String lastJws;
    private long turnover;
    private boolean pendingZero;
    private Instant failedSince;
    private boolean alarmed;
    private final Map<String, Long> receiptIds = new HashMap<>();
    private final Set<String> serialsSeen = new HashSet<>();

    public CashBox(String cashBoxId, byte[] aesKey, List<SignatureDevice> devices, Ledger ledger, Clock clock, Duration outageAlarm) {
        if (aesKey.length != 32) {
            throw new IllegalArgumentException("the cash box key must be AES-256 (32 bytes), was " + aesKey.length);
        }
        this.cashBoxId = cashBoxId;
        this.aesKey = aesKey.clone();
        this.devices = List.copyOf(devices);
        this.ledger = ledger;
        this.clock = clock;
        this.outageAlarm = outageAlarm;
        load();
    }

    public String cashBoxId() {
        return cashBoxId;
    }

    private String key(long n) {
        return "rksv:" + cashBoxId + ":" + n;
    }

    private Optional<JsonNode> fact(long n) {
        return ledger.byNaturalKey(key(n)).map(JournalEntry::fact).map(f -> parse(f.body()));
    }

    /** Finds the last receipt by probing its natural keys, then reads the journal once. */
    private void load() {
        long hi = 1;
        while (fact(hi).isPresent()) {
            hi *= 2;
        }
        long lo = hi / 2; // fact(lo) exists (or lo == 0), fact(hi) does not
        while (hi - lo > 1) {
            long mid = (lo + hi) / 2;
            if (fact(mid).isPresent()) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        for (long n = 1; n <= lo; n++) {
            JsonNode f = fact(n).orElseThrow(() -> new IllegalStateException("cash box journal has a gap"));
            receiptIds.put(f.get("receiptId").asText(), n);
            serialsSeen.add(f.get("serial").asText());
            if (n == lo) {
                seq = n;
                lastJws = f.get("jws").asText();
                turnover = f.get("turnover").asLong();
                pendingZero = f.get("pendingZero").asBoolean();
                failedSince = f.hasNonNull("failedSince") ? Instant.parse(f.get("failedSince").asText()) : null;
            }
        }
        if (seq > 0) {
            log.info("RKSV cash box {}: {} receipt(s), turnover {} cents{}", cashBoxId, seq, turnover,
                    pendingZero ? ", a zero receipt is owed since the signature device failed at " + failedSince : "");
        }
    }

    public synchronized long receipts() {
        return seq;
    }

    public synchronized long turnoverCents() {
        return turnover;
    }

    public synchronized boolean zeroReceiptOwed() {
        return pendingZero;
    }

    public synchronized Optional<Instant> deviceFailedSince() {
        return Optional.ofNullable(failedSince);
    }

    /** The receipt already issued under this number, if any. */
    public synchronized Optional<Receipt> receipt(String receiptId) {
        Long n = receiptIds.get(receiptId);
        return n == null ? Optional.empty() : fact(n).map(CashBox::receipt);
    }

    private static Receipt receipt(JsonNode f) {
        return new Receipt(f.get("seq").asLong(), ReceiptType.valueOf(f.get("type").asText()), f.get("receiptId").asText(), f.get("jws").asText(),
                f.get("failed").asBoolean(), f.get("turnover").asLong(), f.get("serial").asText());
    }

    /**
     * Issues a receipt. {@code amounts} are cents for the five VAT rates in the regulation's
     * order: normal (20 %), reduced 1 (10 %), reduced 2 (13 %), zero, special (19 %).
     */
    public synchronized Receipt issue(ReceiptType type, String receiptId, LocalDateTime at, long[] amounts, int device) {
        Long existing = receiptIds.get(receiptId);
        if (existing != null) {
            Receipt r = fact(existing).map(CashBox::receipt).orElseThrow();
            if (r.type() != type) {
                throw new IllegalArgumentException("receipt " + receiptId + " was issued as " + r.type() + ", not " + type);
            }
            return r;
        }
        if (amounts.length != 5) {
            throw new IllegalArgumentException("five VAT-rate amounts, in the regulation's order");
        }
        if (seq == 0 && type != ReceiptType.START_BELEG) {
            throw new IllegalStateException("cash box " + cashBoxId + " has no start receipt yet");
        }
        if (seq > 0 && type == ReceiptType.START_BELEG) {
            throw new IllegalStateException("cash box " + cashBoxId + " is already started");
        }
        if ((type == ReceiptType.START_BELEG || type == ReceiptType.NULL_BELEG) && java.util.Arrays.stream(amounts).anyMatch(a -> a != 0)) {
            throw new IllegalArgumentException(type + " has zero amounts");
        }
        if (pendingZero && type != ReceiptType.NULL_BELEG) {
            collectiveZero(at, device); // the device may be back: the zero receipt comes first
        }
        Receipt r = sign(type, receiptId, at, amounts, device);
        checkOutage();
        return r;
    }

    /** Issues the zero receipt owed after a device failure if a device signs again; returns it, if issued. */
    public synchronized Optional<Receipt> collectiveZero(LocalDateTime at, int device) {
        if (!pendingZero) {
            return Optional.empty();
        }
        String id = cashBoxId + "-Z" + (seq + 1);
        SignatureDevice d = devices.get(device);
        String payload = payload(ReceiptType.NULL_BELEG, id, at, new long[5], d, turnover);
        byte[] signature;
        try {
            signature = d.sign(Rksv.signingInput(payload));
        } catch (DeviceUnavailableException e) {
            checkOutage();
            return Optional.empty(); // still down: nothing issued, still owed
        }
        Receipt r = record(ReceiptType.NULL_BELEG, id, Rksv.signingInput(payload) + "." + Rksv.base64url(signature), false, turnover, d, device);
        log.info("RKSV cash box {}: signature device back, collective zero receipt {} issued", cashBoxId, id);
        return Optional.of(r);
    }

    private String payload(ReceiptType type, String receiptId, LocalDateTime at, long[] amounts, SignatureDevice d, long turnoverAfter) {
        String field = switch (type) {
            case STORNO_BELEG, TRAINING_BELEG -> Rksv.marker(type);
            default -> Rksv.encryptTurnover(aesKey, cashBoxId, receiptId, turnoverAfter);
        };
        StringBuilder p = new StringBuilder("_R1-").append(d.zda()).append('_').append(cashBoxId).append('_').append(receiptId).append('_')
                .append(Rksv.date(at));
        for (long a : amounts) {
            p.append('_').append(Rksv.amount(a));
        }
        return p.append('_').append(field).append('_').append(d.serial()).append('_').append(Rksv.chainValue(lastJws == null ? cashBoxId : lastJws))
                .toString();
    }

    private Receipt sign(ReceiptType type, String receiptId, LocalDateTime at, long[] amounts, int device) {
        SignatureDevice d = devices.get(device);
        long after = turnover;
        if (type == ReceiptType.STANDARD_BELEG || type == ReceiptType.STORNO_BELEG) {
            for (long a : amounts) {
                after += a;
            }
        }
        String input = Rksv.signingInput(payload(type, receiptId, at, amounts, d, after));
        String jws;
        boolean failed;
        try {
            jws = input + "." + Rksv.base64url(d.sign(input));
            failed = false;
        } catch (DeviceUnavailableException e) {
            if (type == ReceiptType.START_BELEG) {
                throw new IllegalStateException("the start receipt must be signed: " + e.getMessage());
            }
            jws = input + "." + Rksv.base64url(Rksv.DEVICE_FAILED.getBytes(StandardCharsets.UTF_8));
            failed = true;
            log.warn("RKSV cash box {}: signature device {} failed ({}): receipt {} issued with the failure marker", cashBoxId, d.serial(),
                    e.getMessage(), receiptId);
        }
        return record(type, receiptId, jws, failed, after, d, device);
    }

    private Receipt record(ReceiptType type, String receiptId, String jws, boolean failed, long turnoverAfter, SignatureDevice d, int device) {
        long n = seq + 1;
        boolean owed = failed || (pendingZero && type != ReceiptType.NULL_BELEG);
        Instant since = failed ? (failedSince == null ? clock.instant() : failedSince) : null;
        ObjectNode f = JSON.createObjectNode();
        f.put("cashBoxId", cashBoxId).put("seq", n).put("type", type.name()).put("receiptId", receiptId).put("jws", jws).put("failed", failed)
                .put("turnover", turnoverAfter).put("device", device).put("serial", d.serial()).put("pendingZero", owed)
                .put("failedSince", since == null ? null : since.toString()).put("issuedAt", clock.instant().toString());
        if (!serialsSeen.contains(d.serial())) {
            f.put("material", Base64.getEncoder().encodeToString(d.certificateOrPublicKey())).put("certificate", d.hasCertificate());
        }
        Ledger.await(ledger.append(Fact.of(FactType.FISCAL_JOURNAL, key(n), null, f.toString()))); // durable before it is handed out
        seq = n;
        lastJws = jws;
        turnover = turnoverAfter;
        pendingZero = owed;
        if (since == null && failedSince != null) {
            log.info("RKSV cash box {}: signature device outage since {} is over", cashBoxId, failedSince);
            alarmed = false;
        }
        failedSince = since;
        receiptIds.put(receiptId, n);
        serialsSeen.add(d.serial());
        return new Receipt(n, type, receiptId, jws, failed, turnoverAfter, d.serial());
    }

    /** Raises the outage alarm once the device has been down longer than the regulation allows. */
    public synchronized void checkOutage() {
        if (failedSince != null && !alarmed && clock.instant().isAfter(failedSince.plus(outageAlarm))) {
            alarmed = true;
            String text = "RKSV cash box " + cashBoxId + ": signature device down since " + failedSince + " (over " + outageAlarm.toHours()
                    + " h): the outage must be reported to the tax office (FinanzOnline)";
            log.error("ALARM {}", text);
            Ledger.await(ledger.append(Fact.of(FactType.ALARM, "rksv:" + cashBoxId + ":outage:" + failedSince, null,
                    JSON.createObjectNode().put("alarm", "RKSV_DEVICE_OUTAGE").put("text", text).toString())));
        }
    }

    /** The DEP export (Datenerfassungsprotokoll): receipts grouped by signature certificate / key, in order. */
    public synchronized ObjectNode depExport() {
        ObjectNode dep = JSON.createObjectNode();
        ArrayNode groups = dep.putArray("Belege-Gruppe");
        ObjectNode group = null;
        String groupSerial = null;
        Map<String, JsonNode> material = materials();
        for (long n = 1; n <= seq; n++) {
            JsonNode f = fact(n).orElseThrow();
            String serial = f.get("serial").asText();
            if (group == null || !serial.equals(groupSerial)) {
                group = groups.addObject();
                JsonNode m = material.get(serial);
                group.put("Signaturzertifikat", m != null && m.get("certificate").asBoolean() ? m.get("material").asText() : "");
                group.putArray("Zertifizierungsstellen");
                group.putArray("Belege-kompakt");
                groupSerial = serial;
            }
            ((ArrayNode) group.get("Belege-kompakt")).add(f.get("jws").asText());
        }
        return dep;
    }

    /** {@code cryptographicMaterialContainer.json}: the AES key and every device's certificate or public key. */
    public synchronized ObjectNode cryptographicMaterial() {
        ObjectNode c = JSON.createObjectNode();
        c.put("base64AESKey", Base64.getEncoder().encodeToString(aesKey));
        ObjectNode map = c.putObject("certificateOrPublicKeyMap");
        materials().forEach((serial, m) -> map.putObject(serial).put("id", serial)
                .put("signatureDeviceType", m.get("certificate").asBoolean() ? "CERTIFICATE" : "PUBLIC_KEY")
                .put("signatureCertificateOrPublicKey", m.get("material").asText()));
        for (SignatureDevice d : devices) {
            if (!map.has(d.serial())) {
                map.putObject(d.serial()).put("id", d.serial()).put("signatureDeviceType", d.hasCertificate() ? "CERTIFICATE" : "PUBLIC_KEY")
                        .put("signatureCertificateOrPublicKey", Base64.getEncoder().encodeToString(d.certificateOrPublicKey()));
            }
        }
        return c;
    }

    private Map<String, JsonNode> materials() {
        Map<String, JsonNode> out = new HashMap<>();
        for (long n = 1; n <= seq; n++) {
            JsonNode f = fact(n).orElseThrow();
            if (f.has("material")) {
                out.putIfAbsent(f.get("serial").asText(), f);
            }
        }
        return out;
    }

    /** Every receipt issued, in order. */
    public synchronized List<Receipt> journal() {
        List<Receipt> out = new ArrayList<>();
        for (long n = 1; n <= seq; n++) {
            out.add(receipt(fact(n).orElseThrow()));
        }
        return out;
    }

    private static JsonNode parse(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
