package io.conduit.core.tasks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Task;
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
 * One host, {@code here}, on the local plugin (this machine, no server), run by the real {@link ForkingRunner}: what
 * the core's tasks see in a run. The inventory gives the host {@code data}; {@link #params} converts values as the
 * task catalog does, against the plugin's declared parameters.
 */
final class LocalRun implements AutoCloseable {
    private final ConnectionManager connections;
    private final ForkingRunner runner;

    /**
     * @param dir a directory for the inventory
     * @param data the host's data as YAML flow mapping text, such as {@code {port: 8080}}
     */
    LocalRun(Path dir, String data) throws Exception {
        PluginRegistry registry = new PluginRegistry();
        registry.add(new PluginBinding("local", 1, 0, "io.conduit.core", "1", new LocalPlugin()));
        connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
        Path inventory = Files.writeString(dir.resolve("inventory.yaml"),
                "defaults:\n  connection: local\nhosts:\n  here:\n    data: " + data + "\n");
        runner = new ForkingRunner(connections, Configs.inventories(connections, inventory), Configs.runner(4, 60,
                1 << 20, inventory.toString()));
    }

    /** Converts values given as text (or YAML scalars) by the plugin's declared types, as the catalog does. */
    static Map<String, Object> params(TaskPlugin plugin, Object... keyValues) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            String key = (String) keyValues[i];
            OptionDescriptor d = plugin.parameters().stream().filter(p -> p.name().equals(key)).findFirst()
                    .orElseThrow(() -> new AssertionError(key + " is not a parameter"));
            out.put(key, d.convert(keyValues[i + 1]));
        }
        return out;
    }

    /**
     * What an operator is told when a task refuses its values: the message of the task catalog (the real
     * {@link TaskRegistry}, which names the task in front of the plugin's message), for values given as text.
     *
     * @return the message
     * @throws AssertionError the values were not refused
     */
    static String refusal(String name, TaskPlugin plugin, Object... keyValues) {
        TaskRegistry registry = new TaskRegistry(Duration.ofSeconds(1), Duration.ofSeconds(1));
        registry.add(new TaskBinding(name, 1, 0, "io.conduit.core", "1", plugin));
        Map<String, Object> values = params(plugin, keyValues);
        try {
            registry.task(name, values);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        throw new AssertionError(name + " took " + values);
    }

    HostResult one(Task task) throws Exception {
        return one(task, false, false);
    }

    HostResult one(Task task, boolean check, boolean diff) throws Exception {
        return one(task, new RunOptions(null, null, Duration.ofSeconds(60), null).withCheck(check, diff));
    }

    HostResult one(Task task, RunOptions options) throws Exception {
        RunResult r = runner.run("all", task, options, null);
        List<HostResult> hosts = r.hosts();
        if (hosts.size() != 1) {
            throw new AssertionError("one host expected: " + hosts);
        }
        return hosts.get(0);
    }

    @Override
    public void close() {
        connections.deactivate();
    }
}
