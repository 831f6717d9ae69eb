package io.conduit.core.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.task.TaskPlugin;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.local.LocalPlugin;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.task.TaskBinding;
import io.conduit.core.task.TaskRegistry;
import io.conduit.core.testing.Configs;

/**
 * {@code tasks} and {@code task} as {@code bin/conduit} runs them, on two hosts of the {@code local} plugin (this
 * machine): what is listed and documented, files a task writes on the hosts, and bad words refused before
 * anything runs.
 */
@Timeout(60)
class TaskPluginCommandsTest {
    @TempDir
    Path dir;
    private final LocalPlugin local = new LocalPlugin();
    private final TaskRegistry tasks = new TaskRegistry(Duration.ofSeconds(5), Duration.ofSeconds(5));
    private ConnectionManager connections;
    private ConduitCommands commands;

    /** A third party's task: writes a text into a file on the host, through the host's connection. */
    static final class WriteTask implements TaskPlugin {
        @Override
        public String description() {
            return "writes a text into a file on the host";
        }

        @Override
        public List<OptionDescriptor> parameters() {
            return List.of(new OptionDescriptor("path", OptionType.PATH, null, true, false, "the file to write"),
                    OptionDescriptor.of("text", OptionType.STRING, "hello", "what to write"),
                    OptionDescriptor.of("lines", OptionType.LIST, null, "more lines, comma separated"));
        }

        @Override
        public Task create(Map<String, Object> values) {
            @SuppressWarnings("unchecked")
            List<String> more = (List<String>) values.getOrDefault("lines", List.of());
            String text = values.get("text") + (more.isEmpty() ? "" : "\n" + String.join("\n", more));
            return new Task() {
                @Override
                public HostResult execute(TaskContext ctx) throws IOException {
                    String path = ((String) values.get("path")).replace("HOST", ctx.host().name());
                    ExecResult r = ctx.connection().exec(Command.argv(List.of("sh", "-c", "printf '%s' \"$1\" > \"$2\"",
                            "sh", text, path)));
                    return r.exitCode() == 0 ? HostResult.text(ctx.host().name(), Status.CHANGED, "wrote " + path)
                            : HostResult.fromExec(ctx.host().name(), r, false);
                }

                @Override
                public String describe() {
                    return "write: " + values.get("path");
                }
            };
        }
    }

    /** A task with a secret parameter: reports whom it logged in as, never the password. */
    static final class LoginTask implements TaskPlugin {
        @Override
        public String description() {
            return "logs in";
        }

        @Override
        public List<OptionDescriptor> parameters() {
            return List.of(new OptionDescriptor("user", OptionType.STRING, null, true, false, "who"),
                    OptionDescriptor.secret("password", "the password"));
        }

        @Override
        public Task create(Map<String, Object> values) {
            return new Task() {
                @Override
                public HostResult execute(TaskContext ctx) {
                    return HostResult.text(ctx.host().name(), Status.OK, "logged in as " + values.get("user")
                            + " with " + values.get("password"));
                }

                @Override
                public String describe() {
                    return "login: " + values.get("user");
                }
            };
        }
    }

    /** What one command line did. */
    record Outcome(int exit, String out, String err) {
    }

