package forecourt.ops;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;

import forecourt.api.device.DeviceDriver;
import forecourt.api.site.SiteModel;

/**
 * Gogo commands for a technician at the box: {@code forecourt:status},
 * {@code forecourt:drivers}, {@code forecourt:site}.
 */
@Component(service = StatusCommand.class, property = { "osgi.command.scope=forecourt",
        "osgi.command.function=status", "osgi.command.function=drivers", "osgi.command.function=site" })
public class StatusCommand {
    private final Map<ServiceReference<DeviceDriver>, DeviceDriver> drivers = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile SiteModel site;

    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    volatile Readiness readiness;

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC, policyOption = ReferencePolicyOption.GREEDY)
    void addDriver(ServiceReference<DeviceDriver> ref, DeviceDriver driver) {
        drivers.put(ref, driver);
    }

    void removeDriver(ServiceReference<DeviceDriver> ref) {
        drivers.remove(ref);
    }

    public String status() {
        StringBuilder out = new StringBuilder();
        Readiness r = readiness;
        if (r == null) {
            out.append("readiness: unknown (ops readiness component not active)\n");
        } else if (r.isReady()) {
            out.append("readiness: READY\n");
        } else {
            out.append("readiness: NOT READY\n");
            r.problems().forEach(p -> out.append("  ").append(p).append('\n'));
        }
        out.append(site());
        out.append(drivers());
        return out.toString();
    }

    public String drivers() {
        StringBuilder out = new StringBuilder("drivers: ").append(drivers.size()).append('\n');
        drivers.forEach((ref, d) -> out.append(String.format("  %-10s %-16s %-6s %s (%s %s)%n", d.kind(), d.deviceId(),
                d.link(), d.protocol(), ref.getBundle().getSymbolicName(), ref.getBundle().getVersion())));
        return out.toString();
    }

    public String site() {
        SiteModel s = site;
        if (s == null) {
            return "site: not configured\n";
        }
        StringBuilder out = new StringBuilder();
        out.append("site: ").append(s.site().id()).append(" ").append(s.site().name()).append(" (")
                .append(s.site().country()).append(", ").append(s.site().currency()).append(")\n");
        out.append("  chargers: ").append(s.chargers().size()).append(", EVSEs: ").append(s.evses().size())
                .append(", tariffs: ").append(s.tariffs().size()).append(", terminals: ").append(s.terminals().size()).append('\n');
        List<String> problems = s.problems();
        problems.forEach(p -> out.append("  problem: ").append(p).append('\n'));
        return out.toString();
    }
}
