package forecourt.api.id;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

class IdentifiersTest {
    private final SiteId site = new SiteId("AT0042MOTOR1");

    @Test
    void authorizationReferenceFitsOcpiAndIsUnique() {
        Clock clock = Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneOffset.UTC);
        SecureRandom random = new SecureRandom();
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            AuthorizationReference ref = AuthorizationReference.generate(site, clock, random);
            assertThat(ref.value()).hasSizeLessThanOrEqualTo(36).startsWith("AT0042MOTOR1-");
            assertThat(seen.add(ref.value())).as("unique within one millisecond").isTrue();
        }
    }

    @Test
    void authorizationReferencesSortByTime() {
        SecureRandom random = new SecureRandom();
        String earlier = AuthorizationReference.generate(site,
                Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC), random).value();
        String later = AuthorizationReference.generate(site,
                Clock.fixed(Instant.parse("2026-01-01T00:00:00.001Z"), ZoneOffset.UTC), random).value();
        assertThat(earlier.substring(0, 23)).isLessThan(later.substring(0, 23));
    }

    @Test
    void idempotencyKeyIsDeterministicAndSeparatesOperations() {
        AuthorizationReference ref = new AuthorizationReference("AT0042MOTOR1-0000000000ABCDEFGHJKMNP");
        IdempotencyKey capture1 = IdempotencyKey.derive(site, "CH1:tx-1", ref, "capture");
        IdempotencyKey capture2 = IdempotencyKey.derive(site, "CH1:tx-1", ref, "capture");
        IdempotencyKey release = IdempotencyKey.derive(site, "CH1:tx-1", ref, "release");
        IdempotencyKey otherSession = IdempotencyKey.derive(site, "CH1:tx-2", ref, "capture");
        assertThat(capture1).isEqualTo(capture2);
        assertThat(capture1).isNotEqualTo(release).isNotEqualTo(otherSession);
        assertThat(capture1.value()).hasSizeLessThanOrEqualTo(64).startsWith("capture-");
        assertThat(capture1.operation()).isEqualTo("capture");
        assertThatThrownBy(() -> IdempotencyKey.derive(site, "s", ref, "Capture!"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void badIdentifiersAreRefusedWhereTheyEnter() {
        assertThatThrownBy(() -> new SiteId("toolongsiteid123")).hasMessageContaining("site id");
        assertThatThrownBy(() -> new ChargerId("CH 1")).hasMessageContaining("charger id");
        assertThatThrownBy(() -> new ChargerId("CH/1")).hasMessageContaining("charger id");
        assertThatThrownBy(() -> new AuthorizationReference("x".repeat(37))).hasMessageContaining("authorization reference");
        assertThatThrownBy(() -> EvseId.parse("CH1")).hasMessageContaining("EVSE");
        assertThatThrownBy(() -> EvseId.parse("CH1/0")).hasMessageContaining(">= 1");
        assertThat(EvseId.parse("CH-1/2")).isEqualTo(new EvseId(new ChargerId("CH-1"), 2));
    }
}
