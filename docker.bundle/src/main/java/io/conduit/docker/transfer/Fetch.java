package io.conduit.docker.transfer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;

import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.api.connection.Trace;
import io.conduit.docker.archive.Tar;
import io.conduit.docker.exec.CommandRunner;
import io.conduit.docker.exec.Container;

/**
 * Fetch from a container: through the archive API (a tar of the file, following symbolic links), or through an exec
 * ({@link ExecTransfer}) for a path the archive API cannot see ({@link ArchiveView}).
 */
final class Fetch {
    private static final int MAX_LINK_HOPS = 8;

    private final Container target;
    private final String container;
    private final CommandRunner runner;
    private final ExecStreams streams;
    private final ArchiveView view;
    private final Set<InputStream> downloads = ConcurrentHashMap.newKeySet();

    Fetch(Container target, CommandRunner runner, ExecStreams streams, ArchiveView view) {
        this.target = target;
        this.container = target.name();
        this.runner = runner;
        this.streams = streams;
        this.view = view;
    }

    /**
     * Fetches through the archive API, following symbolic links (up to 8), or through an exec for a path the
     * archive API cannot see ({@link ArchiveView}, {@link ExecTransfer}; also when a link leads there). The bytes
     * go to a temporary file next to {@code local}, which is removed on any failure. A relative {@code remotePath}
     * is read against the container's working directory ({@link RemotePaths#absolute}).
     *
     * @throws RemoteFileNotFoundException the file does not exist in the container
     * @throws TransferFailedException a known cause in the container (a part of the path is not a directory, a
     *         name is too long) or locally (no space, read-only, permission; the path named is then the local one)
     * @throws ConnectFailedException the container is paused (only through an exec: the archive API reads a
     *         paused container), stopped or gone
     */
    void fetch(String remotePath, Path local, Trace trace) throws IOException {
        remotePath = RemotePaths.absolute(target, "fetch", remotePath);
        String path = remotePath;
        for (int hop = 0; hop <= MAX_LINK_HOPS; hop++) {
            String hiddenBy = view.hiddenBy(path);
            if (hiddenBy != null) {
                fetchByExec(remotePath, path, hiddenBy, local, trace);
                return;
            }
            if (trace.on(Trace.CONNECTION)) {
                trace.line(Trace.CONNECTION, "docker: archive API: GET a tar of " + path);
            }
            InputStream in;
            try {
                in = target.client().api().copyArchiveFromContainerCmd(target.id(), path).exec();
            } catch (RuntimeException e) {
                if (!(e instanceof DockerException) || Container.isGone(e)) {
                    throw target.problem(e);
                }
                // "lstat /var/lib/docker/overlay2/ID/merged/etc/passwd/x: not a directory", "... file name too long"
                FileProblem problem = FileProblem.fromErrorText(RemotePaths.daemonWords(e.getMessage()));
                if (problem != null && problem != FileProblem.MISSING_DIRECTORY) {
                    throw new TransferFailedException("fetch", remotePath, problem, e);
                }
                if (e instanceof NotFoundException || problem != null) {
                    throw new RemoteFileNotFoundException("container \"" + container + "\" has no file " + remotePath
                            + (path.equals(remotePath) ? "" : " (link to " + path + ")"), e);
                }
                throw target.problem(e);
            }
            downloads.add(in);
            try (in) {
                Tar.Reader reader = new Tar.Reader(in);
                Tar.Entry entry = reader.next();
                if (entry == null) {
                    throw new io.conduit.api.connection.ProtocolException("docker daemon sent an empty archive for "
                            + path + " in container \"" + container + "\"");
                }
                if (entry.type() == '2') {
                    path = RemotePaths.resolveLink(path, entry.linkName());
                    continue;
                }
                if (entry.type() == '5') {
                    throw isDirectory(remotePath);
                }
                if (!entry.isFile()) {
                    throw new ConnectionException("fetch from container \"" + container + "\": " + remotePath
                            + " is not a regular file (tar type " + entry.type() + ")");
                }
                LocalFiles.receive(remotePath, local, out -> {
                    byte[] buffer = new byte[64 * 1024];
                    for (int n = reader.read(buffer, 0, buffer.length); n >= 0;
                            n = reader.read(buffer, 0, buffer.length)) {
                        out.write(buffer, 0, n);
                    }
                }, entry::mode, entry::mtime);
                return;
            } catch (IOException e) {
                if (runner.isClosed() && !(e instanceof TransferFailedException)) {
                    throw new ConnectionException("connection to container \"" + container + "\" was closed during"
                            + " the fetch of " + remotePath, e);
                }
                throw e;
            } finally {
                downloads.remove(in);
            }
        }
        throw new ConnectionException("fetch from container \"" + container + "\": " + remotePath
                + " is a chain of more than " + MAX_LINK_HOPS + " symbolic links");
    }

    private ConnectionException isDirectory(String remotePath) {
        return new ConnectionException("fetch from container \"" + container + "\": " + remotePath
                + " is a directory; fetch copies single files");
    }

    /** Fetch through an exec ({@link ExecTransfer}): a header line, then exactly the file's bytes. */
    private void fetchByExec(String remotePath, String path, String hiddenBy, Path local,
            Trace trace) throws IOException {
        if (runner.noShell()) {
            throw streams.noShellForMount("fetch " + remotePath + " from", hiddenBy);
        }
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "docker: exec stream (" + hiddenBy + " is a mount the archive API cannot"
                    + " see): stat and cat " + path + ", framed by a header line with its size");
        }
        AtomicReference<ExecTransfer.Receiver> received = new AtomicReference<>();
        LocalFiles.receive(path, local, out -> {
            ExecTransfer.Receiver rx = new ExecTransfer.Receiver(out);
            received.set(rx);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            long code = streams.stream(ExecTransfer.fetch(path), null, rx, err, "fetch " + remotePath);
            String said = err.toString(StandardCharsets.UTF_8).trim();
            if (ExecStreams.noShellSaid(code, said + rx.unframed())) {
                runner.learnedNoShell();
                throw streams.noShellForMount("fetch " + remotePath + " from", hiddenBy);
            }
            if (code == ExecTransfer.FETCH_DIRECTORY) {
                throw isDirectory(remotePath);
            }
            if (code == ExecTransfer.FETCH_NOT_REGULAR) {
                throw new ConnectionException("fetch from container \"" + container + "\": " + remotePath
                        + " is not a regular file");
            }
            if (code != 0) {
                FileProblem problem = FileProblem.fromErrorText(said);
                if (problem == FileProblem.MISSING_DIRECTORY) {
                    throw new RemoteFileNotFoundException("container \"" + container + "\" has no file " + remotePath
                            + (path.equals(remotePath) ? "" : " (link to " + path + ")"));
                }
                if (problem != null) {
                    throw new TransferFailedException("fetch", remotePath, problem, null);
                }
                throw new ConnectionException("fetch " + remotePath + " from container \"" + container + "\" failed"
                        + " (exit " + code + "): " + said);
            }
            rx.verify();
        }, () -> received.get().mode(), () -> received.get().mtime());
    }

    /** Breaks the downloads in flight. Never throws. */
    void close() {
        for (InputStream in : downloads) {
            try {
                in.close();
            } catch (IOException | RuntimeException e) {
                // closing: nothing to do
            }
        }
        downloads.clear();
    }
}
