package io.conduit.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.BecomeFailedException;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.rest.agent.Agent;
import io.conduit.rest.RestPlugin;
import io.conduit.rest.support.AgentProcess;
import io.conduit.rest.support.Configs;
import io.conduit.api.testing.HostProcesses;
import io.conduit.rest.support.TestAgents;
import io.conduit.rest.support.TestUsers;

/**
 * Become on the device: the plugin sends method, user and password as their own fields, and the agent gives the
 * password to sudo or su only when they prompt for it. Against an agent running as root (sudo and su ask nothing:
 * the password must not reach the command) and an agent running as an ordinary user (they ask). Needs root, as CI
 * runs: it adds local users and an /etc/sudoers.d entry (see {@link TestUsers}).
 */
class RestBecomeTest {
    private static final String TOKEN = "t0ken-" + Long.toHexString(new Random().nextLong());
    /** A password no user has: where it shows up, something wrote it unasked. */
    private static final Secret UNUSED_PASSWORD = Secret.of("Never-Asked-Pw-" + Long.toHexString(new Random().nextLong()));

    @TempDir
    static Path shared;
    private static AgentProcess unprivileged;

    @TempDir
    Path tmp;
    private TestAgents agents;
    private RestPlugin plugin;
    private final List<Long> marks = new ArrayList<>();

    @BeforeAll
    static void users() throws Exception {
        io.conduit.api.testing.BecomeEnvironment.require();
        TestUsers.ensure();
        // the agent's user must reach its directory
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        unprivileged = AgentProcess.start(shared.resolve("agent"), TOKEN, TestUsers.AGENT);
    }

    @AfterAll
    static void stopAgent() throws InterruptedException {
        if (unprivileged != null) {
            unprivileged.close();
        }
    }

    @BeforeEach
    void start() {
        agents = new TestAgents(tmp.resolve("agents"));
        plugin = new RestPlugin(Configs.defaults());
    }

    @AfterEach
    void stop() {
        plugin.deactivate();
        agents.close();
        marks.forEach(HostProcesses::kill);
    }

    private Connection open(int port, Path caFile) throws IOException {
        Map<String, Object> extras = new HashMap<>();
        extras.put("token", Secret.of(TOKEN));
        extras.put("ca_file", caFile.toString());
        Connection c = plugin.create(new ConnectionKey("dev", "rest"));
        c.open(new ConnectionParams("127.0.0.1", port, null, null, null, extras));
        return c;
    }

    private Connection rootAgent() throws Exception {
        Agent agent = agents.start(TOKEN);
        return open(agent.port(), agent.caFile());
    }

    private Connection unprivilegedAgent() throws IOException {
        return open(unprivileged.port(), unprivileged.caFile());
    }

    private static Command as(String line, Become.Method method, String user, Secret password) {
        return Command.shell(line).withBecome(new Become(method, user, password));
    }

    /** The agent runs as root: neither sudo nor su asks, so nothing may be written to the command's stdin. */
    @ParameterizedTest
    @EnumSource(Become.Method.class)
    void aPasswordThatIsNotAskedForNeverReachesTheCommand(Become.Method method) throws Exception {
        try (Connection c = rootAgent()) {
            ExecResult cat = c.exec(as("cat", method, "root", UNUSED_PASSWORD));
            assertEquals(0, cat.exitCode(), cat.stderrText());
            assertEquals("", cat.stdoutText(), "cat read something nobody sent it");
            assertFalse(cat.stdoutText().contains(UNUSED_PASSWORD.reveal()) || cat.stderrText().contains(
                    UNUSED_PASSWORD.reveal()));

            ExecResult own = c.exec(as("id -un; cat", method, TestUsers.TARGET, UNUSED_PASSWORD)
                    .withStdin("its own stdin\n".getBytes(StandardCharsets.UTF_8)));
            assertEquals(TestUsers.TARGET + "\nits own stdin\n", own.stdoutText(), own.stderrText());
        }
    }

