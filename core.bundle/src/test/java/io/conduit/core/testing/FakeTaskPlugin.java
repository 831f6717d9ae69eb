package io.conduit.core.testing;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.inventory.Attributes;
import io.conduit.api.inventory.Host;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.task.TaskPlugin;
import io.conduit.core.task.TaskBinding;

/**
 * A task plugin for core tests: its task answers "VERSION PARAMETERS" on stdout, after a hook that can block; it
 * counts creates and executions.
 */
public final class FakeTaskPlugin implements TaskPlugin {
    private static final AtomicInteger SERVICE_IDS = new AtomicInteger(5000);

    public final String name;
    public final String version;
    public final List<OptionDescriptor> parameters;
    public final boolean checkMode;
    public final long serviceId = SERVICE_IDS.incrementAndGet();
    public final AtomicInteger creates = new AtomicInteger();
    public final AtomicInteger executions = new AtomicInteger();
    /** The parameters each create() was given. */
    public final List<Map<String, Object>> created = new CopyOnWriteArrayList<>();
    /** Runs inside execute, before the result is made: block, throw. */
    public volatile Hook hook = host -> { };

    /** Runs inside a task's execute. */
    @FunctionalInterface
    public interface Hook {
        void during(String host) throws IOException, InterruptedException;
    }

    public FakeTaskPlugin(String name, String version, boolean checkMode, OptionDescriptor... parameters) {
        this.name = name;
        this.version = version;
        this.checkMode = checkMode;
        this.parameters = List.of(parameters);
    }

    /** @return a binding of rank 0 from bundle test.NAME */
    public TaskBinding binding() {
        return binding(0);
    }

    /** @param ranking the service ranking @return a binding from bundle test.NAME */
    public TaskBinding binding(int ranking) {
        return new TaskBinding(name, serviceId, ranking, "test." + name, version, this);
    }

    @Override
    public String description() {
        return "test task " + name + ", version " + version;
    }

    @Override
    public List<OptionDescriptor> parameters() {
        return parameters;
    }

    @Override
    public boolean supportsCheckMode() {
        return checkMode;
    }

    @Override
    public Task create(Map<String, Object> values) {
        if ("refuse".equals(values.get("mode"))) {
            throw new IllegalArgumentException("mode \"refuse\" goes with nothing; drop it");
        }
        creates.incrementAndGet();
        created.add(values);
        return new Task() {
            @Override
            public HostResult execute(TaskContext context) throws IOException {
                executions.incrementAndGet();
                try {
                    hook.during(context.host().name());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException();
                }
                return HostResult.text(context.host().name(), Status.OK, version + " " + new java.util.TreeMap<>(values));
            }

            @Override
            public String describe() {
                return name + ": " + values.keySet();
            }
        };
    }

    /**
     * A context without connections, for tasks that make none.
     *
     * @param host the host's name
     * @param options the run's options
     * @return the context
     */
    public static TaskContext context(String host, RunOptions options) {
        Host h = new Host(host, List.of(), Attributes.NONE);
        return new TaskContext() {
            @Override
            public Host host() {
                return h;
            }

            @Override
            public Connection connection() throws IOException {
                throw new IOException("no connections in this test");
            }

            @Override
            public Connection connection(String plugin) throws IOException {
                throw new IOException("no connections in this test");
            }

            @Override
            public Duration remaining() {
                return Duration.ofMinutes(1);
            }

            @Override
            public RunOptions options() {
                return options;
            }

            @Override
            public HostResult run(Task task) {
                try {
                    return task.execute(this);
                } catch (IOException e) {
                    return HostResult.of(host, Status.FAILED, e.getMessage());
                }
            }
        };
    }
}
