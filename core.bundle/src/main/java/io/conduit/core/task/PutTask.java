package io.conduit.core.task;

import java.io.IOException;
import java.nio.file.Path;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;

/**
 * Copies a local file to the same path on every host.
 *
 * @param local the local file
 * @param remotePath where to write it
 * @param mode permission bits, or {@link io.conduit.api.connection.Connection#KEEP_MODE}
 */
public record PutTask(Path local, String remotePath, int mode) implements Task {

    @Override
    public HostResult execute(TaskContext context) throws IOException {
        context.connection().put(local, remotePath, mode);
        return HostResult.of(context.host().name(), Status.CHANGED, null);
    }

    @Override
    public String describe() {
        return "put: " + local + " -> " + remotePath;
    }
}
