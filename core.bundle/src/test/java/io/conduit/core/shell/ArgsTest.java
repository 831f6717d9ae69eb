package io.conduit.core.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ArgsTest {
    @Test
    void forksBelowOneAreRefusedZeroIncluded() {
        for (int forks : new int[] {0, -5}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Args.runOptions(forks, "", ""));
            assertEquals("-f/--forks: " + forks + " is not a number of hosts; use 1 or more", e.getMessage());
        }
    }

    @Test
    void noForksOptionMeansTheConfiguredDefault() {
        assertNull(Args.runOptions(Integer.parseInt(Args.FORKS_UNSET), "", "").forks());
        assertEquals(3, Args.runOptions(3, "", "").forks());
    }
}
