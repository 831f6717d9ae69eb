package io.conduit.core.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.OutputBuffer;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.ShellCommand;
import io.conduit.api.connection.TimedOutException;

/** A "connection" to the local machine: processes through {@code sh -c}, files through the file system. */
final class LocalConnection implements Connection {
    private final ConnectionKey key;
    private final Executor io;
    private volatile String shell = "/bin/sh";
    private volatile boolean closed;

    LocalConnection(ConnectionKey key, Executor io) {
        this.key = key;
        this.io = io;
    }

    @Override
    public void open(ConnectionParams params) throws IOException {
        shell = params.string(LocalPlugin.SHELL, "/bin/sh");
        if (!Files.isExecutable(Path.of(shell))) {
            throw new ConnectionException(key.host() + ": shell " + shell + " is not executable; set"
                    + " connection_options.local.extras.shell to a POSIX shell");
        }
    }

    @Override
    public ExecResult exec(Command command) throws IOException {
        long start = System.nanoTime();
        // the wrapped line is itself "sh -c '...'" (or sudo/su ... sh -c), so one more shell starts it
        Process process = new ProcessBuilder(shell, "-c", ShellCommand.wrap(command)).start();
        OutputBuffer out = new OutputBuffer(command.outputLimit());
        OutputBuffer err = new OutputBuffer(command.outputLimit());
        CompletableFuture<Void> readOut = pump(process.getInputStream(), out, io);
        CompletableFuture<Void> readErr = pump(process.getErrorStream(), err, io);
        byte[] stdin = ShellCommand.stdin(command);
        CompletableFuture<Void> writeIn = CompletableFuture.runAsync(() -> {
            try (OutputStream in = process.getOutputStream()) {
                in.write(stdin);
            } catch (IOException e) {
                // the command exited without reading all its stdin: not an error of ours
            }
        }, io);
        try {
            Duration timeout = command.timeout();
            boolean exited = timeout == null ? waitFor(process) : process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (!exited) {
                kill(process);
                readOut.join();
                readErr.join();
                throw new TimedOutException("command timed out after " + timeout.toMillis() + " ms on " + key.host()
                        + " (process tree killed)", timeout,
                        ExecResult.of(-1, out, err, Duration.ofNanos(System.nanoTime() - start)), null);
            }
            readOut.join();
            readErr.join();
            writeIn.join();
            return ExecResult.of(process.exitValue(), out, err, Duration.ofNanos(System.nanoTime() - start));
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted; process tree killed");
        }
    }

    private static boolean waitFor(Process process) throws InterruptedException {
        process.waitFor();
        return true;
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    private static CompletableFuture<Void> pump(InputStream from, OutputBuffer to, Executor io) {
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
        Path target = Path.of(remotePath);
        Path dir = target.toAbsolutePath().getParent();
        Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".conduit-tmp");
        try {
            Files.copy(local, temp, StandardCopyOption.REPLACE_EXISTING);
            Set<PosixFilePermission> permissions = mode == KEEP_MODE ? Files.getPosixFilePermissions(local)
                    : permissions(mode);
            Files.setPosixFilePermissions(temp, permissions);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public void fetch(String remotePath, Path local) throws IOException {
        try {
            Files.copy(Path.of(remotePath), local, StandardCopyOption.REPLACE_EXISTING);
        } catch (NoSuchFileException e) {
            throw new RemoteFileNotFoundException(key.host() + ": no such file " + remotePath);
        }
    }

    @Override
    public boolean isAlive() {
        return !closed;
    }

    @Override
    public void close() {
        closed = true;
    }

    static Set<PosixFilePermission> permissions(int mode) {
        StringBuilder s = new StringBuilder();
        String letters = "rwxrwxrwx";
        for (int bit = 8; bit >= 0; bit--) {
            s.append((mode & (1 << bit)) != 0 ? letters.charAt(8 - bit) : '-');
        }
        return PosixFilePermissions.fromString(s.toString());
    }
}
