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
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.conduit.core.cluster.ClusterRuns;
import io.conduit.core.cluster.FakeCluster;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.history.RunHistory;
import io.conduit.core.local.LocalPlugin;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.task.TaskRegistry;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;
import io.conduit.core.testing.Configs;
import io.conduit.core.testing.FakeTaskPlugin;

/**
 * The shell of a node in a cluster, as {@code bin/conduit COMMAND} runs it: two members in one JVM
 * ({@link FakeCluster}), each with its own runner, history and commands over the same inventory of local hosts.
 */
class ClusterShellTest {
    private static final String A = "127.0.0.1:5701";
    private static final String B = "127.0.0.2:5701";

    @TempDir
    Path dir;
    private final FakeCluster cluster = new FakeCluster();
    private final List<ConnectionManager> pools = new ArrayList<>();
    /** Each node's own copy of the task plugin "greet". */
    private final java.util.Map<String, FakeTaskPlugin> greet = new java.util.HashMap<>();
    private Path inventory;
    private ConduitCommands a;
    private ConduitCommands b;
    private ConduitCommands alone;

    record Outcome(int exit, String out, String err) {
        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        inventory = Files.writeString(dir.resolve("inventory.yaml"), """
                defaults: {connection: local}
                hosts:
                  h1: {}
                  h2: {}
                  h3: {}
                  h4: {}
                """);
        a = node(A, true);
        b = node(B, true);
        alone = node("alone", false);
        // h1, h2 on A; h3, h4 on B
        cluster.spread();
        cluster.own("h1", A);
        cluster.own("h2", A);
        cluster.own("h3", B);
        cluster.own("h4", B);
    }

    private ConduitCommands node(String name, boolean member) {
        PluginRegistry registry = new PluginRegistry();
        registry.add(new PluginBinding("local", 1, 0, "io.conduit.core", "1", new LocalPlugin()));
        ConnectionManager connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
        pools.add(connections);
        ForkingRunner runner = new ForkingRunner(connections, Configs.inventories(connections, inventory),
                Configs.runner(4, 30, 1 << 20, inventory.toString()));
        TaskRegistry tasks = new TaskRegistry(Duration.ofSeconds(5), Duration.ofSeconds(5));
        FakeTaskPlugin plugin = new FakeTaskPlugin("greet", "1", true, OptionDescriptor.of("name",
                OptionType.STRING, "world", "whom to greet"));
        tasks.add(plugin.binding());
        greet.put(name, plugin);
        ClusterRuns runs = new ClusterRuns(runner, tasks);
        if (member) {
            runs.bindTransport(cluster.join(name, runs));
        }
        return new ConduitCommands(runner, Configs.inventories(connections, inventory), registry, connections,
                new LineGuard(), tasks, new RunHistory(dir.resolve("data-" + name.replace(':', '_') + "/runs"),
                        RunHistory.Settings.DEFAULTS), runs);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
        pools.forEach(ConnectionManager::deactivate);
    }

