package io.conduit.core.tasks;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.support.PluginOption;
import io.conduit.core.inventory.LocalPaths;

/**
 * The checks the core's task plugins share for their parameters. Messages name the parameter, not the task: the task
 * catalog puts the task's name in front of every refusal ({@code TaskRegistry.task}), and a runbook puts the step's
 * path there, so a plugin that named itself too would be named twice ("file: file: mode ...").
 */
final class TaskParameters {
    private static final Pattern OCTAL = Pattern.compile("0[0-7]{3,4}");

    private TaskParameters() {
    }

    /**
     * @param options the declared parameters
     * @return their descriptors, in order
     */
    static List<OptionDescriptor> describe(PluginOption<?>... options) {
        return java.util.Arrays.stream(options).map(PluginOption::descriptor).toList();
    }

    /**
     * Reads a mode written as octal text with a leading zero ({@code 0644}, {@code 02775}). The leading zero is
     * required because YAML reads an unquoted {@code 0644} as the number 420, which would otherwise arrive here as
     * the text {@code 420} and set the wrong bits (Ansible's documentation warns of the same trap).
     *
     * @param text the value, or {@code null}
     * @return the bits {@code 0} to {@code 07777}, or {@link Connection#KEEP_MODE} for {@code null}
     * @throws IllegalArgumentException the text is not such a mode
     */
    static int mode(String text) {
        if (text == null || text.isBlank()) {
            return Connection.KEEP_MODE;
        }
        String t = text.strip();
        if (!OCTAL.matcher(t).matches()) {
            throw new IllegalArgumentException("mode: \"" + t + "\" is not an octal mode; write it with a"
                    + " leading 0, such as 0644 or 0755, and quote it in YAML ('0644': unquoted, 0644 is the number"
                    + " 420)");
        }
        return Integer.parseInt(t, 8);
    }

    /**
     * @param mode permission bits
     * @return them as octal text with a leading zero, four digits ({@code 0644})
     */
    static String octal(int mode) {
        return String.format("%04o", mode);
    }

    /**
     * A local file an operator named (a script, a template): {@code ~/} expanded, a relative path read from the
     * working directory of the command that runs the task ({@link LocalPaths#typed}).
     *
     * @param name the parameter name
     * @param text the path as written
     * @return the absolute path of a readable regular file
     * @throws IllegalArgumentException it is no such file
     */
    static Path localFile(String name, String text) {
        Path p;
        try {
            p = LocalPaths.typed(text);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(name + ": \"" + text + "\" is not a path here");
        }
        if (!Files.exists(p)) {
            throw new IllegalArgumentException(name + ": no such file " + p);
        }
        if (!Files.isRegularFile(p)) {
            throw new IllegalArgumentException(name + ": " + p + " is not a regular file");
        }
        if (!Files.isReadable(p)) {
            throw new IllegalArgumentException(name + ": " + p + " cannot be read by the user running"
                    + " Conduit");
        }
        return p;
    }

    /**
     * @param name the parameter name
     * @param value its value, or {@code null}
     * @return the value, not blank
     * @throws IllegalArgumentException it is missing or blank
     */
    static String required(String name, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return value;
    }
}
