package io.conduit.docker.exec;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.support.WrappedCommand;
import io.conduit.docker.client.ExecStream;

/**
 * One exec in flight: its stream, the reader of its output, and its stop, which runs once whoever asks first
 * (the deadline, an interrupt, {@link CommandRunner#close}).
 */
final class RunningExec {
    private static final Logger LOG = LoggerFactory.getLogger(RunningExec.class);

    /**
     * How a stop went.
     *
     * @param outcome whether no process of the command is left
     * @param detail what the plugin did beyond the wrapper's stop, for the message, or {@code null}
     */
    record Stop(StopOutcome outcome, String detail) {
    }

    private final Container target;
    private final Execs execs;
    private final ExecutorService io;
    /** How long the wrapper gets to stop the command and report. */
    private final Duration stopWait;
    final String execId;
    final String marker;
    final ExecStream stream;
    /** The wrapped command, or {@code null} for a direct exec (no /bin/sh in the container). */
    final WrappedCommand wrapped;
    final boolean pty;
    /** Completed by {@link CommandRunner#close}. */
    final CompletableFuture<Void> stopRequested = new CompletableFuture<>();
    /** The stop's result. */
    final CompletableFuture<Stop> stopped = new CompletableFuture<>();
    volatile CompletableFuture<Void> reading;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean stopRunning = new AtomicBoolean();
    private final AtomicBoolean stdinClosed = new AtomicBoolean();
    private final AtomicBoolean outputFinished = new AtomicBoolean();
    private volatile boolean queued;
    private volatile boolean feeding;

    RunningExec(Execs execs, ExecutorService io, Duration stopWait, String execId, String marker, ExecStream stream,
            WrappedCommand wrapped, boolean pty) {
        this.execs = execs;
        this.target = execs.container();
        this.io = io;
        this.stopWait = stopWait;
        this.execId = execId;
        this.marker = marker;
        this.stream = stream;
        this.wrapped = wrapped;
        this.pty = pty;
    }

    /** Reads the output on an I/O thread, so the caller's thread can wait for a deadline or an interrupt. */
    void read(OutputStream out, OutputStream err) {
        try {
            reading = CompletableFuture.runAsync(() -> {
                try {
                    Execs.demultiplex(stream.output(), pty, out, err);
                } catch (IOException e) {
                    throw new CompletionException(e);
                }
            }, io);
        } catch (RejectedExecutionException e) {
            // the plugin is stopping: this command is stopped like one cut off by close
            reading = CompletableFuture.failedFuture(new ConnectionException("docker plugin stopped"));
            stopRequested.complete(null);
        }
    }

    /**
     * Writes the command's stdin on an I/O thread (the command may read it while its output is read).
     *
     * @param thenClose close stdin after it (a direct exec); the wrapper's stdin stays open
     */
    void feed(byte[] bytes, boolean thenClose) {
        feeding = true;
        try {
            io.execute(() -> {
                try {
                    stream.stdin().write(bytes);
                    stream.stdin().flush();
                    if (thenClose) {
                        closeStdin(false);
                    }
                } catch (IOException e) {
                    // the command ended without reading all of its stdin, or the stream was closed
                    LOG.debug("{}: stdin not fully written: {}", target.host(), e.toString());
                } finally {
                    feeding = false;
                }
            });
        } catch (RejectedExecutionException e) {
            feeding = false;
            stopRequested.complete(null);
        }
    }

    /**
     * Ends the exec's stdin (socket half-close; the daemon closes the exec's stdin). Under a pty a Ctrl-C goes
     * first (the terminal interrupts the command's foreground group).
     */
    void closeStdin(boolean interruptTerminal) {
        if (!stdinClosed.compareAndSet(false, true)) {
            return;
        }
        try {
            if (interruptTerminal && pty && !feeding) {
                stream.stdin().write(new byte[] {3});
                stream.stdin().flush();
            }
            stream.closeStdin();
        } catch (IOException e) {
            // the stream is gone already, which the daemon takes as the end of stdin too
        }
    }

    /** From {@link CommandRunner#close}: stop the command, the exec's thread reports. */
    void requestStop() {
        stopRequested.complete(null);
        stop();
    }

    /** Starts the stop once, on an I/O thread (so that a plugin's deactivation waits for it). */
    void stop() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        try {
            io.execute(this::runStop);
            queued = true;
        } catch (RejectedExecutionException e) {
            // the plugin is stopping: the exec's own thread runs the stop (stopAndWait)
        }
    }

    /** Stops the command (once) and waits for the outcome, bounded; keeps waiting through interrupts. */
    Stop stopAndWait() {
        stop();
        if (!queued) {
            runStop();
        }
        long bound = stopWait.toNanos() + 3 * target.killGrace().toNanos() + TimeUnit.SECONDS.toNanos(5);
        long deadline = System.nanoTime() + bound;
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return stopped.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException e) {
                    return new Stop(StopOutcome.UNCONFIRMED, "stopping it failed (" + e.getCause() + ")");
                } catch (TimeoutException e) {
                    stream.close();
                    finishOutput();
                    return new Stop(StopOutcome.UNCONFIRMED, "stopping it did not finish within "
                            + Container.seconds(Duration.ofNanos(bound)));
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void runStop() {
        if (!stopRunning.compareAndSet(false, true)) {
            return;
        }
        Stop result;
        try {
            result = stopNow();
        } catch (RuntimeException e) {
            result = new Stop(StopOutcome.UNCONFIRMED, "stopping it failed (" + e + ")");
        }
        stopped.complete(result);
    }

    /**
     * The stop: close stdin, upon which the wrapper sends SIGTERM to the command's process group, SIGKILL 2 s
     * later, and reports whether any process is left; wait for that report. When it does not confirm (a pty,
     * a process that survived, no report in time, a direct exec), kill every process whose environment holds
     * the exec's marker by a second exec and check that none is left.
     */
    private Stop stopNow() {
        if (target.isPaused()) {
            // frozen processes cannot act on a stop and the daemon refuses the kill's exec: the end of stdin
            // waits in the pipe, and the wrapper ends the command when the container resumes
            closeStdin(true);
            stream.close();
            awaitReading(Duration.ofSeconds(1));
            finishOutput();
            return new Stop(StopOutcome.UNCONFIRMED, target.paused() + "; the command is frozen"
                    + (wrapped != null ? " and is stopped as soon as the container resumes" : ""));
        }
        if (wrapped != null) {
            closeStdin(true);
            if (!pty && awaitReading(stopWait)) {
                finishOutput();
                if (wrapped.stopOutcome() == StopOutcome.CONFIRMED) {
                    return new Stop(StopOutcome.CONFIRMED, null);
                }
            }
        }
        stream.close();
        awaitReading(Duration.ofSeconds(1)); // a closed socket ends the reader at once
        finishOutput();
        String report = execs.kill(execId, marker);
        if (wrapped == null) {
            return new Stop(StopOutcome.UNCONFIRMED, report);
        }
        boolean gone = execs.gone(marker);
        return new Stop(gone ? StopOutcome.CONFIRMED : StopOutcome.UNCONFIRMED, report);
    }

    private boolean awaitReading(Duration wait) {
        try {
            reading.get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // done with a failure, or not done: isDone says
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return reading.isDone();
    }

    /** Tells the wrapper that the output is complete (once): it then gives up what it held back. */
    void finishOutput() {
        if (wrapped != null && outputFinished.compareAndSet(false, true)) {
            wrapped.ended();
        }
    }
}
