package io.conduit.core.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ArgsTest {
    @Test
    void forksBelowOneAreRefusedZeroIncluded() {
        for (String forks : new String[] {"0", "-5", "many", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Args.runOptions(forks, null, null, null));
            assertEquals("-f/--forks: \"" + forks + "\" is not a number of hosts; give 1 or more", e.getMessage());
        }
    }

    @Test
    void noForksOptionMeansTheConfiguredDefault() {
        assertNull(Args.runOptions(null, null, null, null).forks());
        assertEquals(3, Args.runOptions("3", null, null, null).forks());
    }
}
