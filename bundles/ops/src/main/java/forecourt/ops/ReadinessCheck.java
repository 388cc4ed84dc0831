package forecourt.ops;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

/**
 * Decides from SCR's runtime view whether the required local components are active, and
 * if not, says for each one why not, in words a site technician can act on.
 */
final class ReadinessCheck {
    private ReadinessCheck() {
    }

    /** Component name → its description and configurations, as SCR reports them. */
    interface Runtime {
        ComponentDescriptionDTO description(String name);

        Collection<ComponentConfigurationDTO> configurations(ComponentDescriptionDTO description);
    }

    /** @return one line per required component that is not active; empty when ready */
    static List<String> notReady(Collection<String> required, Runtime runtime) {
        List<String> problems = new ArrayList<>();
        for (String name : required) {
            ComponentDescriptionDTO description = runtime.description(name);
            if (description == null) {
                problems.add(name + ": not installed (its bundle is missing or not started)");
                continue;
            }
            Collection<ComponentConfigurationDTO> configurations = runtime.configurations(description);
            if (configurations.isEmpty()) {
                problems.add(name + ": waiting for its configuration (pid " + String.join(",", description.configurationPid) + ")");
                continue;
            }
            for (ComponentConfigurationDTO c : configurations) {
                String why = switch (c.state) {
                    case ComponentConfigurationDTO.ACTIVE -> null;
                    // a delayed component is activated on first use; an immediate one is still starting
                    case ComponentConfigurationDTO.SATISFIED -> description.immediate ? "starting" : null;
                    case ComponentConfigurationDTO.UNSATISFIED_CONFIGURATION -> "waiting for its configuration";
                    case ComponentConfigurationDTO.UNSATISFIED_REFERENCE -> "waiting for " + unsatisfied(c.unsatisfiedReferences);
                    case ComponentConfigurationDTO.FAILED_ACTIVATION -> "failed to start: " + firstLine(c.failure);
                    default -> "state " + c.state;
                };
                if (why != null) {
                    problems.add(name + ": " + why);
                }
            }
        }
        return problems;
    }

    private static String unsatisfied(UnsatisfiedReferenceDTO[] refs) {
        List<String> names = new ArrayList<>();
        for (UnsatisfiedReferenceDTO r : refs) {
            names.add(r.name + (r.target == null ? "" : " " + r.target));
        }
        return "service(s) " + String.join(", ", names);
    }

    private static String firstLine(String failure) {
        if (failure == null) {
            return "(no reason given)";
        }
        // SCR puts the whole stack trace here; the cause's message is what helps on site
        String[] lines = failure.split("\\R");
        String cause = lines[0];
        for (String line : lines) {
            if (line.startsWith("Caused by: ")) {
                cause = line.substring("Caused by: ".length());
            }
        }
        return cause;
    }
}
