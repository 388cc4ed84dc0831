package forecourt.fiscal.rksv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Base64;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.AttributeType;
import org.osgi.service.metatype.annotations.Designate;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;
import org.osgi.service.metatype.annotations.Option;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.fiscal.FiscalProvider;
import forecourt.api.ledger.Ledger;
import forecourt.api.outbox.InstructionHandler;

/**
 * The Austrian fiscal provider (pid {@code forecourt.fiscal.rksv}): one cash box, its
 * signature device (a software key, or an online HSM), the outbox handler of link
 * {@code fiscal:rksv}; every hour it retries the collective zero receipt owed after a
 * device failure and checks the 48-hour outage alarm. Gogo: {@code rksv:status},
 * {@code rksv:dep <dir>}, {@code rksv:zero}.
 */
@Component(name = "forecourt.fiscal.rksv", configurationPid = "forecourt.fiscal.rksv", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = RksvComponent.class, immediate = true, property = { "osgi.command.scope=rksv", "osgi.command.function=status",
                "osgi.command.function=dep", "osgi.command.function=zero" })
@Designate(ocd = RksvComponent.Config.class)
public class RksvComponent {
    private static final Logger log = LoggerFactory.getLogger(RksvComponent.class);

    @ObjectClassDefinition(name = "Forecourt fiscal provider: Austria (RKSV)")
    public @interface Config {
        @AttributeDefinition(description = "Kassen-ID as registered with FinanzOnline")
        String cashBoxId();

        @AttributeDefinition(type = AttributeType.PASSWORD, description = "The cash box's AES-256 key, base64; never logged")
        String aesKey();

        @AttributeDefinition(description = "Company identifier, e.g. U:ATU12345678 (names the software key: <id>-K1)")
        String companyId();

        @AttributeDefinition(options = { @Option(label = "Software key (demo, tests)", value = "software"),
                @Option(label = "Online HSM (A-Trust a.sign RK online shape)", value = "http") })
        String signatureDevice() default "software";

        @AttributeDefinition(description = "Software key file (PKCS#8, generated on first start); relative to the data directory")
        String softwareKeyFile() default "rksv-signing.p8";

        String hsmUrl() default "";

        String hsmUser() default "";

        @AttributeDefinition(type = AttributeType.PASSWORD)
        String hsmPassword() default "";

        @AttributeDefinition(description = "The HSM certificate's serial (hex), used while the HSM has not been reached yet")
        String hsmCertificateSerial() default "";

        @AttributeDefinition(description = "ZDA id of the HSM's certificates (AT1 A-Trust, AT2 GlobalTrust, AT3 PrimeSign)")
        String hsmZda() default "AT1";

        int hsmTimeoutMillis() default 5000;

        @AttributeDefinition(description = "Site VAT rate name = RKSV slot (NORMAL, ERMAESSIGT_1, ERMAESSIGT_2, NULL, BESONDERS)")
        String[] vatRateSlots() default { "standard=NORMAL", "reduced=ERMAESSIGT_1", "reduced2=ERMAESSIGT_2", "zero=NULL", "special=BESONDERS" };

        String timeZone() default "Europe/Vienna";

        @AttributeDefinition(description = "Device outage after which the alarm is raised (the regulation: 48 h)")
        int outageAlarmHours() default 48;
    }

