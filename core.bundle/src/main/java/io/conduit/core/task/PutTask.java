package io.conduit.core.task;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.FileAccess;
import io.conduit.api.support.FileNames;
import io.conduit.api.connection.RemoteFile;
import io.conduit.api.support.ShellCommand;
import io.conduit.api.connection.Trace;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;

/**
 * Copies a local file, or with {@code recursive} a directory and what it holds, to the same path on every host,
 * and changes only what differs: before anything is sent, the host is asked for the target's type, mode, owner
 * and SHA-256 ({@link Connection#stat}, {@link Connection#list}). A file whose content differs is sent (to a
 * temporary name, then renamed); one whose only mode, owner or group differ gets {@code chmod}/{@code chown}
 * only. The host is {@link Status#CHANGED} when anything was (or, with {@code check}, would be) changed, and
 * {@link Status#OK} otherwise; its output has a line per changed file with the reasons
 * ({@code changed /etc/app.conf: content differs, mode 0644 -> 0600}).
 *
 * <p>With {@code recursive}, directories are made with the local directory's mode, files get {@code mode} (or
 * their own), a symbolic link to a file is copied as the file it points to (as {@code scp -r} does), and a
 * symbolic link to a directory or to nothing is skipped and named in the output. Files on the host that the
 * local tree does not have are left alone.
 *
 * @param local the local file, or directory with {@code recursive}
 * @param remotePath where to write it; a path ending in {@code /} means into that directory, under the local
 *        name
 * @param mode permission bits for the files, or {@link Connection#KEEP_MODE} for each local file's own
 * @param owner a user name or numeric id to give every file and directory written, or {@code null}
 * @param group a group name or numeric id, or {@code null}
 * @param recursive copy a directory and what it holds
 * @param check only tell what would change: nothing is sent or changed on the host
 * @param become read and write as this user (through commands with that become), or {@code null} for the
 *        host's own escalation ({@link TaskContext#become()}: the inventory's {@code become: true}), if any
 */
