package io.conduit.core.task;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import io.conduit.api.connection.Become;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;

/**
 * Copies a remote file from every host to {@code LOCALDIR/HOST/NAME}, so files from different hosts never
 * overwrite each other (Ansible's fetch layout, flattened to the file name).
 *
 * @param remotePath the file on the hosts
 * @param localDir the local directory to fetch into
 * @param become read the file as this user (through a command with that become), or {@code null}
 */
public record FetchTask(String remotePath, Path localDir, Become become) implements Task {

    /** Without become. */
    public FetchTask(String remotePath, Path localDir) {
        this(remotePath, localDir, null);
    }

    @Override
    public HostResult execute(TaskContext context) throws IOException {
        String name = Path.of(remotePath).getFileName() == null ? "file" : Path.of(remotePath).getFileName().toString();
        Path target = localDir.resolve(context.host().name()).resolve(name);
        Files.createDirectories(target.getParent());
        if (become != null) {
            BecomeTransfer.fetch(context.connection(), context.host().name(), remotePath, target, become,
                    context.remaining());
        } else {
            context.connection().fetch(remotePath, target);
        }
        byte[] where = (target + "\n").getBytes(StandardCharsets.UTF_8);
        return new HostResult(context.host().name(), Status.OK, null, where, null, false, false, null, null);
    }

    @Override
    public String describe() {
        return "fetch: " + remotePath + " -> " + localDir;
    }
}
