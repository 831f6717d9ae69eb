package io.conduit.rest.agent;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** One line per event on standard error: time, level, message. Never given a token or request body. */
public final class Log {
    private static volatile boolean quiet;

    private Log() {
    }

    /** @param on whether to drop INFO lines (tests running many agents) */
    public static void quiet(boolean on) {
        quiet = on;
    }

    /** @param message what happened */
    public static void info(String message) {
        if (!quiet) {
            System.err.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " INFO  " + message);
        }
    }

    /** @param message what went wrong */
    public static void warn(String message) {
        System.err.println(Instant.now().truncatedTo(ChronoUnit.MILLIS) + " WARN  " + message);
    }
}
