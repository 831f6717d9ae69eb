package io.conduit.docker.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.docker.DockerCli;
import io.conduit.docker.client.DockerDefaults;

/**
 * "What Conduit starts on a host, it can stop": every way a command can end early (its timeout, an interrupt of
 * the calling thread, close() from another thread, Conduit's JVM killed with SIGKILL) ends the command's whole
 * process tree in the container. Checked on the container's side with the docker CLI ({@code ps}, /proc), never
 * through the plugin; every wait polls with a deadline.
 */
class StopTest {
    private static final DockerCli CLI = new DockerCli();
    /** How long after the result no process of the command may be left (the issue's bound). */
    private static final Duration AFTER_RESULT = Duration.ofSeconds(2);
    /** How long after the result no process of the plugin's execs at all may be left, the wrapper's helpers too. */
    private static final Duration WRAPPER_HELPERS = Duration.ofSeconds(4);
    private static DockerPlugin plugin;
    private static String box;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws IOException {
        plugin = new DockerPlugin(DockerDefaults.from(null, System.getenv()));
        box = CLI.run("stop", DockerCli.BUSYBOX);
    }

    @AfterAll
    static void stop() throws IOException {
        plugin.deactivate();
        CLI.removeAll();
    }

    /** The commands' shapes; N is a number unique to the test, so its sleeps can be told apart in ps. */
    enum Shape {
        /** One process. */
        PLAIN("sleep N", "sleep N"),
        /** A background child besides the foreground one. */
        BACKGROUND("sleep N & sleep N+1", "sleep N", "sleep N+1"),
        /** A child that ignores SIGTERM (inherited): only SIGKILL ends it. */
        IGNORES_TERM("trap '' TERM; sleep N", "sleep N"),
        /** Both. */
        BACKGROUND_AND_IGNORES_TERM("sleep N & trap '' TERM; sleep N+1", "sleep N", "sleep N+1");

        private final String line;
        private final String[] processes;

        Shape(String line, String... processes) {
            this.line = line;
            this.processes = processes;
        }

        String line(int n) {
            return "echo started; " + line.replace("N+1", String.valueOf(n + 1)).replace("N", String.valueOf(n));
        }

        List<String> processes(int n) {
            List<String> out = new ArrayList<>();
            for (String p : processes) {
                out.add(p.replace("N+1", String.valueOf(n + 1)).replace("N", String.valueOf(n)));
            }
            return out;
        }
    }

    private static Connection open(String container) throws IOException {
        Connection c = plugin.create(new ConnectionKey(container, "docker"));
        c.open(new ConnectionParams(container, 0, null, null, null, Map.of()));
        return c;
    }

    // ---------------------------------------------------------------- the three ways inside the JVM

