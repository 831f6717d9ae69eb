package io.conduit.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.BecomeFailedException;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.testing.HostProcesses;

/**
 * What Conduit starts on a host, it can stop: every way a command ends early (its timeout, an interrupt of the
 * calling thread, the connection closed under it, Conduit killed), with and without become and a pty, against
 * Debian's OpenSSH sshd with sudo rules (password, NOPASSWD, requiretty) and su. Each test looks at the host's
 * side: no process of the command is left 2 s after the result. Become answers only when asked.
 */
class SshStopTest {
    private static final Duration AFTER_RESULT = Duration.ofSeconds(2);

    @TempDir
    static Path base;
    private static OpenSshd sshd;
    private static Path key;
    private static Path knownHosts;

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final List<Long> marks = new ArrayList<>();

    /**
     * Who logs in and how they become.
     *
     * @param name for the test's display name
     * @param login the login user
     * @param become the become, or {@code null}
     */
    record Variant(String name, String login, Become become) {
        @Override
        public String toString() {
            return name;
        }
    }

    static final Variant ROOT = new Variant("root login", "root", null);
    static final Variant USER = new Variant("plain user", TestUsers.SUDO, null);
    static final Variant SUDO = new Variant("sudo with a password", TestUsers.SUDO,
            Become.sudo("root", TestUsers.PASSWORD));
    static final Variant NOPASSWD = new Variant("sudo NOPASSWD, password set", TestUsers.NOPASSWD,
            Become.sudo("root", TestUsers.PASSWORD));
    static final Variant SUDO_USER = new Variant("sudo to another user", TestUsers.SUDO,
            Become.sudo(TestUsers.TARGET, TestUsers.PASSWORD));
    static final Variant SU = new Variant("su to another user", TestUsers.SUDO,
            new Become(Become.Method.SU, TestUsers.TARGET, TestUsers.PASSWORD));
    static final Variant ROOT_SU = new Variant("su run by root, password set", "root",
            new Become(Become.Method.SU, TestUsers.TARGET, TestUsers.PASSWORD));

    enum Ending {
        COMMAND_TIMEOUT, INTERRUPT, CLOSE
    }

    static Stream<Arguments> everyWayOfEnding() {
        List<Arguments> all = new ArrayList<>();
        for (Variant v : List.of(ROOT, USER, SUDO, NOPASSWD, SUDO_USER, SU, ROOT_SU)) {
            for (Ending e : Ending.values()) {
                all.add(Arguments.of(v, e));
            }
        }
        return all.stream();
    }

