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
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.history.RunHistory;
import io.conduit.core.history.RunRecord;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.task.TaskRegistry;
import io.conduit.core.testing.Configs;
import io.conduit.core.testing.FakePlugin;
import io.conduit.core.testing.FakeTaskPlugin;

/** Run IDs, {@code runs} and {@code --rerun-failed} as {@code bin/conduit COMMAND} runs them, on a fake plugin. */
class RunHistoryCommandsTest {
    @TempDir
    Path dir;
    private final FakePlugin plugin = new FakePlugin("fake", "1");
    /** The hosts a command ran on, by the plugin's exec. */
    private final Set<String> ran = new ConcurrentSkipListSet<>();
    private ConnectionManager connections;
    private ConduitCommands commands;
    private Path inventory;
    private final PluginRegistry registry = new PluginRegistry();
    private ForkingRunner runner;

    record Outcome(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        registry.add(plugin.binding());
        plugin.hook = (host, command) -> ran.add(host);
        connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
        inventory = Files.writeString(dir.resolve("inventory.yaml"), """
                defaults: {connection: fake}
                groups: {web: {}}
                hosts:
                  web1: {groups: [web]}
                  web2: {groups: [web]}
                  db1: {}
                """);
        runner = new ForkingRunner(connections, Configs.inventories(connections, inventory),
                Configs.runner(4, 30, 1 << 20, inventory.toString()));
        TaskRegistry tasks = new TaskRegistry(Duration.ofSeconds(5), Duration.ofSeconds(5));
        tasks.add(new FakeTaskPlugin("login", "1", true, OptionDescriptor.of("user", OptionType.STRING, "ops",
                "who"), new OptionDescriptor("password", OptionType.STRING, null, false, true, "the password"))
                .binding());
        commands = new ConduitCommands(runner, Configs.inventories(connections, inventory), registry, connections,
                new LineGuard(), tasks, new RunHistory(dir.resolve("data/runs"), RunHistory.Settings.DEFAULTS));
    }

    @AfterEach
    void tearDown() {
        connections.deactivate();
    }

    private Outcome conduit(String... args) {
        return conduitIn(null, args);
    }

