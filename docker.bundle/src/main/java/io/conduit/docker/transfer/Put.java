package io.conduit.docker.transfer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.api.connection.Trace;
import io.conduit.api.support.FileNames;
import io.conduit.api.support.FileProblemProbe;
import io.conduit.docker.archive.Tar;
import io.conduit.docker.client.DockerClients;
import io.conduit.docker.exec.CommandRunner;
import io.conduit.docker.exec.Container;
import io.conduit.docker.exec.Execs;

/**
 * Put into a container: through the archive API (a one-entry tar under a temporary name, then {@code mv} as root), or
 * through an exec ({@link ExecTransfer}) into a directory the archive API cannot see ({@link ArchiveView}).
 */
final class Put {
    private static final Logger LOG = LoggerFactory.getLogger(Put.class);

    private final Container target;
    private final String container;
    private final CommandRunner runner;
    private final ExecStreams streams;
    private final TemporaryFiles temporaries;
    private final Ownership ownership;
    private final ArchiveView view;

    Put(Container target, CommandRunner runner, ExecStreams streams, TemporaryFiles temporaries, Ownership ownership,
            ArchiveView view) {
        this.target = target;
        this.container = target.name();
        this.runner = runner;
        this.streams = streams;
        this.temporaries = temporaries;
        this.ownership = ownership;
        this.view = view;
    }

