package io.conduit.core.task;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.FileAccess;
import io.conduit.api.connection.RemoteFile;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.Trace;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;

/**
 * Copies a remote file, or with {@code recursive} a directory and what it holds, from every host to
 * {@code LOCALDIR/HOST/NAME}, so files from different hosts never overwrite each other (Ansible's fetch layout,
 * flattened to the file name). The same on every plugin: the host is asked first what the path is
 * ({@link Connection#stat}), so that a missing file fails with {@link RemoteFileNotFoundException} and a
 * directory without {@code recursive} is refused by name, both before anything is made locally; a symbolic link is
 * followed (as {@code scp} and sftp's {@code get} do); each file gets the remote file's permission bits (0 to 0777).
 * With {@code recursive}, directories keep their modes, empty ones too, a symbolic link to a file below the
 * directory is fetched as the file, and one to a directory or to nothing is skipped and named in the output.
 *
 * @param remotePath the file (or directory) on the hosts
 * @param localDir the local directory to fetch into
 * @param recursive copy a directory and what it holds
 * <p>With {@code check} (check mode), the host is asked the same and fails the same (a missing file, a directory
 * without {@code recursive}), but nothing is fetched or made here: the output says where the copy would go
 * ({@code would fetch SRC -> LOCALDIR/HOST/NAME}). Check mode promises that nothing changes, and a fetch changes
 * files here. The shell's {@code fetch --check} and the {@code fetch} task in check mode are both this.
 *
 * @param become read the file as this user (through a command with that become), or {@code null} for the
 *        host's own escalation ({@link TaskContext#become()}: the inventory's {@code become: true}), if any
 * @param check only ask the host: nothing is copied and nothing is made here
 */
