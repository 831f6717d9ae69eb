package io.conduit.core.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.local.LocalPlugin;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.task.TaskBinding;
import io.conduit.core.task.TaskRegistry;
import io.conduit.core.tasks.FetchTaskPlugin;
import io.conduit.core.tasks.PutTaskPlugin;
import io.conduit.core.testing.Configs;

/**
 * The shell's {@code put} and {@code fetch} against {@code task put} and {@code task fetch}, as {@code bin/conduit}
 * runs them on one host of the {@code local} plugin: with {@code --check} and {@code --diff} they are one path and
 * say the same (a reviewer found {@code put -D} printing no diff, and {@code fetch --check} skipped while the task
 * said "would fetch").
 */
@Timeout(120)
class PutFetchCommandsTest {
    @TempDir
    Path dir;
    private ConnectionManager connections;
    private ConduitCommands commands;

    /** What one command line did. */
    record Outcome(int exit, String out, String err) {
    }

    @BeforeEach
    void setUp() throws Exception {
        PluginRegistry registry = new PluginRegistry();
        registry.add(new PluginBinding(LocalPlugin.NAME, 1, 0, "io.conduit.core", "0.1.0", new LocalPlugin()));
        connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
        Path inventory = Files.writeString(dir.resolve("inventory.yaml"), """
                defaults:
                  connection: local
                hosts:
                  web1: {}
                """);
        ForkingRunner runner = new ForkingRunner(connections, Configs.inventories(connections, inventory),
                Configs.runner(2, 30, 1 << 20, inventory.toString()));
        TaskRegistry tasks = new TaskRegistry(Duration.ofSeconds(5), Duration.ofSeconds(5));
        tasks.add(new TaskBinding("put", 7101, 0, "io.conduit.core", "1", new PutTaskPlugin()));
        tasks.add(new TaskBinding("fetch", 7102, 0, "io.conduit.core", "1", new FetchTaskPlugin()));
        commands = new ConduitCommands(runner, Configs.inventories(connections, inventory), registry, connections,
                new LineGuard(), tasks);
    }

    @AfterEach
    void tearDown() {
        connections.deactivate();
    }

    private Outcome conduit(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = commands.execute(args, InputStream.nullInputStream(), new PrintStream(out, true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The diff's lines of an output (indented under the host's line): from its "--- " header to its "+c". */
    private static String diff(String out, Path target) {
        int at = out.indexOf("  --- " + target + " (before)");
        assertTrue(at >= 0, "a diff of " + target + " in: " + out);
        int end = out.indexOf("\n  +c\n", at);
        assertTrue(end > at, "the new line in the diff: " + out);
        return out.substring(at, end + 6);
    }

    @Test
    void putDiffPrintsTheSameDiffAsThePutTaskWithAndWithoutCheck() throws Exception {
        Path local = Files.writeString(dir.resolve("app.conf"), "a\nc\n");
        Path target = Files.writeString(dir.resolve("there.conf"), "a\nb\n");
        Outcome shellCheck = conduit("put", "--check", "--diff", "all", local.toString(), target.toString());
        Outcome taskCheck = conduit("task", "--check", "--diff", "put", "all", "src=" + local, "dest=" + target);
        assertEquals(0, shellCheck.exit(), shellCheck.out() + shellCheck.err());
        assertEquals(0, taskCheck.exit(), taskCheck.out() + taskCheck.err());
        String expected = "  --- " + target + " (before)\n  +++ " + target + " (after)\n  @@ -1,2 +1,2 @@\n   a\n"
                + "  -b\n  +c\n";
        assertEquals(expected, diff(shellCheck.out(), target));
        assertEquals(diff(taskCheck.out(), target), diff(shellCheck.out(), target));
        assertEquals("a\nb\n", Files.readString(target), "check mode changed nothing");

        Outcome shell = conduit("put", "-D", "all", local.toString(), target.toString());
        assertEquals(0, shell.exit(), shell.out() + shell.err());
        assertEquals(expected, diff(shell.out(), target));
        assertEquals("a\nc\n", Files.readString(target));
    }

    @Test
    void fetchCheckAsksTheHostAndWritesNothingAsTheFetchTaskDoes() throws Exception {
        Path remote = Files.writeString(dir.resolve("log.txt"), "line\n");
        Path into = dir.resolve("fetched");
        Outcome shell = conduit("fetch", "--check", "all", remote.toString(), into.toString());
        Outcome task = conduit("task", "--check", "fetch", "all", "src=" + remote, "dest=" + into);
        String would = "would fetch " + remote + " -> " + into.resolve("web1").resolve("log.txt");
        assertEquals(0, shell.exit(), shell.out() + shell.err());
        assertTrue(shell.out().contains(would), shell.out());
        assertFalse(shell.out().contains("SKIPPED") || shell.out().contains("cannot tell"), shell.out());
        assertTrue(task.out().contains(would), task.out());
        assertFalse(Files.exists(into), "nothing is made here in check mode");

        // a missing file fails in check mode as it would in a real fetch, on both
        Outcome missing = conduit("fetch", "--check", "all", dir.resolve("nope").toString(), into.toString());
        assertEquals(2, missing.exit(), missing.out() + missing.err());
        assertTrue((missing.out() + missing.err()).contains("no such file " + dir.resolve("nope")), missing.out());
        assertFalse(Files.exists(into));
    }
}
