package forecourt.terminal.zvt;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;

/** Gogo commands for the site technician: {@code zvt:status}, {@code zvt:open T2}, {@code zvt:endofday T2}, {@code zvt:sweep T2}, {@code zvt:enquiry T2}. */
@Component(service = ZvtCommands.class, property = { "osgi.command.scope=zvt", "osgi.command.function=status", "osgi.command.function=open",
        "osgi.command.function=endofday", "osgi.command.function=sweep", "osgi.command.function=enquiry" })
public class ZvtCommands {
    private final List<ZvtTerminalComponent> terminals = new CopyOnWriteArrayList<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC)
    void addTerminal(ZvtTerminalComponent terminal) {
        terminals.add(terminal);
    }

    void removeTerminal(ZvtTerminalComponent terminal) {
        terminals.remove(terminal);
    }

    public String status() {
        if (terminals.isEmpty()) {
            return "no ZVT terminal configured";
        }
        StringBuilder out = new StringBuilder();
        terminals.forEach(t -> out.append(t.status()).append('\n'));
        return out.toString().trim();
    }

    public String open(String terminalId) throws Exception {
        return "open pre-authorisations at " + terminalId + ": " + terminal(terminalId).openPreAuthorisations();
    }

    public String endofday(String terminalId) throws Exception {
        try {
            return terminal(terminalId).endOfDay();
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
    }

    public String enquiry(String terminalId) throws Exception {
        return terminal(terminalId).statusEnquiry();
    }

    public String sweep(String terminalId) throws Exception {
        return "released orphan pre-authorisations at " + terminalId + ": " + terminal(terminalId).sweepOrphans();
    }

    private ZvtTerminalComponent terminal(String id) {
        return terminals.stream().filter(t -> t.terminalId().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no ZVT terminal " + id));
    }
}
