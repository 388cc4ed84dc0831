package forecourt.site;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import forecourt.api.id.EvseId;

class SiteSnapshotTest {

    private final SiteModelComponent.Config siteConfig = new SiteModelComponent.Config() {
        public Class<? extends Annotation> annotationType() { return SiteModelComponent.Config.class; }
        public String id() { return "AT0042"; }
        public String name() { return "Motorway A1 km 42"; }
        public String country() { return "AT"; }
        public String currency() { return "EUR"; }
        public String vatRates() { return "standard=2000, reduced=1000"; }
    };

    private static ChargerEntry charger(String id) {
        return new ChargerEntry(new ChargerEntry.Config() {
            public Class<? extends Annotation> annotationType() { return ChargerEntry.Config.class; }
            public String id() { return id; }
            public String name() { return ""; }
            public String passwordHash() { return ""; }
        });
    }

    private static EvseEntry evse(String evse, String tariff) {
        return new EvseEntry(new EvseEntry.Config() {
            public Class<? extends Annotation> annotationType() { return EvseEntry.Config.class; }
            public String evse() { return evse; }
            public String tariff() { return tariff; }
            public String meterPublicKey() { return ""; }
            public String ocpiEvseUid() { return ""; }
        });
    }

    private static TariffEntry tariff(String id, String currency, String price, String fee) {
        return new TariffEntry(new TariffEntry.Config() {
            public Class<? extends Annotation> annotationType() { return TariffEntry.Config.class; }
            public String id() { return id; }
            public int version() { return 3; }
            public String currency() { return currency; }
            public String pricePerKwh() { return price; }
            public String sessionFee() { return fee; }
            public String vatRate() { return "standard"; }
        });
    }

    private static TerminalEntry terminal(String id, String evses) {
        return new TerminalEntry(new TerminalEntry.Config() {
            public Class<? extends Annotation> annotationType() { return TerminalEntry.Config.class; }
            public String id() { return id; }
            public String evses() { return evses; }
            public String acquirer() { return "acq1"; }
            public String holdAmount() { return "50.00"; }
            public String currency() { return "EUR"; }
            public String holdValidity() { return "P7D"; }
        });
    }

    @Test
    void aConsistentSiteIsFullyModelled() {
        List<SiteEntry> entries = List.of(charger("CH1"), tariff("AC22", "EUR", "0.59", "0.50"), evse("CH1/1", "AC22"),
                evse("CH1/2", "AC22"), terminal("T1", "CH1/1, CH1/2"));
        SiteSnapshot model = new SiteSnapshot(SiteModelComponent.parseSite(siteConfig), entries);
        assertThat(model.problems()).isEmpty();
        assertThat(model.site().vatRates()).containsEntry("standard", 2000).containsEntry("reduced", 1000);
        assertThat(model.evse(EvseId.parse("CH1/2"))).isPresent();
        assertThat(model.terminal("T1").orElseThrow().holdAmount().minorUnits()).isEqualTo(5000);
        assertThat(model.tariff("AC22").orElseThrow().version()).isEqualTo(3);
        assertThat(model.tariff("AC22").orElseThrow().sessionFee().minorUnits()).isEqualTo(50);
    }

    @Test
    void entriesThatDoNotFitAreLeftOutWithAReason() {
        List<SiteEntry> entries = new ArrayList<>(List.of(charger("CH1"), tariff("AC22", "EUR", "0.59", "0"),
                tariff("HUF", "HUF", "100", "0"), // wrong currency
                evse("CH1/1", "AC22"), evse("CH9/1", "AC22"), // unknown charger
                evse("CH1/2", "NOPE"), // unknown tariff
                terminal("T1", "CH1/1,CH9/1"), // serves an EVSE that was left out
                charger("bad id with spaces"), tariff("FEE", "EUR", "0.59", "0.505"))); // fee not exact in cents
        SiteSnapshot model = new SiteSnapshot(SiteModelComponent.parseSite(siteConfig), entries);
        assertThat(model.evses()).extracting(e -> e.id().toString()).containsExactly("CH1/1");
        assertThat(model.terminals()).isEmpty();
        assertThat(model.tariffs()).extracting(t -> t.id()).containsExactly("AC22");
        assertThat(model.problems()).anySatisfy(p -> assertThat(p).contains("HUF").contains("not the site's"))
                .anySatisfy(p -> assertThat(p).contains("CH9/1").contains("no charger"))
                .anySatisfy(p -> assertThat(p).contains("CH1/2").contains("no usable tariff"))
                .anySatisfy(p -> assertThat(p).contains("terminal T1").contains("unknown EVSE"))
                .anySatisfy(p -> assertThat(p).contains("bad id with spaces"))
                .anySatisfy(p -> assertThat(p).contains("tariff 'FEE'"));
    }
}
