package io.conduit.docker.transfer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.StopOutcome;
import io.conduit.docker.client.ExecStream;
import io.conduit.docker.exec.CommandRunner;
import io.conduit.docker.exec.Container;
import io.conduit.docker.exec.Execs;

/**
 * The exec streams of put and fetch through an exec ({@link ExecTransfer}): a command as root whose stdin and stdout
 * carry the file's bytes. Tracks them so that {@link #close} breaks them. Thread safe.
 */
final class ExecStreams {
    private final Container target;
    private final String container;
    private final Execs execs;
    private final CommandRunner runner;
    private final ExecutorService io;
    /** The exec streams of put and fetch through an exec: {@link #close} closes them. */
    private final Set<ExecStream> transfers = ConcurrentHashMap.newKeySet();

    ExecStreams(Execs execs, CommandRunner runner, ExecutorService io) {
        this.execs = execs;
        this.target = execs.container();
        this.container = target.name();
        this.runner = runner;
        this.io = io;
    }

    /** Whether an exec of /bin/sh failed to start because the container has none (the daemon's words). */
    static boolean noShellSaid(long code, String said) {
        return (code == 126 || code == 127) && said.contains("/bin/sh") && (said.contains("no such file")
                || said.contains("not found"));
    }

    ConnectionException noShellForMount(String what, String hiddenBy) {
        return new ConnectionException(what + " container \"" + container + "\": " + hiddenBy + " is a mount that"
                + " the archive API cannot see (tmpfs, or the runtime's own), and the container has no /bin/sh to"
                + " reach it through an exec; use a path outside " + hiddenBy);
    }

    /**
     * Runs an argument vector as root with its stdin from {@code input} (or none) and its stdout into {@code out},
     * on a stream that {@link #close} breaks. Without {@code /bin/sh} in the container, see {@link #noShellForMount}.
     *
     * @param what the operation, for messages
     * @return the exit code
     * @throws IOException reading {@code input} or writing {@code out} failed (after the exec ended), or the
     *         stream broke
     */
    long stream(List<String> argv, InputStream input, OutputStream out,
            ByteArrayOutputStream err, String what) throws IOException {
        String execId = execs.create(argv, List.of(), "0", null, false, input != null);
        ExecStream s;
        try {
            s = ExecStream.start(target.client(), execId, false);
        } catch (ExecStream.ExecRefusedException e) {
            throw target.problem(e.status(), e.getMessage(), e);
        }
        transfers.add(s);
        IOException local = null;
        try {
            if (input == null) {
                Execs.demultiplex(s.output(), false, out, Execs.capped(err));
            } else {
                CompletableFuture<Void> reading;
                try {
                    reading = CompletableFuture.runAsync(() -> {
                        try {
                            Execs.demultiplex(s.output(), false, out, Execs.capped(err));
                        } catch (IOException e) {
                            throw new CompletionException(e);
                        } finally {
                            // the command has ended (a write error, no space): the daemon reads no more of its
                            // stdin, so a write still in progress would block; the broken socket ends it
                            s.close();
                        }
                    }, io);
                } catch (RejectedExecutionException e) {
                    throw new ConnectionException("docker plugin stopped during " + what);
                }
                byte[] buffer = new byte[64 * 1024];
                try {
                    for (int n = 0; n >= 0; ) {
                        try {
                            n = input.read(buffer);
                        } catch (IOException e) {
                            local = e; // the script sees fewer bytes than announced and removes its file
                            break;
                        }
                        if (n > 0) {
                            s.stdin().write(buffer, 0, n);
                        }
                    }
                    s.closeStdin();
                } catch (IOException e) {
                    // the command ended early (it failed; its stderr says why) or the stream broke: see below
                }
                try {
                    reading.get();
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    s.close(); // the script sees its input end short and removes its temporary file
                    throw new CommandStoppedException(what + " in container \"" + container + "\" was interrupted;"
                            + " the transfer's script in the container removes its temporary file when it sees its"
                            + " input end short", StopOutcome.UNCONFIRMED, null);
                }
            }
        } catch (IOException e) {
            if (runner.isClosed()) {
                throw new ConnectionException("connection to container \"" + container + "\" was closed during "
                        + what + "; nothing was left behind (the transfer's script in the container removes its"
                        + " temporary file when its input ends short)", e);
            }
            throw e;
        } finally {
            transfers.remove(s);
            s.close();
        }
        Long code = execs.exitCode(execId, Duration.ofSeconds(10));
        if (local != null) {
            throw local;
        }
        if (code == null) {
            throw new ConnectionException("docker daemon gave no exit code for " + what + " in container \""
                    + container + "\"; check the daemon's log");
        }
        return code;
    }

    /** Breaks the streams in flight: their scripts see their input end short and remove their files. */
    void close() {
        for (ExecStream s : transfers) {
            s.close();
        }
        transfers.clear();
    }

    /** @return how many are in flight */
    int inFlight() {
        return transfers.size();
    }
}
