package io.conduit.docker.exec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.connection.Trace;
import io.conduit.api.connection.OutputBuffer;
import io.conduit.api.support.WrappedCommand;
import io.conduit.docker.client.DockerClients;
import io.conduit.docker.client.ExecStream;

/**
 * Runs commands in one container and stops them: each command is an exec through Conduit's command wrapper, its
 * output read on an I/O thread, and its stop (a deadline, an interrupt, {@link #close}) confirmed by the wrapper or
 * else by the fallback kill ({@link Execs#kill}). Tracks the commands in flight so that {@link #close} stops them.
 * Thread safe: commands may run concurrently.
 */
public final class CommandRunner {
    private static final Logger LOG = LoggerFactory.getLogger(CommandRunner.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Container target;
    /** The container's name, for messages. */
    private final String container;
    private final Execs execs;
    private final ExecutorService io;
    /** The execs in flight by their stream: {@link #close} stops them. */
    private final Map<ExecStream, RunningExec> streams = new ConcurrentHashMap<>();
    private volatile boolean closed;
    /** Learned from a failed start: the container has no /bin/sh, argument vectors run directly. */
    private volatile boolean noShell;

    /**
     * @param execs the container's exec calls
     * @param io the threads that read output, feed stdin and run stops; a rejected task stops the command
     */
    public CommandRunner(Execs execs, ExecutorService io) {
        this.execs = execs;
        this.target = execs.container();
        this.container = target.name();
        this.io = io;
    }

    /**
     * {@link #exec(Command, Trace)} without a trace (the transfers' own commands: mv, the file probe).
     *
     * @param command the command
     * @return its result
     * @throws IOException as {@link #exec(Command, Trace)}
     */
    public ExecResult exec(Command command) throws IOException {
        return exec(command, Trace.OFF);
    }

    /**
     * How long a stopped command's wrapper has at least to end its process group and report: SIGTERM, SIGKILL 2 s
     * later, then its check. A longer kill_grace lengthens it.
     */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    /** Why a command ends early: its own timeout, the caller's interrupt, {@link #close}, or a broken stream. */
    private enum Why { TIMEOUT, INTERRUPT, CLOSE, LOST }

    /**
     * Runs the command through Conduit's command wrapper ({@link WrappedCommand}): the exec is
     * {@code /bin/sh -c LINE} with its stdin attached and kept open while the command runs. Closing that stdin (a
     * timeout, an interrupt, {@link #close}, or this JVM dying: the daemon closes the exec's stdin when the
     * hijacked connection ends) makes the wrapper end the command's whole process group and report. In a
     * container without {@code /bin/sh} an argument vector runs directly, as before; its stops are unconfirmed.
     *
     * @param command the command
     * @param trace where the protocol steps are told
     * @return its result
     * @throws TimedOutException its timeout passed (the command was stopped; the exception says whether confirmed)
     * @throws CommandStoppedException the calling thread was interrupted, or {@link #close} cut it off
     * @throws ConnectionException the daemon or the container failed (paused, stopped, removed, unreachable)
     * @throws IOException another failure of the exec stream
     */
    public ExecResult exec(Command command, Trace trace) throws IOException {
        if (closed) {
            throw new ConnectionException("connection to container \"" + container + "\" is closed");
        }
        if (trace.on(Trace.PROTOCOL)) {
            trace.line(Trace.PROTOCOL, "docker: exec create and start on container " + target.shortId() + " (" + (command
                    .argv() != null && noShell ? "argv without /bin/sh" : "/bin/sh -c WRAPPER, line "
                    + WrappedCommand.of(command.withBecome(null).withEnv(Map.of()).withCwd(null)).line().length()
                    + " chars") + (command.env().isEmpty() ? "" : ", env " + command.env().keySet())
                    + (command.become() != null ? ", user " + command.become().user() : "") + ")");
        }
        if (command.argv() != null && noShell) {
            return run(command, null, System.nanoTime());
        }
        // the exec user is the become user (docker switches user itself, no password); environment and working
        // directory go through the API, so the daemon reports a missing directory or user as before
        WrappedCommand wrapped = WrappedCommand.of(command.withBecome(null).withEnv(Map.of()).withCwd(null));
        return run(command, wrapped, System.nanoTime());
    }

    /**
     * Runs one exec and waits for its end, its deadline, an interrupt or {@link #close}.
     *
     * @param wrapped the wrapped command, or {@code null} to run the argument vector directly (no /bin/sh)
     * @param started the {@link System#nanoTime()} the command's timeout counts from
     */
    private ExecResult run(Command command, WrappedCommand wrapped, long started)
            throws IOException {
        String marker = HexFormat.of().formatHex(randomBytes(12));
        String execUser = command.become() != null ? command.become().user() : target.user();
        List<String> argv = wrapped != null ? List.of("/bin/sh", "-c", wrapped.line())
                : command.argv() != null ? command.argv() : List.of("/bin/sh", "-c", command.line());
        List<String> env = new ArrayList<>();
        command.env().forEach((k, v) -> env.add(k + "=" + v));
        env.add(Execs.MARKER + "=" + marker);
        // with the wrapper, its input carries the environment's export lines first (kept off every command line)
        byte[] input = wrapped != null ? wrapped.input() : command.stdin();
        // the wrapper's stdin is its stop channel: attached always, open until the command ends or is stopped
        String execId = execs.create(argv, env, execUser, command.cwd(), command.pty(),
                wrapped != null || input.length > 0);
        OutputBuffer stdout = new OutputBuffer(command.outputLimit());
        OutputBuffer stderr = new OutputBuffer(command.outputLimit());
        ExecStream guard = wrapped != null && command.pty() ? guard(marker) : null;
        RunningExec run;
        try {
            run = start(command, execId, marker, wrapped, stdout, stderr);
        } catch (IOException | RuntimeException e) {
            release(guard);
            throw e;
        }
        try {
            if (input.length > 0) {
                run.feed(input, wrapped == null);
            }
            Why why = await(run, command.timeout(), started);
            if (why != null) {
                throw stopped(run, command, why, started, stdout, stderr);
            }
            run.finishOutput();
        } finally {
            streams.remove(run.stream);
            run.stream.close();
            release(guard);
        }
        Duration duration = Duration.ofNanos(System.nanoTime() - started);
        Long exit;
        try {
            exit = execs.exitCode(execId, Duration.ofSeconds(5));
        } catch (IOException e) {
            // the output ended because the daemon went away, not necessarily the command
            throw new ConnectionException("the output of " + command.brief() + " in container \"" + container
                    + "\" ended, but its exit code could not be read (" + e.getMessage() + "); "
                    + StopOutcome.UNCONFIRMED.description(), e);
        }
        if (exit == null) {
            throw new ConnectionException("docker daemon gave no exit code for " + command.brief() + " in container \""
                    + container + "\"; check the daemon's log");
        }
        int code = exit.intValue();
        if ((code == 126 || code == 127) && stdout.total() + stderr.total() > 0) {
            String text = new String(stdout.toByteArray(), StandardCharsets.UTF_8)
                    + new String(stderr.toByteArray(), StandardCharsets.UTF_8);
            if (wrapped != null && !wrapped.started() && command.argv() != null && text.contains("\"/bin/sh\"")
                    && (text.contains("no such file") || text.contains("not found"))) {
                // nothing ran: run the argument vector directly from now on (its stops cannot be confirmed)
                noShell = true;
                LOG.debug("{}: container {} has no /bin/sh; argument vectors run without the command wrapper",
                        target.host(), container);
                return run(command, null, started);
            }
            String program = command.argv() != null ? command.argv().get(0) : argv.get(0);
            boolean daemonSaid = text.contains("OCI runtime exec failed") || text.contains("executable file not found")
                    || text.contains("unable to find user") || text.contains("unable to find group");
            // through the wrapper a missing program is the shell's "sh: NAME: not found"
            boolean shellSaid = wrapped != null && wrapped.started() && command.argv() != null && code == 127
                    && (text.contains(program + ": not found") || text.contains(program + ": command not found"));
            if (daemonSaid || shellSaid) {
                // the daemon (or the shell) reports a failed start on the stream; say what to do
                OutputBuffer hint = new OutputBuffer(command.outputLimit());
                byte[] kept = stderr.toByteArray();
                hint.write(kept, 0, kept.length);
                byte[] advice = ("conduit: " + cannotStart(command, program, execUser, text) + "\n")
                        .getBytes(StandardCharsets.UTF_8);
                hint.write(advice, 0, advice.length);
                return ExecResult.of(code, stdout, hint, duration);
            }
        }
        return ExecResult.of(code, stdout, stderr, duration);
    }

    /**
     * Waits for the exec's output to end, the command's deadline, an interrupt or {@link #close}.
     *
     * @return why the command must be stopped, or {@code null} when its output ended by itself
     */
    private static Why await(RunningExec run, Duration timeout, long started) {
        CompletableFuture<Object> either = CompletableFuture.anyOf(run.reading, run.stopRequested);
        long deadline = timeout == null ? 0 : started + timeout.toNanos();
        while (true) {
            try {
                if (timeout == null) {
                    either.get();
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        return Why.TIMEOUT;
                    }
                    either.get(left, TimeUnit.NANOSECONDS);
                }
                break;
            } catch (TimeoutException e) {
                // the loop's deadline check decides
            } catch (ExecutionException e) {
                break; // the output failed: see below
            } catch (InterruptedException e) {
                return Why.INTERRUPT;
            }
        }
        if (run.stopRequested.isDone()) {
            return Why.CLOSE;
        }
        return run.reading.isCompletedExceptionally() ? Why.LOST : null;
    }

