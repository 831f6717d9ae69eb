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
    /** Interrupted (Ctrl-C), as shells report a command ended by SIGINT: 128 + 2. */
    static final int EXIT_INTERRUPTED = 130;

    private Args() {
    }

    /** Keeps the worst status of the session's commands, so {@code -c 'run a; run b'} fails if either did. */
    static void exitStatus(org.apache.felix.service.command.CommandSession session, int status) {
        Object before = session.get(EXIT);
        session.put(EXIT, before instanceof Integer b ? Math.max(b, status) : status);
    }

    /**
     * The {@code absentValue} of {@code -f/--forks}: a value no one types, so that {@code -f 0} is told from no
     * {@code -f} and refused like {@code -f -5} (and {@code forks = 0} in the .cfg) instead of meaning the default.
     */
    static final String FORKS_UNSET = "-2147483648";

    /**
     * Checks the options every run command shares.
     *
     * @param forks {@code -f}, or {@link Integer#MIN_VALUE} ({@link #FORKS_UNSET}) when not given
     * @param timeout {@code -t}, empty when not given
     * @param inventory {@code -i}, empty when not given
     * @return the options, unset fields {@code null}
     * @throws IllegalArgumentException forks below 1, or a timeout that is not a positive duration; the message
     *         names the option
     */
    static RunOptions runOptions(int forks, String timeout, String inventory) {
        if (forks < 1 && forks != Integer.MIN_VALUE) {
            throw new IllegalArgumentException("-f/--forks: " + forks + " is not a number of hosts; use 1 or more");
        }
        return new RunOptions(inventory.isEmpty() ? null : inventory, forks == Integer.MIN_VALUE ? null : forks,
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

    /** Gogo passes unknown options through as words: refuse them where a pattern or path is expected. */
    static void refuseOption(String word, String command) {
        if (word != null && word.startsWith("-")) {
            throw new IllegalArgumentException("unknown option " + word + " for " + command + "; see 'help "
                    + command + "'");
        }
    }
}