    @BeforeEach
    void setUp() throws Exception {
        PluginRegistry registry = new PluginRegistry();
        registry.add(new PluginBinding(LocalPlugin.NAME, 1, 0, "io.conduit.core", "0.1.0", local));
        connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
        Path inventory = Files.writeString(dir.resolve("inventory.yaml"), """
                defaults:
                  connection: local
                hosts:
                  web1: {}
                  web2: {}
                """);
        ForkingRunner runner = new ForkingRunner(connections, Configs.inventories(connections, inventory),
                Configs.runner(2, 30, 1 << 20, inventory.toString()));
        tasks.add(new TaskBinding("write", 7001, 0, "com.example.write", "1.2.0", new WriteTask()));
        tasks.add(new TaskBinding("login", 7002, 0, "com.example.login", "1.0.0", new LoginTask()));
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

    @Test
    void tasksListsEachTaskWithItsBundleAndWhetherItSupportsCheckMode() {
        Outcome o = conduit("tasks");
        assertEquals(0, o.exit(), o.err());
        assertTrue(o.out().lines().anyMatch(l -> l.startsWith("login ")), o.out());
        String row = o.out().lines().filter(l -> l.startsWith("write ")).findFirst()
                .orElseThrow(() -> new AssertionError(o.out()));
        assertTrue(row.matches("write +com\\.example\\.write +1\\.2\\.0 +active +no +0 +writes a text.*"), row);
    }

    @Test
    void aHigherRankedServiceOfTheSameNameServesItAndTheOtherIsListedAsShadowed() {
        tasks.add(new TaskBinding("write", 7003, 5, "com.example.write", "2.0.0", new WriteTask()));
        Outcome o = conduit("tasks");
        List<String> rows = o.out().lines().filter(l -> l.startsWith("write ")).toList();
        assertEquals(2, rows.size(), o.out());
        assertTrue(rows.get(0).matches("write +com\\.example\\.write +2\\.0\\.0 +active .*"), o.out());
        assertTrue(rows.get(1).matches("write +com\\.example\\.write +1\\.2\\.0 +shadowed .*"), o.out());
        assertTrue(conduit("tasks", "write").out().contains("bundle com.example.write 2.0.0"));
        // Tab completion offers each name once
        assertEquals(List.of("login", "write"), commands.tasknames());
    }

    @Test
    void tasksNameDocumentsTheParameters() {
        Outcome o = conduit("tasks", "write");
        assertEquals(0, o.exit(), o.err());
        assertTrue(o.out().contains("write: writes a text into a file on the host"), o.out());
        assertTrue(o.out().contains("check mode: no (--check skips it on every host)"), o.out());
        String path = o.out().lines().filter(l -> l.startsWith("path ")).findFirst()
                .orElseThrow(() -> new AssertionError(o.out()));
        assertTrue(path.matches("path +path +yes +the file to write"), path);
        assertTrue(o.out().lines().anyMatch(l -> l.matches("text +string +hello +what to write")), o.out());
    }

    @Test
    void tasksWithAnUnknownNameSaysWhichOnesThereAreAndExits64() {
        Outcome o = conduit("tasks", "wirte");
        assertEquals(64, o.exit());
        assertEquals("conduit: tasks: no task named \"wirte\"; did you mean \"write\"? (installed: login,"
                + " write); see tasks, or drop the task's bundle into deploy/\n", o.err());
    }

    @Test
    void taskRunsOnEveryHostAndTheFilesAreThere() throws Exception {
        Outcome o = conduit("task", "write", "all", "path=" + dir + "/HOST.txt", "text=a=b", "lines=x,y");
        assertEquals(0, o.exit(), o.out() + o.err());
        // split at the first "=" only: the value keeps its own
        assertEquals("a=b\nx\ny", Files.readString(dir.resolve("web1.txt")));
        assertEquals("a=b\nx\ny", Files.readString(dir.resolve("web2.txt")));
        assertTrue(o.out().contains("CHANGED"), o.out());
    }

    @Test
    void aMisspeltParameterIsRefusedWithTheClosestOneAndNothingRuns() {
        Outcome o = conduit("task", "write", "all", "paht=" + dir + "/HOST.txt");
        assertEquals(64, o.exit());
        assertEquals("conduit: task: write has no parameter \"paht\"; did you mean \"path\"? (its parameters: path,"
                + " text, lines)\nconduit: task: write needs the parameter \"path\" (path: the file to write)\n",
                o.err());
        assertFalse(Files.exists(dir.resolve("web1.txt")));
    }

    @Test
    void wordsThatAreNotKeyValueOrRepeatAKeyAreRefused() {
        Outcome bare = conduit("task", "write", "all", "path");
        assertEquals(64, bare.exit());
        assertTrue(bare.err().contains("task: \"path\" is not KEY=VALUE"), bare.err());
        Outcome twice = conduit("task", "write", "all", "path=/tmp/a", "path=/tmp/b");
        assertEquals(64, twice.exit());
        assertTrue(twice.err().contains("task: path is given twice; give it once"), twice.err());
        Outcome noKey = conduit("task", "write", "all", "=/tmp/a");
        assertEquals(64, noKey.exit());
        assertFalse(noKey.err().contains("/tmp/a"), noKey.err());
    }

    @Test
    void anUnknownTaskFailsBeforeAnythingRuns() {
        Outcome o = conduit("task", "wirte", "all", "path=/tmp/x");
        assertEquals(64, o.exit());
        assertTrue(o.err().startsWith("conduit: task: no task named \"wirte\"; did you mean \"write\"?"), o.err());
    }

    @Test
    void inCheckModeATaskThatCannotTellIsSkippedAndWritesNothing() {
        Outcome o = conduit("task", "--check", "write", "all", "path=" + dir + "/HOST.txt");
        assertEquals(0, o.exit(), o.out() + o.err());
        assertTrue(o.out().contains("SKIPPED"), o.out());
        assertTrue(o.out().contains("check mode: task write cannot tell what it would change; it was not run"),
                o.out());
        assertFalse(Files.exists(dir.resolve("web1.txt")));
        assertFalse(Files.exists(dir.resolve("web2.txt")));
    }

    /**
     * Ansible kept a no_log value out of its output when arguments were written as YAML, but printed it when they
     * were key=value words (ansible/ansible#11253): a secret given as a word appears neither in the output of a run
     * nor in the refusal of a misspelt line.
     */
    @Test
    void aSecretGivenAsAKeyValueWordIsNeverPrinted() {
        Outcome run = conduit("task", "--json", "login", "web1", "user=bob", "password=hunter2");
        assertEquals(0, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("logged in as bob with ***"), run.out());
        assertFalse(run.out().contains("hunter2") || run.err().contains("hunter2"), run.out() + run.err());
        Outcome refused = conduit("task", "login", "web1", "usr=bob", "password=hunter2", "password=hunter3");
        assertEquals(64, refused.exit());
        assertFalse(refused.err().contains("hunter"), refused.err());
    }
}
