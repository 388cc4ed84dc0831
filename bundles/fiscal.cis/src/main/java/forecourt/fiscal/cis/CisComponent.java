package forecourt.fiscal.cis;

import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Collections;
import java.util.HashMap;
import java.util.Hashtable;
import java.util.Map;

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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import forecourt.api.fiscal.FiscalProvider;
import forecourt.api.ledger.Ledger;
import forecourt.api.outbox.InstructionHandler;

/**
 * The Croatian fiscal provider (pid {@code forecourt.fiscal.cis}): the business's fiscal
 * certificate (PKCS#12, as FINA issues it), its OIB, business premises and device marks,
 * the CIS service URL; registers the outbox handler of link {@code fiscal:cis}.
 */
@Component(name = "forecourt.fiscal.cis", configurationPid = "forecourt.fiscal.cis", configurationPolicy = ConfigurationPolicy.REQUIRE,
        service = {}, immediate = true)
@Designate(ocd = CisComponent.Config.class)
public class CisComponent {
    private static final Logger log = LoggerFactory.getLogger(CisComponent.class);

    @ObjectClassDefinition(name = "Forecourt fiscal provider: Croatia (CIS)")
    public @interface Config {
        @AttributeDefinition(description = "OIB of the business (11 digits)")
        String oib();

        @AttributeDefinition(description = "Business premises mark (oznaka poslovnog prostora)")
        String premises();

        @AttributeDefinition(description = "Device mark (oznaka naplatnog uređaja)")
        String device() default "1";

        @AttributeDefinition(description = "OIB of the operator (for an unattended site: the business's own)")
        String operatorOib();

        boolean inVatSystem() default true;

        @AttributeDefinition(description = "The fiscal certificate, PKCS#12; relative to the data directory")
        String certificateFile();

        @AttributeDefinition(type = AttributeType.PASSWORD)
        String certificatePassword();

        String serviceUrl() default "https://cis.porezna-uprava.hr:8449/FiskalizacijaService";

        int timeoutMillis() default 5000;

        @AttributeDefinition(description = "Site VAT rate name = percentage, e.g. standard=25")
        String[] vatRates() default { "standard=25", "reduced=13", "reduced2=5" };

        String timeZone() default "Europe/Zagreb";

        @AttributeDefinition(description = "Deadline of a late delivery after the sale (the law: 48 h) and the alarm margin before it, hours")
        int lateDeliveryHours() default 48;

        int alarmMarginHours() default 6;
    }

    private final ServiceRegistration<?> registration;

    @Activate
    public CisComponent(BundleContext context, Config config, @Reference Ledger ledger, @Reference Clock clock) throws Exception {
        Path data = Path.of(context.getProperty("forecourt.data") == null ? "data" : context.getProperty("forecourt.data"));
        KeyStore p12 = KeyStore.getInstance("PKCS12");
        char[] password = config.certificatePassword().toCharArray();
        try (InputStream in = Files.newInputStream(data.resolve(config.certificateFile()))) {
            p12.load(in, password);
        }
        String alias = Collections.list(p12.aliases()).stream().filter(a -> {
            try {
                return p12.isKeyEntry(a);
            } catch (Exception e) {
                return false;
            }
        }).findFirst().orElseThrow(() -> new IllegalStateException("no key in the fiscal certificate file"));
        PrivateKey key = (PrivateKey) p12.getKey(alias, password);
        X509Certificate certificate = (X509Certificate) p12.getCertificate(alias);
        Map<String, BigDecimal> rates = new HashMap<>();
        for (String entry : config.vatRates()) {
            String[] kv = entry.split("=", 2);
            rates.put(kv[0].trim(), new BigDecimal(kv[1].trim()));
        }
        CisFiscalProvider provider = new CisFiscalProvider(new CisFiscalProvider.Issuer(config.oib(), config.premises(), config.device(),
                config.operatorOib(), config.inVatSystem(), key, certificate), config.serviceUrl(), Duration.ofMillis(config.timeoutMillis()), ledger,
                clock, ZoneId.of(config.timeZone()), rates, Duration.ofHours(config.lateDeliveryHours()), Duration.ofHours(config.alarmMarginHours()));
        Hashtable<String, Object> props = new Hashtable<>();
        props.put(InstructionHandler.LINK, FiscalProvider.LINK_KIND + ":cis");
        registration = context.registerService(new String[] { FiscalProvider.class.getName(), InstructionHandler.class.getName() }, provider, props);
        log.info("CIS fiscal provider up: OIB {}, premises {}, device {}, certificate {} (valid until {}), service {}", config.oib(), config.premises(),
                config.device(), certificate.getSubjectX500Principal(), certificate.getNotAfter(), config.serviceUrl());
    }

    @Deactivate
    void deactivate() {
        registration.unregister();
    }
}