    @Test
    void sudoAsksTheUnprivilegedAgentForItsPasswordAndGetsItOnce() throws Exception {
        try (Connection c = unprivilegedAgent()) {
            assertEquals(TestUsers.AGENT + "\n", c.exec(Command.shell("id -un")).stdoutText(), "the agent's user");
            ExecResult r = c.exec(as("id -un; cat", Become.Method.SUDO, "root", TestUsers.AGENT_PASSWORD)
                    .withStdin("data for the command\n".getBytes(StandardCharsets.UTF_8)));
            assertEquals(0, r.exitCode(), r.stderrText());
            assertEquals("root\ndata for the command\n", r.stdoutText());
            assertFalse(r.stderrText().contains(TestUsers.AGENT_PASSWORD.reveal()), r.stderrText());

            ExecResult other = c.exec(as("id -un", Become.Method.SUDO, TestUsers.TARGET, TestUsers.AGENT_PASSWORD));
            assertEquals(TestUsers.TARGET + "\n", other.stdoutText(), other.stderrText());
        }
    }

    @Test
    void suAsksForTheTargetUsersPasswordWithoutATerminal() throws Exception {
        try (Connection c = unprivilegedAgent()) {
            ExecResult r = c.exec(as("id -un; cat", Become.Method.SU, TestUsers.TARGET, TestUsers.TARGET_PASSWORD)
                    .withStdin("data\n".getBytes(StandardCharsets.UTF_8)));
            assertEquals(0, r.exitCode(), r.stderrText());
            assertEquals(TestUsers.TARGET + "\ndata\n", r.stdoutText());
            assertFalse(r.stdoutText().contains(TestUsers.TARGET_PASSWORD.reveal()));
            assertFalse(r.stderrText().contains(TestUsers.TARGET_PASSWORD.reveal()), r.stderrText());
        }
    }

    @ParameterizedTest
    @EnumSource(Become.Method.class)
    void aWrongPasswordIsRefusedClearlyAndRunsNothing(Become.Method method) throws Exception {
        Path ran = tmp.resolve("ran-" + method);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxrwxrwx"));
        Secret wrong = Secret.of("Wrong-Pw-" + Long.toHexString(new Random().nextLong()));
        String user = method == Become.Method.SU ? TestUsers.TARGET : "root";
        try (Connection c = unprivilegedAgent()) {
            long start = System.nanoTime();
            BecomeFailedException e = assertThrows(BecomeFailedException.class,
                    () -> c.exec(as("touch '" + ran + "'", method, user, wrong)));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "took " + took);
            String name = method.name().toLowerCase(java.util.Locale.ROOT);
            assertTrue(e.getMessage().startsWith("127.0.0.1:" + unprivileged.port() + ": " + name + " to " + user
                    + " refused on the device: "), e.getMessage());
            assertTrue(e.getMessage().contains("become_password"), e.getMessage());
            assertFalse(e.getMessage().contains(wrong.reveal()), e.getMessage());
            assertFalse(Files.exists(ran), "the command ran");
            assertTrue(c.isAlive());
        }
    }

    @Test
    void sudoAskingWithoutAPasswordSaysSo() throws Exception {
        try (Connection c = unprivilegedAgent()) {
            BecomeFailedException e = assertThrows(BecomeFailedException.class,
                    () -> c.exec(as("id -un", Become.Method.SUDO, "root", null)));
            assertTrue(e.getMessage().contains("refused on the device") && e.getMessage().contains("none is set"),
                    e.getMessage());
        }
    }

    /** The wrapper runs as the become user and ends the command's group itself: the agent could not. */
    @ParameterizedTest
    @EnumSource(Become.Method.class)
    void aBecomeCommandsTimeoutStopsItsWholeTree(Become.Method method) throws Exception {
        long mark = HostProcesses.mark();
        marks.add(mark);
        String user = method == Become.Method.SU ? TestUsers.TARGET : "root";
        Secret password = method == Become.Method.SU ? TestUsers.TARGET_PASSWORD : TestUsers.AGENT_PASSWORD;
        try (Connection c = unprivilegedAgent()) {
            TimedOutException e = assertThrows(TimedOutException.class, () -> c.exec(
                    as("trap '' TERM; sleep " + mark + " & sleep " + mark, method, user, password)
                            .withTimeout(Duration.ofSeconds(2))));
            assertEquals(List.of(), HostProcesses.survivors(mark, Duration.ofSeconds(2)),
                    "sleep " + mark + " (as " + user + ") survived the timeout");
            assertEquals(StopOutcome.CONFIRMED, e.outcome(), e.getMessage());
            assertTrue(e.getMessage().endsWith(StopOutcome.CONFIRMED.description()), e.getMessage());
        }
    }
}
