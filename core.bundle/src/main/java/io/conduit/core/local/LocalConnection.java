package io.conduit.core.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.support.Durations;
import io.conduit.api.support.FileNames;
import io.conduit.api.support.LocalCopy;
import io.conduit.api.support.LocalWriteFailed;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.OutputBuffer;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.api.connection.Trace;
import io.conduit.api.support.WrappedCommand;
import io.conduit.core.inventory.ParameterResolver;

/** A "connection" to the local machine: processes through {@code sh -c}, files through the file system. */
final class LocalConnection implements Connection {
    /** How long a stopped command's wrapper has to end its process group and report (SIGKILL comes at 2 s). */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);
    /** util-linux's setsid, or empty where there is none. */
    private static final String SETSID = Files.isExecutable(Path.of("/usr/bin/setsid")) ? "/usr/bin/setsid"
            : Files.isExecutable(Path.of("/bin/setsid")) ? "/bin/setsid" : "";
    private final ConnectionKey key;
    private final Executor io;
    private volatile String shell = "/bin/sh";
    private volatile boolean closed;
    private final Set<Process> running = ConcurrentHashMap.newKeySet();

    LocalConnection(ConnectionKey key, Executor io) {
        this.key = key;
        this.io = io;
    }

    @Override
    public void open(ConnectionParams params) throws IOException {
        open(params, Trace.OFF);
    }

    @Override
    public void open(ConnectionParams params, Trace trace) throws IOException {
        shell = params.string(LocalPlugin.SHELL, "/bin/sh");
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "local: this machine, as " + System.getProperty("user.name") + ", shell "
                    + shell + (SETSID.isEmpty() ? "" : " in a session of its own (" + SETSID + ")"));
        }
        if (!Files.isExecutable(Path.of(shell))) {
            throw new ConnectionException(key.host() + ": shell " + shell + " is not executable; set"
                    + " connection_options.local.extras.shell to a POSIX shell");
        }
    }

    @Override
    public ExecResult exec(Command command) throws IOException {
        return exec(command, Trace.OFF);
    }

    @Override
    public ExecResult exec(Command command, Trace trace) throws IOException {
        if (closed) {
            throw new ConnectionException(key.host() + ": connection is closed");
        }
        long start = System.nanoTime();
        Duration timeout = command.timeout();
        long deadline = timeout == null ? Long.MAX_VALUE : start + timeout.toNanos();
        // no terminal here: --pty has nothing to allocate (and the wrapper must not watch one)
        WrappedCommand wrapped = WrappedCommand.of(command.withPty(false));
        // the wrapped line is itself "sh -c '...'" (or sudo/su ... sh -c), so one more shell starts it; in a
        // session of its own, so that a Ctrl-C at Conduit's terminal reaches Conduit (which stops the command
        // and reports) and not the wrapper, which would die before it could stop the command's group
        List<String> argv = SETSID.isEmpty() ? List.of(shell, "-c", wrapped.line())
                : List.of(SETSID, shell, "-c", wrapped.line());
        ProcessBuilder builder = new ProcessBuilder(argv);
        // the run's become password is Conduit's, not the command's
        builder.environment().remove(ParameterResolver.BECOME_PASSWORD_ENV);
        Process process = builder.start();
        running.add(process);
        if (trace.on(Trace.PROTOCOL)) {
            trace.line(Trace.PROTOCOL, "local: started " + shell + " -c WRAPPER (pid " + process.pid()
                    + ", wrapper line " + wrapped.line().length() + " chars, input " + wrapped.input().length
                    + " bytes)");
        }
        OutputBuffer out = new OutputBuffer(command.outputLimit());
        OutputBuffer err = new OutputBuffer(command.outputLimit());
        CompletableFuture<Void> readOut = pump(process.getInputStream(), wrapped.stdout(out), io);
        CompletableFuture<Void> readErr = pump(process.getErrorStream(), wrapped.stderr(err), io);
        // output at its end means the become tool or the shell is gone: a become still waiting learns it at once
        CompletableFuture.allOf(readOut, readErr).whenComplete((ok, failure) -> wrapped.ended());
        // stdin stays open while the command runs: the wrapper stops the command when it closes (also when
        // this JVM dies), so it is only closed to stop the command, or after the command ended
        OutputStream in = process.getOutputStream();
        try {
            try {
                wrapped.awaitStart(in, Math.min(deadline, start + WrappedCommand.BECOME_TIMEOUT.toNanos()));
            } catch (java.io.InterruptedIOException e) {
                // interrupted while become talked: the wrapper may already have started the command
                StopOutcome outcome = stop(process, in);
                finish(wrapped, readOut, readErr);
                Thread.currentThread().interrupt();
                throw new CommandStoppedException(key.host() + ": interrupted while starting the command; "
                        + outcome.description(), outcome,
                        ExecResult.of(-1, out, err, Duration.ofNanos(System.nanoTime() - start)));
            } catch (IOException e) {
                stop(process, in);
                throw e;
            }
            byte[] stdin = wrapped.input();
            if (stdin.length > 0) {
                CompletableFuture.runAsync(() -> {
                    try {
                        in.write(stdin);
                        in.flush();
                    } catch (IOException e) {
                        // the command exited without reading all its stdin: not an error of ours
                    }
                }, io);
            }
            boolean exited;
            try {
                exited = process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                StopOutcome outcome = stop(process, in);
                finish(wrapped, readOut, readErr);
                Thread.currentThread().interrupt();
                throw new CommandStoppedException(key.host() + ": interrupted; " + outcome.description(), outcome,
                        ExecResult.of(-1, out, err, Duration.ofNanos(System.nanoTime() - start)));
            }
            if (!exited) {
                StopOutcome outcome = stop(process, in);
                finish(wrapped, readOut, readErr);
                outcome = outcome == StopOutcome.CONFIRMED ? wrapped.stopOutcome() : outcome;
                throw new TimedOutException("command timed out after " + Durations.exact(timeout) + " on "
                        + key.host() + "; " + outcome.description(), timeout,
                        ExecResult.of(-1, out, err, Duration.ofNanos(System.nanoTime() - start)), outcome, null);
            }
            finish(wrapped, readOut, readErr);
            if (wrapped.stopReported() && trace.on(Trace.PROTOCOL)) {
                trace.line(Trace.PROTOCOL, "local: the wrapper reported a stop: "
                        + wrapped.stopOutcome().description());
            }
            if (closed && wrapped.stopReported()) {
                throw new CommandStoppedException(key.host() + ": connection closed while the command ran; "
                        + wrapped.stopOutcome().description(), wrapped.stopOutcome(),
                        ExecResult.of(process.exitValue(), out, err, Duration.ofNanos(System.nanoTime() - start)));
            }
            return ExecResult.of(process.exitValue(), out, err, Duration.ofNanos(System.nanoTime() - start));
        } finally {
            running.remove(process);
            closeQuietly(in);
        }
    }

    /**
     * Stops a running command: closes its stdin, upon which the wrapper ends the command's process group, and
     * waits up to {@link #STOP_WAIT} for the wrapper to report; kills the process tree itself if it did not.
     *
     * @return {@link StopOutcome#CONFIRMED} when the wrapper ended in time (its report decides in the end)
     */
    private static StopOutcome stop(Process process, OutputStream in) {
        boolean interrupted = Thread.interrupted();
        closeQuietly(in);
        // a second interrupt (the host deadline right after the command's own timeout) must not cut the wait
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        while (true) {
            try {
                if (process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    break;
                }
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
                return StopOutcome.UNCONFIRMED;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return StopOutcome.CONFIRMED;
    }

    private static void finish(WrappedCommand wrapped, CompletableFuture<Void> readOut,
            CompletableFuture<Void> readErr) {
        boolean interrupted = Thread.interrupted();
        long deadline = System.nanoTime() + STOP_WAIT.toNanos();
        while (true) {
            try {
                CompletableFuture.allOf(readOut, readErr).get(Math.max(0, deadline - System.nanoTime()),
                        TimeUnit.NANOSECONDS);
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the output is read to its end all the same: the result needs it
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                break; // a background process of the command still holds its output open: keep what was read
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        wrapped.ended();
    }

    private static void closeQuietly(OutputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // the process is gone
        }
    }

    private static CompletableFuture<Void> pump(InputStream from, OutputStream to, Executor io) {
        return CompletableFuture.runAsync(() -> {
            try (from) {
                from.transferTo(to);
            } catch (IOException e) {
                // killing the process at its timeout closes its pipes under the reader: keep what was read
            }
        }, io);
    }

    @Override
    public void put(Path local, String remotePath, int mode) throws IOException {
        put(local, remotePath, mode, Trace.OFF);
    }

    @Override
    public void put(Path local, String remotePath, int mode, Trace trace) throws IOException {
        Path target = Path.of(FileNames.intoDirectory(remotePath, local.getFileName().toString()));
        if (Files.isDirectory(target)) {
            throw new TransferFailedException("put", remotePath, FileProblem.IS_A_DIRECTORY, null);
        }
        try (LocalCopy copy = LocalCopy.beside(target)) {
            if (trace.on(Trace.CONNECTION)) {
                trace.line(Trace.CONNECTION, "local: file copy to " + copy.temporary() + ", then rename");
            }
            Files.copy(local, copy.temporary(), StandardCopyOption.REPLACE_EXISTING);
            copy.setMode(mode == KEEP_MODE ? LocalCopy.modeOf(local) : mode);
            copy.commit();
        } catch (LocalWriteFailed e) {
            throw e.getCause() instanceof java.nio.file.FileSystemException f ? fileProblem(true, remotePath, f, target)
                    : e.getCause();
        } catch (java.nio.file.FileSystemException e) {
            throw fileProblem(true, remotePath, e, target);
        }
    }

    @Override
    public void fetch(String remotePath, Path local) throws IOException {
        fetch(remotePath, local, Trace.OFF);
    }

    @Override
    public void fetch(String remotePath, Path local, Trace trace) throws IOException {
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "local: file copy");
        }
        Path source = Path.of(remotePath);
        if (!Files.exists(source)) {
            throw new RemoteFileNotFoundException(key.host() + ": no such file " + remotePath);
        }
        if (Files.isDirectory(source)) {
            throw new ConnectionException(key.host() + ": fetch " + remotePath + ": it is a directory; fetch copies"
                    + " single files");
        }
        try (LocalCopy copy = LocalCopy.beside(local)) {
            Files.copy(source, copy.temporary(), StandardCopyOption.REPLACE_EXISTING);
            copy.commit();
        } catch (LocalWriteFailed e) {
            throw e.getCause() instanceof java.nio.file.FileSystemException f ? fileProblem(false, remotePath, f, local)
                    : e.getCause();
        } catch (NoSuchFileException e) {
            if (remotePath.equals(e.getFile())) {
                throw new RemoteFileNotFoundException(key.host() + ": no such file " + remotePath);
            }
            throw fileProblem(false, remotePath, e, local);
        } catch (java.nio.file.FileSystemException e) {
            throw fileProblem(false, remotePath, e, local);
        }
    }

    /**
     * A file system failure in the words every plugin uses ({@link FileProblem}): the JDK's message is often only
     * the path, and its type or its reason (the {@code errno} text) says the cause. A missing file on the way to
     * the target means its directory is missing. A failure on the temporary file names the file it stands for,
     * which is the one the operator knows; the temporary file is already gone (the callers' {@code finally}).
     *
     * @param put a put (the target is the host's), or a fetch (the target is its local copy)
     * @param remotePath the path the operator gave for the host
     * @param target the file being written
     */
    private ConnectionException fileProblem(boolean put, String remotePath, java.nio.file.FileSystemException e,
            Path target) {
        FileProblem problem = e instanceof NoSuchFileException && Files.isDirectory(target.toAbsolutePath()
                .getParent()) ? null : FileProblem.fromLocalFailure(e);
        if (problem != null) {
            return put ? new TransferFailedException("put", remotePath, problem, e)
                    : TransferFailedException.here(remotePath, target, problem, e);
        }
        String reported = e.getFile();
        if (reported != null && Path.of(reported).getFileName().toString().startsWith(FileNames.TEMPORARY_PREFIX)) {
            reported = target.toString();
        }
        String file = reported == null ? "" : reported + ": ";
        String why = e instanceof NoSuchFileException ? "no such file or directory"
                : e instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                : e.getReason() != null ? e.getReason() : "failed";
        return new ConnectionException(key.host() + ": " + (put ? "put " : "fetch ") + remotePath + ": " + file
                + why, e);
    }

    @Override
    public boolean isAlive() {
        return !closed;
    }

    /** Stops the commands still running (their stdin is closed: the wrapper ends each process group). */
    @Override
    public void close() {
        closed = true;
        for (Process p : running) {
            closeQuietly(p.getOutputStream());
        }
    }
}
