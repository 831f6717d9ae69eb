package io.conduit.api.support;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void exactWritesWholeSecondsElseMilliseconds() {
        assertEquals("30s", Durations.exact(Duration.ofSeconds(30)));
        assertEquals("0s", Durations.exact(Duration.ZERO));
        assertEquals("1500ms", Durations.exact(Duration.ofMillis(1500)));
        assertEquals("2s", Durations.exact(Duration.ofSeconds(2).plusNanos(500)));
        assertEquals("no limit", Durations.exact(null));
    }

    @Test
    void exactTakesTheGapBetweenNumberAndUnit() {
        assertEquals("30 s", Durations.exact(Duration.ofSeconds(30), " "));
        assertEquals("250 ms", Durations.exact(Duration.ofMillis(250), " "));
    }

    @Test
    void coarseRoundsDownToSecondsMinutesOrHours() {
        assertEquals("119s", Durations.coarse(Duration.ofSeconds(119)));
        assertEquals("2m", Durations.coarse(Duration.ofSeconds(120)));
        assertEquals("119m", Durations.coarse(Duration.ofSeconds(7199)));
        assertEquals("2h", Durations.coarse(Duration.ofHours(2)));
        assertEquals("26h", Durations.coarse(Duration.ofHours(26).plusMinutes(59)));
    }
}
