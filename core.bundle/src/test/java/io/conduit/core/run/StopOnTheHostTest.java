package io.conduit.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Status;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.local.LocalPlugin;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.source.InventoryCatalog;
import io.conduit.core.task.CommandTask;
import io.conduit.core.testing.Configs;

/**
 * The runner's ways of ending a command early (the host deadline, Ctrl-C) with the real local plugin: the
 * result says what became of the command, and no process of it is left on the machine 2 s later.
 */
class StopOnTheHostTest {
    @TempDir
    Path dir;
    private final PluginRegistry registry = new PluginRegistry();
    private final LocalPlugin local = new LocalPlugin();
    private ConnectionManager connections;
    private ForkingRunner runner;

    @BeforeEach
    void setUp() throws Exception {
        registry.add(new PluginBinding("local", 1, 0, "io.conduit.core", "1", local));
        connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
        StringBuilder yaml = new StringBuilder("defaults:\n  connection: local\nhosts:\n");
        for (int i = 1; i <= 12; i++) {
            yaml.append(String.format("  l%02d: {}%n", i));
        }
        Path inventory = Files.writeString(dir.resolve("inventory.yaml"), yaml);
        runner = new ForkingRunner(connections, new InventoryCatalog(), Configs.runner(12, 300, 1 << 20,
                inventory.toString()));
    }

    @AfterEach
    void tearDown() {
        connections.deactivate();

    }

    @Test
    void theHostDeadlineStopsEveryHostsCommandAndSaysSo() throws Exception {
        long mark = mark();
        RunResult result = runner.run("all", new CommandTask(Command.shell("sleep " + mark + " & sleep " + mark)),
                new RunOptions(null, null, Duration.ofSeconds(2), null), null);
        assertEquals(12, result.summary().get(Status.FAILED));
        for (HostResult h : result.hosts()) {
            assertEquals("timed out after 2 s (host timeout; raise it with -t); the command was stopped on the host",
                    h.error(), h.host());
        }
        assertEquals(List.of(), survivors(mark), "sleep " + mark + " left running after the host deadline");
    }

    @Test
    void theHostDeadlineStopsACommandRunAsAnotherUser() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name"))
                && Files.isExecutable(Path.of("/usr/bin/sudo")), "needs root and sudo (CI has both)");
        long mark = mark();
        RunResult result = runner.run("all", new CommandTask(Command.shell("sleep " + mark + " & sleep " + mark)
                .withBecome(io.conduit.api.connection.Become.sudo("nobody", null))),
                new RunOptions(null, null, Duration.ofSeconds(2), null), null);
        for (HostResult h : result.hosts()) {
            assertEquals("timed out after 2 s (host timeout; raise it with -t); the command was stopped on the host",
                    h.error(), h.host());
        }
        assertEquals(List.of(), survivors(mark), "sleep " + mark + " (as nobody) left running");
    }

    @Test
    void ctrlCStopsEveryHostsCommandAndReportsEachHost() throws Exception {
        long mark = mark();
        AtomicReference<RunResult> result = new AtomicReference<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread shell = new Thread(() -> {
            try {
                result.set(runner.run("all", new CommandTask(Command.shell("sleep " + mark + " & sleep " + mark)),
                        new RunOptions(null, null, Duration.ofSeconds(120), null), null));
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        shell.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (running(mark).size() < 24) {
            assertTrue(System.nanoTime() < deadline, "every host started");
            Thread.sleep(20); // polling /proc: nothing tells us a process started
        }
        shell.interrupt(); // what Gogo does on Ctrl-C
        shell.join(20_000);
        assertFalse(shell.isAlive(), "the run returned after Ctrl-C");
        assertTrue(stillInterrupted.get(), "the caller still sees the interrupt");
        for (HostResult h : result.get().hosts()) {
            assertEquals(Status.FAILED, h.status());
            assertEquals("interrupted; the command was stopped on the host", h.error(), h.host());
        }
        assertEquals(List.of(), survivors(mark), "sleep " + mark + " left running after Ctrl-C");
    }

    private static long mark() {
        return 300 + ThreadLocalRandom.current().nextLong(999_000);
    }

    /** Waits up to 2 s for the marked sleeps to end; returns those still running. */
    private static List<Long> survivors(long mark) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        List<Long> left = running(mark);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            left = running(mark);
        }
        left.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        return left;
    }

    /** Live (not zombie) {@code sleep MARK} processes, from /proc. */
    private static List<Long> running(long mark) {
        List<Long> found = new ArrayList<>();
        String wanted = "sleep\0" + mark + "\0";
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmd.equals(wanted) && !Files.readString(p.resolve("stat")).contains(") Z ")) {
                        found.add(Long.parseLong(name));
                    }
                } catch (IOException e) {
                    // it ended while we looked
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return found;
    }
}
