package io.conduit.api.support;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Command;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * The one shell wrapper every shell-like plugin uses, so that become, environment, working directory and
 * quoting behave the same over SSH, locally or anywhere a POSIX {@code sh} runs (pyinfra's
 * {@code make_unix_command}).
 *
 * <p>Plugins run commands through {@link WrappedCommand}, which uses {@link #script} and {@link #quote}; the
 * older {@link #wrap} and {@link #stdin} pair is kept for plugins built against API 1.0.
 *
 * <p>{@link #wrap} gives a single line: {@code sh -c 'SCRIPT'}, or with become
 * {@code sudo -H -S -p '' -u USER -- sh -c 'SCRIPT'} (or {@code sudo -n ...} without a password, so a missing
 * NOPASSWD rule fails at once instead of hanging at a prompt) or {@code su -s /bin/sh USER -c 'SCRIPT'}. SCRIPT
 * exports the environment, changes directory, then runs the command. {@link #stdin} gives the bytes to send:
 * the become password and a newline first where the method reads one, then the command's own stdin.
 */
public final class ShellCommand {
    private ShellCommand() {
    }

    /**
     * Quotes a word for a POSIX shell: plain words as they are, anything else in single quotes with each
     * {@code '} written as {@code '"'"'}. Newlines, {@code $}, backquotes and spaces are safe inside. The rule
     * is the contract's ({@link Command#quote}); kept here for the plugins that call it.
     *
     * @param word the text to quote
     * @return the quoted word
     */
    public static String quote(String word) {
        return Command.quote(word);
    }

    /**
     * Quotes a file path for a POSIX shell command line ({@link Command#quotePath}, the contract's rule): one
     * word whatever it holds, and {@code ./} in front of a path that begins with {@code -}, so that no command
     * takes it for an option. Every path that reaches a command line on a host goes through here or there: the
     * wrapper's {@code cd}, scp, and the mv, chmod, rm and checksum commands of put and fetch.
     *
     * @param path a file path as the host reads it, absolute or relative to the login directory (an empty one
     *        stays {@code ''}, which the command then reports as no such file)
     * @return the quoted word
     * @since 1.2
     */
    public static String quotePath(String path) {
        return Command.quotePath(path);
    }

    /**
     * Builds the script that runs inside {@code sh -c}: exports, {@code cd}, then the command.
     *
     * @param command the command
     * @return the unquoted script
     */
    public static String script(Command command) {
        StringBuilder script = new StringBuilder();
        for (Map.Entry<String, String> e : command.env().entrySet()) {
            script.append("export ").append(e.getKey()).append('=').append(quote(e.getValue())).append("; ");
        }
        if (command.cwd() != null) {
            script.append("cd ").append(quotePath(command.cwd())).append(" && ");
        }
        script.append(command.line() != null ? command.line() : join(command.argv()));
        return script.toString();
    }

    /**
     * Builds the single line to hand to the remote shell.
     *
     * @param command the command
     * @return the wrapped, quoted line
     */
    public static String wrap(Command command) {
        String script = quote(script(command));
        Become become = command.become();
        if (become == null) {
            return "sh -c " + script;
        }
        return switch (become.method()) {
            case SUDO -> (become.password() == null ? "sudo -n -H -u " : "sudo -S -p '' -H -u ")
                    + quote(become.user()) + " -- sh -c " + script;
            case SU -> "su -s /bin/sh " + quote(become.user()) + " -c " + script;
        };
    }

    /**
     * The bytes to send on standard input: the become password and a newline where the method reads it
     * there, then the command's stdin.
     *
     * @param command the command
     * @return the bytes to write before closing stdin
     * @deprecated writes the become password whether or not sudo or su asks for it (a NOPASSWD rule or a root
     *             login then hands it to the command), and gives no way to stop the command: use
     *             {@link WrappedCommand}. Kept for plugins built against API 1.0.
     */
    @Deprecated
    public static byte[] stdin(Command command) {
        Become become = command.become();
        if (become == null || become.password() == null) {
            return command.stdin();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes((become.password().reveal() + "\n").getBytes(StandardCharsets.UTF_8));
        out.writeBytes(command.stdin());
        return out.toByteArray();
    }

    /**
     * Checks an environment variable's name: {@link Command#checkVariableName}, the contract's rule.
     *
     * @param name the name
     * @throws IllegalArgumentException the name is not one
     */
    public static void checkVariableName(String name) {
        Command.checkVariableName(name);
    }

    private static String join(List<String> argv) {
        StringBuilder line = new StringBuilder();
        for (String word : argv) {
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(quote(word));
        }
        return line.toString();
    }
}
