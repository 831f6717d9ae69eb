package io.conduit.core.task;

import java.io.IOException;
import java.nio.file.Path;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.FileNames;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;

/**
 * Copies a local file to the same path on every host.
 *
 * @param local the local file
 * @param remotePath where to write it; a path ending in {@code /} means into that directory, under the local
 *        file's name
 * @param mode permission bits, or {@link io.conduit.api.connection.Connection#KEEP_MODE}
 * @param become write the file as this user (through a command with that become), or {@code null}
 */
public record PutTask(Path local, String remotePath, int mode, Become become) implements Task {

    /** Without become. */
    public PutTask(Path local, String remotePath, int mode) {
        this(local, remotePath, mode, null);
    }

    @Override
    public HostResult execute(TaskContext context) throws IOException {
        // one reading of "dir/" for every plugin, also for those built before API 1.2
        String target = FileNames.intoDirectory(remotePath, local.getFileName().toString());
        if (become != null) {
            BecomeTransfer.put(context.connection(), context.host().name(), local, target, mode, become,
                    context.remaining());
        } else {
            context.connection().put(local, target, mode);
        }
        return HostResult.of(context.host().name(), Status.CHANGED, null);
    }

    @Override
    public String describe() {
        return "put: " + local + " -> " + remotePath;
    }
}
