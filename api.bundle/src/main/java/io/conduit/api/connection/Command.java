package io.conduit.api.connection;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A command to run on a host, with pyinfra's control arguments. Either a shell {@link #line()} or an
 * argument vector {@link #argv()} is set, never both. Shell-like plugins turn it into one wrapped line with
 * {@code io.conduit.api.support.ShellCommand}; plugins that can start a process directly (Docker exec) may use
 * {@link #argv()} as is.
 *
 * <p>Immutable: the {@code with...} methods return changed copies.
 *
 * @param line the shell command line, or {@code null} when {@link #argv()} is set
 * @param argv the program and its arguments, or {@code null} when {@link #line()} is set
 * @param stdin bytes to send on standard input (then end of file); empty for none
 * @param env environment variables to set
 * @param cwd the working directory, or {@code null} for the login directory
 * @param timeout how long the command may run, or {@code null} for no limit of its own (the run's per-host
 *        timeout still applies)
 * @param pty whether to allocate a pseudo-terminal (stdout and stderr then arrive merged)
 * @param become privilege escalation, or {@code null}
 * @param successCodes the exit codes that mean success
 * @param outputLimit how many bytes of stdout and of stderr to keep; the rest is counted and dropped
 */
public record Command(String line, List<String> argv, byte[] stdin, Map<String, String> env, String cwd,
        Duration timeout, boolean pty, Become become, Set<Integer> successCodes, long outputLimit) {

    /** Default for {@link #outputLimit()}: 1 MiB per stream. */
    public static final long DEFAULT_OUTPUT_LIMIT = 1 << 20;

    private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern SAFE_WORD = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    /** Validates the fields and copies the collections in. */
    public Command {
        if ((line == null) == (argv == null)) {
            throw new IllegalArgumentException("a command has either a shell line or an argument vector");
        }
        if (argv != null) {
            argv = List.copyOf(argv);
            if (argv.isEmpty()) {
                throw new IllegalArgumentException("empty argument vector");
            }
        }
        stdin = stdin == null ? new byte[0] : stdin.clone();
        env = env == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(env));
        env.keySet().forEach(Command::checkVariableName);
        successCodes = successCodes == null || successCodes.isEmpty() ? Set.of(0) : Set.copyOf(successCodes);
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        if (outputLimit < 0) {
            throw new IllegalArgumentException("outputLimit must not be negative: " + outputLimit);
        }
    }

    /**
     * A shell command line, run by {@code sh -c}.
     *
     * @param line the command line
     * @return the command
     */
    public static Command shell(String line) {
        return new Command(Objects.requireNonNull(line, "line"), null, null, null, null, null, false, null, null,
                DEFAULT_OUTPUT_LIMIT);
    }

    /**
     * A program and its arguments, run without interpretation by a shell where the plugin can.
     *
     * @param argv the program and its arguments
     * @return the command
     */
    public static Command argv(List<String> argv) {
        return new Command(null, argv, null, null, null, null, false, null, null, DEFAULT_OUTPUT_LIMIT);
    }

    /** @param bytes standard input @return a copy with that stdin */
    public Command withStdin(byte[] bytes) {
        return new Command(line, argv, bytes, env, cwd, timeout, pty, become, successCodes, outputLimit);
    }

    /** @param variables environment variables @return a copy with that environment */
    public Command withEnv(Map<String, String> variables) {
        return new Command(line, argv, stdin, variables, cwd, timeout, pty, become, successCodes, outputLimit);
    }

    /** @param directory working directory @return a copy with that working directory */
    public Command withCwd(String directory) {
        return new Command(line, argv, stdin, env, directory, timeout, pty, become, successCodes, outputLimit);
    }

    /** @param limit the command's timeout, or {@code null} @return a copy with that timeout */
    public Command withTimeout(Duration limit) {
        return new Command(line, argv, stdin, env, cwd, limit, pty, become, successCodes, outputLimit);
    }

    /** @param usePty whether to allocate a pty @return a copy with that setting */
    public Command withPty(boolean usePty) {
        return new Command(line, argv, stdin, env, cwd, timeout, usePty, become, successCodes, outputLimit);
    }

    /** @param escalation become settings, or {@code null} @return a copy with them */
    public Command withBecome(Become escalation) {
        return new Command(line, argv, stdin, env, cwd, timeout, pty, escalation, successCodes, outputLimit);
    }

    /** @param codes the exit codes that mean success @return a copy with them */
    public Command withSuccessCodes(Set<Integer> codes) {
        return new Command(line, argv, stdin, env, cwd, timeout, pty, become, codes, outputLimit);
    }

    /** @param bytes bytes to keep per stream @return a copy with that limit */
    public Command withOutputLimit(long bytes) {
        return new Command(line, argv, stdin, env, cwd, timeout, pty, become, successCodes, bytes);
    }

    /**
     * Tells whether an exit code means success for this command.
     *
     * @param exitCode the exit code
     * @return {@code true} when it is one of {@link #successCodes()}
     */
    public boolean succeeded(int exitCode) {
        return successCodes.contains(exitCode);
    }

    /**
     * The command as an operator reads it in a message: its line (or its arguments joined by spaces), control
     * characters as spaces, quoted, and cut to 60 characters. Never stdin, the environment or a password.
     *
     * @return such as {@code 'systemctl restart nginx'}
     * @since 1.2
     */
    public String brief() {
        String text = (line != null ? line : String.join(" ", argv)).replaceAll("\\p{Cntrl}", " ");
        return "'" + (text.length() > 60 ? text.substring(0, 57) + "..." : text) + "'";
    }

    /**
     * A short form for messages and logs, in words rather than a record dump (messages reach operators):
     * {@link #brief()}, the become user and the timeout, such as {@code 'sleep 10' as root, timeout 3 s}. Never
     * stdin or the become password.
     */
    @Override
    public String toString() {
        return brief() + (become != null ? " as " + become.user() : "")
                + (timeout != null ? ", timeout " + (timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + " s"
                        : timeout.toMillis() + " ms") : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Command c && Objects.equals(line, c.line) && Objects.equals(argv, c.argv)
                && Arrays.equals(stdin, c.stdin) && env.equals(c.env) && Objects.equals(cwd, c.cwd)
                && Objects.equals(timeout, c.timeout) && pty == c.pty && Objects.equals(become, c.become)
                && successCodes.equals(c.successCodes) && outputLimit == c.outputLimit;
    }

    @Override
    public int hashCode() {
        return Objects.hash(line, argv, Arrays.hashCode(stdin), env, cwd, timeout, pty, successCodes);
    }

    /**
     * Checks an environment variable's name: letters, digits and {@code _}, not starting with a digit (POSIX).
     * The rule of {@link #env()}, here so that the contract checks its own values.
     *
     * @param name the name, not {@code null}
     * @throws IllegalArgumentException the name is not one
     * @since 2.1
     */
    public static void checkVariableName(String name) {
        if (!VARIABLE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("\"" + name + "\" is not a valid environment variable name;"
                    + " use letters, digits and _, not starting with a digit");
        }
    }

    /**
     * Quotes a word for a POSIX shell: plain words as they are, anything else in single quotes with each
     * {@code '} written as {@code '"'"'}. Newlines, {@code $}, backquotes and spaces are safe inside. In the
     * contract because {@link FileAccess#command} takes a script and {@link Connection}'s file methods write one.
     *
     * @param word the text to quote, not {@code null}
     * @return the quoted word
     * @since 2.1
     */
    public static String quote(String word) {
        if (!word.isEmpty() && SAFE_WORD.matcher(word).matches()) {
            return word;
        }
        return "'" + word.replace("'", "'\"'\"'") + "'";
    }

    /**
     * Quotes a file path for a POSIX shell command line: the shell takes it as one word whatever it holds
     * ({@link #quote}: spaces, {@code ;}, {@code &}, {@code $()}, quotes, newlines, any bytes but NUL), and no
     * command takes it for an option: a path that begins with {@code -} (only a relative one can) gets {@code ./}
     * in front, which names the same file for every command, with or without {@code --}.
     *
     * @param path a file path as the host reads it, absolute or relative to the login directory (an empty one
     *        stays {@code ''}, which the command then reports as no such file)
     * @return the quoted word
     * @since 2.1
     */
    public static String quotePath(String path) {
        return quote(path.startsWith("-") ? "./" + path : path);
    }
}
