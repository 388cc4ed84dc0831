package forecourt.e2e;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import forecourt.sim.charger.SimulatedCharger;

/** One EVSE's stream of drivers: plug in, wait for the gateway to start the charge, charge, stop, leave. */
final class Drivers extends Thread {
    final SimulatedCharger charger;
    final Random random;
    final AtomicBoolean stop;
    /** authorization reference → Wh delivered in that session */
    final Map<String, Long> delivered = new ConcurrentHashMap<>();
    volatile Throwable failure;

    Drivers(SimulatedCharger charger, long seed, AtomicBoolean stop) {
        super("drivers-" + charger.id());
        this.charger = charger;
        this.random = new Random(seed);
        this.stop = stop;
    }

    @Override
    public void run() {
        try {
            while (!stop.get()) {
                linked();
                charger.plugIn(1);
                String ref = null;
                for (int i = 0; i < 150 && ref == null && !stop.get(); i++) { // up to 15 s for a hold and a start
                    Thread.sleep(100);
                    ref = charger.idToken();
                }
                if (ref == null) {
                    charger.unplug(1); // the gateway went down mid-hold: the driver tries again
                    continue;
                }
                long wh = 0;
                int minutes = 1 + random.nextInt(4);
                for (int m = 0; m < minutes; m++) {
                    Thread.sleep(100 + random.nextInt(300));
                    linkedIfPossible();
                    charger.charge(new BigDecimal(1000));
                    wh += 1000;
                }
                charger.stopTransaction();
                delivered.put(ref, wh);
                charger.unplug(1);
                Thread.sleep(random.nextInt(300));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
        }
    }

    private void linked() throws InterruptedException {
        while (!stop.get() && !charger.isLinkUp()) {
            linkedIfPossible();
            Thread.sleep(100);
        }
    }

    void linkedIfPossible() {
        try {
            charger.linkUp();
        } catch (Exception brokerDown) {
            // the gateway (and its broker) is being restarted: energy flows, events queue
        }
    }
}
