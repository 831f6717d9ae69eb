package io.conduit.ssh;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import io.conduit.api.connection.Secret;

/**
 * Local users with sudo rules for the become tests (the tests' sshd runs on this machine, so these are the
 * "host's" users). Needs root, as CI runs.
 */
final class TestUsers {
    /** Full sudo rights, asks for its password. */
    static final String SUDO = "conduit-sudo";
    /** sudo without a password (NOPASSWD). */
    static final String NOPASSWD = "conduit-nopw";
    /** sudo that asks for a password and requires a terminal ({@code Defaults requiretty}). */
    static final String TTY = "conduit-tty";
    /** The user su becomes, with its own password. */
    static final String TARGET = "conduit-target";
    /**
     * A user whose login shell (bash) prints a line on start, also for commands and subsystems (Debian's bash
     * reads ~/.bashrc when sshd starts it): {@link #NOISE}, then the rest of the rc file.
     */
    static final String NOISY = "conduit-noisy";
    /** What {@link #NOISY}'s ~/.bashrc prints on stdout. */
    static final String NOISE = "Welcome to the conduit-noisy shell\n";
    /** Every test user's password (su asks for the target's). */
    static final Secret PASSWORD = Secret.of("Sudo-Pw-4-Conduit");

    private TestUsers() {
    }

    /** Creates the users and rules if missing; the password is set every time. */
    static void ensure() throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new IllegalStateException("the become tests must run as root (they add local users and"
                    + " /etc/sudoers.d entries); CI runs as root");
        }
        for (String user : new String[] {SUDO, NOPASSWD, TTY, TARGET}) {
            if (run("id", "-u", user) != 0) {
                check(run("useradd", "-m", "-s", "/bin/sh", user), "useradd " + user);
            }
            Process p = new ProcessBuilder("chpasswd").redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write((user + ":" + PASSWORD.reveal() + "\n").getBytes());
            }
            check(p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1, "chpasswd");
        }
        if (run("id", "-u", NOISY) != 0) {
            check(run("useradd", "-m", "-s", "/bin/bash", NOISY), "useradd " + NOISY);
        }
        Process p = new ProcessBuilder("chpasswd").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write((NOISY + ":" + PASSWORD.reveal() + "\n").getBytes());
        }
        check(p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1, "chpasswd");
        // printed before the usual "not interactive: return", as the rc files that break transfers do
        Files.writeString(Path.of("/home/" + NOISY + "/.bashrc"), "printf '" + NOISE.replace("\n", "\\n")
                + "'\ncase $- in *i*) ;; *) return ;; esac\n");
        rule(SUDO, SUDO + " ALL=(ALL:ALL) ALL\n");
        rule(NOPASSWD, NOPASSWD + " ALL=(ALL:ALL) NOPASSWD: ALL\n");
        rule(TTY, "Defaults:" + TTY + " requiretty\n" + TTY + " ALL=(ALL:ALL) ALL\n");
    }

    private static void rule(String name, String text) throws Exception {
        Path file = Path.of("/etc/sudoers.d/" + name);
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--r-----"));
    }

    static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    static void check(int rc, String what) {
        if (rc != 0) {
            throw new IllegalStateException(what + " failed with exit code " + rc);
        }
    }
}