    @ParameterizedTest
    @EnumSource(Shape.class)
    void timeoutEndsTheWholeTree(Shape shape) throws Exception {
        int n = 310 + 2 * shape.ordinal();
        try (Connection c = open(box)) {
            long t0 = System.nanoTime();
            TimedOutException e = assertThrows(TimedOutException.class,
                    () -> c.exec(Command.shell(shape.line(n)).withTimeout(Duration.ofMillis(1500))));
            long stopMillis = millisSince(t0) - 1500;
            assertEquals(StopOutcome.CONFIRMED, e.outcome(), e.getMessage());
            assertTrue(e.getMessage().endsWith(StopOutcome.CONFIRMED.description()), e.getMessage());
            assertNotNull(e.partial());
            assertEquals("started\n", e.partial().stdoutText());
            report("timeout", shape, stopMillis, noneLeft(box, shape.processes(n)));
            assertEquals("ok\n", c.exec(Command.shell("echo ok")).stdoutText(), "the connection still works");
        }
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void interruptEndsTheWholeTree(Shape shape) throws Exception {
        int n = 320 + 2 * shape.ordinal();
        try (Connection c = open(box)) {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicBoolean flagKept = new AtomicBoolean();
            Thread runner = new Thread(() -> {
                try {
                    c.exec(Command.shell(shape.line(n)));
                } catch (Throwable t) {
                    thrown.set(t);
                    flagKept.set(Thread.currentThread().isInterrupted());
                }
            }, "stop-test-interrupted");
            runner.start();
            awaitRunning(box, shape.processes(n));
            long t0 = System.nanoTime();
            runner.interrupt();
            runner.join(TimeUnit.SECONDS.toMillis(20));
            long stopMillis = millisSince(t0);
            assertTrue(!runner.isAlive(), "exec still running 20 s after the interrupt");
            CommandStoppedException e = assertInstanceOf(CommandStoppedException.class, thrown.get());
            assertEquals(StopOutcome.CONFIRMED, e.outcome(), e.getMessage());
            assertTrue(e.getMessage().contains("was interrupted"), e.getMessage());
            assertTrue(flagKept.get(), "the interrupt flag is set again");
            assertEquals("started\n", e.partial().stdoutText());
            report("interrupt", shape, stopMillis, noneLeft(box, shape.processes(n)));
            assertEquals("ok\n", c.exec(Command.shell("echo ok")).stdoutText(), "the connection still works");
        }
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void closeFromAnotherThreadEndsTheWholeTree(Shape shape) throws Exception {
        int n = 330 + 2 * shape.ordinal();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Connection c = open(box);
            Future<ExecResult> running = pool.submit(() -> c.exec(Command.shell(shape.line(n))));
            awaitRunning(box, shape.processes(n));
            long t0 = System.nanoTime();
            c.close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> running.get(20, TimeUnit.SECONDS));
            long stopMillis = millisSince(t0);
            CommandStoppedException stopped = assertInstanceOf(CommandStoppedException.class, e.getCause());
            assertEquals(StopOutcome.CONFIRMED, stopped.outcome(), stopped.getMessage());
            assertTrue(stopped.getMessage().contains("was closed"), stopped.getMessage());
            report("close", shape, stopMillis, noneLeft(box, shape.processes(n)));
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A command that never reads its (large) stdin keeps the wrapper's stdin copy blocked, so the wrapper cannot see
     * its stop channel end: after the stop wait the plugin kills the command by its marker and checks that nothing
     * is left.
     */
    @Test
    void timeoutOfACommandThatNeverReadsItsStdin() throws Exception {
        try (Connection c = open(box)) {
            long t0 = System.nanoTime();
            TimedOutException e = assertThrows(TimedOutException.class, () -> c.exec(Command.shell("sleep 341 & sleep 342")
                    .withStdin(new byte[1 << 20]).withTimeout(Duration.ofSeconds(1))));
            long stopMillis = millisSince(t0) - 1000;
            assertEquals(StopOutcome.CONFIRMED, e.outcome(), e.getMessage());
            assertTrue(e.getMessage().contains("kill -9"), e.getMessage());
            System.out.printf("STOP-FIGURE way=timeout shape=UNREAD_STDIN stopMs=%d survivingAtResult=%d"
                    + " survivingAfter2s=0%n", stopMillis, noneLeft(box, List.of("sleep 341", "sleep 342")));
        }
    }

    /**
     * Only an early end stops anything: a process the command detached on purpose outlives a normal end. (Not
     * under a pty: there docker itself ends such a process when the exec ends, as {@code docker exec -t} does.)
     */
    @Test
    void aNormalEndLeavesDetachedProcessesAlone() throws Exception {
        try (Connection c = open(box)) {
            for (boolean pty : new boolean[] {false}) {
                String sleep = "sleep " + (pty ? 344 : 343);
                ExecResult r = c.exec(Command.shell(sleep + " >/dev/null 2>&1 </dev/null & echo detached").withPty(pty)
                        .withTimeout(Duration.ofSeconds(30)));
                assertEquals(0, r.exitCode());
                assertTrue(r.stdoutText().startsWith("detached"), r.stdoutText());
                // give a wrong kill time to happen (bounded poll for a change that must not come)
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                List<String> alive = alive(box, List.of(sleep));
                while (alive.size() == 1 && System.nanoTime() < until) {
                    alive = alive(box, List.of(sleep));
                }
                try {
                    assertEquals(List.of(sleep), alive, "the detached process was killed (pty " + pty + ")");
                } finally {
                    CLI.docker("exec", box, "sh", "-c", "for p in /proc/[0-9]*; do [ \"$(tr '\\0' ' ' 2>/dev/null"
                            + " < $p/cmdline)\" = '" + sleep + " ' ] && kill -9 ${p#/proc/}; done; true");
                }
            }
        }
    }

    /**
     * Under a pty the terminal is the command's input, so the wrapper has no stop channel: the plugin sends Ctrl-C,
     * closes the terminal's input, kills what is left by the exec's marker and checks that nothing is left.
     */
    @ParameterizedTest
    @ValueSource(strings = {"timeout", "interrupt", "close"})
    void ptyCommandsAreStoppedToo(String way) throws Exception {
        int n = 350 + 2 * List.of("timeout", "interrupt", "close").indexOf(way);
        Shape shape = Shape.BACKGROUND_AND_IGNORES_TERM;
        Connection c = open(box);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Command command = Command.shell(shape.line(n)).withPty(true);
            Future<ExecResult> running = pool.submit(() -> c.exec(way.equals("timeout")
                    ? command.withTimeout(Duration.ofMillis(1500)) : command));
            awaitRunning(box, shape.processes(n));
            long t0 = System.nanoTime();
            if (way.equals("interrupt")) {
                running.cancel(true);
                pool.shutdown();
                assertTrue(pool.awaitTermination(20, TimeUnit.SECONDS), "exec still running 20 s after the interrupt");
            } else if (way.equals("close")) {
                c.close();
            }
            if (!way.equals("interrupt")) {
                ExecutionException e = assertThrows(ExecutionException.class, () -> running.get(20, TimeUnit.SECONDS));
                StopOutcome outcome = e.getCause() instanceof TimedOutException t ? t.outcome()
                        : ((CommandStoppedException) e.getCause()).outcome();
                assertEquals(StopOutcome.CONFIRMED, outcome, e.getCause().getMessage());
            }
            long stopMillis = millisSince(t0);
            System.out.printf("STOP-FIGURE way=%s-pty stopMs=%d survivingAtResult=%d survivingAfter2s=0%n", way,
                    stopMillis, noneLeft(box, shape.processes(n)));
        } finally {
            pool.shutdownNow();
            c.close();
        }
    }

    // ---------------------------------------------------------------- many at once

    /**
     * 12 commands at once in 4 containers, each with a CPU hog ({@code yes}), a background child and a
     * TERM-ignoring child: first all time out, then 12 more are cut off by closing their 4 connections at once.
     */
    @Test
    void twelveAtOnceUnderLoad() throws Exception {
        List<String> boxes = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            boxes.add(CLI.run("many" + i, DockerCli.BUSYBOX));
        }
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            for (String way : List.of("timeout", "close")) {
                List<Connection> connections = new ArrayList<>();
                for (String b : boxes) {
                    connections.add(open(b));
                }
                List<Future<ExecResult>> results = new ArrayList<>();
                List<List<String>> processes = new ArrayList<>();
                int base = way.equals("timeout") ? 400 : 500;
                for (int i = 0; i < 12; i++) {
                    int n = base + 2 * i;
                    Connection c = connections.get(i % 4);
                    String line = "yes >/dev/null & sleep " + n + " & trap '' TERM; sleep " + (n + 1);
                    Command command = Command.shell(line);
                    Command timed = way.equals("timeout") ? command.withTimeout(Duration.ofSeconds(2)) : command;
                    results.add(pool.submit(() -> c.exec(timed)));
                    processes.add(List.of("sleep " + n, "sleep " + (n + 1)));
                }
                long t0 = System.nanoTime();
                if (way.equals("close")) {
                    for (int i = 0; i < 4; i++) {
                        List<String> expected = new ArrayList<>();
                        for (int j = i; j < 12; j += 4) {
                            expected.addAll(processes.get(j));
                        }
                        awaitRunning(boxes.get(i), expected);
                    }
                    t0 = System.nanoTime();
                    List<Future<?>> closing = new ArrayList<>();
                    ExecutorService closers = Executors.newFixedThreadPool(4);
                    for (Connection c : connections) {
                        closing.add(closers.submit(c::close));
                    }
                    for (Future<?> f : closing) {
                        f.get(10, TimeUnit.SECONDS);
                    }
                    closers.shutdown();
                }
                int confirmed = 0;
                for (Future<ExecResult> f : results) {
                    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(60, TimeUnit.SECONDS));
                    StopOutcome outcome = e.getCause() instanceof TimedOutException t ? t.outcome()
                            : e.getCause() instanceof CommandStoppedException s ? s.outcome() : null;
                    assertEquals(StopOutcome.CONFIRMED, outcome, String.valueOf(e.getCause()));
                    assertTrue(way.equals("timeout") ? e.getCause() instanceof TimedOutException
                            : e.getCause() instanceof CommandStoppedException, String.valueOf(e.getCause()));
                    confirmed++;
                }
                long allMillis = millisSince(t0);
                int atResult = 0;
                for (int i = 0; i < 4; i++) {
                    List<String> expected = new ArrayList<>(List.of("yes"));
                    for (int j = i; j < 12; j += 4) {
                        expected.addAll(processes.get(j));
                    }
                    atResult += noneLeft(boxes.get(i), expected);
                }
                System.out.printf("STOP-FIGURE way=%s-x12 confirmed=%d/12 allEndedMs=%d survivingAtResult=%d"
                        + " survivingAfter2s=0%n", way, confirmed, allMillis, atResult);
                connections.forEach(Connection::close);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---------------------------------------------------------------- the JVM killed

    /**
     * A separate JVM opens a connection and runs the command; it is killed with SIGKILL while the command runs.
     * The daemon then closes the exec's stdin, and the wrapper ends the command's process group by itself.
     */
    @ParameterizedTest
    @ValueSource(strings = {"quiet", "flooding", "pty"})
    void killedJvmLeavesNothingRunning(String kind) throws Exception {
        String line = switch (kind) {
            case "quiet" -> "sleep 316 & trap '' TERM; sleep 317";
            case "flooding" -> "yes & sleep 318";
            default -> "sleep 345 & trap '' TERM; sleep 346";
        };
        List<String> processes = switch (kind) {
            case "quiet" -> List.of("sleep 316", "sleep 317");
            case "flooding" -> List.of("yes", "sleep 318");
            default -> List.of("sleep 345", "sleep 346");
        };
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Path log = tmp.resolve("child.log");
        Path cp = Files.writeString(tmp.resolve("cp.txt"), "-cp " + quoteArg(classpath) + "\n");
        Process child = new ProcessBuilder(java.toString(), "@" + cp, ExecInChildJvm.class.getName(), box, line,
                kind.equals("pty") ? "pty" : "plain")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            awaitRunning(box, processes);
            assertTrue(child.isAlive(), "child JVM ended early: " + Files.readString(log, StandardCharsets.UTF_8));
            long t0 = System.nanoTime();
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no finally
            assertTrue(child.waitFor(10, TimeUnit.SECONDS), "the child JVM did not die");
            assertEquals(137, child.exitValue(), "killed by SIGKILL");
            long deadline = t0 + TimeUnit.SECONDS.toNanos(10);
            List<String> left = alive(box, processes);
            while (!left.isEmpty() && System.nanoTime() < deadline) {
                left = alive(box, processes);
            }
            long goneMillis = millisSince(t0);
            assertEquals(List.of(), left, "still running 10 s after the JVM was killed");
            List<String> marked = marked(box);
            while (!marked.isEmpty() && System.nanoTime() < deadline + AFTER_RESULT.toNanos()) {
                marked = marked(box);
            }
            assertEquals(List.of(), marked, "processes of the plugin's execs left");
            String said = Files.readString(log, StandardCharsets.UTF_8);
            assertTrue(said.contains("opened") && !said.contains("ended"), said);
            System.out.printf("STOP-FIGURE way=jvm-sigkill shape=%s goneAfterMs=%d survivingAfter10s=0%n", kind,
                    goneMillis);
        } finally {
            child.destroyForcibly();
        }
    }

