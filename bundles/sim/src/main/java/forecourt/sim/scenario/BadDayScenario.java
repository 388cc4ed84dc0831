package forecourt.sim.scenario;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.JsonNode;

import forecourt.sim.Simulator;
import forecourt.sim.charger.SimulatedCharger;
import forecourt.sim.charger.SimulatedMeter;
import forecourt.sim.http.Fault;
import forecourt.sim.ocpi.CsmsEmulator;
import forecourt.sim.ocpi.CsmsEmulatorComponent;
import forecourt.sim.stripe.StripeEmulator;
import forecourt.sim.stripe.StripeEmulatorComponent;

/**
 * The bad day (../docs/demo.md), played from the far side: a driver plugs in at CH1, the
 * terminal takes a hold, charging starts; then the WAN goes — the acquirer is unreachable
 * and the charger's link drops — and the charger keeps delivering energy for ten minutes
 * with no upstream; the driver stops; links return, the acquirer last. Runs when the
 * simulators are started with {@code -Dforecourt.sim.scenario=badday}; time is compressed
 * by {@code forecourt.sim.compression} (the demo gateway's clock runs at the same pace).
 */
@Component(name = "forecourt.sim.scenario", service = Simulator.class, immediate = true)
public class BadDayScenario implements Simulator {
    private static final Logger log = LoggerFactory.getLogger(BadDayScenario.class);
    /** 60 kW: 1 kWh per minute of charging. */
    private static final BigDecimal WH_PER_MINUTE = new BigDecimal("1000");

    private final Thread runner;
    private final boolean enabled;
    private final StripeEmulator stripe;
    private final CsmsEmulator csms;
    private final String brokerUrl;
    private final int compression;
    private final String chargerPassword;
    private volatile boolean stopping;

    @Activate
    public BadDayScenario(BundleContext context, @Reference StripeEmulatorComponent stripe, @Reference CsmsEmulatorComponent csms) {
        this.enabled = "badday".equals(context.getProperty("forecourt.sim.scenario"));
        this.stripe = stripe.emulator();
        this.csms = csms.emulator();
        String url = context.getProperty("forecourt.broker.url");
        this.brokerUrl = url == null ? "tcp://127.0.0.1:1883" : url;
        String c = context.getProperty("forecourt.sim.compression");
        this.compression = c == null ? 60 : Integer.parseInt(c);
        // the demo site's credential for CH1 (configs/forecourt.site.charger-CH1.cfg); "" for an open broker
        String pw = context.getProperty("forecourt.sim.charger.password");
        this.chargerPassword = pw == null ? "CH1-demo" : pw.isEmpty() ? null : pw;
        this.runner = new Thread(this::run, "sim-bad-day");
        runner.setDaemon(true);
        if (enabled) {
            runner.start();
        }
    }

    @Deactivate
    void deactivate() {
        stopping = true;
        runner.interrupt();
    }

    @Override
    public String describe() {
        return enabled ? "the bad-day scenario at CH1 (compression " + compression + "×, broker " + brokerUrl + ")" : "bad-day scenario (off)";
    }

