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
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.local.LocalPlugin;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.task.TaskRegistry;
import io.conduit.core.testing.Configs;

/**
 * {@code conduit:hosts}: the data a host gets from its groups and the defaults, merged deeply, and where each
 * value came from (issue 15: a group's data never showed).
 */
class HostsCommandTest {
    @TempDir
    Path dir;
    private ConnectionManager connections;
    private ConduitCommands commands;

    @BeforeEach
    void setUp() throws Exception {
        PluginRegistry registry = new PluginRegistry();
        registry.add(new PluginBinding(LocalPlugin.NAME, 1, 0, "io.conduit.core", "0.1.0", new LocalPlugin()));
        connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
        Path inventory = Files.writeString(dir.resolve("inventory.yaml"), """
                defaults:
                  connection: local
                  data: {ntp: {servers: [d1], prefer: d1}}
                groups:
                  core:
                    port: 2222
                    data: {site: ams, ntp: {servers: [c1, c2]}, become_password: "${env:CORE_PW}"}
                hosts:
                  web1: {groups: [core], username: ops, data: {role: web}}
                  web2: {}
                """);
        ForkingRunner runner = new ForkingRunner(connections, Configs.inventories(connections, inventory),
                Configs.runner(2, 30, 1 << 20, inventory.toString()));
        commands = new ConduitCommands(runner, Configs.inventories(connections, inventory), registry, connections,
                new LineGuard(), new TaskRegistry(Duration.ofSeconds(5), Duration.ofSeconds(5)));
    }

    @AfterEach
    void tearDown() {
        connections.deactivate();
    }

    private String conduit(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = commands.execute(args, InputStream.nullInputStream(), new PrintStream(out, true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jsonShowsTheMergedDataAndWhereEachValueCameFrom() {
        JsonObject web1 = JsonParser.parseString(conduit("hosts", "--json", "web1")).getAsJsonObject()
                .getAsJsonArray("hosts").get(0).getAsJsonObject();
        JsonObject data = web1.getAsJsonObject("data");
        assertEquals("web", data.get("role").getAsString());
        assertEquals("ams", data.get("site").getAsString(), "the group's data reaches the host");
        assertEquals("[\"c1\",\"c2\"]", data.getAsJsonObject("ntp").get("servers").toString());
        assertEquals("d1", data.getAsJsonObject("ntp").get("prefer").getAsString(), "merged with the defaults'");
        assertEquals("***", data.get("become_password").getAsString(), "a secret, even its reference");

        JsonObject origins = web1.getAsJsonObject("origins");
        Map<String, String> expected = new java.util.LinkedHashMap<>();
        expected.put("hostname", "host name");
        expected.put("port", "group core");
        expected.put("username", "host web1");
        expected.put("connection", "defaults");
        expected.put("data.role", "host web1");
        expected.put("data.site", "group core");
        expected.put("data.ntp.servers", "group core");
        expected.put("data.ntp.prefer", "defaults");
        expected.put("data.become_password", "group core");
        Map<String, String> actual = new java.util.LinkedHashMap<>();
        origins.entrySet().forEach(e -> actual.put(e.getKey(), e.getValue().getAsString()));
        assertEquals(expected, actual);
        assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()));
    }

    @Test
    void withAPluginTheOriginsAlsoNameTheConnectionValues() {
        JsonObject web1 = JsonParser.parseString(conduit("hosts", "--json", "-c", "local", "web1")).getAsJsonObject()
                .getAsJsonArray("hosts").get(0).getAsJsonObject();
        JsonObject origins = web1.getAsJsonObject("origins");
        assertEquals("the -c option", origins.get("connection").getAsString());
        assertEquals("group core", origins.get("port").getAsString());
        assertEquals("defaults", origins.get("data.ntp.prefer").getAsString());
        assertEquals("ams", web1.getAsJsonObject("data").get("site").getAsString());
    }

    @Test
    void originsListsEachValueOneALine() {
        String text = conduit("hosts", "--origins", "all");
        List<String> lines = text.lines().map(l -> l.replaceAll(" +", " ")).toList();
        assertEquals("HOST KEY VALUE FROM", lines.get(0));
        assertTrue(lines.contains("web1 port 2222 group core"), text);
        assertTrue(lines.contains("web1 data.ntp.servers [\"c1\",\"c2\"] group core"), text);
        assertTrue(lines.contains("web1 data.ntp.prefer d1 defaults"), text);
        assertTrue(lines.contains("web1 data.become_password *** group core"), text);
        assertTrue(lines.contains("web2 data.ntp.servers [\"d1\"] defaults"), text);
        assertTrue(lines.contains("web2 hostname web2 host name"), text);
        assertFalse(text.contains("CORE_PW"), "the reference is a secret's: shown as *** only");
        assertEquals("2 hosts from " + dir.resolve("inventory.yaml"), lines.get(lines.size() - 1));
    }

    @Test
    void originsKeepOneValueALineAndTellDottedKeysNullAndEmptyApart() throws Exception {
        Path odd = Files.writeString(dir.resolve("odd.yaml"), """
                defaults: {connection: local}
                hosts:
                  h1:
                    data:
                      "a.b": dotted
                      a: {b: nested}
                      motd: "one\\ntwo"
                      nothing: null
                      empty: ""
                """);
        String text = conduit("hosts", "--origins", "-i", odd.toString(), "all");
        List<String> lines = text.lines().map(l -> l.replaceAll(" +", " ")).toList();
        assertTrue(lines.contains("h1 data[\"a.b\"] dotted host h1"), text);
        assertTrue(lines.contains("h1 data.a.b nested host h1"), text);
        assertTrue(lines.contains("h1 data.motd one\\ntwo host h1"), text);
        assertTrue(lines.contains("h1 data.empty \"\" host h1"), text);
        assertTrue(lines.stream().noneMatch(l -> l.equals("two host h1") || l.startsWith("two")), text);
        assertTrue(lines.contains("h1 data.nothing null host h1"), text);
        assertEquals("null", InventoryCommands.Hosts.cell(null));
        assertEquals("\"\"", InventoryCommands.Hosts.cell(""));

        JsonObject origins = JsonParser.parseString(conduit("hosts", "--json", "-i", odd.toString(), "h1"))
                .getAsJsonObject().getAsJsonArray("hosts").get(0).getAsJsonObject().getAsJsonObject("origins");
        assertEquals("host h1", origins.get("data[\"a.b\"]").getAsString());
        assertEquals("host h1", origins.get("data.a.b").getAsString());
        assertEquals(List.of("data", "a.b", "x\"]y"), io.conduit.core.inventory.ParameterResolver.keys(
                io.conduit.core.inventory.ParameterResolver.keyPath(
                        io.conduit.core.inventory.ParameterResolver.keyPath("data", "a.b"), "x\"]y")));
    }

    @Test
    void theTableForManyHostsIsAsBefore() {
        List<String> lines = conduit("hosts").lines().map(l -> l.replaceAll(" +", " ")).toList();
        assertEquals(List.of("NAME HOSTNAME PORT USER CONNECTION GROUPS", "web1 web1 2222 ops local core",
                "web2 web2 local", "2 hosts from " + dir.resolve("inventory.yaml")), lines);
    }
}