    /** As a client of a resident Conduit runs a command from another directory. */
    private Outcome conduitIn(Path workingDirectory, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = commands.execute(args, InputStream.nullInputStream(), new PrintStream(out, true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), workingDirectory);
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static JsonObject json(Outcome o) {
        return JsonParser.parseString(o.out()).getAsJsonObject();
    }

    private static String status(JsonObject run, String host) {
        for (JsonElement h : run.getAsJsonArray("hosts")) {
            if (h.getAsJsonObject().get("host").getAsString().equals(host)) {
                return h.getAsJsonObject().get("status").getAsString();
            }
        }
        return null;
    }

    @Test
    void aRunGetsAnIdAndRunsShowsItsHostsThenRerunFailedRunsOnlyTheFailedOnes() {
        plugin.refuse.put("web2", true);
        Outcome first = conduit("run", "all", "echo", "hi");
        assertEquals(2, first.exit(), first.toString());
        assertTrue(first.out().contains("\n3 hosts: 2 ok, 0 changed, 0 failed, 1 unreachable (")
                && first.out().endsWith(" s); run 1 (--rerun-failed 1 runs the failed hosts again)\n"),
                first.toString());

        Outcome shown = conduit("runs", "--json", "1");
        assertEquals(0, shown.exit(), shown.toString());
        JsonObject run = json(shown);
        assertEquals("run: echo hi", run.get("what").getAsString());
        assertEquals("all", run.get("pattern").getAsString());
        assertEquals(2, run.get("exit").getAsInt());
        assertEquals("cli", run.get("via").getAsString());
        assertEquals(System.getProperty("user.name"), run.get("user").getAsString());
        assertEquals("ok", status(run, "web1"));
        assertEquals("unreachable", status(run, "web2"));
        assertEquals("ok", status(run, "db1"));

        Outcome table = conduit("runs", "1");
        assertTrue(table.out().startsWith("run 1: run: echo hi\n"), table.toString());
        assertTrue(table.out().lines().anyMatch(l -> l.matches("web2 +UNREACHABLE +- +.*connection refused +\\d+ ms")),
                table.toString());
        assertTrue(table.out().contains("--rerun-failed 1"), table.toString());

        plugin.refuse.clear();
        ran.clear();
        Outcome again = conduit("run", "--rerun-failed", "1", "all", "echo", "again");
        assertEquals(0, again.exit(), again.toString());
        assertEquals(Set.of("web2"), ran, "only the failed host ran again");
        assertTrue(again.err().contains("conduit: note: run 1 ran \"run: echo hi\"; this runs \"run: echo again\" on"
                + " the hosts that failed in it"), again.toString());
        assertTrue(again.out().contains("\n1 host: 1 ok,") && again.out().endsWith(" s); run 2\n"),
                again.toString());
        JsonObject second = json(conduit("runs", "--json", "2"));
        assertEquals(1, second.get("rerun_of").getAsLong());
        assertEquals(1, second.getAsJsonArray("hosts").size());

        Outcome list = conduit("runs");
        List<String> lines = list.out().lines().toList();
        assertTrue(lines.get(0).matches("ID +WHEN +USER +WHAT +PATTERN +HOSTS ok/chg/fail/unr/skip +EXIT"),
                list.toString());
        assertTrue(lines.get(1).matches("2 +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ +.+ +run: echo again +all"
                + " +1/0/0/0/0 +0"), list.toString());
        assertTrue(lines.get(2).matches("1 +.* +run: echo hi +all +2/0/0/1/0 +2"), list.toString());
    }

    @Test
    void theIdIsInTheJsonDocumentAndTheJsonLinesSummary() {
        JsonObject doc = json(conduit("ping", "--json", "web"));
        assertEquals(1, doc.get("run").getAsLong());
        assertEquals(2, doc.getAsJsonArray("hosts").size());
        List<String> lines = conduit("ping", "--json-lines", "web").out().lines().toList();
        JsonObject last = JsonParser.parseString(lines.get(lines.size() - 1)).getAsJsonObject();
        assertEquals(2, last.get("run").getAsLong());
        assertTrue(last.has("summary"), last.toString());
    }

    @Test
    void rerunFailedRefusesWhatItCannotRunAndRunsNothingWhenNoHostFailed() {
        Outcome unknown = conduit("run", "--rerun-failed", "9", "all", "true");
        assertEquals(64, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("--rerun-failed 9: no run 9 in the history (" + dir.resolve("data/runs")
                + "); no run is recorded yet"), unknown.toString());

        conduit("ping", "web");
        ran.clear();
        Outcome none = conduit("run", "--rerun-failed", "1", "all", "true");
        assertEquals(0, none.exit(), none.toString());
        assertEquals("conduit: nothing to rerun: run 1 had no failed or unreachable host; nothing ran\n", none.err());
        assertEquals(Set.of(), ran);

        plugin.refuse.put("db1", true);
        conduit("ping", "all");
        Outcome notSelected = conduit("ping", "--rerun-failed", "2", "web");
        assertEquals(64, notSelected.exit(), notSelected.toString());
        assertTrue(notSelected.err().contains("--rerun-failed 2: the pattern \"web\" selects none of the hosts that"
                + " failed in run 2 (db1); write all to take them all"), notSelected.toString());

        Outcome bad = conduit("ping", "--rerun-failed", "last", "all");
        assertEquals(64, bad.exit(), bad.toString());
        assertTrue(bad.err().contains("\"last\" is not a run ID"), bad.toString());
        Outcome missing = conduit("runs", "7");
        assertEquals(64, missing.exit(), missing.toString());
        assertTrue(missing.err().equals("conduit: runs: no run 7 in the history (" + dir.resolve("data/runs")
                + "); the newest are 2, 1 (see runs)\n"), missing.toString());
        assertFalse(missing.err().contains("Exception"), missing.toString());
    }

    @Test
    void aHistoryThatCannotBeWrittenCostsOneWarningLineAndNeverTheRun() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("history-file"), "in the way");
        commands = new ConduitCommands(runner, Configs.inventories(connections, inventory), registry, connections,
                new LineGuard(), new TaskRegistry(Duration.ofSeconds(1), Duration.ofSeconds(1)),
                new RunHistory(notADirectory, RunHistory.Settings.DEFAULTS));
        Outcome run = conduit("run", "all", "true");
        assertEquals(0, run.exit(), run.toString());
        assertEquals(Set.of("web1", "web2", "db1"), ran);
        List<String> warnings = run.err().lines().filter(l -> l.startsWith("conduit: warning: ")).toList();
        assertEquals(1, warnings.size(), run.toString());
        assertTrue(warnings.get(0).startsWith("conduit: warning: the run was not recorded in the history ("
                + notADirectory + "): "), run.toString());
        assertTrue(run.out().endsWith(" s)\n"), "no run ID: " + run);
        assertFalse(run.err().contains("Exception"), run.toString());
    }

    @Test
    void aHostNoLongerInTheInventoryIsNamedAndLeftOut() throws Exception {
        plugin.refuse.put("web2", true);
        plugin.refuse.put("db1", true);
        conduit("ping", "all");
        Files.writeString(inventory, Files.readString(inventory).replace("  db1: {}\n", ""));
        plugin.refuse.clear();
        Outcome again = conduit("ping", "--rerun-failed", "1", "all");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.err().contains("conduit: note: a host that failed in run 1 is no longer in the inventory and"
                + " is left out: db1"), again.toString());
        assertTrue(again.out().contains("\n1 host: 1 ok,"), again.toString());
    }

    @Test
    void noEnvValueBecomePasswordOrSecretParameterIsRecorded() throws Exception {
        Path password = Files.writeString(dir.resolve("become-pass"), "b3come-pa55\n");
        Outcome run = conduit("run", "--env", "TOKEN=s3cret-env-value", "-b", "--become-password-file",
                password.toString(), "all", "echo", "$TOKEN");
        assertEquals(0, run.exit(), run.toString());
        Outcome task = conduit("task", "login", "all", "user=deploy", "password=t4sk-secret");
        assertEquals(0, task.exit(), task.toString());
        assertEquals("task login user=deploy password=***",
                json(conduit("runs", "--json", "2")).get("what").getAsString());
        try (Stream<Path> files = Files.list(dir.resolve("data/runs"))) {
            for (Path f : files.toList()) {
                String bytes = Files.readString(f);
                for (String secret : List.of("s3cret-env-value", "b3come-pa55", "t4sk-secret")) {
                    assertFalse(bytes.contains(secret), f + " holds " + secret + ":\n" + bytes);
                }
            }
        }
        JsonArray list = JsonParser.parseString(conduit("runs", "--json").out()).getAsJsonArray();
        assertEquals(2, list.size());
    }

    @Test
    void rerunFailedFromAnotherDirectoryTakesTheInventoryOfTheRunKeptAbsolute() throws Exception {
        Path project = Files.createDirectories(dir.resolve("project"));
        Files.writeString(project.resolve("other.yaml"), """
                defaults: {connection: fake}
                hosts:
                  app1: {}
                  app2: {}
                """);
        plugin.refuse.put("app2", true);
        Outcome first = conduitIn(project, "ping", "-i", "other.yaml", "all");
        assertEquals(2, first.exit(), first.toString());
        assertEquals(project.resolve("other.yaml").toString(),
                json(conduit("runs", "--json", "1")).get("inventory").getAsString());
        assertEquals("ansible:" + project.resolve("hosts.ini"), io.conduit.core.inventory.LocalPaths.inWorkingDirectory(
                project, () -> io.conduit.core.inventory.LocalPaths.spec("ansible:hosts.ini")));

        plugin.refuse.clear();
        ran.clear();
        Outcome again = conduit("ping", "--rerun-failed", "1", "all"); // another directory, no -i
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("app2") && !again.out().contains("app1")
                && again.out().contains("\n1 host: 1 ok,"), again.toString());
        assertTrue(again.err().contains("conduit: note: the hosts come from the inventory of run 1, "
                + project.resolve("other.yaml") + " (give -i to take another)"), again.toString());
        assertEquals(project.resolve("other.yaml").toString(),
                json(conduit("runs", "--json", "2")).get("inventory").getAsString());

        // with -i the given one: none of run 1's failed hosts is in it, and the pattern already was all
        Path copy = Files.copy(inventory, dir.resolve("copy.yaml"));
        Outcome elsewhere = conduit("ping", "--rerun-failed", "1", "-i", copy.toString(), "all");
        assertEquals(64, elsewhere.exit(), elsewhere.toString());
        assertTrue(elsewhere.err().contains("--rerun-failed 1: none of the hosts that failed in run 1 (app2) is in"
                + " the inventory " + copy + " any more; give -i with the inventory they are in"),
                elsewhere.toString());
        assertFalse(elsewhere.err().contains("write all"), elsewhere.toString());
    }

    @Test
    void aRunWhoseProcessEndedWithoutFinishingIsShownInterruptedAndNotRerun() throws Exception {
        RunHistory history = new RunHistory(dir.resolve("data/runs"), RunHistory.Settings.DEFAULTS);
        Instant t = Instant.parse("2026-12-02T11:00:00Z");
        // a process that is gone: this pid with another start time (the pid given again to a later process)
        history.start(new RunRecord(0, t, null, "ops", "cli", "run", "run: sleep 60", inventory.toString(), "all",
                false, null, null, -1, List.of(), RunRecord.currentPid(), Instant.EPOCH));
        history.start(new RunRecord(0, t, null, "ops", "cli", "run", "run: sleep 61", inventory.toString(), "web",
                false, null, null, -1, List.of(), RunRecord.currentPid(), RunRecord.currentProcessStart()));
        Outcome list = conduit("runs");
        assertEquals(0, list.exit(), list.toString());
        List<String> rows = list.out().lines().toList();
        assertTrue(rows.get(1).startsWith("2 ") && rows.get(1).endsWith(" running"), list.toString());
        assertTrue(rows.get(2).startsWith("1 ") && rows.get(2).endsWith(" interrupted"), list.toString());
        Outcome one = conduit("runs", "1");
        assertTrue(one.out().contains("\n  interrupted (the process ended without finishing the record)"),
                one.toString());
        assertEquals("interrupted", json(conduit("runs", "--json", "1")).get("status").getAsString());

        Outcome again = conduit("run", "--rerun-failed", "1", "all", "true");
        assertEquals(64, again.exit(), again.toString());
        assertTrue(again.err().contains("--rerun-failed 1: run 1 was interrupted (the process ended without"
                + " finishing the record), so it tells no host's end; run the command again on the pattern all"),
                again.toString());
        Outcome running = conduit("run", "--rerun-failed", "2", "all", "true");
        assertEquals(64, running.exit(), running.toString());
        assertTrue(running.err().contains("--rerun-failed 2: run 2 is still running (process "
                + RunRecord.currentPid() + ")"), running.toString());
        assertEquals(Set.of(), ran);
        // a new run takes the next ID when it starts; finished, it is whole
        conduit("ping", "web");
        assertEquals("finished", json(conduit("runs", "--json", "3")).get("status").getAsString());
    }

    @Test
    void rerunFailedSaysHowManyHostsRunIdSkippedAndHowToRunThem() throws Exception {
        RunHistory history = new RunHistory(dir.resolve("data/runs"), RunHistory.Settings.DEFAULTS);
        Instant t = Instant.parse("2026-12-02T11:00:00Z");
        history.save(new RunRecord(0, t, t.plusSeconds(1), "ops", "cli", "ping", "ping", inventory.toString(),
                "all", false, "--fail-fast", null, 2, List.of(new RunRecord.Host("db1", "failed", 1, "no", 5),
                        new RunRecord.Host("web1", "skipped", null, "--fail-fast", 0),
                        new RunRecord.Host("web2", "skipped", null, "--fail-fast", 0))));
        Outcome again = conduit("ping", "--rerun-failed", "1", "all");
        assertEquals(0, again.exit(), again.toString());
        assertTrue(again.out().contains("\n1 host: 1 ok,"), again.toString());
        assertTrue(again.err().contains("conduit: note: 2 hosts were skipped in run 1 (--fail-fast) and are not"
                + " rerun: web1, web2; to run them, give their names as the pattern without --rerun-failed"
                + " (web1,web2)"), again.toString());
    }

    @Test
    void aRunThatRanNothingLeavesNoRecordAndNoRunningOne() throws Exception {
        Outcome none = conduit("run", "nosuchhost", "true");
        assertTrue(none.exit() != 0, none.toString());
        try (Stream<Path> files = Files.list(dir.resolve("data/runs"))) {
            assertEquals(List.of(), files.toList());
        }
        conduit("ping", "web");
        assertEquals("finished", json(conduit("runs", "--json", "1")).get("status").getAsString());
    }
}
