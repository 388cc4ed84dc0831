package forecourt.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exported gateway as an operator runs it: start, ready, stop, start again. */
class StartupContractTest {
    /** the embedded broker on a free port, not the site default 1883 */
    private static final String OWN_BROKER_PORT = "-Dforecourt.broker.port=" + Ports.free();
    private static final String OWN_HTTP_PORT = "-Dorg.osgi.service.http.port=" + Ports.free();
    private static final Pattern READY = Pattern.compile("Forecourt ready in (\\d+) ms");

    @TempDir
    Path work;

    @Test
    void gatewayBecomesReadyStopsCleanlyOnSigtermAndKeepsItsStorage() throws Exception {
        Path data = work.resolve("data");
        try (GatewayProcess gw = GatewayProcess.start("forecourt.jar", data, GatewayProcess.repoConfigs(), OWN_BROKER_PORT, OWN_HTTP_PORT)) {
            Matcher m = READY.matcher(gw.awaitLine(l -> READY.matcher(l).find(), Duration.ofSeconds(30)));
            assertThat(m.find()).isTrue();
            assertThat(Long.parseLong(m.group(1))).isPositive();
            gw.awaitLine("site AT0042 (AT, EUR): 2 chargers, 4 EVSEs, 1 tariffs, 2 terminals, 0 problems", Duration.ofSeconds(10));
            gw.awaitLine("graceful stop armed", Duration.ofSeconds(10));
            // the framework storage and the clock anchor are where the start-up contract says
            assertThat(data.resolve("framework")).isDirectory();
            assertThat(data.resolve("clock-anchor.properties")).isRegularFile();
            gw.awaitLine("ledger open at " + data.resolve("ledger").resolve("ledger.mv.db"), Duration.ofSeconds(10));
            assertThat(gw.output().indexOf("ledger open at")).as("ready only after the ledger is open")
                    .isLessThan(gw.output().indexOf("Forecourt ready in"));

            int exit = gw.terminate(Duration.ofSeconds(30));
            assertThat(gw.output()).contains("stop requested").contains("Forecourt stopped");
            assertThat(exit).isNotEqualTo(137); // not killed
        }
        // the configuration files are read, never rewritten (FileInstall's config save is off)
        try (Stream<Path> cfgs = Files.list(GatewayProcess.repoConfigs())) {
            cfgs.forEach(cfg -> assertThat(cfg.toFile().length()).as(cfg.toString()).isPositive());
        }
        // kept storage: the second start reuses the bundle cache instead of wiping it
        Path marker = data.resolve("framework").resolve("kept.marker");
        Files.writeString(marker, "x");
        try (GatewayProcess again = GatewayProcess.start("forecourt.jar", data, GatewayProcess.repoConfigs(), OWN_BROKER_PORT, OWN_HTTP_PORT)) {
            again.awaitLine(l -> READY.matcher(l).find(), Duration.ofSeconds(30));
            assertThat(marker).as("framework storage survived a restart").exists();
            assertThat(again.output()).as("the ledger was closed cleanly and reopened without repair")
                    .containsPattern("(\\d+) facts; last \\1 chained intact").doesNotContain("QUARANTINED").doesNotContain("RECOVERED");
            // the only fact of a gateway that never sold anything: its cash box's start receipt (the demo site is Austrian)
            assertThat(again.output()).contains("1 facts; last 1 chained intact", "RKSV cash box AT0042-KASSE1: 1 receipt(s)");
            again.terminate(Duration.ofSeconds(30));
        }
    }

    @Test
    void aRequiredComponentThatCannotStartIsNamedWithTheReason() throws Exception {
        Path configs = work.resolve("configs");
        Files.createDirectories(configs);
        try (Stream<Path> cfgs = Files.list(GatewayProcess.repoConfigs())) {
            for (Path cfg : (Iterable<Path>) cfgs::iterator) {
                Files.copy(cfg, configs.resolve(cfg.getFileName()));
            }
        }
        // no site configuration: the site model cannot start; and require a part that is not installed
        Files.delete(configs.resolve("forecourt.site.cfg"));
        Files.writeString(configs.resolve("forecourt.ops.readiness.cfg"),
                "required=forecourt.clock,forecourt.site.model,forecourt.nosuchpart\ntimeoutSeconds=2\n");
        try (GatewayProcess gw = GatewayProcess.start("forecourt.jar", work.resolve("data"), configs, OWN_BROKER_PORT, OWN_HTTP_PORT)) {
            gw.awaitLine("Forecourt NOT ready", Duration.ofSeconds(30));
            gw.awaitLine("forecourt.site.model: waiting for its configuration", Duration.ofSeconds(5));
            gw.awaitLine("forecourt.nosuchpart: not installed", Duration.ofSeconds(5));
            assertThat(gw.output()).doesNotContain("Forecourt ready in");
            gw.terminate(Duration.ofSeconds(30));
        }
    }

    @Test
    void simulatorsRunInTheirOwnProcess() throws Exception {
        try (GatewayProcess sims = GatewayProcess.start("simulators.jar", work.resolve("sim-data"), work.resolve("none"))) {
            sims.awaitLine("Forecourt simulators ready", Duration.ofSeconds(30));
            assertThat(sims.output()).doesNotContain("Forecourt ready in").doesNotContain("NOT ready");
            sims.terminate(Duration.ofSeconds(30));
        }
    }
}
