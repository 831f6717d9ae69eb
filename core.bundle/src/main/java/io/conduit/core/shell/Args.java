package io.conduit.core.shell;

import java.time.Duration;

import io.conduit.api.connection.OptionType;
import io.conduit.api.task.RunOptions;

/** Turns the shell's option values into typed values, with messages that name the option. */
final class Args {
    /** Session variable holding the exit status for {@code bin/conduit -c}. */
    static final String EXIT = "conduit.exit";
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

    /** Keeps the worst status of the session's commands, so {@code -c 'run a; run b'} fails if either did. */
    static void exitStatus(org.apache.felix.service.command.CommandSession session, int status) {
        if (session == null) {
            return;
        }
        Object before = session.get(EXIT);
        session.put(EXIT, before instanceof Integer b ? Math.max(b, status) : status);
    }

    /**
     * @param forks {@code -f} as given, or null
     * @param timeout {@code -t} as given, or null
     * @param inventory {@code -i} as given, or null
     * @return the run's options, unset ones left to the runner's defaults
     * @throws IllegalArgumentException a value is not valid (the message names the option and what to give)
     */
    static RunOptions runOptions(String forks, String timeout, String inventory) {
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
                duration("-t/--timeout", timeout), null);
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
