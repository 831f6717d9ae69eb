package io.conduit.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Status;
import io.conduit.api.testing.HostProcesses;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.local.LocalPlugin;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
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
        runner = new ForkingRunner(connections, Configs.inventories(connections, inventory), Configs.runner(12, 300, 1 << 20,
                inventory.toString()));
    }

    @AfterEach
    void tearDown() {
        connections.deactivate();

    }

    @Test
    void theHostDeadlineStopsEveryHostsCommandAndSaysSo() throws Exception {
        long mark = HostProcesses.mark();
        RunResult result = runner.run("all", new CommandTask(Command.shell("sleep " + mark + " & sleep " + mark)),
                new RunOptions(null, null, Duration.ofSeconds(2), null), null);
        assertEquals(12, result.summary().get(Status.FAILED));
        for (HostResult h : result.hosts()) {
            assertEquals("timed out after 2 s (host timeout; raise it with -t); the command was stopped on the host",
                    h.error(), h.host());
        }
        assertEquals(List.of(), HostProcesses.survivors(mark, Duration.ofSeconds(2)),
                "sleep " + mark + " left running after the host deadline");
    }

    @Test
    void theHostDeadlineStopsACommandRunAsAnotherUser() throws Exception {
        io.conduit.api.testing.BecomeEnvironment.require();
        long mark = HostProcesses.mark();
        RunResult result = runner.run("all", new CommandTask(Command.shell("sleep " + mark + " & sleep " + mark)
                .withBecome(io.conduit.api.connection.Become.sudo("nobody", null))),
                new RunOptions(null, null, Duration.ofSeconds(2), null), null);
        for (HostResult h : result.hosts()) {
            assertEquals("timed out after 2 s (host timeout; raise it with -t); the command was stopped on the host",
                    h.error(), h.host());
        }
        assertEquals(List.of(), HostProcesses.survivors(mark, Duration.ofSeconds(2)),
                "sleep " + mark + " (as nobody) left running");
    }

    @Test
    void ctrlCStopsEveryHostsCommandAndReportsEachHost() throws Exception {
        long mark = HostProcesses.mark();
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
        while (HostProcesses.sleeping(mark).size() < 24) {
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
        assertEquals(List.of(), HostProcesses.survivors(mark, Duration.ofSeconds(2)),
                "sleep " + mark + " left running after Ctrl-C");
    }
}
