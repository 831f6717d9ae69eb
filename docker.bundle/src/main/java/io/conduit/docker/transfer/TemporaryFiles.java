package io.conduit.docker.transfer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.ConnectionException;
import io.conduit.docker.client.DockerClients;
import io.conduit.docker.client.ExecStream;
import io.conduit.api.support.ShellCommand;
import io.conduit.docker.exec.Container;
import io.conduit.docker.exec.Execs;

/**
 * Removes what a failed put left in the container (its temporary file), as root, with an exec that works after the
 * connection closed too, bounded in time; says where it was left when it could not.
 */
final class TemporaryFiles {
    private static final Logger LOG = LoggerFactory.getLogger(TemporaryFiles.class);

    private final Container target;
    private final String container;
    private final Execs execs;
    private final ExecutorService io;

    TemporaryFiles(Execs execs, ExecutorService io) {
        this.execs = execs;
        this.target = execs.container();
        this.container = target.name();
        this.io = io;
    }

    /** How long the removal of a failed put's temporary file may take at most. */
    private static final Duration CLEANUP_WAIT = Duration.ofSeconds(10);

    /**
     * Removes a temporary file of a failed put, as root, with an exec that also works after the connection closed, within
     * {@link #CLEANUP_WAIT}. The calling thread's interrupt flag is cleared while it runs (an interrupted put must
     * still clean up: the daemon is fine) and set again afterwards; a second interrupt meanwhile is kept too.
     *
     * @param cause the failure's own message, or {@code null}: a removal that failed for the same reason says so
     *        instead of repeating it
     * @return {@code ""} when it is gone, else the words that say where it was left and why
     */
    String remove(String temp, String cause) {
        return remove(temp, cause, new String[1]);
    }

    /** What {@link #removeNow} says when there was no temporary file (a rename had finished). */
    static final String NOT_THERE = new String("not there");

    /**
     * {@link #remove(String, String)}, telling in {@code found[0]} whether the
     * file was there: {@link #NOT_THERE} when it was not.
     */
    String remove(String temp, String cause, String[] found) {
        boolean interrupted = Thread.interrupted();
        String why;
        try {
            CompletableFuture<String> removal;
            try {
                removal = CompletableFuture.supplyAsync(() -> removeNow(temp), io);
            } catch (RejectedExecutionException e) {
                removal = CompletableFuture.completedFuture(removeNow(temp)); // the plugin stops
            }
            long until = System.nanoTime() + CLEANUP_WAIT.toNanos();
            while (true) {
                try {
                    why = removal.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                    found[0] = why;
                    if (why == NOT_THERE) {
                        why = null;
                    }
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // a second Ctrl-C: finish the bounded cleanup first
                } catch (java.util.concurrent.TimeoutException e) {
                    why = "its removal did not finish within " + Container.seconds(CLEANUP_WAIT);
                    break;
                } catch (ExecutionException e) {
                    why = DockerClients.words(e.getCause());
                    break;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        if (why == null) {
            return "";
        }
        LOG.debug("{}: temporary file {} in {} not removed: {}", target.host(), temp, container, why);
        return "; the temporary file " + temp + " may be left behind (" + (cause != null && cause.contains(why)
                ? "for the same reason" : why) + "): remove it with docker exec " + container + " rm -f "
                + ShellCommand.quotePath(temp);
    }

    /** @return {@code null} when the temporary file was removed, {@link #NOT_THERE} when there was none, else why not */
    private String removeNow(String temp) {
        String why;
        try {
            // nothing to remove where the daemon could not even reach the directory (not a directory, missing)
            String execId = execs.create(List.of("/bin/sh", "-c", "[ -e \"$1\" ] || [ -L \"$1\" ] || exit 3;"
                    + " rm -f -- \"$1\"", "sh", temp), List.of(), "0", null, false, false);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            try (ExecStream stream = execs.start(execId, false)) {
                Execs.demultiplex(stream.output(), false, Execs.capped(err), Execs.capped(err));
            }
            Long code = execs.exitCode(execId, Duration.ofSeconds(5));
            if (code != null && (code == 0 || code == 3)) {
                return code == 3 ? NOT_THERE : null;
            }
            why = code != null && (code == 126 || code == 127) ? "the container has no rm"
                    : err.toString(StandardCharsets.UTF_8).trim();
        } catch (IOException | RuntimeException e) {
            why = DockerClients.words(e);
        }
        return why.isEmpty() ? "rm failed without a word" : why;
    }

    /**
     * @param e a put's failure
     * @param left what {@link #remove} said: empty, or where the temporary file was left
     * @return the failure, its message completed with {@code left}
     */
    static ConnectionException withLeftover(ConnectionException e, String left) {
        if (left.isEmpty()) {
            return e;
        }
        return e instanceof ConnectFailedException ? new ConnectFailedException(e.getMessage() + left, e.getCause())
                : new ConnectionException(e.getMessage() + left, e.getCause());
    }
}