    // ---------------------------------------------------------------- helpers

    private static String quoteArg(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static long millisSince(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static void report(String way, Shape shape, long stopMillis, int atResult) {
        System.out.printf("STOP-FIGURE way=%s shape=%s stopMs=%d survivingAtResult=%d survivingAfter2s=0%n", way,
                shape, stopMillis, atResult);
    }

    /**
     * Asserts that none of the command's processes is left within {@link #AFTER_RESULT}, and no process at all that
     * carries the plugin's exec marker within {@link #WRAPPER_HELPERS} (the wrapper's own SIGKILL timer, a
     * {@code sleep 2} started when the stop began, ends by itself; it is not a process of the command).
     *
     * @return how many of the command's processes were still there at once (the figure)
     */
    private static int noneLeft(String container, List<String> processes) throws IOException {
        long start = System.nanoTime();
        long deadline = start + AFTER_RESULT.toNanos();
        List<String> left = alive(container, processes);
        int atResult = left.size();
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            left = alive(container, processes);
        }
        assertEquals(List.of(), left, "left running " + AFTER_RESULT.toSeconds() + " s after the result");
        List<String> marked = marked(container);
        while (!marked.isEmpty() && System.nanoTime() < start + WRAPPER_HELPERS.toNanos()) {
            marked = marked(container);
        }
        assertEquals(List.of(), marked, "processes of the plugin's execs left " + WRAPPER_HELPERS.toSeconds()
                + " s after the result");
        return atResult;
    }

    /** Polls (bounded) until every process runs in the container. */
    private static void awaitRunning(String container, List<String> processes) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            List<String> running = alive(container, processes);
            if (running.containsAll(processes)) {
                return;
            }
        }
        fail("not all of " + processes + " started within 30 s: " + CLI.docker("exec", container, "ps", "-o", "stat,args"));
    }

    /**
     * @return which of the given command lines run in the container, zombies left out (busybox ps; an applet that
     *         busybox runs without exec, such as {@code yes}, shows as {@code {yes} PARENT'S ARGS})
     */
    static List<String> alive(String container, List<String> processes) throws IOException {
        List<String> found = new ArrayList<>();
        for (String row : CLI.docker("exec", container, "ps", "-o", "stat,args").split("\n")) {
            String t = row.trim();
            int space = t.indexOf(' ');
            if (space < 0 || t.startsWith("STAT")) {
                continue;
            }
            String stat = t.substring(0, space);
            String args = t.substring(space).trim();
            if (stat.startsWith("Z")) {
                continue;
            }
            for (String p : processes) {
                if (args.equals(p) || args.startsWith("{" + p + "} ")) {
                    found.add(p);
                    break;
                }
            }
        }
        return found;
    }

    /** @return the live processes whose environment holds the plugin's exec marker, as "PID ARGS" */
    static List<String> marked(String container) throws IOException {
        String script = "for p in /proc/[0-9]*; do if tr '\\0' '\\n' 2>/dev/null < $p/environ | grep -q '^"
                + io.conduit.docker.exec.Execs.MARKER + "='; then echo \"${p#/proc/} $(tr '\\0' ' ' < $p/cmdline)\"; fi; done";
        String out = CLI.docker("exec", container, "sh", "-c", script);
        List<String> found = new ArrayList<>();
        for (String row : out.split("\n")) {
            if (!row.isBlank()) {
                found.add(row.trim());
            }
        }
        return found;
    }
}