    /** Stops the command and builds the exception that says why and whether the stop was confirmed. */
    private IOException stopped(RunningExec run, Command command, Why why, long started, OutputBuffer stdout,
            OutputBuffer stderr) {
        // the stop's own waits must not fail on the interrupt that asked for it: set again before returning
        boolean interrupted = Thread.interrupted() | why == Why.INTERRUPT;
        RunningExec.Stop stop;
        Long exit = null;
        try {
            stop = run.stopAndWait();
            interrupted |= Thread.interrupted();
            try {
                exit = execs.exitCode(run.execId, Duration.ofMillis(200));
            } catch (IOException e) {
                // the partial result then has no exit code
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        ExecResult partial = ExecResult.of(exit == null ? -1 : exit.intValue(), stdout, stderr,
                Duration.ofNanos(System.nanoTime() - started));
        String what = command.brief() + " in container \"" + container + "\"";
        String said = (stop.detail() == null ? "" : stop.detail() + "; ") + stop.outcome().description();
        // no command text: a command line may hold a secret, and the runner logs it once, masked
        LOG.debug("{}: the command in container \"{}\" ended early ({}): {}", target.host(), container, why, said);
        return switch (why) {
            case TIMEOUT -> new TimedOutException(what + " did not finish within " + Container.seconds(command.timeout()) + "; "
                    + said, command.timeout(), partial, stop.outcome(), null);
            case INTERRUPT -> new CommandStoppedException(what + " was interrupted; " + said, stop.outcome(), partial);
            case CLOSE -> new CommandStoppedException("connection to container \"" + container + "\" was closed while "
                    + command.brief() + " ran; " + said, stop.outcome(), partial);
            case LOST -> {
                Throwable cause = failure(run.reading);
                yield new ConnectionException("lost the connection to the docker daemon at "
                        + target.address() + " while " + what + " ran (" + (cause == null
                        ? "the stream broke" : DockerClients.words(cause)) + "; dockerd stopped, or the container"
                        + " or the link went away); " + said, cause);
            }
        };
    }

    private static Throwable failure(CompletableFuture<?> future) {
        try {
            future.getNow(null);
            return null;
        } catch (CompletionException | java.util.concurrent.CancellationException e) {
            return e.getCause() != null ? e.getCause() : e;
        }
    }

    private String cannotStart(Command command, String program, String execUser, String daemonSaid) {
        if (daemonSaid.contains("unable to find user") || daemonSaid.contains("unable to find group")) {
            return "container \"" + container + "\" has no user \"" + execUser + "\"; set the user option (or the"
                    + " inventory's username, or the become user) to one in its /etc/passwd, or to a uid such as 1000";
        }
        if (command.cwd() != null && daemonSaid.contains("chdir")) {
            return "container \"" + container + "\" has no directory " + command.cwd() + " to run in";
        }
        if (command.line() != null) {
            return "container \"" + container + "\" has no /bin/sh to run a shell line; pass the command as an"
                    + " argument vector instead";
        }
        return "container \"" + container + "\" cannot start \"" + program + "\"; check that it exists in the"
                + " image and is executable (use an absolute path when it is not on PATH)";
    }

    /**
     * Starts a created exec as a tracked {@link RunningExec}: its output is read on an I/O thread, and {@link #close}
     * stops it.
     */
    private RunningExec start(Command command, String execId, String marker, WrappedCommand wrapped,
            OutputBuffer stdout, OutputBuffer stderr) throws IOException {
        ExecStream stream;
        try {
            stream = ExecStream.start(target.client(), execId, command.pty());
        } catch (ExecStream.ExecRefusedException e) {
            throw target.problem(e.status(), e.getMessage(), e);
        } catch (IOException e) {
            if (!Thread.currentThread().isInterrupted()) {
                if (e instanceof ConnectionException) {
                    throw e;
                }
                // the start request may have reached the daemon before the connection broke
                throw new ConnectionException("lost the connection to the docker daemon at " + target.address()
                        + " while starting " + command.brief() + " in container \"" + container + "\" ("
                        + DockerClients.words(e) + "); " + StopOutcome.UNCONFIRMED.description(), e);
            }
            // interrupted while starting (the socket closed under it): the exec may have started with its stdin
            // already ended, which the wrapper takes as a stop; make sure of it
            Thread.interrupted();
            RunningExec.Stop stop;
            try {
                String report = execs.kill(execId, marker);
                boolean gone = wrapped != null && execs.gone(marker);
                stop = new RunningExec.Stop(gone ? StopOutcome.CONFIRMED : StopOutcome.UNCONFIRMED, report);
            } finally {
                Thread.currentThread().interrupt();
            }
            throw new CommandStoppedException(command.brief() + " in container \"" + container + "\" was interrupted while"
                    + " it started; " + stop.detail() + "; " + stop.outcome().description(), stop.outcome(), null);
        }
        RunningExec run = new RunningExec(execs, io, stopWait(), execId, marker, stream, wrapped, command.pty());
        // the reader first: close() may stop the run as soon as it is registered
        run.read(wrapped == null ? stdout : wrapped.stdout(stdout), wrapped == null ? stderr : wrapped.stderr(stderr));
        streams.put(stream, run);
        if (closed) {
            // close() ran between the start and the registration and did not see this command: stop it here
            run.requestStop();
        }
        return run;
    }

    /**
     * Under a pty the terminal is the command's input, and docker keeps the terminal open when the hijacked
     * connection ends, so nothing in the container would notice that this JVM died. A pty command therefore gets a
     * guard: a second exec (root, no tty) that waits on its own stdin, kept open like the wrapper's. "ok" means the
     * command's run is over; end of file (this JVM died: the daemon closes the guard's stdin) makes it kill every
     * process that carries the command's marker.
     */
    private ExecStream guard(String marker) throws IOException {
        String script = "exec >/dev/null 2>&1; read -r l; [ \"$l\" = ok ] && exit 0; " + Execs.killScript(marker);
        String execId = execs.create(List.of("/bin/sh", "-c", script), List.of(), "0", null, false, true);
        return execs.start(execId, false);
    }

    /** Tells a guard that the command's run is over (it then exits without killing) and lets it go. */
    private static void release(ExecStream guard) {
        if (guard == null) {
            return;
        }
        try {
            guard.stdin().write("ok\n".getBytes(StandardCharsets.US_ASCII));
            guard.closeStdin();
        } catch (IOException e) {
            // the guard is gone: it killed nothing, or the container stopped
        } finally {
            guard.close();
        }
    }

    /** How long the wrapper gets to stop a command and report. */
    private Duration stopWait() {
        Duration grace = target.killGrace();
        return grace != null && grace.compareTo(STOP_WAIT) > 0 ? grace : STOP_WAIT;
    }


    /**
     * Stops the commands in flight (their stdin is closed: the wrapper ends each process group, on I/O threads that
     * a plugin's deactivation waits for; the threads running them report the outcome). Later commands are stopped
     * as soon as they start. Never throws.
     */
    public void close() {
        closed = true;
        for (RunningExec run : streams.values()) {
            // a command cut off by close (host timeout, disconnect, shutdown, upgrade) must not keep running
            run.requestStop();
        }
        streams.clear();
    }

    /** @return whether {@link #close} was called */
    public boolean isClosed() {
        return closed;
    }

    /** @return whether the container turned out to have no {@code /bin/sh} (argument vectors then run directly) */
    public boolean noShell() {
        return noShell;
    }

    /** Records that the container has no {@code /bin/sh}, as a transfer learned it. */
    public void learnedNoShell() {
        noShell = true;
    }

    /** @return how many exec streams are open, for tests */
    public int streamsInFlight() {
        return streams.size();
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }
}
