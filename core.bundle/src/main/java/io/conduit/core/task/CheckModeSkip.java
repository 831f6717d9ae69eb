package io.conduit.core.task;

import java.io.IOException;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;

/**
 * A task that cannot honour check mode ({@link io.conduit.api.task.RunOptions#checkMode()}): in check mode it does
 * not run and each host reports {@link Status#SKIPPED} with the reason, as Ansible skips a module without check mode
 * support; otherwise the task runs as it is. The wrapper is the caller's choice (the shell's {@code run}), so the
 * task itself stays usable as a sub-task in check mode (gathering facts, say).
 *
 * @param task the task
 * @param reason why it does not run in check mode, as each host reports it
 */
public record CheckModeSkip(Task task, String reason) implements Task {

    /** Why a command does not run in check mode: Ansible's {@code command} and {@code shell} modules skip so. */
    public static final String COMMAND = "check mode: a command cannot tell what it would change; it was not run";

    /**
     * @param task the command to run outside check mode
     * @return the command, skipped in check mode with {@link #COMMAND}
     */
    public static CheckModeSkip command(CommandTask task) {
        return new CheckModeSkip(task, COMMAND);
    }

    @Override
    public HostResult execute(TaskContext context) throws IOException {
        if (context.options().checkMode()) {
            return HostResult.of(context.host().name(), Status.SKIPPED, reason);
        }
        return task.execute(context);
    }

    @Override
    public String describe() {
        return task.describe();
    }
}
