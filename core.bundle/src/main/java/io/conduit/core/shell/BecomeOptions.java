package io.conduit.core.shell;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.felix.service.command.CommandSession;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Secret;
import io.conduit.core.inventory.ParameterResolver;

/**
 * The become options of {@code run}, {@code put} and {@code fetch}, and where the run-wide become password comes
 * from, first found wins: {@code -K} (asked without echo in the interactive shell, as Ansible's
 * {@code --ask-become-pass}), {@code --become-password-file FILE}, the environment variable
 * {@value #PASSWORD_ENV}. A host's own {@code data.become_password} in the inventory wins over all of them.
 * The password is never taken from the command line itself.
 */
final class BecomeOptions {
    /** Environment variable the become password is read from. */
    static final String PASSWORD_ENV = ParameterResolver.BECOME_PASSWORD_ENV;
    /** Gogo's session variable holding the interactive shell's JLine reader. */
    private static final String READER = ".reader";

    private BecomeOptions() {
    }

    /**
     * Builds the become of a run, or {@code null} when none was asked for.
     *
     * @param become {@code -b}
     * @param user {@code --become-user}, empty for root
     * @param method {@code --become-method}: sudo or su
     * @param ask {@code -K}
     * @param passwordFile {@code --become-password-file}, empty for none
     * @throws IllegalArgumentException an option's value is wrong (the message names it and what to do)
     */
    static Become of(CommandSession session, boolean become, String user, String method, boolean ask,
            String passwordFile) {
        // checked even when nothing is become: a typo must not pass silently until the day -b is added
        Become.Method m = switch (method) {
            case "sudo" -> Become.Method.SUDO;
            case "su" -> Become.Method.SU;
            default -> throw new IllegalArgumentException("--become-method: \"" + method + "\" is not known; use sudo"
                    + " or su");
        };
        if (!become && user.isEmpty()) {
            if (ask || !passwordFile.isEmpty()) {
                throw new IllegalArgumentException((ask ? "-K/--ask-become-pass" : "--become-password-file")
                        + " without -b/--become or --become-user; add -b");
            }
            return null;
        }
        Secret password;
        if (ask) {
            password = ask(session, user.isEmpty() ? "root" : user);
        } else if (!passwordFile.isEmpty()) {
            password = fromFile(passwordFile);
        } else {
            String env = System.getenv(PASSWORD_ENV);
            password = env == null || env.isEmpty() ? null : Secret.of(env);
        }
        return new Become(m, user.isEmpty() ? null : user, password);
    }

    private static Secret fromFile(String name) {
        Path file = Args.localPath(name);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("--become-password-file: cannot read " + file + " ("
                    + (Files.exists(file) ? "permission denied or not a file" : "no such file")
                    + "); give a readable file holding the password");
        }
        if (text.endsWith("\r\n")) {
            text = text.substring(0, text.length() - 2);
        } else if (text.endsWith("\n")) {
            text = text.substring(0, text.length() - 1);
        }
        if (text.isEmpty()) {
            throw new IllegalArgumentException("--become-password-file: " + file + " is empty; write the password"
                    + " into it");
        }
        if (text.indexOf('\n') >= 0 || text.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("--become-password-file: " + file + " has more than one line; it"
                    + " must hold the password alone, on one line");
        }
        return Secret.of(text);
    }

    /** Asks without echo through the interactive shell's line reader (JLine's mask 0 echoes nothing). */
    private static Secret ask(CommandSession session, String user) {
        Object reader = session == null ? null : session.get(READER);
        if (reader == null) {
            throw new IllegalArgumentException("-K/--ask-become-pass needs the interactive shell; in scripts use"
                    + " --become-password-file FILE or " + PASSWORD_ENV);
        }
        try {
            Method readLine = reader.getClass().getMethod("readLine", String.class, Character.class);
            Object line = readLine.invoke(reader, "BECOME password for " + user + ": ", (char) 0);
            String text = line == null ? "" : line.toString();
            if (text.isEmpty()) {
                throw new IllegalArgumentException("-K/--ask-become-pass: no password given; nothing ran");
            }
            return Secret.of(text);
        } catch (ReflectiveOperationException e) {
            throw new IllegalArgumentException("-K/--ask-become-pass: the shell could not ask for the password"
                    + " without echo; use --become-password-file FILE or " + PASSWORD_ENV);
        }
    }
}