    private static Outcome conduit(ConduitCommands on, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = on.execute(args, InputStream.nullInputStream(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static String runKey(Outcome o) {
        Matcher m = Pattern.compile("run (\\S+@\\S+) spreads over the cluster").matcher(o.err());
        assertTrue(m.find(), o.toString());
        return m.group(1);
    }

    @Test
    void theBlocksShowEachHostsNodeAndTheRunKeyGoesToStderr() {
        Outcome o = conduit(a, "run", "all", "echo", "hi");
        assertEquals(0, o.exit(), o.toString());
        for (String h : List.of("h1", "h2", "h3", "h4")) {
            String node = h.equals("h1") || h.equals("h2") ? A : B;
            assertTrue(Pattern.compile("(?m)^" + h + " \\| OK \\| rc=0 \\| \\d+ ms \\| node " + Pattern.quote(node)
                    + "\n  hi$").matcher(o.out()).find(), o.toString());
        }
        assertTrue(o.out().contains("4 hosts: 4 ok, 0 changed, 0 failed, 0 unreachable"), o.toString());
        assertTrue(runKey(o).startsWith("1@" + A), "the history's ID at the starting node: " + o.err());
    }

    @Test
    void aRelativeInventoryIsSentAbsoluteFromTheCallersDirectory() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = a.execute(new String[] {"run", "--one-line", "-i", "inventory.yaml", "h3", "echo", "hi"},
                InputStream.nullInputStream(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), dir);
        Outcome o = new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        assertEquals(0, o.exit(), o.toString());
        assertTrue(o.out().contains("| node " + B + " |"), "B read the same file: " + o);
        assertFalse(o.err().contains("run on this node"), o.toString());
    }

    @Test
    void jsonAndJsonLinesCarryTheNodeAfterTheHost() {
        Outcome json = conduit(a, "run", "--json", "all", "echo", "hi");
        assertEquals(0, json.exit(), json.toString());
        for (JsonElement e : JsonParser.parseString(json.out()).getAsJsonObject().getAsJsonArray("hosts")) {
            JsonObject h = e.getAsJsonObject();
            assertEquals(List.of("host", "node", "status"), new ArrayList<>(h.keySet()).subList(0, 3));
            String host = h.get("host").getAsString();
            assertEquals(host.equals("h1") || host.equals("h2") ? A : B, h.get("node").getAsString());
        }
        Outcome lines = conduit(a, "ping", "--json-lines", "all");
        assertEquals(0, lines.exit(), lines.toString());
        String[] each = lines.out().strip().split("\n");
        assertEquals(5, each.length, lines.toString());
        for (int i = 0; i < 4; i++) {
            JsonObject h = JsonParser.parseString(each[i]).getAsJsonObject();
            assertEquals(h.get("host").getAsString().compareTo("h3") < 0 ? A : B, h.get("node").getAsString());
        }
        assertTrue(each[4].startsWith("{\"summary\""), each[4]);
    }

    @Test
    void localRunsOnThisNodeWithoutTheClusterAndPrintsAsAlone() {
        Outcome local = conduit(a, "run", "--local", "--one-line", "all", "echo", "hi");
        Outcome single = conduit(alone, "run", "--one-line", "all", "echo", "hi");
        assertEquals(0, cluster.submissions.get(), "nothing was sent to the cluster");
        assertEquals(0, local.exit(), local.toString());
        // the hosts in the order they finished: the same lines, whatever the order
        assertEquals(sorted(single.out()), sorted(local.out()));
        assertFalse(local.out().contains("node"), local.toString());
        assertEquals("", local.err());
    }

    private static List<String> sorted(String out) {
        return out.replaceAll("\\d+ ms", "T").replaceAll("\\(\\d+\\.\\d s\\)", "(T)").lines().sorted().toList();
    }

    @Test
    void aTaskRunsOnEachNodeWithThatNodesPluginAndTheParametersAsWritten() {
        Outcome o = conduit(a, "task", "--one-line", "greet", "all", "name=ops");
        assertEquals(0, o.exit(), o.toString());
        assertTrue(Pattern.compile("(?m)^h4 \\| OK \\| \\d+ ms \\| node " + Pattern.quote(B)
                + " \\| \\(stdout\\) 1 \\{name=ops\\}$").matcher(o.out()).find(), o.toString());
        assertEquals(2, greet.get(A).executions.get(), "h1, h2 on A's plugin");
        assertEquals(2, greet.get(B).executions.get(), "h3, h4 on B's plugin");
    }

    @Test
    void putStaysOnThisNodeAndSaysSo() throws Exception {
        Path file = Files.writeString(dir.resolve("f.txt"), "x");
        Outcome o = conduit(a, "put", "h1", file.toString(), dir.resolve("copy.txt").toString());
        assertEquals(0, o.exit(), o.toString());
        assertEquals("conduit: put runs on this node only (the local files it reads or writes are here), not across"
                + " the cluster\n", o.err());
        assertEquals(0, cluster.submissions.get());
        assertFalse(o.out().contains("node"), o.toString());
    }

    @Test
    void runStatusOnAnotherNodeCollectsTheRunAndRunsListsIt() {
        Outcome run = conduit(a, "run", "all", "test $(hostname) && [ -n \"$CONDUIT_NONE\" ] || exit 7");
        assertEquals(2, run.exit(), run.toString());
        String key = runKey(run);
        Outcome status = conduit(b, "run-status", key);
        assertEquals(2, status.exit(), status.toString());
        assertTrue(Pattern.compile("(?m)^h3 +done +FAILED +" + Pattern.quote(B) + " +7 ").matcher(status.out())
                .find(), status.toString());
        assertTrue(status.out().contains("4 hosts: 4 done, 0 started, 0 queued, 0 interrupted, 0 pending"), status.toString());
        Outcome json = conduit(b, "run-status", "--json", key);
        JsonObject doc = JsonParser.parseString(json.out()).getAsJsonObject();
        assertEquals("finished", doc.getAsJsonObject("summary").get("state").getAsString());
        assertEquals(A, doc.getAsJsonArray("hosts").get(0).getAsJsonObject().get("node").getAsString());
        Outcome ok = conduit(b, "run-status", runKey(conduit(a, "ping", "all")));
        assertEquals(0, ok.exit(), ok.toString());
        Outcome unknown = conduit(b, "run-status", "99@" + A);
        assertEquals(64, unknown.exit(), unknown.toString());
        assertTrue(unknown.err().contains("the cluster holds no run 99@" + A), unknown.toString());
        Outcome runs = conduit(b, "runs");
        assertEquals(0, runs.exit(), runs.toString());
        assertTrue(runs.out().contains(key) && runs.out().contains("from " + A), runs.toString());
    }

    @Test
    void clusterShowsMembersTheirPartitionsAndHostsAndANodeAloneSaysSo() {
        cluster.strangers.add(B);
        Outcome o = conduit(a, "cluster");
        assertEquals(0, o.exit(), o.toString());
        assertTrue(Pattern.compile("(?m)^" + Pattern.quote(A) + " +proven +\\* +\\d+ +2 *$").matcher(o.out()).find(),
                o.toString());
        assertTrue(Pattern.compile("(?m)^" + Pattern.quote(B) + " +stranger +\\d+ +2 *$").matcher(o.out()).find(),
                o.toString());
        assertTrue(o.out().contains("no run in flight"), o.toString());
        JsonObject json = JsonParser.parseString(conduit(a, "cluster", "--json").out()).getAsJsonObject();
        assertEquals(FakeCluster.PARTITIONS, json.getAsJsonArray("members").get(0).getAsJsonObject().get("partitions")
                .getAsInt() + json.getAsJsonArray("members").get(1).getAsJsonObject().get("partitions").getAsInt());
        for (String command : List.of("cluster", "run-status")) {
            Outcome help = conduit(alone, command, "--help");
            assertTrue(help.exit() == 0 && help.out().startsWith("Usage: " + command + " ")
                    && help.out().contains("-h, --help") && help.err().isEmpty(), help.toString());
            assertTrue(conduit(alone, "help").out().lines().anyMatch(l -> l.startsWith(command + " ")), command);
        }
        Outcome single = conduit(alone, "cluster");
        assertEquals(new Outcome(0, ClusterCommands.ALONE + "\n", ""), single);
        assertEquals(64, conduit(alone, "run-status", "1@x").exit());
    }

    /** Gogo finds no Java method named run-status: it reaches it through _main, and every other name as before. */
    @Test
    void gogoReachesRunStatusAndTheOtherNamesStillReachTheirOwnMethods() throws Exception {
        org.apache.felix.gogo.runtime.threadio.ThreadIOImpl io = new org.apache.felix.gogo.runtime.threadio
                .ThreadIOImpl();
        io.start();
        org.apache.felix.gogo.runtime.CommandProcessorImpl processor = new org.apache.felix.gogo.runtime
                .CommandProcessorImpl(io);
        for (String f : List.of("run-status", "cluster", "patterns", "ping")) {
            processor.addCommand("conduit", b, f);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (org.apache.felix.service.command.CommandSession session = processor.createSession(
                InputStream.nullInputStream(), out, out)) {
            String key = runKey(conduit(a, "ping", "all"));
            Object status = session.execute("conduit:run-status --json '" + key + "'");
            assertEquals(0, ((CommandOutput) status).exitStatus());
            assertTrue(((CommandOutput) status).text().contains("\"node\": \"" + B + "\""), status.toString());
            Object unknown = session.execute("run-status 404@x");
            assertEquals(64, ((CommandOutput) unknown).exitStatus());
            assertEquals(List.of("all", "h1", "h2", "h3", "h4"), session.execute("patterns"));
            assertTrue(((CommandOutput) session.execute("cluster")).text().contains("proven"));
            Object ping = session.execute("ping all");
            assertTrue(ping instanceof RunReport, String.valueOf(ping));
            assertEquals(0, ((CommandOutput) ping).exitStatus());
        } finally {
            processor.stop();
            io.stop();
        }
    }
}
