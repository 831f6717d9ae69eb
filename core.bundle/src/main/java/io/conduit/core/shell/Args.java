package io.conduit.core.shell;

import java.time.Duration;

import io.conduit.api.connection.OptionType;
import io.conduit.api.task.RunOptions;

/** Turns the shell's option values into typed values, with messages that name the option. */
final class Args {
    static final int EXIT_OK = 0;
    static final int EXIT_HOSTS_FAILED = 2;
    /** Bad input or usage, nothing ran (sysexits EX_USAGE). */
    static final int EXIT_USAGE = 64;
    /** Conduit failed in a way that is not the input's fault (sysexits EX_SOFTWARE). */
    static final int EXIT_SOFTWARE = 70;
    /** Interrupted (Ctrl-C), as shells report a command ended by SIGINT: 128 + 2. */
    static final int EXIT_INTERRUPTED = 130;

    private Args() {
    }

    /**
     * @param forks {@code -f} as given, or null
     * @param timeout {@code -t} as given, or null
     * @param inventory {@code -i} as given, or null
     * @param outputLimit {@code --output-limit} as given, or null
     * @return the run's options, unset ones left to the runner's defaults
     * @throws IllegalArgumentException a value is not valid (the message names the option and what to give)
     */
    static RunOptions runOptions(String forks, String timeout, String inventory, String outputLimit) {
        Integer n = null;
        if (forks != null) {
            try {
                n = Integer.valueOf(forks.trim());
            } catch (NumberFormatException e) {
                n = null;
            }
            if (n == null || n < 1) {
                throw new IllegalArgumentException("-f/--forks: \"" + forks + "\" is not a number of hosts; give 1"
                        + " or more");
            }
        }
        return new RunOptions(inventory == null || inventory.isEmpty() ? null : inventory, n,
                duration("-t/--timeout", timeout), bytes("--output-limit", outputLimit));
    }

    /**
     * @param option the option, for the message
     * @param value a number of bytes, 0 or more, with an optional binary suffix k, m or g (4k = 4096); or null
     * @return the bytes, or null when not given
     * @throws IllegalArgumentException the value is not such a number
     */
    static Long bytes(String option, String value) {
        if (value == null) {
            return null;
        }
        String v = value.trim().toLowerCase(java.util.Locale.ROOT);
        int shift = v.endsWith("k") ? 10 : v.endsWith("m") ? 20 : v.endsWith("g") ? 30 : 0;
        String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
        if (!digits.isEmpty() && digits.chars().allMatch(c -> c >= '0' && c <= '9') && digits.length() <= 12) {
            long n = Long.parseLong(digits);
            if (n <= (Integer.MAX_VALUE - 8L) >> shift) {
                return n << shift;
            }
        }
        throw new IllegalArgumentException(option + ": \"" + value + "\" is not a number of bytes; give 0 or more,"
                + " e.g. 4096, 64k or 1m (at most 2047m)");
    }

    /**
     * A local path the operator typed, as any command line tool reads it: {@code ~/} is the user's home (the
     * API's {@link OptionType#PATH} rule), a relative path is read from the working directory.
     *
     * @param typed the path as given
     * @return the absolute, normalized path
     */
    static java.nio.file.Path localPath(String typed) {
        String expanded = OptionType.PATH.convert("path", typed);
        return io.conduit.core.inventory.LocalPaths.workingDirectory().resolve(expanded).normalize();
    }

    static Duration duration(String option, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        Duration d;
        try {
            d = OptionType.DURATION.convert(option, value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(option + ": \"" + value + "\" must be more than 0");
        }
        return d;
    }
}