public record PutTask(Path local, String remotePath, int mode, String owner, String group, boolean recursive,
        boolean check, Become become) implements Task {

    /** Without become. */
    public PutTask(Path local, String remotePath, int mode) {
        this(local, remotePath, mode, null);
    }

    /** A single file, mode only. */
    public PutTask(Path local, String remotePath, int mode, Become become) {
        this(local, remotePath, mode, null, null, false, false, become);
    }

    @Override
    public HostResult execute(TaskContext context) throws IOException {
        if (become == null && context.become() != null) {
            // the host's own escalation (the inventory's become: true): the file is written as that user, as with -b
            return new PutTask(local, remotePath, mode, owner, group, recursive, check, context.become())
                    .execute(context);
        }
        // one reading of "dir/" for every plugin, also for those built before API 1.2
        String target = FileNames.intoDirectory(remotePath, local.getFileName().toString());
        Run run = new Run(context.connection(), context.host().name(), FetchTask.access(become, context));
        if (!recursive && Files.isDirectory(local)) {
            throw new ConnectionException(context.host().name() + ": put: " + local + " is a directory; put -r copies"
                    + " a directory and what it holds");
        }
        if (recursive && Files.isDirectory(local)) {
            run.tree(target);
        } else {
            run.file(local, target, run.connection.stat(target, true, run.access, Trace.OFF));
        }
        if (run.changed && !check) {
            run.lines.addAll(FetchTask.notes(run.connection));
        }
        String lines = run.lines.stream().map(l -> l + "\n").collect(Collectors.joining());
        return HostResult.text(context.host().name(), run.changed ? Status.CHANGED : Status.OK, lines);
    }

    @Override
    public String describe() {
        return (check ? "put --check: " : "put: ") + local + " -> " + remotePath;
    }

    /** One host's put: what it found and did. */
    private final class Run {
        final Connection connection;
        final String host;
        final FileAccess access;
        final List<String> lines = new ArrayList<>();
        boolean changed;

        Run(Connection connection, String host, FileAccess access) {
            this.connection = connection;
            this.host = host;
            this.access = access;
        }

        void file(Path source, String target, Optional<RemoteFile> there) throws IOException {
            if (there.isPresent() && there.get().type() == RemoteFile.Type.DIRECTORY) {
                throw new ConnectionException(host + ": put: " + target + " is a directory; give the file's path,"
                        + " or end it with / to put the file into it");
            }
            if (there.isPresent() && there.get().type() != RemoteFile.Type.FILE) {
                throw new ConnectionException(host + ": put: " + target + " is not a regular file (a device, pipe or"
                        + " socket); put replaces regular files only");
            }
            int want = mode == Connection.KEEP_MODE ? LocalFiles.mode(source) : mode;
            List<String> reasons = new ArrayList<>();
            boolean send = there.isEmpty() || !LocalFiles.sha256(source).equals(there.get().sha256());
            if (there.isEmpty()) {
                reasons.add("new file");
            } else {
                if (send) {
                    // an unreadable file cannot be compared: it is replaced (the put fails if it may not be)
                    reasons.add(there.get().sha256() == null ? "content unknown (the user cannot read the file)"
                            : "content differs");
                }
                attributeReasons(there.get(), want, reasons);
            }
            if (reasons.isEmpty()) {
                return;
            }
            report(target, reasons);
            if (check) {
                return;
            }
            if (send) {
                if (become != null) {
                    BecomeTransfer.put(connection, host, source, target, want, become, access.timeout());
                } else {
                    connection.put(source, target, want);
                }
            }
            // a plugin's put may set the nine permission bits only: set-user-ID, set-group-ID and sticky by chmod
            if (!send || owner != null || group != null || want > 0777) {
                try {
                    attributes(target, want);
                } catch (IOException e) {
                    if (there.isEmpty()) {
                        // a new file with the wrong owner is not left as if the put had worked
                        remove(target);
                    }
                    throw e;
                }
            }
        }

        private void attributes(String path, int bits) throws IOException {
            try {
                connection.setAttributes(path, bits, owner, group, access, Trace.OFF);
            } catch (ConnectionException e) {
                String said = e.getMessage();
                boolean unknown = said.contains("invalid") || said.contains("unknown") || said.contains("no such");
                throw new ConnectionException(host + ": put: " + said + (owner == null && group == null ? ""
                        : unknown ? "; give a user (--owner) and group (--group) that exist on the host, or their"
                                + " numeric ids"
                        : become == null ? "; changing the owner or group usually takes root: add --become" : ""), e);
            }
        }

        private void remove(String path) {
            try {
                connection.exec(access.command("rm -f -- " + ShellCommand.quotePath(path)).withOutputLimit(4096));
            } catch (IOException | RuntimeException ignored) {
                // the put's own failure is the one to report
            }
        }

        void tree(String target) throws IOException {
            Map<String, RemoteFile> there = new HashMap<>();
            for (RemoteFile f : connection.list(target, true, access, Trace.OFF)) {
                there.put(f.path(), f);
            }
            RemoteFile top = there.get("");
            if (top != null && top.type() != RemoteFile.Type.DIRECTORY) {
                throw new ConnectionException(host + ": put -r: " + target + " exists and is not a directory; give"
                        + " a directory's path, or end it with / to put " + local.getFileName() + " into it");
            }
            boolean made = !check && (top == null || top.type() == RemoteFile.Type.MISSING);
            try {
                fill(target, there);
            } catch (IOException | RuntimeException e) {
                if (made) {
                    // a tree put in part is not left behind as if it were whole (one that was there is kept)
                    removeQuietly(target);
                }
                throw e;
            }
        }

        private void removeQuietly(String target) {
            try {
                connection.exec(access.command("rm -rf -- " + io.conduit.api.support.ShellCommand.quotePath(
                        target)));
            } catch (IOException | RuntimeException ignored) {
                // the put's own failure is the one to report
            }
        }

        private void fill(String target, Map<String, RemoteFile> there) throws IOException {
            List<Path> entries;
            // LOCAL may be a link to a directory (followed, as for a file); links below it are not
            Path root = local.toRealPath();
            try (Stream<Path> walk = Files.walk(root)) {
                // sorted by relative path: a directory always comes before what it holds
                entries = walk.sorted((a, b) -> relative(root, a).compareTo(relative(root, b))).toList();
            }
            List<String[]> finalModes = new ArrayList<>();
            for (Path p : entries) {
                String rel = relative(root, p);
                String path = rel.isEmpty() ? target : target + "/" + rel;
                if (Files.isSymbolicLink(p) && !Files.isRegularFile(p)) {
                    lines.add("skipped " + path + ": the local " + p + " is a symbolic link to "
                            + (Files.isDirectory(p) ? "a directory" : "nothing") + "; put -r copies links to files"
                            + " only");
                    continue;
                }
                if (Files.isRegularFile(p)) {
                    RemoteFile f = there.get(rel);
                    if (f != null && f.type() == RemoteFile.Type.DIRECTORY) {
                        throw new ConnectionException(host + ": put -r: " + path + " is a directory on the host,"
                                + " and " + p + " a file here; remove one of them first");
                    }
                    file(p, path, Optional.ofNullable(f).filter(x -> x.type() != RemoteFile.Type.MISSING));
                    continue;
                }
                if (!Files.isDirectory(p)) {
                    lines.add("skipped " + path + ": the local " + p + " is not a regular file or directory");
                    continue;
                }
                directory(p, path, there.get(rel), finalModes);
            }
            // last, so that a directory without write permission still received its files
            for (int i = finalModes.size() - 1; i >= 0; i--) {
                connection.setAttributes(finalModes.get(i)[0], Integer.parseInt(finalModes.get(i)[1]), null, null,
                        access, Trace.OFF);
            }
        }

        private void directory(Path p, String path, RemoteFile there, List<String[]> finalModes) throws IOException {
            int want = LocalFiles.mode(p);
            List<String> reasons = new ArrayList<>();
            if (there == null || there.type() == RemoteFile.Type.MISSING) {
                reasons.add("new directory");
            } else if (there.type() != RemoteFile.Type.DIRECTORY) {
                throw new ConnectionException(host + ": put -r: " + path + " is a file on the host, and " + p
                        + " a directory here; remove one of them first");
            } else {
                attributeReasons(there, want, reasons);
            }
            if (reasons.isEmpty()) {
                return;
            }
            report(path, reasons);
            if (check) {
                return;
            }
            if (there == null || there.type() == RemoteFile.Type.MISSING) {
                // writable by its owner while it is filled; its own mode comes last
                connection.makeDirectory(path, want | 0700, access, Trace.OFF);
            }
            attributes(path, want | 0700);
            finalModes.add(new String[] {path, Integer.toString(want)});
        }

        private void attributeReasons(RemoteFile there, int want, List<String> reasons) {
            if (there.mode() != want) {
                reasons.add("mode " + LocalFiles.octal(there.mode()) + " -> " + LocalFiles.octal(want));
            }
            if (owner != null && !there.ownedBy(owner)) {
                reasons.add("owner " + there.owner() + " -> " + owner);
            }
            if (group != null && !there.inGroup(group)) {
                reasons.add("group " + there.group() + " -> " + group);
            }
        }

        private void report(String path, List<String> reasons) {
            changed = true;
            lines.add((check ? "would change " : "changed ") + path + ": " + String.join(", ", reasons));
        }

        private String relative(Path root, Path p) {
            return root.relativize(p).toString().replace(java.io.File.separatorChar, '/');
        }
    }
}
