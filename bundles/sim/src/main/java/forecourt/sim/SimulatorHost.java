package forecourt.sim;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The simulators' process: says when it is up and which simulators it hosts, so the demo
 * script and the end-to-end tests know when to start the gateway against it.
 */
@Component(immediate = true, service = SimulatorHost.class)
public class SimulatorHost {
    private static final Logger log = LoggerFactory.getLogger(SimulatorHost.class);
    private final List<Simulator> simulators = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addSimulator(Simulator simulator) {
        simulators.add(simulator);
        log.info("simulator up: {}", simulator.describe());
    }

    void removeSimulator(Simulator simulator) {
        simulators.remove(simulator);
        log.info("simulator down: {}", simulator.describe());
    }

    @Activate
    void activate() {
        long ms = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        log.info("Forecourt simulators ready in {} ms, hosting {} simulator(s)", ms, simulators.size());
    }
}