    /**
     * Puts through the archive API (a one-entry tar under a temporary name in the target's directory, then
     * {@code mv} as root), or through an exec for a directory the archive API cannot see ({@link ArchiveView},
     * {@link ExecTransfer}). A failure removes the temporary file (the daemon may have written part of it) and
     * throws {@link TransferFailedException} when its cause is known: from the daemon's or the command's
     * {@code errno} text ({@link FileProblem#fromErrorText}), the daemon's own "marked read-only" refusal, or else
     * a {@link FileProblemProbe} run as root in the container. A relative {@code remotePath} is read against the
     * container's working directory ({@link RemotePaths#absolute}).
     *
     * @throws CommandStoppedException the calling thread was interrupted (its flag is set again): the upload or
     *         the rename was stopped and the temporary file removed ({@code CONFIRMED}), or its message says where
     *         it was left ({@code UNCONFIRMED})
     * @throws ConnectFailedException the container is paused ({@code docker unpause}), stopped or gone
     * @throws TransferFailedException the cause is known; nothing was left behind
     * @throws ConnectionException another failure; its message says whether the temporary file could be removed
     */
    void put(Path local, String remotePath, int mode, Trace trace) throws IOException {
        remotePath = FileNames.intoDirectory(RemotePaths.absolute(target, "put", remotePath), local.getFileName().toString());
        int slash = remotePath.lastIndexOf('/');
        String directory = slash == 0 ? "/" : remotePath.substring(0, slash);
        String name = remotePath.substring(slash + 1);
        long size = Files.size(local);
        int bits = mode == Connection.KEEP_MODE ? LocalFiles.localMode(local) : mode;
        long mtime = Files.getLastModifiedTime(local).toMillis() / 1000;
        String hiddenBy = view.hiddenBy(directory);
        if (hiddenBy != null) {
            putByExec(local, remotePath, directory, size, bits, mtime, hiddenBy, trace);
            return;
        }
        int[] ids = ownership.owner();
        String flags = ownership.moveFlags();
        boolean atomic = !flags.isEmpty();
        if (atomic && target.isPaused()) {
            // the archive API writes into a paused container, but the rename (and any cleanup) needs an exec
            throw new ConnectFailedException(target.paused());
        }
        // write under a temporary name and rename, so a broken transfer never leaves a partial file
        String entry = atomic ? FileNames.temporaryName() : name;
        String temp = directory.equals("/") ? "/" + entry : directory + "/" + entry;
        try (InputStream file = Files.newInputStream(local);
                InputStream tar = Tar.singleFile(entry, file, size, bits, ids[0], ids[1], mtime)) {
            if (trace.on(Trace.CONNECTION)) {
                trace.line(Trace.CONNECTION, "docker: archive API: PUT a tar of " + size + " bytes into " + directory
                        + (atomic ? " as " + entry + ", then mv " + flags : " (no atomic mv in the container)"));
            }
            target.client().api().copyArchiveToContainerCmd(target.id()).withRemotePath(directory).withTarInputStream(tar).exec();
        } catch (NotFoundException e) {
            if (Container.isGone(e)) {
                throw target.problem(e);
            }
            // 404 "Could not find the file DIR in container": nothing was written
            throw new TransferFailedException("put", remotePath, FileProblem.MISSING_DIRECTORY, e);
        } catch (RuntimeException e) {
            if (Container.isGone(e)) {
                throw target.problem(e);
            }
            if (!(e instanceof DockerException)) {
                if (interruptedBy(e)) {
                    // Ctrl-C or the run's deadline cut the upload (the JDK closes an interrupted socket, which
                    // docker-java reports as a failed connection): the daemon is fine, so clean up and say so
                    throw interrupted("put " + remotePath, atomic, temp, remotePath);
                }
                // the upload broke (the daemon went away, the local file could not be read): the daemon may have
                // written part of the temporary file
                ConnectionException failed = DockerClients.describe(e, target.client().endpoint());
                throw TemporaryFiles.withLeftover(failed, atomic ? temporaries.remove(temp, failed.getMessage()) : "");
            }
            throw putFailed(remotePath, size, atomic ? temp : null, RemotePaths.daemonWords(e.getMessage()), e);
        }
        if (!atomic) {
            return;
        }
        ExecResult moved;
        try {
            moved = runner.exec(Command.argv(List.of("mv", flags, "--", temp, remotePath)).withBecome(
                    io.conduit.api.connection.Become.sudo("0", null)).withTimeout(Duration.ofSeconds(60)));
        } catch (CommandStoppedException e) {
            if (!Thread.currentThread().isInterrupted()) {
                throw TemporaryFiles.withLeftover(e, temporaries.remove(temp, e.getMessage())); // close() during the rename
            }
            // interrupted during the rename: the mv may have finished before it was stopped, and then the put is
            // complete (the interrupt flag stays set for the caller); else the temporary file is removed
            String[] found = new String[1];
            String left = temporaries.remove(temp, null, found);
            if (found[0] == TemporaryFiles.NOT_THERE) {
                return;
            }
            throw new CommandStoppedException("put " + remotePath + " in container \"" + container + "\": interrupted"
                    + (left.isEmpty() ? "; nothing was left behind" : left),
                    left.isEmpty() ? StopOutcome.CONFIRMED : StopOutcome.UNCONFIRMED, null);
        } catch (ConnectionException e) {
            // paused, stopped or lost between the upload and the rename
            throw TemporaryFiles.withLeftover(e, temporaries.remove(temp, e.getMessage()));
        }
        if (moved.exitCode() != 0) {
            throw putFailed(remotePath, size, temp, moved.stderrText().trim(), null);
        }
    }

    /**
     * The failure of a put whose daemon or command said {@code said}: removes the temporary file, then names the
     * cause (errno text, the daemon's read-only refusal, or the probe).
     *
     * @param temp the temporary file to remove, or {@code null} (written in place: nothing can be removed)
     */
    private ConnectionException putFailed(String remotePath, long size, String temp,
            String said, Exception e) {
        String left = temp == null ? "; " + remotePath + " may be left partly written (the container has no mv to"
                + " write it atomically)" : temporaries.remove(temp, said);
        FileProblem problem = FileProblem.fromErrorText(said);
        if (problem == null && said.toLowerCase(java.util.Locale.ROOT).contains("marked read-only")) {
            // the daemon's own refusal ("mounted volume is marked read-only", "container rootfs is marked
            // read-only"): it wrote nothing
            problem = FileProblem.READ_ONLY;
        }
        if (problem == null) {
            problem = probe(remotePath, size);
        }
        if (problem != null && left.isEmpty()) {
            return new TransferFailedException("put", remotePath, problem, e);
        }
        return new ConnectionException("put " + remotePath + " in container \"" + container + "\" failed: "
                + (problem != null ? problem.reason() + " (" + problem.advice() + ")" : said)
                + (left.isEmpty() ? "; nothing was left behind" : left), e);
    }

