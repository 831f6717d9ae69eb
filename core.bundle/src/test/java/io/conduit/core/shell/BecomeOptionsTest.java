package io.conduit.core.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

import io.conduit.api.connection.Become;

class BecomeOptionsTest {
    @Test
    void anUnknownMethodIsRefusedEvenWithoutBecome() {
        // a typo that passes while -b is absent would surface only the day somebody adds -b to the script
        for (boolean become : new boolean[] {true, false}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> BecomeOptions.of(null, become, "", "doas", false, ""));
            assertEquals("--become-method: \"doas\" is not known; use sudo or su", e.getMessage());
        }
    }

    @Test
    void withoutBecomeAKnownMethodBecomesNobody() {
        assertNull(BecomeOptions.of(null, false, "", "su", false, ""));
        assertEquals(Become.Method.SU, BecomeOptions.of(null, true, "", "su", false, "").method());
    }
}
