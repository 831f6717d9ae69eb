package io.conduit.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.Secret;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.task.CommandTask;
import io.conduit.core.task.PutTask;
import io.conduit.core.task.ScopedTask;
import io.conduit.core.testing.Configs;
import io.conduit.core.testing.FakePlugin;

/**
 * {@code data.become: true} in the inventory (Ansible's {@code ansible_become}): the host's commands and file
 * accesses that ask no become of their own run with the host's, its password included; the data reaches tasks
 * merged from the groups.
 */
class InventoryBecomeTest {
    @TempDir
    Path dir;
    private final FakePlugin plugin = new FakePlugin("fake", "1");
    /** Host -> the become of each command it was sent. */
    private final Map<String, List<Become>> sent = new ConcurrentHashMap<>();
    /** Every command line sent. */
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private ConnectionManager connections;
    private ForkingRunner runner;

    @BeforeEach
    void setUp() throws Exception {
        PluginRegistry registry = new PluginRegistry();
        registry.add(plugin.binding());
        connections = new ConnectionManager(registry, Configs.connections(600, 1, 0, 600));
        Path inventory = Files.writeString(dir.resolve("inventory.yaml"), """
                defaults:
                  connection: fake
                groups:
                  admin:
                    data: {become: true, become_user: deploy, become_password: group-pw, app: {port: 80, name: a}}
                hosts:
                  web1: {groups: [admin], data: {app: {port: 8080}}}
                  web2: {groups: [admin], data: {become: false}}
                  web3: {groups: [admin], data: {become_method: pbrun}}
                """);
        runner = new ForkingRunner(connections, Configs.inventories(connections, inventory), Configs.runner(4, 30, 1024,
                inventory.toString()));
        plugin.hook = (host, command) -> {
            sent.computeIfAbsent(host, h -> new CopyOnWriteArrayList<>()).add(command.become());
            lines.add(String.valueOf(command.line()));
        };
    }

    @AfterEach
    void tearDown() {
        connections.deactivate();
    }

    private Map<String, HostResult> run(String pattern, Task task) throws Exception {
        RunResult result = runner.run(pattern, task, null, null);
        Map<String, HostResult> byHost = new ConcurrentHashMap<>();
        result.hosts().forEach(h -> byHost.put(h.host(), h));
        return byHost;
    }

    @Test
    void aCommandWithoutBecomeRunsWithTheHostsFromTheInventory() throws Exception {
        Map<String, HostResult> results = run("web1,web2", new CommandTask(Command.shell("id")));
        assertEquals(Status.OK, results.get("web1").status(), results.get("web1").error());
        assertEquals(List.of(new Become(Become.Method.SUDO, "deploy", Secret.of("group-pw"))), sent.get("web1"));
        assertEquals(Status.OK, results.get("web2").status());
        assertEquals(java.util.Arrays.asList((Become) null), sent.get("web2"), "become: false on the host wins");
    }

    @Test
    void aCommandsOwnBecomeIsKeptWithTheHostsPassword() throws Exception {
        run("web1", new CommandTask(Command.shell("id").withBecome(new Become(Become.Method.SU, "app", null))));
        assertEquals(List.of(new Become(Become.Method.SU, "app", Secret.of("group-pw"))), sent.get("web1"));
    }

    @Test
    void aWrongBecomeMethodFailsTheHostNamingKeyValueAndOrigin() throws Exception {
        HostResult web3 = run("web3", new CommandTask(Command.shell("id"))).get("web3");
        assertEquals(Status.FAILED, web3.status());
        assertTrue(web3.error().contains("hosts.web3: data.become_method (from host web3) is \"pbrun\"; Conduit"
                + " becomes with sudo or su"), web3.error());
        assertNull(sent.get("web3"), "nothing was sent");
    }

    @Test
    void aPutToABecomeHostCarriesTheFileThroughCommandsAsTheBecomeUser() throws Exception {
        Path local = Files.writeString(dir.resolve("f"), "x");
        plugin.output = c -> new byte[0]; // stat: no such file yet
        HostResult put = run("web1", new PutTask(local, "/etc/f", 0644)).get("web1");
        assertEquals(Status.CHANGED, put.status(), put.error());
        assertTrue(lines.stream().anyMatch(l -> l.contains("cat > ")), "written by a command, not the plugin's put: "
                + lines);
        for (Become b : sent.get("web1")) {
            assertEquals(new Become(Become.Method.SUDO, "deploy", Secret.of("group-pw")), b);
        }
    }

    @Test
    void tasksSeeTheMergedDataWithoutTheBecomePasswordAndTheHostsBecome() throws Exception {
        Map<String, Object> seen = new ConcurrentHashMap<>();
        Task probe = new Task() {
            @Override
            public HostResult execute(TaskContext context) {
                seen.put("data", context.variables().get("data"));
                seen.put("become", context.become());
                return HostResult.of(context.host().name(), Status.OK, null);
            }

            @Override
            public String describe() {
                return "probe";
            }
        };
        run("web1", new ScopedTask(probe, null, null));
        Map<?, ?> data = (Map<?, ?>) seen.get("data");
        assertEquals(Map.of("port", 8080L, "name", "a"), data.get("app"), "merged deeply");
        assertFalse(data.containsKey("become_password"));
        assertEquals(Boolean.TRUE, data.get("become"));
        assertEquals(new Become(Become.Method.SUDO, "deploy", Secret.of("group-pw")), seen.get("become"),
                "a scoped task without become of its own gets the host's");
    }
}
