package io.conduit.core.runbook;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;
import io.conduit.api.support.Suggestions;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.task.TaskPlugin;
import io.conduit.core.task.CommandTask;
import io.conduit.core.task.TaskCatalog;

/**
 * A small task catalog for the runbook tests, standing in for the registry: {@code command} (cmd) runs a shell
 * line, {@code write} (path, content) writes a file, {@code facts} prints a JSON object of facts and counts its
 * calls per host, {@code sleep} (never used by the parser tests).
 */
public final class FakeCatalog implements TaskCatalog {
    /** How many times {@code facts} ran on each host. */
    final Map<String, AtomicInteger> factsCalls = new ConcurrentHashMap<>();
    /** The variables each host's last {@code write} saw in its context, by host. */
    final Map<String, Map<String, Object>> seen = new ConcurrentHashMap<>();
    private final Map<String, TaskPlugin> plugins = new TreeMap<>();

    public FakeCatalog() {
        plugins.put("command", plugin("runs a shell line", List.of(new OptionDescriptor("cmd", OptionType.STRING,
                null, true, false, "the line")), p -> new CommandTask(Command.shell((String) p.get("cmd"))), false));
        plugins.put("write", plugin("writes a file", List.of(
                new OptionDescriptor("path", OptionType.STRING, null, true, false, "the file"),
                new OptionDescriptor("content", OptionType.STRING, "", false, false, "what it holds"),
                new OptionDescriptor("mode", OptionType.INTEGER, "420", false, false, "decimal mode"),
                new OptionDescriptor("src", OptionType.PATH, null, false, false, "a local file to copy")),
                p -> new Task() {
                    @Override
                    public HostResult execute(TaskContext context) throws java.io.IOException {
                        seen.put(context.host().name(), context.variables());
                        String content = p.get("src") != null ? java.nio.file.Files.readString(java.nio.file.Path.of(
                                (String) p.get("src"))) : (String) p.get("content");
                        return new CommandTask(Command.argv(List.of("sh", "-c", "printf %s \"$1\" > \"$2\"", "sh",
                                content, (String) p.get("path")))).execute(context);
                    }

                    @Override
                    public String describe() {
                        return "write " + p.get("path");
                    }
                }, false));
        plugins.put("whoami", plugin("prints the user the step runs as", List.of(), p -> new Task() {
            @Override
            public HostResult execute(TaskContext context) throws java.io.IOException {
                // the step's become reaches the task through its context
                return new CommandTask(Command.shell("id -un").withBecome(context.become())).execute(context);
            }

            @Override
            public String describe() {
                return "whoami";
            }
        }, false));
        plugins.put("facts", plugin("gathers facts", List.of(), p -> new Task() {
            @Override
            public HostResult execute(TaskContext context) {
                String h = context.host().name();
                factsCalls.computeIfAbsent(h, k -> new AtomicInteger()).incrementAndGet();
                return HostResult.text(h, Status.OK, "{\"os_family\": \"" + (h.startsWith("db") ? "RedHat"
                        : "Debian") + "\", \"cpus\": 4}");
            }

            @Override
            public String describe() {
                return "facts";
            }
        }, true));
    }

    private static TaskPlugin plugin(String what, List<OptionDescriptor> params,
            java.util.function.Function<Map<String, Object>, Task> make, boolean facts) {
        return new TaskPlugin() {
            @Override
            public String description() {
                return what;
            }

            @Override
            public List<OptionDescriptor> parameters() {
                return params;
            }

            @Override
            public boolean gathersFacts() {
                return facts;
            }

            @Override
            public Task create(Map<String, Object> parameters) {
                return make.apply(parameters);
            }
        };
    }

    @Override
    public Set<String> names() {
        return plugins.keySet();
    }

    @Override
    public Optional<TaskPlugin> plugin(String name) {
        return Optional.ofNullable(plugins.get(name));
    }

    /** Checks as the registry does, with its messages: every problem, one line each. */
    @Override
    public Map<String, Object> parameters(String name, Map<String, ?> given, String where) {
        String at = where == null || where.isEmpty() ? "" : where + ": ";
        TaskPlugin p = plugins.get(name);
        if (p == null) {
            throw new IllegalArgumentException(at + "no task named \"" + name + "\"");
        }
        Map<String, OptionDescriptor> declared = new LinkedHashMap<>();
        p.parameters().forEach(d -> declared.put(d.name(), d));
        List<String> problems = new java.util.ArrayList<>();
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : given.entrySet()) {
            OptionDescriptor d = declared.get(e.getKey());
            if (d == null) {
                String near = Suggestions.closest(e.getKey(), declared.keySet());
                problems.add(at + name + " has no parameter \"" + e.getKey() + "\""
                        + (near != null ? "; did you mean \"" + near + "\"?" : ""));
            } else {
                try {
                    out.put(e.getKey(), d.convert(e.getValue()));
                } catch (IllegalArgumentException x) {
                    problems.add(at + name + ": " + x.getMessage() + "; see conduit:tasks " + name);
                }
            }
        }
        for (OptionDescriptor d : declared.values()) {
            if (!given.containsKey(d.name())) {
                if (d.required()) {
                    problems.add(at + name + " needs the parameter \"" + d.name() + "\"");
                } else if (d.defaultValue() != null) {
                    out.put(d.name(), d.convert(d.defaultValue()));
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        return out;
    }

    @Override
    public Task task(String name, Map<String, Object> parameters) {
        return plugins.get(name).create(parameters);
    }
}
