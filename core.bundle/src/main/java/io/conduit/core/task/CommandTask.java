package io.conduit.core.task;

import java.io.IOException;
import java.time.Duration;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.support.Durations;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;

/**
 * Runs one command on the host's default connection. The command's timeout never exceeds the time left
 * before the host's deadline, and the run's output limit applies.
 *
 * @param command what to run
 */
public record CommandTask(Command command) implements Task {

    @Override
    public HostResult execute(TaskContext context) throws IOException {
        Duration left = context.remaining();
        Command bounded = command.withOutputLimit(context.options().outputLimit());
        if (left.isZero()) {
            throw new TimedOutException("no time left for the command before the host's deadline", null);
        }
        boolean hostDeadline = bounded.timeout() == null || bounded.timeout().compareTo(left) > 0;
        if (hostDeadline) {
            bounded = bounded.withTimeout(left);
        }
        try {
            ExecResult exec = context.connection().exec(bounded);
            return HostResult.fromExec(context.host().name(), exec, bounded.succeeded(exec.exitCode()));
        } catch (TimedOutException e) {
            ExecResult partial = e.partial();
            String error = e.getMessage();
            if (e.outcome() != null) {
                // the same words for every plugin: which deadline, and what became of the command on the host
                error = (hostDeadline ? "timed out after " + Durations.exact(context.options().hostTimeout(), " ")
                        + " (host timeout; raise it with -t)" : "command timed out after "
                        + Durations.exact(command.timeout(), " ") + " (--command-timeout)") + "; "
                        + e.outcome().description();
            }
            return HostResult.failed(context.host().name(), error, partial);
        }
    }

    @Override
    public String describe() {
        return "command: " + (command.line() != null ? command.line() : String.join(" ", command.argv()));
    }
}