public record FetchTask(String remotePath, Path localDir, boolean recursive, Become become, boolean check)
        implements Task {

    /** Not in check mode. */
    public FetchTask(String remotePath, Path localDir, boolean recursive, Become become) {
        this(remotePath, localDir, recursive, become, false);
    }

    /** Without become. */
    public FetchTask(String remotePath, Path localDir) {
        this(remotePath, localDir, null);
    }

    /** A single file. */
    public FetchTask(String remotePath, Path localDir, Become become) {
        this(remotePath, localDir, false, become);
    }

    @Override
    public HostResult execute(TaskContext context) throws IOException {
        if (become == null && context.become() != null) {
            // the host's own escalation (the inventory's become: true): the file is read as that user, as with -b
            return new FetchTask(remotePath, localDir, recursive, context.become(), check).execute(context);
        }
        String host = context.host().name();
        Connection connection = context.connection();
        FileAccess access = access(become, context);
        RemoteFile there = connection.stat(remotePath, false, access, Trace.OFF).orElseThrow(
                () -> new RemoteFileNotFoundException(host + ": no such file " + remotePath));
        if (there.type() == RemoteFile.Type.DIRECTORY && !recursive) {
            throw new ConnectionException(host + ": fetch " + remotePath + ": it is a directory; fetch -r copies a"
                    + " directory and what it holds (recursive=true in a task)");
        }
        if (there.type() == RemoteFile.Type.OTHER) {
            throw new ConnectionException(host + ": fetch " + remotePath + ": not a regular file (a device, pipe or"
                    + " socket); fetch copies regular files and directories");
        }
        String name = Path.of(remotePath).getFileName() == null ? "file" : Path.of(remotePath).getFileName().toString();
        // a host named ".." or "a/b" must not write outside LOCALDIR
        Path hostDir = localDir.resolve(fileName(host));
        if (check) {
            return HostResult.text(host, Status.OK, "would fetch " + remotePath + " -> " + hostDir.resolve(name)
                    + "\n");
        }
        boolean made = !Files.exists(hostDir);
        Path target = hostDir.resolve(name);
        boolean madeTree = there.type() == RemoteFile.Type.DIRECTORY && !Files.exists(target, LinkOption.NOFOLLOW_LINKS);
        List<String> lines = new ArrayList<>();
        lines.add(target.toString());
        try {
            here(remotePath, hostDir);
            if (there.type() == RemoteFile.Type.DIRECTORY) {
                tree(connection, host, access, target, lines);
            } else {
                file(connection, host, access, remotePath, target, there.mode());
            }
        } catch (IOException | RuntimeException e) {
            if (madeTree) {
                // a tree fetched in part is not left behind as if it were whole (one that was there is kept)
                deleteTree(target);
            }
            if (made) {
                // nothing left behind: the host's directory was made for this fetch
                try (Stream<Path> s = Files.list(hostDir)) {
                    if (s.findAny().isEmpty()) {
                        Files.deleteIfExists(hostDir);
                    }
                } catch (IOException ignored) {
                    // the fetch's own failure is the one to report
                }
            }
            throw e;
        }
        lines.addAll(notes(connection));
        return HostResult.text(host, Status.OK, lines.stream().map(l -> l + "\n").collect(Collectors.joining()));
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> walk = Files.walk(root)) {
            // what it holds first; directories are still writable (their own modes are set only at the end)
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // the fetch's own failure is the one to report
        }
    }

    /**
     * How put and fetch reach the host's files: as the become user, within what is left of the host's time (at
     * least a millisecond, so that a deadline just passed fails the call as timed out rather than as bad input).
     */
    static FileAccess access(Become become, TaskContext context) {
        Duration left = context.remaining();
        return new FileAccess(become, left.isZero() || left.isNegative() ? Duration.ofMillis(1) : left);
    }

    private void file(Connection connection, String host, FileAccess access, String remote, Path target, int mode)
            throws IOException {
        if (become != null) {
            BecomeTransfer.fetch(connection, host, remote, target, become, access.timeout());
        } else {
            connection.fetch(remote, target);
        }
        LocalFiles.setMode(target, mode);
    }

    private void tree(Connection connection, String host, FileAccess access, Path target, List<String> lines)
            throws IOException {
        List<RemoteFile> entries = connection.list(remotePath, false, access, Trace.OFF);
        if (entries.isEmpty()) {
            throw new RemoteFileNotFoundException(host + ": no such file " + remotePath);
        }
        List<Map.Entry<Path, Integer>> directories = new ArrayList<>();
        for (RemoteFile f : entries) {
            String remote = f.path().isEmpty() ? remotePath : remotePath + "/" + f.path();
            Path local = target;
            for (String part : f.path().split("/")) {
                if (part.equals("..") || part.equals(".")) {
                    // a host (or a plugin) must never make Conduit write outside LOCALDIR, as a hostile scp
                    // server could (CVE-2019-6111): refused, and the tree made so far is removed by the caller
                    throw new io.conduit.api.connection.ProtocolException(host + ": fetch -r: the host listed "
                            + remote + ", which names a place outside " + remotePath + "; nothing more was fetched");
                }
                if (!part.isEmpty()) {
                    local = local.resolve(part);
                }
            }
            // the directory asked for may be a link to one (followed, as for a file); links below it are not
            if (f.type() == RemoteFile.Type.DIRECTORY && (!f.symlink() || f.path().isEmpty())) {
                Files.createDirectories(local);
                // writable while it is filled; its own mode comes last
                LocalFiles.setMode(local, f.mode() | 0700);
                directories.add(Map.entry(local, f.mode()));
            } else if (f.type() == RemoteFile.Type.FILE) {
                file(connection, host, access, remote, local, f.mode());
            } else {
                lines.add("skipped " + remote + ": a " + (f.symlink() ? "symbolic link to " + (f.type()
                        == RemoteFile.Type.DIRECTORY ? "a directory" : "nothing") : "device, pipe or socket")
                        + "; fetch -r copies files, directories and links to files");
            }
        }
        for (int i = directories.size() - 1; i >= 0; i--) {
            LocalFiles.setMode(directories.get(i).getKey(), directories.get(i).getValue());
        }
    }

    @Override
    public String describe() {
        return (recursive ? "fetch -r: " : "fetch: ") + remotePath + " -> " + localDir;
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

    /**
     * The connection's notices ({@code Connection.notices()}, e.g. a transfer method's verified fallback) as
     * lines of the host's output, {@code note: PHRASE}, so that the result says how the file went.
     */
    static List<String> notes(io.conduit.api.connection.Connection connection) {
        try {
            List<String> said = connection.notices();
            return said == null ? List.of() : said.stream().map(n -> "note: " + n).toList();
        } catch (RuntimeException e) {
            return List.of(); // a plugin's fault in a courtesy must not fail the host
        }
    }

    /** Makes LOCALDIR/HOST; a failure is named as every plugin names a fetch's local failure. */
    private static void here(String remotePath, Path hostDir) throws IOException {
        try {
            Files.createDirectories(hostDir);
        } catch (IOException e) {
            io.conduit.api.connection.FileProblem problem = io.conduit.api.connection.FileProblem.fromLocalFailure(e);
            if (problem == null) {
                throw e;
            }
            throw io.conduit.api.connection.TransferFailedException.here(remotePath, hostDir, problem, e);
        }
    }
}
