package io.conduit.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.rest.agent.Agent;
import io.conduit.rest.connection.RestConnection;
import io.conduit.rest.RestPlugin;
import io.conduit.rest.support.Configs;
import io.conduit.rest.support.ExecMain;
import io.conduit.api.testing.HostProcesses;
import io.conduit.rest.support.TestAgents;

/**
 * Every way a command ends early ends its whole process tree on the device, seen in {@code /proc} (the agent runs
 * on this machine): the command's timeout (sent by the plugin, or the agent's own limit), the plugin's deadline,
 * an interrupt of the calling thread, {@code close()} from another thread, and Conduit's JVM killed with SIGKILL.
 * Each command has a background child and, in the second shape, ignores SIGTERM (so the wrapper's SIGKILL, 2 s
 * later, is what ends it).
 */
class RestStopTest {
    private static final String TOKEN = "t0ken-" + Long.toHexString(new Random().nextLong());
    /** How soon after the result the command's processes must be gone. */
    private static final Duration GONE = Duration.ofSeconds(2);

    /** The command's process tree. */
    enum Shape {
        /** A background child and a foreground one. */
        BACKGROUND_CHILD(""),
        /** The same, with SIGTERM ignored by the shell and both children. */
        IGNORES_TERM("trap '' TERM; ");

        private final String prefix;

        Shape(String prefix) {
            this.prefix = prefix;
        }

        Command command(long mark) {
            return Command.shell(prefix + "echo started; sleep " + mark + " & sleep " + mark);
        }
    }

