package io.conduit.core.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.history.RunHistory;
import io.conduit.core.local.LocalPlugin;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.runbook.FakeCatalog;
import io.conduit.core.source.InventoryService;
import io.conduit.core.testing.Configs;

/** {@code bin/conduit runbook FILE PATTERN} as the launcher calls it, on the local plugin. */
class RunbookCommandTest {
    @TempDir
    Path dir;
    private final PluginRegistry registry = new PluginRegistry();
    private ConnectionManager connections;
    private ConduitCommands commands;
    private ForkingRunner runner;
    private InventoryService inventories;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void setUp() throws Exception {
        registry.add(new PluginBinding("local", 1, 0, "io.conduit.core", "1", new LocalPlugin()));
        connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
        Path inventory = Files.writeString(dir.resolve("inventory.yaml"), """
                defaults: {connection: local}
                groups: {web: {data: {role: web}}}
                hosts:
                  web1: {groups: [web]}
                  web2: {groups: [web]}
                  db1: {}
                """);
        inventories = Configs.inventories(connections, inventory);
        runner = new ForkingRunner(connections, inventories, Configs.runner(4, 60, 1 << 20,
                inventory.toString()));
        commands = new ConduitCommands(runner, inventories, registry, connections, new LineGuard(), new FakeCatalog());
    }

    @AfterEach
    void tearDown() {
        connections.deactivate();
    }

