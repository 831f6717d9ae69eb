package io.conduit.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SealedWorkTest {
    private static final long HOUR = 3_600_000L;

    @Test
    void workIsTakenUntilItIsAsOldAsRecordsAreKept() throws Exception {
        long now = 1_800_000_000_000L;
        byte[] work = "batch".getBytes(UTF_8);
        assertArrayEquals(work, SealedWork.unstamp(SealedWork.stamp(work, now - HOUR), now, HOUR));
        assertArrayEquals(work, SealedWork.unstamp(SealedWork.stamp(work, now + 60_000), now, HOUR), "clocks 1 min apart");
        assertEquals("3601 s ago", assertThrows(SealedWork.StaleWorkException.class,
                () -> SealedWork.unstamp(SealedWork.stamp(work, now - HOUR - 1000), now, HOUR)).getMessage());
        assertEquals("600 s in the future", assertThrows(SealedWork.StaleWorkException.class,
                () -> SealedWork.unstamp(SealedWork.stamp(work, now + 600_000), now, HOUR)).getMessage());
    }

    @Test
    void theAnswersContextIsBoundToTheWork() {
        Seal seal = new Seal(ClusterKey.of(TestMembers.KEY));
        byte[] one = seal.seal("work", new byte[] {1});
        byte[] two = seal.seal("work", new byte[] {1});
        assertNotEquals(SealedWork.answerContext(one), SealedWork.answerContext(two));
        assertEquals(SealedWork.answerContext(one), SealedWork.answerContext(one.clone()));
    }
}
