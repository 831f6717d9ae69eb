package io.conduit.core.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The whiteboard rule the plugin registry and the inventory catalog share: ranking, shadowing, unshadowing. */
class RankedServicesTest {

    record Entry(String name, long serviceId, int ranking) implements RankedServices.Ranked {
    }

    private final RankedServices<Entry> services = new RankedServices<>();

    @Test
    void aSecondServiceOfTheSameNameIsShadowedNotReplacing() {
        Entry first = new Entry("docker", 10, 0);
        Entry second = new Entry("docker", 11, 0);
        assertEquals(Optional.empty(), services.add(first));
        assertEquals(Optional.empty(), services.add(second), "the older one keeps serving at equal ranking");
        assertEquals(first, services.best("docker").orElseThrow());
        assertFalse(services.serves(second));
        assertEquals(List.of(first, second), services.all().get("docker"), "both kept, best first");
    }

    @Test
    void aHigherRankedServiceShadowsTheOneServingAndItsRemovalUnshadowsIt() {
        Entry low = new Entry("docker", 10, 0);
        Entry high = new Entry("docker", 12, 5);
        services.add(low);
        assertEquals(Optional.of(low), services.add(high), "tells which one it shadows");
        assertEquals(high, services.best("docker").orElseThrow());

        assertEquals(Optional.of(high), services.remove(12));
        assertEquals(low, services.best("docker").orElseThrow(), "the shadowed one serves again");
        assertTrue(services.serves(low));
        assertEquals(Optional.empty(), services.remove(12), "removing twice is harmless");
    }

    @Test
    void namesAreServedApartAndListedInOrder() {
        services.add(new Entry("ssh", 3, 0));
        services.add(new Entry("docker", 4, 0));
        assertEquals(List.of("docker", "ssh"), List.copyOf(services.served().keySet()));
        services.remove(4);
        assertEquals(List.of("ssh"), List.copyOf(services.served().keySet()));
        assertTrue(services.best("docker").isEmpty());
    }
}