    private int run(String yaml, String... words) throws Exception {
        Path file = Files.writeString(dir.resolve("site.yaml"), yaml.replace("DIR", dir.toString()));
        List<String> args = new ArrayList<>(List.of("runbook"));
        args.addAll(List.of(words));
        args.add(args.size() - 1, file.toString()); // FILE before PATTERN
        return commands.execute(args.toArray(String[]::new), null, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static final String TWO_STEPS = """
            name: two steps
            steps:
              - name: mark
                write: {path: "DIR/{{ inventory_hostname }}", content: "{{ vars.what }}"}
              - command: {cmd: "test {{ inventory_hostname }} != web2"}
            """;

    @Test
    void aBadRunbookRunsNothingAndNamesEveryProblem() throws Exception {
        int status = run("""
                steps:
                  - write: {path: "DIR/marker", content: x}
                  - command: {cmd: true}
                    timeout: never
                  - templat: {src: a}
                """, "all");
        assertEquals(64, status);
        String path = dir.resolve("site.yaml").toString();
        assertTrue(err().contains("conduit: " + path + ":4: steps[1].timeout: "), err());
        assertTrue(err().contains("conduit: " + path + ":5: steps[2].templat: no task \"templat\" is installed"),
                err());
        assertTrue(err().contains("conduit: runbook: 2 problems in " + path + "; nothing ran"), err());
        assertFalse(Files.exists(dir.resolve("marker")), "the first step ran although the runbook was refused");
        assertFalse(err().contains("Exception"), err());
    }

    @Test
    void theTableShowsEachStepThenTheRecap() throws Exception {
        int status = run(TWO_STEPS, "-e", "what=hello", "web");
        assertEquals(2, status, err());
        assertEquals("hello", Files.readString(dir.resolve("web1")));
        String o = out();
        // hosts print as they finish, in any order, under their step's header
        int step1 = o.indexOf("== step 1/2: mark (write) ==\n");
        int step2 = o.indexOf("== step 2/2: command (command) ==\n");
        assertTrue(step1 >= 0 && step2 > step1, o);
        assertTrue(o.substring(step1, step2).contains("web1 | OK") && o.substring(step1, step2).contains("web2 | OK"),
                o);
        assertTrue(o.contains("== step 2/2: command (command) =="), o);
        assertTrue(o.contains("web2 | FAILED | rc=1"), o);
        assertTrue(o.contains("== recap: two steps =="), o);
        assertTrue(o.matches("(?s).*web1 +2 +0 +0 +0 +0\n.*"), o);
        assertTrue(o.matches("(?s).*web2 +1 +0 +1 +0 +0\n.*"), o);
    }

    @Test
    void aRunbookIsRecordedWithEachHostsWorstStepAndRerunFailedRunsItOnTheFailedHostsOnly() throws Exception {
        commands = new ConduitCommands(runner, inventories, registry, connections, new LineGuard(), new FakeCatalog(),
                new RunHistory(dir.resolve("history"), RunHistory.Settings.DEFAULTS));
        assertEquals(2, run(TWO_STEPS, "-e", "what=one", "web"));
        assertTrue(out().endsWith(" s); run 1 (--rerun-failed 1 runs the failed hosts again)\n"), out());
        Files.delete(dir.resolve("web1"));
        Files.delete(dir.resolve("web2"));

        out.reset();
        assertEquals(2, run(TWO_STEPS, "--rerun-failed", "1", "-e", "what=two", "all"));
        assertFalse(Files.exists(dir.resolve("web1")), "web1 did not fail in run 1: " + out());
        assertFalse(Files.exists(dir.resolve("db1")), "db1 was not in run 1: " + out());
        assertEquals("two", Files.readString(dir.resolve("web2")));

        out.reset();
        assertEquals(0, commands.execute(new String[] {"runs", "--json", "2"}, null, new PrintStream(out, true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)), err());
        JsonObject record = JsonParser.parseString(out()).getAsJsonObject();
        assertEquals("runbook " + dir.resolve("site.yaml"), record.get("what").getAsString());
        assertEquals(1, record.get("rerun_of").getAsLong());
        assertEquals(1, record.getAsJsonArray("hosts").size());
        JsonObject web2 = record.getAsJsonArray("hosts").get(0).getAsJsonObject();
        assertEquals("web2", web2.get("host").getAsString());
        assertEquals("failed", web2.get("status").getAsString());
        assertTrue(web2.get("error").getAsString().startsWith("step 2 (command): "), record.toString());
    }

    @Test
    void aBadPolicyOptionIsRefusedBeforeAnythingRuns() throws Exception {
        assertEquals(64, run(TWO_STEPS, "--serial", "0%", "web"));
        // the same words as run's: the runbook takes the shell's policy options
        assertTrue(err().contains("conduit: runbook: --serial: \"0%\" makes empty batches; give 1 or more hosts, or"
                + " 1% to 100%"), err());
        assertFalse(Files.exists(dir.resolve("web1")));
        assertEquals(64, run(TWO_STEPS, "--run-once", "web"));
        assertTrue(err().contains("--run-once applies to one command; in a runbook write run_once: true on the"
                + " steps"), err());
        assertFalse(Files.exists(dir.resolve("web1")));
    }

    @Test
    void verboseShowsEachHostsTraceOnStderr() throws Exception {
        assertEquals(2, run(TWO_STEPS, "-v", "-e", "what=x", "web"));
        assertTrue(err().lines().anyMatch(l -> l.startsWith("web1: ")), err());
        assertFalse(out().contains("web1: "), "trace lines belong on stderr: " + out());
    }

    /** Finding 3: in a runbook -t bounds each step on each host, and the help says so. */
    @Test
    void theHelpSaysWhatMinusTBoundsInARunbook() {
        // the description as help prints it, before picocli wraps it to the terminal's width
        String usage = String.join("\n", new picocli.CommandLine(new RunbookCommand(null, () -> null))
                .getCommandSpec().usageMessage().description());
        assertTrue(usage.contains("-t bounds each step on each host (not the whole runbook); a step's own timeout"
                + " replaces it for that step."), usage);
    }

    @Test
    void batchesShowInTheHeaders() throws Exception {
        assertEquals(2, run(TWO_STEPS, "-e", "what=x", "--serial", "1", "web"));
        assertTrue(out().contains("== step 1/2: mark (write), batch 2/2 =="), out());
    }

    @Test
    void jsonIsOneDocumentWithStepsAndRecap() throws Exception {
        assertEquals(2, run(TWO_STEPS, "--json", "-e", "what=x", "web"));
        JsonObject doc = JsonParser.parseString(out()).getAsJsonObject();
        assertEquals("two steps", doc.get("runbook").getAsString());
        assertEquals(2, doc.getAsJsonArray("steps").size());
        JsonObject step2 = doc.getAsJsonArray("steps").get(1).getAsJsonObject();
        assertEquals("command", step2.get("task").getAsString());
        JsonObject web2 = step2.getAsJsonArray("hosts").get(1).getAsJsonObject();
        assertEquals("web2", web2.get("host").getAsString());
        assertEquals("failed", web2.get("status").getAsString());
        assertEquals(1, web2.get("exit_code").getAsInt());
        assertEquals(1, doc.getAsJsonObject("recap").getAsJsonObject("web2").get("failed").getAsInt());
    }

    @Test
    void jsonLinesGiveEachHostsStepThenASummary() throws Exception {
        assertEquals(2, run(TWO_STEPS, "--json-lines", "-e", "what=x", "web"));
        String[] lines = out().trim().split("\n");
        assertEquals(5, lines.length, out()); // 2 hosts x 2 steps, then the summary
        for (int i = 0; i < 4; i++) {
            JsonObject line = JsonParser.parseString(lines[i]).getAsJsonObject();
            assertTrue(line.has("step") && line.has("step_name") && line.has("host"), lines[i]);
        }
        JsonObject summary = JsonParser.parseString(lines[4]).getAsJsonObject().getAsJsonObject("summary");
        assertEquals(2, summary.get("hosts").getAsInt());
        assertEquals("{\"ok\":1,\"changed\":0,\"failed\":1,\"unreachable\":0,\"skipped\":0}",
                summary.getAsJsonObject("recap").get("web2").toString());
    }

    @Test
    void aBatchNotRunIsOneLineInTheTableAndWholeInJson() throws Exception {
        String yaml = """
                serial: 1
                max_fail: 0%
                steps:
                  - command: {cmd: "test {{ inventory_hostname }} != web1"}
                  - write: {path: "DIR/{{ inventory_hostname }}", content: x}
                """;
        assertEquals(2, run(yaml, "web"));
        String o = out();
        String reason = "not run: 1 of 1 hosts failed in step 1 (command) of batch 1, more than max_fail 0%";
        assertTrue(o.contains("== batch 2/2 (1 host: web2) " + reason + " ==\n== recap"), o);
        assertTrue(o.contains("web1 | SKIPPED | 0 ms | " + reason), o);
        assertTrue(o.matches("(?s).*web2 +0 +0 +0 +0 +2\n.*"), o);
        assertFalse(Files.exists(dir.resolve("web2")));
        out.reset();
        assertEquals(2, run(yaml, "--json", "web"));
        JsonObject doc = JsonParser.parseString(out()).getAsJsonObject();
        assertEquals(4, doc.getAsJsonArray("steps").size(), "2 steps x 2 batches, the one not run included");
        assertEquals(reason, doc.get("stopped").getAsString());
    }
}
