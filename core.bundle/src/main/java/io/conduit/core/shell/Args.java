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

    static RunOptions runOptions(int forks, String timeout, String inventory) {
        if (forks < 0) {
            throw new IllegalArgumentException("-f/--forks: " + forks + " is not a number of hosts; use 1 or more");
        }
        return new RunOptions(inventory.isEmpty() ? null : inventory, forks == 0 ? null : forks,
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

    /**
     * Gogo reads an unquoted {@code web[0]} as the word {@code web} followed by the list {@code [0]}: refuse that
     * pair, which would otherwise select all of web (and hand "[0]" to the command), and say to quote.
     *
     * @param command the shell command, for the message
     * @param pattern the pattern word
     * @param next the word after it, or null
     * @throws IllegalArgumentException {@code next} is a bracketed word, as a split-off subscript or class is
     */
    static void refuseSplitPattern(String command, String pattern, String next) {
        if (next != null && next.length() > 1 && next.startsWith("[") && next.endsWith("]")
                && next.chars().noneMatch(Character::isWhitespace)) {
            String brackets = next.replace("\"", ""); // Gogo prints the list [1:] as ["1:"]
            throw new IllegalArgumentException(command + ": the shell split " + brackets + " off the pattern "
                    + pattern + " (it reads [...] as a list); quote the pattern: '" + pattern + brackets + "'");
        }
    }

    /** Gogo passes unknown options through as words: refuse them where a pattern or path is expected. */
    static void refuseOption(String word, String command) {
        if (word != null && word.startsWith("-")) {
            throw new IllegalArgumentException("unknown option " + word + " for " + command + "; see 'help "
                    + command + "'");
        }
    }
}