    private final CashBox box;
    private final RksvFiscalProvider provider;
    private final ZoneId zone;
    private final Clock clock;
    private final ServiceRegistration<?> registration;
    private final ScheduledExecutorService housekeeping = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "rksv-housekeeping"));

    @Activate
    public RksvComponent(BundleContext context, Config config, @Reference Ledger ledger, @Reference Clock clock) throws Exception {
        this.clock = clock;
        this.zone = ZoneId.of(config.timeZone());
        Path data = Path.of(context.getProperty("forecourt.data") == null ? "data" : context.getProperty("forecourt.data"));
        SignatureDevice device = config.signatureDevice().equals("http")
                ? new HttpSignatureDevice(config.hsmUrl(), config.hsmUser(), config.hsmPassword(), config.hsmZda(), config.hsmCertificateSerial(),
                        Duration.ofMillis(config.hsmTimeoutMillis()))
                : new SoftwareSignatureDevice(config.companyId() + "-K1", softwareKey(data.resolve(config.softwareKeyFile())));
        Duration alarm = Duration.ofHours(config.outageAlarmHours());
        this.box = new CashBox(config.cashBoxId(), Base64.getDecoder().decode(config.aesKey().trim()), List.of(device), ledger, clock, alarm);
        Map<String, RksvFiscalProvider.Slot> slots = new HashMap<>();
        for (String entry : config.vatRateSlots()) {
            String[] kv = entry.split("=", 2);
            slots.put(kv[0].trim(), RksvFiscalProvider.Slot.valueOf(kv[1].trim()));
        }
        this.provider = new RksvFiscalProvider(box, ledger, clock, zone, slots, alarm);
        try {
            provider.ensureStarted();
        } catch (IllegalStateException e) {
            log.error("RKSV cash box {}: start receipt not possible yet ({}); retried with the first sale", config.cashBoxId(), e.getMessage());
        }
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(InstructionHandler.LINK, FiscalProvider.LINK_KIND + ":rksv");
        this.registration = context.registerService(new String[] { FiscalProvider.class.getName(), InstructionHandler.class.getName() }, provider,
                props);
        housekeeping.scheduleWithFixedDelay(this::housekeeping, 1, 60, TimeUnit.MINUTES);
        log.info("RKSV fiscal provider up: cash box {}, {}, {} receipt(s)", config.cashBoxId(), device, box.receipts());
    }

    /** The software key: read (PKCS#8 and its .pub, X.509), or generated and kept on first start. */
    static KeyPair softwareKey(Path file) throws IOException, GeneralSecurityException {
        Path pub = file.resolveSibling(file.getFileName() + ".pub");
        if (!Files.exists(file) || !Files.exists(pub)) {
            KeyPair fresh = SoftwareSignatureDevice.generate("new").keys();
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(pub, fresh.getPublic().getEncoded());
            Files.write(file, fresh.getPrivate().getEncoded());
            return fresh;
        }
        KeyFactory ec = KeyFactory.getInstance("EC");
        return new KeyPair(ec.generatePublic(new X509EncodedKeySpec(Files.readAllBytes(pub))),
                ec.generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(file))));
    }

    private void housekeeping() {
        try {
            box.collectiveZero(LocalDateTime.now(clock.withZone(zone)), 0);
            box.checkOutage();
        } catch (RuntimeException e) {
            log.warn("RKSV housekeeping: {}", e.getMessage());
        }
    }

    @Deactivate
    void deactivate() {
        housekeeping.shutdownNow();
        registration.unregister();
    }

    public String status() {
        return "cash box " + box.cashBoxId() + ": " + box.receipts() + " receipt(s), turnover " + box.turnoverCents() + " cents"
                + (box.zeroReceiptOwed() ? ", zero receipt OWED (device failed since " + box.deviceFailedSince().orElse(null) + ")" : "");
    }

    public String dep(String directory) throws IOException {
        Path dir = Path.of(directory);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("dep-export.json"), box.depExport().toPrettyString());
        Files.writeString(dir.resolve("cryptographicMaterialContainer.json"), box.cryptographicMaterial().toPrettyString());
        return "DEP of cash box " + box.cashBoxId() + " (" + box.receipts() + " receipts) written to " + dir.toAbsolutePath();
    }

    public String zero() {
        return box.collectiveZero(LocalDateTime.now(clock.withZone(zone)), 0).map(r -> "zero receipt " + r.receiptId() + " issued")
                .orElse("no zero receipt owed, or the device is still down");
    }
}
