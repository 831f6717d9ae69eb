package io.conduit.core.task;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

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
        // a host named ".." or "a/b" must not write outside LOCALDIR
        Path target = localDir.resolve(fileName(context.host().name())).resolve(name);
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

    /**
     * The file name for a host: its inventory name, with {@code /}, {@code \}, {@code %} and control characters
     * written {@code %XX} (and a name of only dots, such as {@code ..}, as {@code %2E}s), so that every name stays
     * inside the directory and two hosts never share a file (fetch's LOCALDIR/HOST, -o and -e files).
     *
     * @param host an inventory name
     * @return a file name, never empty
     */
    public static String fileName(String host) {
        if (host.isEmpty() || host.chars().allMatch(c -> c == '.')) {
            return host.isEmpty() ? "%" : "%2E".repeat(host.length());
        }
        StringBuilder s = new StringBuilder(host.length());
        for (byte b : host.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c == '/' || c == '\\' || c == '%' || c < 0x20 || c == 0x7f) {
                s.append(String.format(Locale.ROOT, "%%%02X", c));
            } else {
                s.append((char) c);
            }
        }
        // non-ASCII bytes were appended one per char above: turn them back into the name's own characters
        return new String(s.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
}
