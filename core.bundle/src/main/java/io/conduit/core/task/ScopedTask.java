package io.conduit.core.task;

import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Connection;
import io.conduit.api.inventory.Host;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;

/**
 * A task run with what its caller adds to each host's context: the escalation ({@code -b}, a runbook step's
 * {@code become}) and the host's variables (a runbook's vars, facts, registered results). The runner's context
 * stays underneath: connections, deadline and options are its.
 *
 * @param task the task
 * @param become the escalation for the task's commands and transfers, or {@code null} for the host's own (the
 *        inventory's {@code become: true}; none when it has none)
 * @param variables the host's variables for a host, or {@code null} to keep the runner's (the inventory data)
 */
public record ScopedTask(Task task, Become become, Function<Host, Map<String, Object>> variables) implements Task {

    @Override
    public HostResult execute(TaskContext context) throws IOException {
        Map<String, Object> vars = variables == null ? context.variables() : variables.apply(context.host());
        return task.execute(new Scoped(context, become, vars));
    }

    @Override
    public String describe() {
        return task.describe();
    }

    /** The runner's context with the caller's escalation and variables. */
    private record Scoped(TaskContext inner, Become become, Map<String, Object> variables) implements TaskContext {
        /** The caller's escalation, else the host's own (the inventory's {@code become: true}). */
        @Override
        public Become become() {
            return become != null ? become : inner.become();
        }

        @Override
        public Host host() {
            return inner.host();
        }

        @Override
        public Connection connection() throws IOException {
            return inner.connection();
        }

        @Override
        public Connection connection(String plugin) throws IOException {
            return inner.connection(plugin);
        }

        @Override
        public Duration remaining() {
            return inner.remaining();
        }

        @Override
        public RunOptions options() {
            return inner.options();
        }

        @Override
        public HostResult run(Task task) {
            // a sub-task sees the same escalation and variables
            return inner.run(new ScopedTask(task, become(), h -> variables));
        }
    }
}
