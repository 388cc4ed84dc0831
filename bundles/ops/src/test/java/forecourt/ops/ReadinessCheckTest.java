package forecourt.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.osgi.service.component.runtime.dto.ComponentConfigurationDTO;
import org.osgi.service.component.runtime.dto.ComponentDescriptionDTO;
import org.osgi.service.component.runtime.dto.UnsatisfiedReferenceDTO;

class ReadinessCheckTest {

    private static ComponentDescriptionDTO description(String name) {
        ComponentDescriptionDTO d = new ComponentDescriptionDTO();
        d.name = name;
        d.configurationPid = new String[] { name };
        return d;
    }

    private static ComponentConfigurationDTO config(int state) {
        ComponentConfigurationDTO c = new ComponentConfigurationDTO();
        c.state = state;
        c.unsatisfiedReferences = new UnsatisfiedReferenceDTO[0];
        return c;
    }

    private static ReadinessCheck.Runtime runtime(Map<String, List<ComponentConfigurationDTO>> components) {
        return new ReadinessCheck.Runtime() {
            public ComponentDescriptionDTO description(String name) {
                if (!components.containsKey(name)) {
                    return null;
                }
                ComponentDescriptionDTO d = ReadinessCheckTest.description(name);
                d.immediate = name.startsWith("immediate.");
                return d;
            }

            public Collection<ComponentConfigurationDTO> configurations(ComponentDescriptionDTO d) {
                return components.get(d.name);
            }
        };
    }

    @Test
    void readyWhenEveryRequiredComponentIsActive() {
        var rt = runtime(Map.of("forecourt.ledger", List.of(config(ComponentConfigurationDTO.ACTIVE)),
                "forecourt.clock", List.of(config(ComponentConfigurationDTO.SATISFIED))));
        assertThat(ReadinessCheck.notReady(List.of("forecourt.ledger", "forecourt.clock"), rt)).isEmpty();
    }

    @Test
    void anImmediateComponentIsReadyOnlyOnceActivated() {
        var rt = runtime(Map.of("immediate.ledger", List.of(config(ComponentConfigurationDTO.SATISFIED)),
                "delayed.service", List.of(config(ComponentConfigurationDTO.SATISFIED))));
        assertThat(ReadinessCheck.notReady(List.of("immediate.ledger", "delayed.service"), rt))
                .containsExactly("immediate.ledger: starting");
    }

    @Test
    void saysWhichComponentIsMissingAndWhy() {
        ComponentConfigurationDTO failed = config(ComponentConfigurationDTO.FAILED_ACTIVATION);
        failed.failure = "org.osgi.service.component.ComponentException: boom\n\tat x\nCaused by: java.io.IOException: /data/ledger: read-only file system\n\tat y";
        ComponentConfigurationDTO waiting = config(ComponentConfigurationDTO.UNSATISFIED_REFERENCE);
        UnsatisfiedReferenceDTO ref = new UnsatisfiedReferenceDTO();
        ref.name = "clock";
        waiting.unsatisfiedReferences = new UnsatisfiedReferenceDTO[] { ref };
        var rt = runtime(Map.of("forecourt.ledger", List.of(failed), "forecourt.outbox", List.of(waiting),
                "forecourt.site.model", List.of()));
        List<String> problems = ReadinessCheck.notReady(
                List.of("forecourt.ledger", "forecourt.outbox", "forecourt.site.model", "forecourt.broker"), rt);
        assertThat(problems).containsExactly(
                "forecourt.ledger: failed to start: java.io.IOException: /data/ledger: read-only file system",
                "forecourt.outbox: waiting for service(s) clock",
                "forecourt.site.model: waiting for its configuration (pid forecourt.site.model)",
                "forecourt.broker: not installed (its bundle is missing or not started)");
    }
}
