package io.conduit.rest.support;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import io.conduit.api.connection.Secret;

/**
 * Local users for the become tests: the tests' agents run on this machine, so these are the device's users.
 * Needs root, as CI runs.
 */
public final class TestUsers {
    /** Runs an agent; may sudo to anyone with its own password, which sudo asks for every time. */
    public static final String AGENT = "conduit-rest-agent";
    /** The user su becomes, with its own password. */
    public static final String TARGET = "conduit-rest-tgt";
    /** {@link #AGENT}'s password (sudo asks for it). */
    public static final Secret AGENT_PASSWORD = Secret.of("Rest-Agent-Pw-7");
    /** {@link #TARGET}'s password (su asks for it). */
    public static final Secret TARGET_PASSWORD = Secret.of("Rest-Target-Pw-9");

    private TestUsers() {
    }

    /** @return whether this JVM runs as root, which creating users and starting agents as them needs */
    public static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Creates the users and the sudo rule if missing; the passwords are set every time. */
    public static void ensure() throws Exception {
        if (!root()) {
            throw new IllegalStateException("the become tests must run as root (they add local users and an"
                    + " /etc/sudoers.d entry); CI runs as root");
        }
        user(AGENT, AGENT_PASSWORD);
        user(TARGET, TARGET_PASSWORD);
        // timestamp_timeout=0: sudo asks every time, so that each test sees the prompt
        Path rule = Path.of("/etc/sudoers.d/" + AGENT);
        Files.writeString(rule, "Defaults:" + AGENT + " timestamp_timeout=0\n" + AGENT + " ALL=(ALL:ALL) ALL\n");
        Files.setPosixFilePermissions(rule, PosixFilePermissions.fromString("r--r-----"));
    }

    private static void user(String name, Secret password) throws Exception {
        if (run("id", "-u", name) != 0) {
            check(run("useradd", "-m", "-s", "/bin/sh", name), "useradd " + name);
        }
        Process p = new ProcessBuilder("chpasswd").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write((name + ":" + password.reveal() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        check(p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1, "chpasswd");
    }

    /** Runs a command, its output discarded. @return its exit code, -1 when it hung */
    public static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    private static void check(int rc, String what) {
        if (rc != 0) {
            throw new IllegalStateException(what + " failed with exit code " + rc);
        }
    }
}