    /**
     * Whether a failure of a docker-java call came from the calling thread's interrupt: the flag is set, or the
     * cause is an interrupt (the JDK closes a socket channel whose thread is interrupted,
     * {@link java.nio.channels.ClosedByInterruptException}, which has no message).
     */
    private static boolean interruptedBy(Throwable e) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InterruptedException || t instanceof java.io.InterruptedIOException
                    || t instanceof java.nio.channels.ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The failure of a transfer that the calling thread's interrupt (Ctrl-C, the run's deadline) cut, worded as
     * the other plugins word an interrupted call ({@code ...: interrupted; ...}): its temporary file is removed
     * first ({@link TemporaryFiles#remove}, which clears the interrupt for its exec and restores it).
     *
     * @param what {@code put PATH}
     * @param atomic whether it was written under a temporary name ({@code false}: in place, nothing to remove)
     * @param temp the temporary file in the container
     * @param remotePath the target, for the message of a put written in place
     * @return a {@link CommandStoppedException}: {@code CONFIRMED} when nothing was left behind
     */
    private CommandStoppedException interrupted(String what, boolean atomic, String temp, String remotePath) {
        Thread.currentThread().interrupt(); // the caller learns of the interrupt; the flag may have been cleared
        String left = !atomic ? "; " + remotePath + " may be left partly written (the container has no mv to write"
                + " it atomically)" : temporaries.remove(temp, null);
        return new CommandStoppedException(what + " in container \"" + container + "\": interrupted"
                + (left.isEmpty() ? "; nothing was left behind" : left),
                left.isEmpty() ? StopOutcome.CONFIRMED : StopOutcome.UNCONFIRMED, null);
    }

    /**
     * Runs {@link FileProblemProbe} as root (the daemon writes as root too) after a generic failure.
     *
     * @return the cause, or {@code null} when the probe found none or could not run (no /bin/sh)
     */
    private FileProblem probe(String path, long size) {
        if (runner.noShell() || runner.isClosed()) {
            return null;
        }
        try {
            return FileProblemProbe.read(runner.exec(FileProblemProbe.command(path, size).withBecome(
                    io.conduit.api.connection.Become.sudo("0", null))));
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: the file probe in {} failed: {}", target.host(), container, e.toString());
            return null;
        }
    }

    /**
     * Put through an exec ({@link ExecTransfer}): the bytes stream on the exec's stdin into a temporary file that
     * the script renames; the script removes it on any failure, also when the stream is cut.
     */
    private void putByExec(Path local, String remotePath, String directory, long size,
            int bits, long mtime, String hiddenBy, Trace trace) throws IOException {
        if (runner.noShell()) {
            throw streams.noShellForMount("put " + remotePath + " in", hiddenBy);
        }
        int[] ids = ownership.owner();
        String flags = ownership.moveFlags();
        String temp = directory.equals("/") ? "/" + FileNames.temporaryName()
                : directory + "/" + FileNames.temporaryName();
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "docker: exec stream (" + hiddenBy + " is a mount the archive API cannot"
                    + " see): " + size + " bytes on stdin into " + temp + ", then mv " + flags);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long code;
        try (InputStream file = Files.newInputStream(local)) {
            // the script prints nothing on stdout; the daemon's own words for an exec that cannot start go there
            code = streams.stream(ExecTransfer.put(temp, remotePath, size, bits, ids[0], ids[1], flags, mtime), file,
                    Execs.capped(err), err, "put " + remotePath);
        }
        if (code != 0) {
            String said = err.toString(StandardCharsets.UTF_8).trim();
            if (ExecStreams.noShellSaid(code, said)) {
                runner.learnedNoShell();
                throw streams.noShellForMount("put " + remotePath + " in", hiddenBy);
            }
            FileProblem problem = FileProblem.fromErrorText(said);
            if (problem == null && code != 2) {
                problem = probe(remotePath, size);
            }
            if (problem != null) {
                throw new TransferFailedException("put", remotePath, problem, null);
            }
            throw new ConnectionException("put " + remotePath + " in container \"" + container + "\" failed (exit "
                    + code + "): " + said + "; nothing was left behind");
        }
    }
}