    private void run() {
        try (SimulatedCharger ch1 = new SimulatedCharger("CH1", brokerUrl, new SimulatedMeter("SIM-CH1-1", "CH1/1"), Clock.systemUTC(),
                chargerPassword)) {
            // CH1 also has its own OCPP link to the CPO's CSMS: the CSMS can start it, and builds its CDR from its reports
            ch1.reportTo(csms);
            csms.connectCharger("AT*FCT*ECH1*1", ref -> ch1.startFromCsms(ref, 1));
            step("the charger comes up and boots");
            until(Duration.ofMinutes(10), () -> tryLinkUp(ch1));
            // like a real charger, boot again until the gateway answers (it may not be listening yet)
            until(Duration.ofMinutes(5), () -> {
                String boot = ch1.boot();
                Instant wait = Instant.now().plusSeconds(3);
                while (Instant.now().isBefore(wait) && !ch1.answers.containsKey(boot)) {
                    Thread.sleep(50);
                }
                return ch1.answers.containsKey(boot);
            });
            step("the driver plugs in at CH1/1 — the terminal reads the card for a hold");
            ch1.plugIn(1);
            until(Duration.ofMinutes(2), () -> ch1.remoteStarts() > 0);
            String pi = stripe.intentIds().isEmpty() ? "?" : stripe.intentIds().get(stripe.intentIds().size() - 1);
            JsonNode intent = stripe.intent(pi);
            step("hold " + pi + " for " + intent.path("amount").asLong() + " " + intent.path("currency").asText()
                    + " authorized; the CPO started the transaction " + ch1.transactionId() + " on the gateway's OCPI START_SESSION ("
                    + csms.startedSessions().size() + " command)");
            charge(ch1, 2);
            step("THE WAN GOES: the acquirer and the CPO are unreachable and CH1's link drops; energy keeps flowing");
            stripe.faults().random(1, 1.0, Fault.UNAVAILABLE);
            csms.down(true);
            ch1.linkDown();
            charge(ch1, 10);
            step("the driver stops after ten minutes offline; " + ch1.queuedEvents() + " transaction events wait in the charger");
            ch1.stopTransaction();
            ch1.unplug(1);
            sleepMinutes(1);
            step("CH1's link returns: it replays its events (offline=true); the acquirer and the CPO are still down");
            until(Duration.ofMinutes(5), () -> tryLinkUp(ch1));
            sleepMinutes(2);
            step("the CPO returns: CH1's reports reach the CSMS, which issues its CDR");
            csms.down(false);
            until(Duration.ofMinutes(5), () -> {
                ch1.linkUp(); // replays the reports the CSMS missed
                return !csms.cdrs().isEmpty();
            });
            sleepMinutes(3);
            step("the acquirer returns");
            stripe.faults().clear();
            until(Duration.ofMinutes(30), () -> !stripe.captures().isEmpty());
            JsonNode capture = stripe.captures().get(0);
            step("acquirer shows " + stripe.captures().size() + " capture: " + capture.path("amount").asLong() + " captured on "
                    + capture.path("payment_intent").asText() + ", " + capture.path("released").asLong() + " of the hold released");
            until(Duration.ofMinutes(10), () -> !csms.financialAdviceConfirmations().isEmpty());
            JsonNode fac = csms.financialAdviceConfirmations().values().iterator().next();
            step("the CPO has the financial advice confirmation for " + fac.path("authorization_reference").asText() + ": "
                    + fac.path("total_costs").path("incl_vat").asText() + " " + fac.path("currency").asText() + " " + fac.path("capture_status_code").asText());
            log.info("SCENARIO DONE: bad day at CH1 — one capture of {}, {} released, CPO confirmed", capture.path("amount").asLong(),
                    capture.path("released").asLong());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            if (!stopping) {
                log.error("SCENARIO FAILED: {}", e.toString(), e);
            }
        }
    }

    private static boolean tryLinkUp(SimulatedCharger charger) {
        try {
            charger.linkUp();
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    private void charge(SimulatedCharger charger, int minutes) throws Exception {
        for (int m = 0; m < minutes; m++) {
            sleepMinutes(1);
            charger.charge(WH_PER_MINUTE);
        }
        log.info("SCENARIO   … {} minute(s) charged, meter at {} Wh", minutes, charger.meter().registerWh());
    }

    private void sleepMinutes(int minutes) throws InterruptedException {
        Thread.sleep(Duration.ofMinutes(minutes).toMillis() / compression);
    }

    private void step(String what) {
        log.info("SCENARIO {} {}", Instant.now(), what);
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private void until(Duration limit, Check check) throws Exception {
        Instant giveUp = Instant.now().plus(limit);
        while (!check.ok()) {
            if (stopping || Instant.now().isAfter(giveUp)) {
                throw new IllegalStateException("gave up after " + limit);
            }
            Thread.sleep(100);
        }
    }

}
