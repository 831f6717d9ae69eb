package io.conduit.api.support;

import java.time.Duration;

/**
 * Durations written for operators in messages and tables, the same way in the core and every plugin: whole seconds
 * when the duration is a whole number of seconds, else milliseconds ({@link #exact}), or rounded to the unit a table
 * column wants ({@link #coarse}).
 *
 * @since 2.1.0
 */
public final class Durations {
    private Durations() {
    }

    /**
     * @param d a duration, or {@code null} for none
     * @return {@code "30s"} for a whole number of seconds, else {@code "1500ms"} (sub-millisecond parts dropped);
     *         {@code "no limit"} for {@code null}
     */
    public static String exact(Duration d) {
        return exact(d, "");
    }

    /**
     * {@link #exact(Duration)} with {@code gap} between the number and its unit, for messages that write
     * {@code "30 s"}.
     *
     * @param d a duration, or {@code null} for none
     * @param gap what separates the number from its unit, such as {@code ""} or {@code " "}
     * @return {@code "30" + gap + "s"} for a whole number of seconds, else {@code "1500" + gap + "ms"};
     *         {@code "no limit"} for {@code null}
     * @throws NullPointerException {@code gap} is {@code null}
     */
    public static String exact(Duration d, String gap) {
        if (gap == null) {
            throw new NullPointerException("gap");
        }
        if (d == null) {
            return "no limit";
        }
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + gap + "s" : ms + gap + "ms";
    }

    /**
     * Rounded down to the largest unit that still leaves two digits of detail, as a column of ages shows it.
     *
     * @param d a duration, not {@code null}
     * @return whole seconds under 2 minutes ({@code "45s"}), whole minutes under 2 hours ({@code "90m"}), else whole
     *         hours ({@code "26h"})
     * @throws NullPointerException {@code d} is {@code null}
     */
    public static String coarse(Duration d) {
        long s = d.toSeconds();
        return s < 120 ? s + "s" : s < 7200 ? (s / 60) + "m" : (s / 3600) + "h";
    }
}