    @TempDir
    Path tmp;
    private TestAgents agents;
    private RestPlugin plugin;
    private Agent agent;
    private final List<Long> marks = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        agents = new TestAgents(tmp.resolve("agents"));
        agent = agents.start(TOKEN);
        plugin = new RestPlugin(Configs.defaults());
    }

    @AfterEach
    void stop() {
        plugin.deactivate();
        agents.close();
        marks.forEach(HostProcesses::kill);
    }

    private long mark() {
        long mark = HostProcesses.mark();
        marks.add(mark);
        return mark;
    }

    private Map<String, Object> trusting(Agent a) {
        Map<String, Object> extras = new HashMap<>();
        extras.put("token", Secret.of(TOKEN));
        extras.put("ca_file", a.caFile().toString());
        return extras;
    }

    private RestConnection open(Agent a, Map<String, Object> extras) throws IOException {
        RestConnection c = (RestConnection) plugin.create(new ConnectionKey("dev", "rest"));
        c.open(new ConnectionParams("127.0.0.1", a.port(), null, null, null, extras));
        return c;
    }

    private static void assertGone(long mark, String how) throws InterruptedException {
        long start = System.nanoTime();
        int atResult = HostProcesses.sleeping(mark).size();
        List<Long> left = HostProcesses.survivors(mark, GONE);
        assertEquals(List.of(), left, "sleep " + mark + " survived " + how + " by " + GONE);
        System.out.println("RestStopTest: " + how + ": " + atResult + " of the command's processes left at the"
                + " result, none " + Duration.ofNanos(System.nanoTime() - start).toMillis() + " ms later");
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void theCommandsTimeoutStopsItsWholeTree(Shape shape) throws Exception {
        long mark = mark();
        try (Connection c = open(agent, trusting(agent))) {
            // 3 s, not 1: on a loaded machine the command's first line may take over a second to come
            TimedOutException e = assertThrows(TimedOutException.class,
                    () -> c.exec(shape.command(mark).withTimeout(Duration.ofSeconds(3))));
            assertGone(mark, "the command's timeout");
            assertEquals(StopOutcome.CONFIRMED, e.outcome());
            assertTrue(e.getMessage().contains("timed out after 3s"), e.getMessage());
            assertTrue(e.getMessage().endsWith(StopOutcome.CONFIRMED.description()), e.getMessage());
            assertEquals(Duration.ofSeconds(3), e.limit());
            assertEquals("started\n", new String(e.partial().stdout(), StandardCharsets.UTF_8));
            assertTrue(c.isAlive(), "the connection is still usable");
        }
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void theAgentsOwnLimitStopsItsWholeTree(Shape shape) throws Exception {
        Agent strict = agents.start(TOKEN, "--max-command-timeout", "1");
        long mark = mark();
        try (Connection c = open(strict, trusting(strict))) {
            TimedOutException e = assertThrows(TimedOutException.class,
                    () -> c.exec(shape.command(mark).withTimeout(Duration.ofSeconds(60))));
            assertGone(mark, "the agent's --max-command-timeout");
            assertEquals(StopOutcome.CONFIRMED, e.outcome());
            assertTrue(e.getMessage().contains("timed out after 1s, the device's limit (60s was asked"),
                    e.getMessage());
            assertTrue(e.getMessage().endsWith(StopOutcome.CONFIRMED.description()), e.getMessage());
            assertEquals(Duration.ofSeconds(1), e.limit());
        }
    }

    /**
     * The plugin's own deadline (the command's timeout plus request_timeout) passes while the agent is still
     * stopping the command (SIGTERM is ignored: the wrapper's SIGKILL comes 2 s later): the plugin asks the agent
     * to stop it and takes the agent's report.
     */
    @Test
    void thePluginsDeadlineStopsTheWholeTree() throws Exception {
        long mark = mark();
        Map<String, Object> extras = trusting(agent);
        extras.put("request_timeout", Duration.ofMillis(500));
        try (Connection c = open(agent, extras)) {
            long start = System.nanoTime();
            TimedOutException e = assertThrows(TimedOutException.class,
                    () -> c.exec(Shape.IGNORES_TERM.command(mark).withTimeout(Duration.ofSeconds(1))));
            assertGone(mark, "the plugin's deadline");
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "took " + took);
            assertTrue(e.getMessage().contains("no answer within the command's timeout (1s) plus request_timeout"
                    + " (500ms)"), e.getMessage());
            assertEquals(StopOutcome.CONFIRMED, e.outcome());
            assertTrue(e.getMessage().endsWith(StopOutcome.CONFIRMED.description()), e.getMessage());
            assertEquals("started\n", e.partial().stdoutText());
        }
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void interruptingTheCallingThreadStopsTheWholeTree(Shape shape) throws Exception {
        long mark = mark();
        try (Connection c = open(agent, trusting(agent))) {
            AtomicBoolean stillInterrupted = new AtomicBoolean();
            CompletableFuture<ExecResult> result = new CompletableFuture<>();
            Thread caller = new Thread(() -> {
                try {
                    result.complete(c.exec(shape.command(mark).withTimeout(Duration.ofSeconds(60))));
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                } finally {
                    stillInterrupted.set(Thread.currentThread().isInterrupted());
                }
            }, "exec-caller");
            caller.start();
            HostProcesses.awaitRunning(mark, 2, Duration.ofSeconds(10));
            caller.interrupt();
            ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(15, TimeUnit.SECONDS));
            assertGone(mark, "an interrupt");
            CommandStoppedException stopped = assertInstanceOf(CommandStoppedException.class, e.getCause());
            assertEquals(StopOutcome.CONFIRMED, stopped.outcome(), stopped.getMessage());
            assertTrue(stopped.getMessage().contains("interrupted"), stopped.getMessage());
            assertTrue(stopped.getMessage().endsWith(StopOutcome.CONFIRMED.description()), stopped.getMessage());
            assertEquals("started\n", stopped.partial().stdoutText());
            caller.join(5000);
            assertTrue(stillInterrupted.get(), "the interrupt is kept for the caller");
            assertTrue(c.isAlive());
        }
    }

    /**
     * Interrupted before the request reached the agent: the agent does not know the command yet when the stop
     * arrives, so the plugin drops the request, the agent's heartbeat finds the client gone, and the result does
     * not claim a confirmed stop unless the agent gave one.
     */
    @Test
    void anInterruptBeforeTheCommandStartedLeavesNothingRunning() throws Exception {
        long mark = mark();
        try (Connection c = open(agent, trusting(agent))) {
            long start = System.nanoTime();
            Thread.currentThread().interrupt();
            CommandStoppedException e;
            try {
                e = assertThrows(CommandStoppedException.class, () -> c.exec(Command.shell("sleep " + mark)
                        .withTimeout(Duration.ofSeconds(60))));
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is kept for the caller");
            } finally {
                Thread.interrupted();
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(Duration.ofSeconds(8)) < 0, "took " + took);
            assertTrue(e.getMessage().endsWith(e.outcome().description()), e.getMessage());
            // the heartbeat needs up to two writes to find the client gone
            assertEquals(List.of(), HostProcesses.survivors(mark, Duration.ofSeconds(5)), "sleep " + mark
                    + " survived an interrupt before it started");
        }
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void closingTheConnectionFromAnotherThreadStopsTheWholeTree(Shape shape) throws Exception {
        long mark = mark();
        Connection c = open(agent, trusting(agent));
        CompletableFuture<ExecResult> result = CompletableFuture.supplyAsync(() -> {
            try {
                return c.exec(shape.command(mark).withTimeout(Duration.ofSeconds(60)));
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        HostProcesses.awaitRunning(mark, 2, Duration.ofSeconds(10));
        c.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> result.get(15, TimeUnit.SECONDS));
        assertGone(mark, "close()");
        CommandStoppedException stopped = assertInstanceOf(CommandStoppedException.class, e.getCause());
        assertEquals(StopOutcome.CONFIRMED, stopped.outcome(), stopped.getMessage());
        assertTrue(stopped.getMessage().contains("connection closed while the command ran"), stopped.getMessage());
        assertTrue(stopped.getMessage().endsWith(StopOutcome.CONFIRMED.description()), stopped.getMessage());
    }

    /**
     * Conduit's JVM killed with SIGKILL while its command runs (nothing of the plugin runs any more): the agent
     * finds the client gone when its heartbeat cannot be written, and stops the command.
     */
    @ParameterizedTest
    @EnumSource(Shape.class)
    void aKilledConduitJvmLeavesNothingRunning(Shape shape) throws Exception {
        long mark = mark();
        Path token = Files.writeString(tmp.resolve("token"), TOKEN + "\n");
        String line = shape.command(mark).line();
        Process conduit = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ExecMain.class.getName(),
                Integer.toString(agent.port()), agent.caFile().toString(), token.toString(), line)
                .redirectErrorStream(true).redirectOutput(tmp.resolve("conduit.log").toFile()).start();
        try {
            HostProcesses.awaitRunning(mark, 2, Duration.ofSeconds(60));
            conduit.destroyForcibly(); // SIGKILL
            assertTrue(conduit.waitFor(10, TimeUnit.SECONDS));
            assertEquals(137, conduit.exitValue(), Files.readString(tmp.resolve("conduit.log")));
            long killed = System.nanoTime();
            List<Long> left = HostProcesses.survivors(mark, Duration.ofSeconds(10));
            assertEquals(List.of(), left, "sleep " + mark + " outlived the killed JVM by 10 s");
            Duration took = Duration.ofNanos(System.nanoTime() - killed);
            System.out.println("RestStopTest: " + shape + ": the command was gone " + took.toMillis()
                    + " ms after Conduit's JVM was killed");
        } finally {
            conduit.destroyForcibly();
        }
    }
}
