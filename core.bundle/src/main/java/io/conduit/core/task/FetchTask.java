package io.conduit.core.task;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

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
 */
public record FetchTask(String remotePath, Path localDir) implements Task {

    @Override
    public HostResult execute(TaskContext context) throws IOException {
        String name = Path.of(remotePath).getFileName() == null ? "file" : Path.of(remotePath).getFileName().toString();
        Path target = localDir.resolve(context.host().name()).resolve(name);
        Files.createDirectories(target.getParent());
        context.connection().fetch(remotePath, target);
        byte[] where = (target + "\n").getBytes(StandardCharsets.UTF_8);
        return new HostResult(context.host().name(), Status.OK, null, where, null, false, false, null, null);
    }

    @Override
    public String describe() {
        return "fetch: " + remotePath + " -> " + localDir;
    }
}