    @BeforeAll
    static void startServer() throws Exception {
        TestUsers.ensure();
        Path keys = Files.createDirectories(base.resolve("keys"));
        key = TestSupport.keygen(keys, "id_ed25519", "ed25519", "");
        // sshd reads authorized_keys as the user logging in: every test user must be able to read it
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path authorized = Files.writeString(base.resolve("authorized_keys"), Files.readString(Path.of(key + ".pub")));
        Files.setPosixFilePermissions(authorized, PosixFilePermissions.fromString("rw-r--r--"));
        sshd = OpenSshd.start(base.resolve("sshd"), authorized);
        knownHosts = Files.writeString(base.resolve("known_hosts"), sshd.knownHosts("ed25519"));
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (sshd != null) {
            sshd.close();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
        marks.forEach(HostProcesses::kill);
    }

    Connection connect(String login) throws IOException {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        cleanup.add(0, plugin::deactivate);
        Connection c = plugin.create(new ConnectionKey("target", "ssh"));
        c.open(TestSupport.params(sshd.port, login, null, "private_key_file", key.toString()));
        cleanup.add(0, c);
        return c;
    }

    long mark() {
        long m = HostProcesses.mark();
        marks.add(m);
        return m;
    }

    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("everyWayOfEnding")
    void noProcessOfTheCommandOutlivesItsResult(Variant v, Ending ending) throws Exception {
        Connection c = connect(v.login());
        long m = mark();
        // a background child and a foreground one: the whole group must go, not just the shell
        Command command = Command.shell("sleep " + m + " & sleep " + m).withBecome(v.become());
        Exception e = endEarly(c, command, ending, m);
        StopOutcome outcome = e instanceof TimedOutException t ? t.outcome()
                : assertInstanceOf(CommandStoppedException.class, e).outcome();
        assertEquals(StopOutcome.CONFIRMED, outcome, e.getMessage());
        assertTrue(e.getMessage().contains("stopped on the host"), e.getMessage());
        assertEquals(List.of(), HostProcesses.survivors(m, AFTER_RESULT), "sleep " + m + " left running");
    }

    /** Ends the command as {@code ending} says once it runs on the host, and returns what exec threw. */
    static Exception endEarly(Connection c, Command command, Ending ending, long m) throws Exception {
        if (ending == Ending.COMMAND_TIMEOUT) {
            CompletableFuture<Void> started = CompletableFuture.runAsync(() -> {
                try {
                    HostProcesses.awaitRunning(m, 2, Duration.ofSeconds(20));
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                }
            });
            TimedOutException t = assertThrows(TimedOutException.class,
                    () -> c.exec(command.withTimeout(Duration.ofSeconds(3))));
            started.get(1, TimeUnit.SECONDS); // it did run before the deadline
            return t;
        }
        AtomicReference<Exception> thrown = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            try {
                c.exec(command);
            } catch (Exception x) {
                thrown.set(x);
            }
        }, "exec-caller");
        caller.start();
        HostProcesses.awaitRunning(m, 2, Duration.ofSeconds(20));
        if (ending == Ending.INTERRUPT) {
            caller.interrupt();
        } else {
            c.close();
        }
        caller.join(15_000);
        assertFalse(caller.isAlive(), "exec returned after the " + ending);
        assertTrue(thrown.get() != null, "exec failed after the " + ending);
        return thrown.get();
    }

    @Test
    void aCommandIgnoringSigtermIsKilledAndTheStopConfirmed() throws Exception {
        for (Variant v : List.of(ROOT, SUDO, SU)) {
            Connection c = connect(v.login());
            long m = mark();
            long t0 = System.nanoTime();
            TimedOutException e = assertThrows(TimedOutException.class, () -> c.exec(Command.shell(
                    "trap '' TERM; sleep " + m + " & sleep " + m).withBecome(v.become())
                    .withTimeout(Duration.ofSeconds(2))));
            assertEquals(StopOutcome.CONFIRMED, e.outcome(), v + ": " + e.getMessage());
            assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 9, v + ": stopped within the wait");
            assertEquals(List.of(), HostProcesses.survivors(m, AFTER_RESULT), v + ": sleep " + m + " left");
        }
    }

    @Test
    void aCommandUnderAPtyEndsWhenStoppedAndSaysItCannotConfirm() throws Exception {
        for (Variant v : List.of(USER, SUDO, ROOT)) {
            Connection c = connect(v.login());
            long m = mark();
            // the root login's command ignores the signals a terminal sends: only the wrapper's KILL ends it
            String ignore = v == ROOT ? "trap '' HUP INT TERM; " : "";
            TimedOutException e = assertThrows(TimedOutException.class, () -> c.exec(Command.shell(
                    ignore + "sleep " + m + " & sleep " + m).withPty(true).withBecome(v.become())
                    .withTimeout(Duration.ofSeconds(2))));
            assertEquals(StopOutcome.UNCONFIRMED, e.outcome(), v + ": a pty gives no report");
            assertTrue(e.getMessage().contains("may still be running"), e.getMessage());
            // the wrapper polls its terminal each second, then TERM, and KILL 2 s later
            assertEquals(List.of(), HostProcesses.survivors(m, v == ROOT ? Duration.ofSeconds(5) : AFTER_RESULT),
                    v + ": sleep " + m + " left");
        }
    }

    @Test
    void twelveHostsTimingOutAtOnceLeaveNothing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            List<Connection> hosts = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                hosts.add(connect(i % 2 == 0 ? TestUsers.SUDO : "root"));
            }
            long m = mark();
            List<Future<TimedOutException>> calls = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                Connection c = hosts.get(i);
                Become become = i % 2 == 0 ? SUDO.become() : null;
                calls.add(pool.submit(() -> assertThrows(TimedOutException.class, () -> c.exec(Command.shell(
                        "sleep " + m + " & sleep " + m).withBecome(become).withTimeout(Duration.ofSeconds(3))))));
            }
            for (Future<TimedOutException> f : calls) {
                TimedOutException e = f.get(60, TimeUnit.SECONDS);
                assertEquals(StopOutcome.CONFIRMED, e.outcome(), e.getMessage());
            }
            assertEquals(List.of(), HostProcesses.survivors(m, AFTER_RESULT), "sleep " + m + " left running");
        } finally {
            pool.shutdownNow();
        }
    }

    /** Conduit killed with SIGKILL: the wrapper sees its stdin end when sshd drops the connection. */
    @Test
    void aCommandWhoseConduitWasKilledEndsWithinTenSeconds() throws Exception {
        for (Variant v : List.of(ROOT, SUDO, SU)) {
            long m = mark();
            Path log = base.resolve("victim-" + m + ".log");
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-cp", System.getProperty("java.class.path"), StopVictim.class.getName(),
                    String.valueOf(sshd.port), v.login(), key.toString(), knownHosts.toString(),
                    "sleep " + m + " & sleep " + m, v.become() == null ? "" : v.become().method().name(),
                    v.become() == null ? "" : v.become().user()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment().put("STOP_VICTIM_PASSWORD", TestUsers.PASSWORD.reveal());
            Process victim = pb.start();
            try {
                HostProcesses.awaitRunning(m, 2, Duration.ofSeconds(30));
            } catch (AssertionError e) {
                victim.destroyForcibly();
                throw new AssertionError(e.getMessage() + "; victim said: " + Files.readString(log), e);
            }
            victim.destroyForcibly(); // SIGKILL: no goodbye
            assertTrue(victim.waitFor(10, TimeUnit.SECONDS));
            assertEquals(List.of(), HostProcesses.survivors(m, Duration.ofSeconds(10)),
                    v + ": sleep " + m + " outlived its Conduit by 10 s");
        }
    }

    /**
     * The link drops without a close (no FIN, no RST): sshd cannot tell, so the command's input never ends; the
     * wrapper misses the heartbeat and stops the command by itself within {@link
     * io.conduit.api.support.WrappedCommand#HEARTBEAT_TIMEOUT}.
     */
    @Test
    void aCommandWhoseLinkDroppedSilentlyEndsByItself() throws Exception {
        try (FreezingProxy proxy = new FreezingProxy(sshd.port)) {
            Path kh = Files.writeString(base.resolve("known_hosts_proxy"),
                    sshd.knownHosts("ed25519").replace("]:" + sshd.port + " ", "]:" + proxy.port() + " "));
            SshPlugin plugin = TestSupport.plugin(kh);
            cleanup.add(0, plugin::deactivate);
            List<Long> marks = new ArrayList<>();
            for (Variant v : List.of(USER, SUDO)) { // both connected and running before the link drops
                Connection c = plugin.create(new ConnectionKey("frozen-" + v.login(), "ssh"));
                c.open(TestSupport.params(proxy.port(), v.login(), null, "private_key_file", key.toString()));
                cleanup.add(0, c);
                long m = mark();
                marks.add(m);
                Thread caller = new Thread(() -> {
                    try {
                        c.exec(Command.shell("sleep " + m + " & sleep " + m).withBecome(v.become())
                                .withTimeout(Duration.ofSeconds(120)));
                    } catch (IOException e) {
                        // the link is gone: what matters here is the host's side
                    }
                }, "exec-over-frozen-link");
                caller.setDaemon(true);
                caller.start();
                HostProcesses.awaitRunning(m, 2, Duration.ofSeconds(20));
            }
            proxy.freeze();
            for (long m : marks) {
                assertEquals(List.of(), HostProcesses.survivors(m, Duration.ofSeconds(15)),
                        "sleep " + m + " outlived its silently dropped link by 15 s");
            }
        }
    }

    @Test
    void theBecomePasswordIsWrittenOnlyWhenAsked() throws Exception {
        // NOPASSWD, a root login that sudo never asks, and su run by root: none asks, so stdin stays the command's
        for (Variant v : List.of(NOPASSWD, new Variant("root sudo", "root", Become.sudo("root", TestUsers.PASSWORD)),
                ROOT_SU)) {
            ExecResult r = connect(v.login()).exec(Command.shell("cat; echo end").withBecome(v.become()));
            assertEquals("end\n", r.stdoutText(), v + ": the command read nothing the operator did not give it");
            assertEquals(0, r.exitCode(), r.stderrText());
        }
        ExecResult given = connect(TestUsers.NOPASSWD).exec(Command.shell("cat").withStdin("mine\n".getBytes())
                .withBecome(NOPASSWD.become()));
        assertEquals("mine\n", given.stdoutText());
        // under a pty the terminal would echo a password written unasked; sudo asks with echo off
        for (Variant v : List.of(SUDO, NOPASSWD)) {
            ExecResult pty = connect(v.login()).exec(Command.shell("echo ok").withPty(true).withBecome(v.become()));
            String out = pty.stdoutText();
            assertFalse(out.contains(TestUsers.PASSWORD.reveal()), v + ": " + out);
            assertEquals("ok", out.strip(), v + ": only the command's output");
        }
    }

    @Test
    void suWorksEveryTimeAndPrintsNoPrompt() throws Exception {
        Connection c = connect(TestUsers.SUDO);
        for (int i = 0; i < 10; i++) {
            ExecResult r = c.exec(Command.shell("id -un").withBecome(SU.become()).withTimeout(Duration.ofSeconds(20)));
            assertEquals(TestUsers.TARGET + "\n", r.stdoutText(), "run " + i);
            assertEquals("", r.stderrText(), "run " + i + ": no Password: prompt in the output");
        }
    }

    @Test
    void becomeFailuresAreNamedAndRunNothing() throws Exception {
        Connection c = connect(TestUsers.SUDO);
        long m = mark();
        BecomeFailedException none = assertThrows(BecomeFailedException.class,
                () -> c.exec(Command.shell("sleep " + m).withBecome(Become.sudo("root", null))));
        assertTrue(none.getMessage().contains("none is set"), none.getMessage());
        BecomeFailedException wrongSu = assertThrows(BecomeFailedException.class, () -> c.exec(Command.shell(
                "sleep " + m).withBecome(new Become(Become.Method.SU, TestUsers.TARGET, Secret.of("wrong")))));
        assertTrue(wrongSu.getMessage().contains("su: Authentication failure"), "su's own words: "
                + wrongSu.getMessage());
        assertFalse(wrongSu.getMessage().contains("wrong"), "never the password: " + wrongSu.getMessage());
        BecomeFailedException tty = assertThrows(BecomeFailedException.class, () -> connect(TestUsers.TTY)
                .exec(Command.shell("sleep " + m).withBecome(Become.sudo("root", TestUsers.PASSWORD))));
        assertTrue(tty.getMessage().contains("--pty"), tty.getMessage());
        assertEquals(List.of(), HostProcesses.sleeping(m), "nothing ran");
        ExecResult withPty = connect(TestUsers.TTY).exec(Command.shell("id -un").withPty(true)
                .withBecome(Become.sudo("root", TestUsers.PASSWORD)));
        assertEquals("root", withPty.stdoutText().strip(), "requiretty is served with --pty");
    }

    /** The separate JVM of the SIGKILL test: connects, runs the command, and waits to be killed. */
    static final class StopVictim {
        public static void main(String[] args) throws Exception {
            SshPlugin plugin = TestSupport.plugin(Path.of(args[3]));
            Connection c = plugin.create(new ConnectionKey("victim", "ssh"));
            c.open(TestSupport.params(Integer.parseInt(args[0]), args[1], null, "private_key_file", args[2]));
            Command command = Command.shell(args[4]);
            if (!args[5].isEmpty()) {
                command = command.withBecome(new Become(Become.Method.valueOf(args[5]), args[6],
                        Secret.of(System.getenv("STOP_VICTIM_PASSWORD"))));
            }
            System.out.println("running");
            c.exec(command);
            System.out.println("ended: should have been killed first");
        }
    }
}
