package io.conduit.core.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.task.CommandTask;
import io.conduit.core.task.FetchTask;
import io.conduit.core.task.PutTask;
import io.conduit.core.testing.Configs;

/**
 * A run's {@code -v}/{@code -vv} through the runner, the pool and the real local plugin: each line names its host,
 * a reused connection traces into the run that borrows it, and no secret shows.
 */
class LocalTraceTest {
    private static final String PASSWORD = "pw-0f9a-never-shown";
    private static final String ENV_VALUE = "env-value-7c21-never-shown";

    @TempDir
    Path dir;
    private final LocalPlugin plugin = new LocalPlugin();
    private ConnectionManager connections;
    private ForkingRunner runner;

    /** Collects trace lines as the shell prints them: {@code HOST: LINE}. */
    static final class Lines implements RunListener {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final List<Integer> levels = new CopyOnWriteArrayList<>();

        @Override
        public void trace(String host, int level, String line) {
            lines.add(host + ": " + line);
            levels.add(level);
        }

        boolean has(String text) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }

        String all() {
            return String.join("\n", lines);
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        PluginRegistry registry = new PluginRegistry();
        registry.add(new PluginBinding(LocalPlugin.NAME, 1, 0, "io.conduit.core", "0.1.0", plugin));
        connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
        Files.writeString(dir.resolve("pw"), PASSWORD + "\n");
        Path inventory = Files.writeString(dir.resolve("inventory.yaml"), """
                defaults:
                  connection: local
                  password: ${file:pw}
                groups:
                  lab:
                    connection_options:
                      local:
                        extras: {shell: /bin/sh}
                hosts:
                  web1:
                    groups: [lab]
                    hostname: 127.0.0.1
                  web2:
                    groups: [lab]
                """);
        runner = new ForkingRunner(connections, Configs.inventories(connections, inventory),
                Configs.runner(4, 30, 1 << 20, inventory.toString()));
    }

    @AfterEach
    void tearDown() {
        connections.deactivate();
        plugin.deactivate();
    }

    private Lines run(int verbosity, String pattern, io.conduit.api.task.Task task) throws Exception {
        Lines lines = new Lines();
        RunResult result = runner.run(pattern, task, RunOptions.defaults().withVerbosity(verbosity), lines);
        assertTrue(result.succeeded(), result.toString());
        return lines;
    }

    @Test
    void verboseShowsOpenCommandExitAndThenReuseInTheLaterRun() throws Exception {
        Command c = Command.shell("echo \"$TOKEN\" >/dev/null; echo hi").withEnv(Map.of("TOKEN", ENV_VALUE));
        Lines first = run(1, "all", new CommandTask(c));
        for (String host : List.of("web1", "web2")) {
            assertTrue(first.has(host + ": local: opening a new connection"), first.all());
            assertTrue(first.has(host + ": local: this machine, as "), first.all());
            assertTrue(first.has(host + ": exec: echo \"$TOKEN\" >/dev/null; echo hi [env TOKEN]"), first.all());
            assertTrue(first.has(host + ": exit 0 in "), first.all());
        }
        assertTrue(first.levels.stream().allMatch(l -> l == 1), "-v shows level 1 only: " + first.levels);
        assertFalse(first.has("values:"), "where values come from is -vv: " + first.all());

        // the pooled connection opened above serves this run, and traces into it
        Lines second = run(1, "web1", new CommandTask(Command.shell("true")));
        assertTrue(second.has("web1: local: reusing the connection opened "), second.all());
        assertFalse(second.has("opening a new connection"), second.all());
        assertTrue(second.lines.stream().allMatch(l -> l.startsWith("web1: ")), second.all());

        for (Lines l : List.of(first, second)) {
            assertFalse(l.all().contains(ENV_VALUE), "an --env value never shows");
            assertFalse(l.all().contains(PASSWORD), "a password never shows");
        }
    }

    @Test
    void veryVerboseShowsWhereEachValueCameFromButNoSecret() throws Exception {
        Lines lines = run(3, "web1", new CommandTask(Command.shell("true")));
        assertTrue(lines.has("web1: local: values: hostname=127.0.0.1 (host web1);"), lines.all());
        assertTrue(lines.has("password=*** from ${file:pw} (defaults);"), lines.all());
        assertTrue(lines.has("port=(unset: the plugin's default);"), lines.all());
        assertTrue(lines.has("extras.shell=/bin/sh (group lab)"), lines.all());
        assertTrue(lines.has("web1: local: started /bin/sh -c WRAPPER (pid "), lines.all());
        assertFalse(lines.all().contains(PASSWORD), lines.all());
    }

    @Test
    void transfersShowMethodAndBytes() throws Exception {
        Path src = Files.writeString(dir.resolve("src.txt"), "twelve bytes");
        Path target = dir.resolve("copy.txt");
        Lines put = run(1, "web1", new PutTask(src, target.toString(), 0640));
        assertTrue(put.has("web1: put: " + src + " -> " + target + " (12 bytes, mode 640)"), put.all());
        assertTrue(put.has("web1: local: file copy to "), put.all());
        assertTrue(put.has("web1: put done in "), put.all());

        Lines fetch = run(1, "web1", new FetchTask(target.toString(), dir.resolve("fetched")));
        assertTrue(fetch.has("web1: fetch: " + target + " -> "), fetch.all());
        assertTrue(fetch.has("web1: fetch done in ") && fetch.has("(12 bytes)"), fetch.all());
    }

    @Test
    void withoutVerbosityNothingIsTraced() throws Exception {
        Lines lines = run(0, "all", new CommandTask(Command.shell("true")));
        assertEquals(List.of(), lines.lines);
    }
}
