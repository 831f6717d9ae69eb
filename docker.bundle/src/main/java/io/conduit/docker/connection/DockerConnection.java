package io.conduit.docker.connection;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.dockerjava.api.command.ExecCreateCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.InspectExecResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.support.FileNames;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.support.FileProblemProbe;
import io.conduit.api.support.OutputBuffer;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.api.connection.Trace;
import io.conduit.api.support.WrappedCommand;
import io.conduit.docker.archive.Tar;
import io.conduit.docker.client.DockerClients;
import io.conduit.docker.client.DockerDefaults;
import io.conduit.docker.client.DockerEndpoint;
import io.conduit.docker.client.ExecStream;

/**
 * A connection to one running container. Stateless towards the daemon apart from the exec streams in flight, so
 * exec, put and fetch may run concurrently; {@link #close} stops the commands in flight (see {@link #exec}).
 */
final class DockerConnection implements Connection {
    /**
     * Set in every exec's environment, so that a command and its children can be found and killed when the command
     * wrapper could not confirm their stop (or there is no wrapper: no /bin/sh).
     */
    static final String MARKER = "CONDUIT_EXEC_ID";

    private static final Logger LOG = LoggerFactory.getLogger(DockerConnection.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_LINK_HOPS = 8;

    private final ConnectionKey key;
    private final DockerPlugin plugin;
    /** The execs in flight by their stream: {@link #close} stops them. */
    private final Map<ExecStream, Run> streams = new ConcurrentHashMap<>();
    private final Set<InputStream> downloads = ConcurrentHashMap.newKeySet();
    /** The exec streams of put and fetch through an exec: {@link #close} closes them. */
    private final Set<ExecStream> transfers = ConcurrentHashMap.newKeySet();
    /** Which paths the archive API cannot see, from the inspection at open. */
    private volatile ArchiveView view = new ArchiveView(Map.of());
    private volatile boolean closed;
    private volatile DockerClients.Client client;
    private volatile String container;
    private volatile String containerId;
    private volatile String user;
    private volatile String containerUser;
    /** The container's working directory (Config.WorkingDir, {@code /} when empty): relative paths start there. */
    private volatile String workingDir = "/";
    private volatile Duration killGrace;
    private final AtomicReference<int[]> owner = new AtomicReference<>();
    /** How put renames: null unknown, "" no mv, "-f" plain, "-fT" never into a directory. */
    private volatile String moveFlags;
    /** Learned from a failed start: the container has no /bin/sh, argument vectors run directly. */
    private volatile boolean noShell;

    DockerConnection(ConnectionKey key, DockerPlugin plugin) {
        this.key = key;
        this.plugin = plugin;
    }

    @Override
    public void open(ConnectionParams params) throws IOException {
        open(params, Trace.OFF);
    }

    @Override
    public void open(ConnectionParams params, Trace trace) throws IOException {
        DockerDefaults.Host host;
        try {
            host = plugin.defaults().forHost(params);
        } catch (IllegalArgumentException e) {
            throw new ConnectFailedException(key.host() + ": " + e.getMessage(), e);
        }
        DockerEndpoint endpoint = host.endpoint();
        killGrace = host.killGrace();
        container = host.container();
        user = host.user();
        DockerClients.Client c = plugin.clients().get(endpoint);
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "docker: daemon " + endpoint.address() + (endpoint.usesTls() ? " (TLS, "
                    + (endpoint.tlsVerify() ? "verified)" : "NOT verified)") : "")
                    + ", container \"" + container + "\"");
        }
        InspectContainerResponse info;
        try {
            info = c.api().inspectContainerCmd(container).exec();
        } catch (NotFoundException e) {
            throw new ConnectFailedException("no container \"" + container + "\" on the docker daemon at "
                    + endpoint.address() + "; check the name with docker ps -a, or set the host's"
                    + " connection_options.docker.extras.container", e);
        } catch (RuntimeException e) {
            throw DockerClients.describe(e, endpoint);
        }
        InspectContainerResponse.ContainerState state = info.getState();
        if (state == null || !Boolean.TRUE.equals(state.getRunning())) {
            throw new ConnectFailedException(notRunning(endpoint, state));
        }
        if (Boolean.TRUE.equals(state.getPaused())) {
            throw new ConnectFailedException("container \"" + container + "\" on " + endpoint.address()
                    + " is paused (docker pause); resume it with: docker unpause " + container);
        }
        containerId = info.getId();
        if (info.getName() != null && !info.getName().isBlank()) {
            // messages name the container as docker ps shows it, even when the inventory gave its id
            container = info.getName().startsWith("/") ? info.getName().substring(1) : info.getName();
        }
        containerUser = info.getConfig() == null ? null : info.getConfig().getUser();
        String wd = info.getConfig() == null ? null : info.getConfig().getWorkingDir();
        workingDir = wd == null || wd.isBlank() ? "/" : wd.trim();
        view = ArchiveView.of(info);
        client = c;
        if (trace.on(Trace.DETAIL)) {
            trace.line(Trace.DETAIL, "docker: container " + container + " (" + shortId() + ", image "
                    + (info.getConfig() == null ? "?" : info.getConfig().getImage()) + ") is running; exec user "
                    + (user != null ? user + " (inventory)" : containerUser == null || containerUser.isBlank()
                            ? "the image's default (root)" : containerUser + " (the image's)") + ", kill_grace "
                    + killGrace.toMillis() + " ms; put and fetch go through an exec under " + view.hidden()
                    + " (the archive API cannot see them)");
        }
        LOG.debug("{}: container {} ({}) on {} is running", key.host(), container, shortId(), endpoint.address());
        if (closed) {
            throw new ConnectionException("connection to container \"" + container + "\" was closed while opening");
        }
    }

    private String notRunning(DockerEndpoint endpoint, InspectContainerResponse.ContainerState state) {
        String status = state == null ? "unknown" : state.getStatus();
        Long code = state == null ? null : state.getExitCodeLong();
        return "container \"" + container + "\" on " + endpoint.address() + " is not running (status " + status
                + (code != null && !"created".equals(status) ? ", exit code " + code : "") + "); start it with: docker start "
                + container;
    }

    // ---------------------------------------------------------------- exec

    /**
     * How long a stopped command's wrapper has at least to end its process group and report: SIGTERM, SIGKILL 2 s
     * later, then its check. A longer kill_grace lengthens it.
     */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    /** Why a command ends early: its own timeout, the caller's interrupt, {@link #close}, or a broken stream. */
    private enum Why { TIMEOUT, INTERRUPT, CLOSE, LOST }

    /**
     * How a stop went.
     *
     * @param outcome whether no process of the command is left
     * @param detail what the plugin did beyond the wrapper's stop, for the message, or {@code null}
     */
    private record Stop(StopOutcome outcome, String detail) {
    }

    /**
     * Runs the command through Conduit's command wrapper ({@link WrappedCommand}): the exec is
     * {@code /bin/sh -c LINE} with its stdin attached and kept open while the command runs. Closing that stdin (a
     * timeout, an interrupt, {@link #close}, or this JVM dying: the daemon closes the exec's stdin when the
     * hijacked connection ends) makes the wrapper end the command's whole process group and report. In a
     * container without {@code /bin/sh} an argument vector runs directly, as before; its stops are unconfirmed.
     */
    @Override
    public ExecResult exec(Command command) throws IOException {
        return exec(command, Trace.OFF);
    }

    @Override
    public ExecResult exec(Command command, Trace trace) throws IOException {
        DockerClients.Client c = ready();
        if (trace.on(Trace.PROTOCOL)) {
            trace.line(Trace.PROTOCOL, "docker: exec create and start on container " + shortId() + " (" + (command
                    .argv() != null && noShell ? "argv without /bin/sh" : "/bin/sh -c WRAPPER, line "
                    + WrappedCommand.of(command.withBecome(null).withEnv(Map.of()).withCwd(null)).line().length()
                    + " chars") + (command.env().isEmpty() ? "" : ", env " + command.env().keySet())
                    + (command.become() != null ? ", user " + command.become().user() : "") + ")");
        }
        if (command.argv() != null && noShell) {
            return run(c, command, null, System.nanoTime());
        }
        // the exec user is the become user (docker switches user itself, no password); environment and working
        // directory go through the API, so the daemon reports a missing directory or user as before
        WrappedCommand wrapped = WrappedCommand.of(command.withBecome(null).withEnv(Map.of()).withCwd(null));
        return run(c, command, wrapped, System.nanoTime());
    }

    /**
     * Runs one exec and waits for its end, its deadline, an interrupt or {@link #close}.
     *
     * @param wrapped the wrapped command, or {@code null} to run the argument vector directly (no /bin/sh)
     * @param started the {@link System#nanoTime()} the command's timeout counts from
     */
    private ExecResult run(DockerClients.Client c, Command command, WrappedCommand wrapped, long started)
            throws IOException {
        String marker = HexFormat.of().formatHex(randomBytes(12));
        String execUser = command.become() != null ? command.become().user() : user;
        List<String> argv = wrapped != null ? List.of("/bin/sh", "-c", wrapped.line())
                : command.argv() != null ? command.argv() : List.of("/bin/sh", "-c", command.line());
        List<String> env = new ArrayList<>();
        command.env().forEach((k, v) -> env.add(k + "=" + v));
        env.add(MARKER + "=" + marker);
        // with the wrapper, its input carries the environment's export lines first (kept off every command line)
        byte[] input = wrapped != null ? wrapped.input() : command.stdin();
        // the wrapper's stdin is its stop channel: attached always, open until the command ends or is stopped
        String execId = createExec(c, argv, env, execUser, command.cwd(), command.pty(),
                wrapped != null || input.length > 0);
        OutputBuffer stdout = new OutputBuffer(command.outputLimit());
        OutputBuffer stderr = new OutputBuffer(command.outputLimit());
        ExecStream guard = wrapped != null && command.pty() ? guard(c, marker) : null;
        Run run;
        try {
            run = start(c, command, execId, marker, wrapped, stdout, stderr);
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
            exit = exitCode(c, execId, Duration.ofSeconds(5));
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
                        key.host(), container);
                return run(c, command, null, started);
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
    private static Why await(Run run, Duration timeout, long started) {
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
    private IOException stopped(Run run, Command command, Why why, long started, OutputBuffer stdout,
            OutputBuffer stderr) {
        // the stop's own waits must not fail on the interrupt that asked for it: set again before returning
        boolean interrupted = Thread.interrupted() | why == Why.INTERRUPT;
        Stop stop;
        Long exit = null;
        try {
            stop = run.stopAndWait();
            interrupted |= Thread.interrupted();
            try {
                exit = exitCode(run.client, run.execId, Duration.ofMillis(200));
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
        LOG.debug("{}: the command in container \"{}\" ended early ({}): {}", key.host(), container, why, said);
        return switch (why) {
            case TIMEOUT -> new TimedOutException(what + " did not finish within " + seconds(command.timeout()) + "; "
                    + said, command.timeout(), partial, stop.outcome(), null);
            case INTERRUPT -> new CommandStoppedException(what + " was interrupted; " + said, stop.outcome(), partial);
            case CLOSE -> new CommandStoppedException("connection to container \"" + container + "\" was closed while "
                    + command.brief() + " ran; " + said, stop.outcome(), partial);
            case LOST -> {
                Throwable cause = failure(run.reading);
                yield new ConnectionException("lost the connection to the docker daemon at "
                        + run.client.endpoint().address() + " while " + what + " ran (" + (cause == null
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

    private String createExec(DockerClients.Client c, List<String> argv, List<String> env, String execUser,
            String cwd, boolean tty, boolean withStdin) throws IOException {
        try {
            ExecCreateCmd create = c.api().execCreateCmd(containerId)
                    .withCmd(argv.toArray(String[]::new))
                    .withEnv(env)
                    .withAttachStdout(true)
                    .withAttachStderr(true)
                    .withAttachStdin(withStdin)
                    .withTty(tty);
            if (execUser != null && !execUser.isBlank()) {
                create.withUser(execUser);
            }
            if (cwd != null) {
                create.withWorkingDir(cwd);
            }
            return create.exec().getId();
        } catch (RuntimeException e) {
            throw containerProblem(c, e);
        }
    }

    /**
     * Starts a created exec as a tracked {@link Run}: its output is read on an I/O thread, and {@link #close}
     * stops it.
     */
    private Run start(DockerClients.Client c, Command command, String execId, String marker, WrappedCommand wrapped,
            OutputBuffer stdout, OutputBuffer stderr) throws IOException {
        ExecStream stream;
        try {
            stream = ExecStream.start(c, execId, command.pty());
        } catch (ExecStream.ExecRefusedException e) {
            throw containerProblem(c, e.status(), e.getMessage(), e);
        } catch (IOException e) {
            if (!Thread.currentThread().isInterrupted()) {
                if (e instanceof ConnectionException) {
                    throw e;
                }
                // the start request may have reached the daemon before the connection broke
                throw new ConnectionException("lost the connection to the docker daemon at " + c.endpoint().address()
                        + " while starting " + command.brief() + " in container \"" + container + "\" ("
                        + DockerClients.words(e) + "); " + StopOutcome.UNCONFIRMED.description(), e);
            }
            // interrupted while starting (the socket closed under it): the exec may have started with its stdin
            // already ended, which the wrapper takes as a stop; make sure of it
            Thread.interrupted();
            Stop stop;
            try {
                String report = kill(c, execId, marker);
                boolean gone = wrapped != null && gone(c, marker);
                stop = new Stop(gone ? StopOutcome.CONFIRMED : StopOutcome.UNCONFIRMED, report);
            } finally {
                Thread.currentThread().interrupt();
            }
            throw new CommandStoppedException(command.brief() + " in container \"" + container + "\" was interrupted while"
                    + " it started; " + stop.detail() + "; " + stop.outcome().description(), stop.outcome(), null);
        }
        Run run = new Run(c, execId, marker, stream, wrapped, command.pty());
        // the reader first: close() may stop the run as soon as it is registered
        run.read(wrapped == null ? stdout : wrapped.stdout(stdout), wrapped == null ? stderr : wrapped.stderr(stderr));
        streams.put(stream, run);
        if (closed) {
            // close() ran between the start and the registration and did not see this command: stop it here
            run.requestStop();
        }
        return run;
    }

    /** Starts a created exec that is not tracked (the killer itself): works on a closed connection too. */
    private ExecStream startUntracked(DockerClients.Client c, String execId) throws IOException {
        try {
            return ExecStream.start(c, execId, false);
        } catch (ExecStream.ExecRefusedException e) {
            throw containerProblem(c, e.status(), e.getMessage(), e);
        }
    }

    /**
     * Under a pty the terminal is the command's input, and docker keeps the terminal open when the hijacked
     * connection ends, so nothing in the container would notice that this JVM died. A pty command therefore gets a
     * guard: a second exec (root, no tty) that waits on its own stdin, kept open like the wrapper's. "ok" means the
     * command's run is over; end of file (this JVM died: the daemon closes the guard's stdin) makes it kill every
     * process that carries the command's marker.
     */
    private ExecStream guard(DockerClients.Client c, String marker) throws IOException {
        String script = "exec >/dev/null 2>&1; read -r l; [ \"$l\" = ok ] && exit 0; " + killScript(marker);
        String execId = createExec(c, List.of("/bin/sh", "-c", script), List.of(), "0", null, false, true);
        return startUntracked(c, execId);
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
        Duration grace = killGrace;
        return grace != null && grace.compareTo(STOP_WAIT) > 0 ? grace : STOP_WAIT;
    }

    /**
     * One exec in flight: its stream, the reader of its output, and its stop, which runs once whoever asks first
     * (the deadline, an interrupt, {@link #close}).
     */
    private final class Run {
        final DockerClients.Client client;
        final String execId;
        final String marker;
        final ExecStream stream;
        /** The wrapped command, or {@code null} for a direct exec (no /bin/sh in the container). */
        final WrappedCommand wrapped;
        final boolean pty;
        /** Completed by {@link DockerConnection#close}. */
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

        Run(DockerClients.Client client, String execId, String marker, ExecStream stream, WrappedCommand wrapped,
                boolean pty) {
            this.client = client;
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
                        demultiplex(stream.output(), pty, out, err);
                    } catch (IOException e) {
                        throw new CompletionException(e);
                    }
                }, plugin.io());
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
                plugin.io().execute(() -> {
                    try {
                        stream.stdin().write(bytes);
                        stream.stdin().flush();
                        if (thenClose) {
                            closeStdin(false);
                        }
                    } catch (IOException e) {
                        // the command ended without reading all of its stdin, or the stream was closed
                        LOG.debug("{}: stdin not fully written: {}", key.host(), e.toString());
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

        /** From {@link DockerConnection#close}: stop the command, the exec's thread reports. */
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
                plugin.io().execute(this::runStop);
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
            long bound = stopWait().toNanos() + 3 * killGrace.toNanos() + TimeUnit.SECONDS.toNanos(5);
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
                                + seconds(Duration.ofNanos(bound)));
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
            if (isPaused(client)) {
                // frozen processes cannot act on a stop and the daemon refuses the kill's exec: the end of stdin
                // waits in the pipe, and the wrapper ends the command when the container resumes
                closeStdin(true);
                stream.close();
                awaitReading(Duration.ofSeconds(1));
                finishOutput();
                return new Stop(StopOutcome.UNCONFIRMED, paused(client) + "; the command is frozen"
                        + (wrapped != null ? " and is stopped as soon as the container resumes" : ""));
            }
            if (wrapped != null) {
                closeStdin(true);
                if (!pty && awaitReading(stopWait())) {
                    finishOutput();
                    if (wrapped.stopOutcome() == StopOutcome.CONFIRMED) {
                        return new Stop(StopOutcome.CONFIRMED, null);
                    }
                }
            }
            stream.close();
            awaitReading(Duration.ofSeconds(1)); // a closed socket ends the reader at once
            finishOutput();
            String report = kill(client, execId, marker);
            if (wrapped == null) {
                return new Stop(StopOutcome.UNCONFIRMED, report);
            }
            boolean gone = gone(client, marker);
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

    /** Copies the exec's output: frames of [type, 0, 0, 0, size (4 bytes, big endian)] unless tty. */
    static void demultiplex(InputStream in, boolean tty, OutputStream stdout, OutputStream stderr) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        if (tty) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                stdout.write(buffer, 0, n);
            }
            return;
        }
        byte[] header = new byte[8];
        while (true) {
            int got = in.readNBytes(header, 0, 8);
            if (got == 0) {
                return;
            }
            if (got < 8) {
                throw new EOFException("exec stream ends inside a frame header");
            }
            long size = ((header[4] & 0xffL) << 24) | ((header[5] & 0xff) << 16) | ((header[6] & 0xff) << 8)
                    | (header[7] & 0xff);
            OutputStream target = header[0] == 2 ? stderr : stdout;
            while (size > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, size));
                if (n < 0) {
                    throw new EOFException("exec stream ends inside a frame");
                }
                target.write(buffer, 0, n);
                size -= n;
            }
        }
    }

    /** Polls the exec's inspection for its exit code: nothing signals it beyond the stream's end. */
    private Long exitCode(DockerClients.Client c, String execId, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        long pause = 2;
        while (true) {
            InspectExecResponse inspect;
            try {
                inspect = c.api().inspectExecCmd(execId).exec();
            } catch (RuntimeException e) {
                throw containerProblem(c, e);
            }
            if (!Boolean.TRUE.equals(inspect.isRunning()) && inspect.getExitCodeLong() != null) {
                return inspect.getExitCodeLong();
            }
            if (System.nanoTime() > deadline) {
                return null;
            }
            try {
                TimeUnit.MILLISECONDS.sleep(pause); // polling with a deadline: the API has no exit event for execs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ConnectionException("interrupted while waiting for the exit code in \"" + container + "\"");
            }
            pause = Math.min(pause * 2, 50);
        }
    }

    /**
     * The fallback stop, when the wrapper did not confirm one: kills the command and its children, every process of
     * the container whose environment holds the exec's marker. The exec inspection's pid is the daemon's host pid,
     * which means nothing inside the container's pid namespace, so the marker finds them instead. Needs {@code sh},
     * {@code tr}, {@code grep} and {@code kill} in the container.
     *
     * @return what happened, for the exception's message
     */
    private String kill(DockerClients.Client c, String execId, String marker) {
        long deadline = System.nanoTime() + killGrace.toNanos();
        while (true) {
            String report = killOnce(c, marker);
            if (report != null) {
                return report;
            }
            // no process carries the marker: the command has ended, or the daemon has not started it yet
            try {
                InspectExecResponse inspect = c.api().inspectExecCmd(execId).exec();
                if (!Boolean.TRUE.equals(inspect.isRunning()) && inspect.getExitCodeLong() != null) {
                    return "it had already ended when it was to be killed";
                }
            } catch (RuntimeException e) {
                return "it could NOT be stopped (" + DockerClients.words(e) + ")";
            }
            if (System.nanoTime() > deadline) {
                return "it could NOT be stopped: no process of it was found within " + seconds(killGrace);
            }
            try {
                TimeUnit.MILLISECONDS.sleep(20); // polling with a deadline: nothing signals a started exec
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "it could NOT be stopped (interrupted)";
            }
        }
    }

    /**
     * After {@link #kill}: whether no process of the container carries the marker any more (each look kills what it
     * still finds; three looks at most).
     */
    private boolean gone(DockerClients.Client c, String marker) {
        for (int look = 0; look < 3; look++) {
            String report = killOnce(c, marker);
            if (report == null) {
                return true;
            }
            if (!report.startsWith("it was killed")) {
                return false; // the look itself failed
            }
        }
        return false;
    }

    /**
     * The script that kills every process of the container whose environment holds the marker and prints their
     * pids: freeze first (SIGSTOP, repeated until no new process appears), then SIGKILL all; a parent killed after
     * its child could otherwise still run its next line.
     */
    private static String killScript(String marker) {
        return "all=; for round in 1 2 3 4 5; do new=; for p in /proc/[0-9]*; do q=${p#/proc/};"
                + " case \" $all \" in *\" $q \"*) continue;; esac;"
                + " if tr '\\0' '\\n' 2>/dev/null < $p/environ | grep -qx " + MARKER + "=" + marker
                + "; then new=\"$new $q\"; fi; done; [ -z \"$new\" ] && break; kill -STOP $new 2>/dev/null;"
                + " all=\"$all $new\"; done; [ -n \"$all\" ] && kill -9 $all 2>/dev/null; echo $all";
    }

    /** @return what happened, or {@code null} when no process carried the marker */
    private String killOnce(DockerClients.Client c, String marker) {
        String script = killScript(marker);
        try {
            String execId = createExec(c, List.of("/bin/sh", "-c", script), List.of(), "0", null, false, false);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            ExecStream stream = startUntracked(c, execId);
            ScheduledFuture<?> stop = plugin.deadlines().schedule(stream::close, killGrace.toMillis(),
                    TimeUnit.MILLISECONDS);
            try {
                demultiplex(stream.output(), false, capped(out), capped(err));
            } finally {
                stop.cancel(false);
                stream.close();
            }
            Long code = exitCode(c, execId, Duration.ofSeconds(1));
            String pids = out.toString(StandardCharsets.UTF_8).trim().replace('\n', ' ');
            if (code != null && code == 0 && !pids.isEmpty()) {
                LOG.debug("{}: killed processes {} of a stopped command in {}", key.host(), pids, container);
                return "it was killed (kill -9 of pid " + pids + " in the container)";
            }
            if (code != null && (code == 126 || code == 127)) {
                return "it could NOT be stopped: container \"" + container + "\" has no sh/kill to stop it with,"
                        + " and the Engine API cannot kill an exec";
            }
            return pids.isEmpty() && code != null && code == 0 ? null
                    : "killing it failed (" + err.toString(StandardCharsets.UTF_8).trim() + ")";
        } catch (IOException | RuntimeException e) {
            return "it could NOT be stopped (" + DockerClients.words(e) + ")";
        }
    }

    private static OutputStream capped(ByteArrayOutputStream out) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                if (out.size() < 64 * 1024) {
                    out.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                out.write(b, off, Math.max(0, Math.min(len, 64 * 1024 - out.size())));
            }
        };
    }

    // ---------------------------------------------------------------- put / fetch

    @Override
    public void put(Path local, String remotePath, int mode) throws IOException {
        put(local, remotePath, mode, Trace.OFF);
    }

    /**
     * Puts through the archive API (a one-entry tar under a temporary name in the target's directory, then
     * {@code mv} as root), or through an exec for a directory the archive API cannot see ({@link ArchiveView},
     * {@link ExecTransfer}). A failure removes the temporary file (the daemon may have written part of it) and
     * throws {@link TransferFailedException} when its cause is known: from the daemon's or the command's
     * {@code errno} text ({@link FileProblem#fromErrorText}), the daemon's own "marked read-only" refusal, or else
     * a {@link FileProblemProbe} run as root in the container. A relative {@code remotePath} is read against the
     * container's working directory ({@link #absolute}).
     *
     * @throws CommandStoppedException the calling thread was interrupted (its flag is set again): the upload or
     *         the rename was stopped and the temporary file removed ({@code CONFIRMED}), or its message says where
     *         it was left ({@code UNCONFIRMED})
     * @throws ConnectFailedException the container is paused ({@code docker unpause}), stopped or gone
     * @throws TransferFailedException the cause is known; nothing was left behind
     * @throws ConnectionException another failure; its message says whether the temporary file could be removed
     */
    @Override
    public void put(Path local, String remotePath, int mode, Trace trace) throws IOException {
        DockerClients.Client c = ready();
        remotePath = FileNames.intoDirectory(absolute("put", remotePath), local.getFileName().toString());
        int slash = remotePath.lastIndexOf('/');
        String directory = slash == 0 ? "/" : remotePath.substring(0, slash);
        String name = remotePath.substring(slash + 1);
        long size = Files.size(local);
        int bits = mode == KEEP_MODE ? localMode(local) : mode;
        long mtime = Files.getLastModifiedTime(local).toMillis() / 1000;
        String hiddenBy = view.hiddenBy(directory);
        if (hiddenBy != null) {
            putByExec(c, local, remotePath, directory, size, bits, mtime, hiddenBy, trace);
            return;
        }
        int[] ids = owner(c);
        String flags = moveFlags(c);
        boolean atomic = !flags.isEmpty();
        if (atomic && isPaused(c)) {
            // the archive API writes into a paused container, but the rename (and any cleanup) needs an exec
            throw new ConnectFailedException(paused(c));
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
            c.api().copyArchiveToContainerCmd(containerId).withRemotePath(directory).withTarInputStream(tar).exec();
        } catch (NotFoundException e) {
            if (isContainerGone(e)) {
                throw containerProblem(c, e);
            }
            // 404 "Could not find the file DIR in container": nothing was written
            throw new TransferFailedException("put", remotePath, FileProblem.MISSING_DIRECTORY, e);
        } catch (RuntimeException e) {
            if (isContainerGone(e)) {
                throw containerProblem(c, e);
            }
            if (!(e instanceof DockerException)) {
                if (interruptedBy(e)) {
                    // Ctrl-C or the run's deadline cut the upload (the JDK closes an interrupted socket, which
                    // docker-java reports as a failed connection): the daemon is fine, so clean up and say so
                    throw interrupted("put " + remotePath, atomic ? c : null, temp, remotePath);
                }
                // the upload broke (the daemon went away, the local file could not be read): the daemon may have
                // written part of the temporary file
                ConnectionException failed = DockerClients.describe(e, c.endpoint());
                throw withLeftover(failed, atomic ? removeTemporary(c, temp, failed.getMessage()) : "");
            }
            throw putFailed(c, remotePath, size, atomic ? temp : null, daemonWords(e.getMessage()), e);
        }
        if (!atomic) {
            return;
        }
        ExecResult moved;
        try {
            moved = exec(Command.argv(List.of("mv", flags, "--", temp, remotePath)).withBecome(
                    io.conduit.api.connection.Become.sudo("0", null)).withTimeout(Duration.ofSeconds(60)));
        } catch (CommandStoppedException e) {
            if (!Thread.currentThread().isInterrupted()) {
                throw withLeftover(e, removeTemporary(c, temp, e.getMessage())); // close() during the rename
            }
            // interrupted during the rename: the mv may have finished before it was stopped, and then the put is
            // complete (the interrupt flag stays set for the caller); else the temporary file is removed
            String[] found = new String[1];
            String left = removeTemporary(c, temp, null, found);
            if (found[0] == NOT_THERE) {
                return;
            }
            throw new CommandStoppedException("put " + remotePath + " in container \"" + container + "\": interrupted"
                    + (left.isEmpty() ? "; nothing was left behind" : left),
                    left.isEmpty() ? StopOutcome.CONFIRMED : StopOutcome.UNCONFIRMED, null);
        } catch (ConnectionException e) {
            // paused, stopped or lost between the upload and the rename
            throw withLeftover(e, removeTemporary(c, temp, e.getMessage()));
        }
        if (moved.exitCode() != 0) {
            throw putFailed(c, remotePath, size, temp, moved.stderrText().trim(), null);
        }
    }

    /**
     * The failure of a put whose daemon or command said {@code said}: removes the temporary file, then names the
     * cause (errno text, the daemon's read-only refusal, or the probe).
     *
     * @param temp the temporary file to remove, or {@code null} (written in place: nothing can be removed)
     */
    private ConnectionException putFailed(DockerClients.Client c, String remotePath, long size, String temp,
            String said, Exception e) {
        String left = temp == null ? "; " + remotePath + " may be left partly written (the container has no mv to"
                + " write it atomically)" : removeTemporary(c, temp, said);
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

    /** How long the removal of a failed put's temporary file may take at most. */
    private static final Duration CLEANUP_WAIT = Duration.ofSeconds(10);

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
     * first ({@link #removeTemporary}, which clears the interrupt for its exec and restores it).
     *
     * @param what {@code put PATH}
     * @param c the client, or {@code null} when nothing can have been left (written in place)
     * @param temp the temporary file in the container
     * @param remotePath the target, for the message of a put written in place
     * @return a {@link CommandStoppedException}: {@code CONFIRMED} when nothing was left behind
     */
    private CommandStoppedException interrupted(String what, DockerClients.Client c, String temp, String remotePath) {
        Thread.currentThread().interrupt(); // the caller learns of the interrupt; the flag may have been cleared
        String left = c == null ? "; " + remotePath + " may be left partly written (the container has no mv to write"
                + " it atomically)" : removeTemporary(c, temp, null);
        return new CommandStoppedException(what + " in container \"" + container + "\": interrupted"
                + (left.isEmpty() ? "; nothing was left behind" : left),
                left.isEmpty() ? StopOutcome.CONFIRMED : StopOutcome.UNCONFIRMED, null);
    }

    /**
     * Removes a temporary file of a failed put, as root, with an exec that also works after {@link #close}, within
     * {@link #CLEANUP_WAIT}. The calling thread's interrupt flag is cleared while it runs (an interrupted put must
     * still clean up: the daemon is fine) and set again afterwards; a second interrupt meanwhile is kept too.
     *
     * @param cause the failure's own message, or {@code null}: a removal that failed for the same reason says so
     *        instead of repeating it
     * @return {@code ""} when it is gone, else the words that say where it was left and why
     */
    private String removeTemporary(DockerClients.Client c, String temp, String cause) {
        return removeTemporary(c, temp, cause, new String[1]);
    }

    /** What {@link #removeTemporaryNow} says when there was no temporary file (a rename had finished). */
    private static final String NOT_THERE = new String("not there");

    /**
     * {@link #removeTemporary(DockerClients.Client, String, String)}, telling in {@code found[0]} whether the
     * file was there: {@link #NOT_THERE} when it was not.
     */
    private String removeTemporary(DockerClients.Client c, String temp, String cause, String[] found) {
        boolean interrupted = Thread.interrupted();
        String why;
        try {
            CompletableFuture<String> removal;
            try {
                removal = CompletableFuture.supplyAsync(() -> removeTemporaryNow(c, temp), plugin.io());
            } catch (RejectedExecutionException e) {
                removal = CompletableFuture.completedFuture(removeTemporaryNow(c, temp)); // the plugin stops
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
                    why = "its removal did not finish within " + seconds(CLEANUP_WAIT);
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
        LOG.debug("{}: temporary file {} in {} not removed: {}", key.host(), temp, container, why);
        return "; the temporary file " + temp + " may be left behind (" + (cause != null && cause.contains(why)
                ? "for the same reason" : why) + "): remove it with docker exec " + container + " rm -f "
                + io.conduit.api.support.ShellCommand.quotePath(temp);
    }

    /** @return {@code null} when the temporary file was removed, {@link #NOT_THERE} when there was none, else why not */
    private String removeTemporaryNow(DockerClients.Client c, String temp) {
        String why;
        try {
            // nothing to remove where the daemon could not even reach the directory (not a directory, missing)
            String execId = createExec(c, List.of("/bin/sh", "-c", "[ -e \"$1\" ] || [ -L \"$1\" ] || exit 3;"
                    + " rm -f -- \"$1\"", "sh", temp), List.of(), "0", null, false, false);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            try (ExecStream stream = startUntracked(c, execId)) {
                demultiplex(stream.output(), false, capped(err), capped(err));
            }
            Long code = exitCode(c, execId, Duration.ofSeconds(5));
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

    private static ConnectionException withLeftover(ConnectionException e, String left) {
        if (left.isEmpty()) {
            return e;
        }
        return e instanceof ConnectFailedException ? new ConnectFailedException(e.getMessage() + left, e.getCause())
                : new ConnectionException(e.getMessage() + left, e.getCause());
    }

    /**
     * The daemon's message without the host's own path of the container's file system ("lstat
     * /var/lib/docker/overlay2/ID/merged/etc/x: not a directory"), which means nothing inside the container.
     */
    static String daemonWords(String message) {
        return String.valueOf(message).trim().replaceAll("/\\S*/overlay2/[0-9a-zA-Z]+/merged(?=/)", "");
    }

    /**
     * Runs {@link FileProblemProbe} as root (the daemon writes as root too) after a generic failure.
     *
     * @return the cause, or {@code null} when the probe found none or could not run (no /bin/sh)
     */
    private FileProblem probe(String path, long size) {
        if (noShell || closed) {
            return null;
        }
        try {
            return FileProblemProbe.read(exec(FileProblemProbe.command(path, size).withBecome(
                    io.conduit.api.connection.Become.sudo("0", null))));
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: the file probe in {} failed: {}", key.host(), container, e.toString());
            return null;
        }
    }

    /**
     * Put through an exec ({@link ExecTransfer}): the bytes stream on the exec's stdin into a temporary file that
     * the script renames; the script removes it on any failure, also when the stream is cut.
     */
    private void putByExec(DockerClients.Client c, Path local, String remotePath, String directory, long size,
            int bits, long mtime, String hiddenBy, Trace trace) throws IOException {
        if (noShell) {
            throw noShellForMount("put " + remotePath + " in", hiddenBy);
        }
        int[] ids = owner(c);
        String flags = moveFlags(c);
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
            code = stream(c, ExecTransfer.put(temp, remotePath, size, bits, ids[0], ids[1], flags, mtime), file,
                    capped(err), err, "put " + remotePath);
        }
        if (code != 0) {
            String said = err.toString(StandardCharsets.UTF_8).trim();
            if (noShellSaid(code, said)) {
                noShell = true;
                throw noShellForMount("put " + remotePath + " in", hiddenBy);
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

    /** Whether an exec of /bin/sh failed to start because the container has none (the daemon's words). */
    private static boolean noShellSaid(long code, String said) {
        return (code == 126 || code == 127) && said.contains("/bin/sh") && (said.contains("no such file")
                || said.contains("not found"));
    }

    private ConnectionException noShellForMount(String what, String hiddenBy) {
        return new ConnectionException(what + " container \"" + container + "\": " + hiddenBy + " is a mount that"
                + " the archive API cannot see (tmpfs, or the runtime's own), and the container has no /bin/sh to"
                + " reach it through an exec; use a path outside " + hiddenBy);
    }

    /**
     * Runs an argument vector as root with its stdin from {@code input} (or none) and its stdout into {@code out},
     * on a stream that {@link #close} breaks.
     *
     * @param what the operation, for messages
     * @return the exit code
     * @throws IOException reading {@code input} or writing {@code out} failed (after the exec ended), or the
     *         stream broke
     */
    private long stream(DockerClients.Client c, List<String> argv, InputStream input, OutputStream out,
            ByteArrayOutputStream err, String what) throws IOException {
        String execId = createExec(c, argv, List.of(), "0", null, false, input != null);
        ExecStream s;
        try {
            s = ExecStream.start(c, execId, false);
        } catch (ExecStream.ExecRefusedException e) {
            throw containerProblem(c, e.status(), e.getMessage(), e);
        }
        transfers.add(s);
        IOException local = null;
        try {
            if (input == null) {
                demultiplex(s.output(), false, out, capped(err));
            } else {
                CompletableFuture<Void> reading;
                try {
                    reading = CompletableFuture.runAsync(() -> {
                        try {
                            demultiplex(s.output(), false, out, capped(err));
                        } catch (IOException e) {
                            throw new CompletionException(e);
                        } finally {
                            // the command has ended (a write error, no space): the daemon reads no more of its
                            // stdin, so a write still in progress would block; the broken socket ends it
                            s.close();
                        }
                    }, plugin.io());
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
            if (closed) {
                throw new ConnectionException("connection to container \"" + container + "\" was closed during "
                        + what + "; nothing was left behind (the transfer's script in the container removes its"
                        + " temporary file when its input ends short)", e);
            }
            throw e;
        } finally {
            transfers.remove(s);
            s.close();
        }
        Long code = exitCode(c, execId, Duration.ofSeconds(10));
        if (local != null) {
            throw local;
        }
        if (code == null) {
            throw new ConnectionException("docker daemon gave no exit code for " + what + " in container \""
                    + container + "\"; check the daemon's log");
        }
        return code;
    }

    /**
     * How to rename in the container: without {@code mv} put writes in place (not atomically); with an {@code mv}
     * that knows {@code -T} (GNU, busybox) a directory under the target path is refused instead of moved into.
     */
    private String moveFlags(DockerClients.Client c) throws IOException {
        String known = moveFlags;
        if (known == null) {
            ExecResult probe = exec(Command.argv(List.of("mv", "--help")).withOutputLimit(4096)
                    .withTimeout(Duration.ofSeconds(30)));
            String help = probe.stdoutText() + probe.stderrText();
            if (probe.exitCode() == 126 || probe.exitCode() == 127) {
                known = "";
                LOG.debug("{}: no mv in container {}; put writes in place", key.host(), container);
            } else {
                known = help.contains("-T") || help.contains("T]") || help.contains("no-target-directory") ? "-fT" : "-f";
            }
            moveFlags = known;
        }
        return known;
    }

    /** uid and gid that put files get: those of the connection's user, like a file a command would create. */
    private int[] owner(DockerClients.Client c) throws IOException {
        int[] known = owner.get();
        if (known != null) {
            return known;
        }
        String who = user != null ? user : containerUser;
        int[] ids = who == null || who.isBlank() ? new int[] {0, 0} : resolveUser(c, who.trim());
        owner.set(ids);
        return ids;
    }

    private int[] resolveUser(DockerClients.Client c, String who) throws IOException {
        String name = who;
        String group = null;
        int colon = who.indexOf(':');
        if (colon >= 0) {
            name = who.substring(0, colon);
            group = who.substring(colon + 1);
        }
        Integer uid = number(name);
        Integer gid = group == null ? null : number(group);
        if (uid == null || (gid == null && group == null)) {
            // look the name (or the uid's primary group) up in the container's /etc/passwd
            for (String line : readSmall(c, "/etc/passwd")) {
                String[] f = line.split(":");
                if (f.length >= 4 && (f[0].equals(name) || f[2].equals(name))) {
                    uid = Integer.parseInt(f[2]);
                    if (group == null) {
                        gid = Integer.parseInt(f[3]);
                    }
                    break;
                }
            }
            if (uid == null) {
                throw new ConnectionException("container \"" + container + "\": user \"" + name + "\" is not in"
                        + " /etc/passwd; set the user option to a uid such as 1000:1000");
            }
        }
        if (gid == null && group != null) {
            for (String line : readSmall(c, "/etc/group")) {
                String[] f = line.split(":");
                if (f.length >= 3 && f[0].equals(group)) {
                    gid = Integer.parseInt(f[2]);
                    break;
                }
            }
            if (gid == null) {
                throw new ConnectionException("container \"" + container + "\": group \"" + group + "\" is not in"
                        + " /etc/group; use a gid such as 1000");
            }
        }
        return new int[] {uid, gid == null ? 0 : gid};
    }

    private static Integer number(String text) {
        return text.matches("\\d{1,9}") ? Integer.valueOf(text) : null;
    }

    private List<String> readSmall(DockerClients.Client c, String path) throws IOException {
        List<String> lines = new ArrayList<>();
        try (InputStream in = c.api().copyArchiveFromContainerCmd(containerId, path).exec()) {
            Tar.Reader reader = new Tar.Reader(in);
            Tar.Entry entry = reader.next();
            if (entry == null || !entry.isFile()) {
                return lines;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n = reader.read(buffer, 0, buffer.length); n >= 0 && bytes.size() < 1 << 20;
                    n = reader.read(buffer, 0, buffer.length)) {
                bytes.write(buffer, 0, n);
            }
            lines.addAll(List.of(bytes.toString(StandardCharsets.UTF_8).split("\n")));
        } catch (NotFoundException e) {
            if (isContainerGone(e)) {
                throw containerProblem(c, e);
            }
        } catch (RuntimeException e) {
            throw containerProblem(c, e);
        }
        return lines;
    }

    @Override
    public void fetch(String remotePath, Path local) throws IOException {
        fetch(remotePath, local, Trace.OFF);
    }

    /**
     * Fetches through the archive API, following symbolic links (up to 8), or through an exec for a path the
     * archive API cannot see ({@link ArchiveView}, {@link ExecTransfer}; also when a link leads there). The bytes
     * go to a temporary file next to {@code local}, which is removed on any failure. A relative {@code remotePath}
     * is read against the container's working directory ({@link #absolute}).
     *
     * @throws RemoteFileNotFoundException the file does not exist in the container
     * @throws TransferFailedException a known cause in the container (a part of the path is not a directory, a
     *         name is too long) or locally (no space, read-only, permission; the path named is then the local one)
     * @throws ConnectFailedException the container is paused (only through an exec: the archive API reads a
     *         paused container), stopped or gone
     */
    @Override
    public void fetch(String remotePath, Path local, Trace trace) throws IOException {
        DockerClients.Client c = ready();
        remotePath = absolute("fetch", remotePath);
        String path = remotePath;
        for (int hop = 0; hop <= MAX_LINK_HOPS; hop++) {
            String hiddenBy = view.hiddenBy(path);
            if (hiddenBy != null) {
                fetchByExec(c, remotePath, path, hiddenBy, local, trace);
                return;
            }
            if (trace.on(Trace.CONNECTION)) {
                trace.line(Trace.CONNECTION, "docker: archive API: GET a tar of " + path);
            }
            InputStream in;
            try {
                in = c.api().copyArchiveFromContainerCmd(containerId, path).exec();
            } catch (RuntimeException e) {
                if (!(e instanceof DockerException) || isContainerGone(e)) {
                    throw containerProblem(c, e);
                }
                // "lstat /var/lib/docker/overlay2/ID/merged/etc/passwd/x: not a directory", "... file name too long"
                FileProblem problem = FileProblem.fromErrorText(daemonWords(e.getMessage()));
                if (problem != null && problem != FileProblem.MISSING_DIRECTORY) {
                    throw new TransferFailedException("fetch", remotePath, problem, e);
                }
                if (e instanceof NotFoundException || problem != null) {
                    throw new RemoteFileNotFoundException("container \"" + container + "\" has no file " + remotePath
                            + (path.equals(remotePath) ? "" : " (link to " + path + ")"), e);
                }
                throw containerProblem(c, e);
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
                    path = resolveLink(path, entry.linkName());
                    continue;
                }
                if (entry.type() == '5') {
                    throw isDirectory(remotePath);
                }
                if (!entry.isFile()) {
                    throw new ConnectionException("fetch from container \"" + container + "\": " + remotePath
                            + " is not a regular file (tar type " + entry.type() + ")");
                }
                receive(remotePath, local, out -> {
                    byte[] buffer = new byte[64 * 1024];
                    for (int n = reader.read(buffer, 0, buffer.length); n >= 0;
                            n = reader.read(buffer, 0, buffer.length)) {
                        out.write(buffer, 0, n);
                    }
                }, entry::mode, entry::mtime);
                return;
            } catch (IOException e) {
                if (closed && !(e instanceof TransferFailedException)) {
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
    private void fetchByExec(DockerClients.Client c, String remotePath, String path, String hiddenBy, Path local,
            Trace trace) throws IOException {
        if (noShell) {
            throw noShellForMount("fetch " + remotePath + " from", hiddenBy);
        }
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "docker: exec stream (" + hiddenBy + " is a mount the archive API cannot"
                    + " see): stat and cat " + path + ", framed by a header line with its size");
        }
        AtomicReference<ExecTransfer.Receiver> received = new AtomicReference<>();
        receive(path, local, out -> {
            ExecTransfer.Receiver rx = new ExecTransfer.Receiver(out);
            received.set(rx);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            long code = stream(c, ExecTransfer.fetch(path), null, rx, err, "fetch " + remotePath);
            String said = err.toString(StandardCharsets.UTF_8).trim();
            if (noShellSaid(code, said + rx.unframed())) {
                noShell = true;
                throw noShellForMount("fetch " + remotePath + " from", hiddenBy);
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

    /** Copies a fetched file's bytes into a local stream. */
    private interface Body {
        void copyTo(OutputStream out) throws IOException;
    }

    /** A write to the local file failed (not the source). */
    private static final class LocalWriteFailed extends IOException {
        private static final long serialVersionUID = 1L;

        LocalWriteFailed(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Writes a fetched file to a temporary file next to {@code local}, sets mode and time, and renames it; removes
     * the temporary file on any failure. A local failure whose cause is known is a {@link TransferFailedException}
     * naming the local path.
     */
    private static void receive(String remotePath, Path local, Body body, java.util.function.IntSupplier mode,
            java.util.function.LongSupplier mtime) throws IOException {
        Path target = local.toAbsolutePath();
        Path temp;
        try {
            Files.createDirectories(target.getParent());
            temp = FileNames.createTemporarySibling(target);
        } catch (IOException e) {
            throw localFailure(remotePath, target, e);
        }
        try {
            OutputStream file = Files.newOutputStream(temp);
            try (file) {
                body.copyTo(new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        write(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        try {
                            file.write(b, off, len);
                        } catch (IOException e) {
                            throw new LocalWriteFailed(e);
                        }
                    }
                });
            }
            try {
                PosixFileAttributeView posix = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
                if (posix != null) {
                    posix.setPermissions(permissions(mode.getAsInt()));
                }
                Files.setLastModifiedTime(temp, java.nio.file.attribute.FileTime.fromMillis(mtime.getAsLong() * 1000));
                try {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw localFailure(remotePath, target, e);
            }
        } catch (LocalWriteFailed e) {
            throw localFailure(remotePath, target, (IOException) e.getCause());
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** A failure on the local side of a fetch: named by its type or errno text when it has one. */
    private static IOException localFailure(String remotePath, Path target, IOException e) {
        FileProblem problem = FileProblem.fromLocalFailure(e);
        return problem == null ? e : TransferFailedException.here(remotePath, target, problem, e);
    }

    static String resolveLink(String path, String link) {
        if (link.startsWith("/")) {
            return link;
        }
        String dir = path.substring(0, path.lastIndexOf('/'));
        List<String> parts = new ArrayList<>();
        for (String part : (dir + "/" + link).split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!parts.isEmpty()) {
                    parts.remove(parts.size() - 1);
                }
            } else {
                parts.add(part);
            }
        }
        return "/" + String.join("/", parts);
    }

    private static int localMode(Path local) throws IOException {
        PosixFileAttributeView posix = Files.getFileAttributeView(local, PosixFileAttributeView.class);
        if (posix == null) {
            return Files.isExecutable(local) ? 0755 : 0644;
        }
        int bits = 0;
        for (PosixFilePermission p : posix.readAttributes().permissions()) {
            bits |= 0400 >> p.ordinal();
        }
        return bits;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = java.util.EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (0400 >> p.ordinal())) != 0) {
                out.add(p);
            }
        }
        return out;
    }

    /**
     * The rule for a relative remote path in a container: it is read against the container's working directory
     * ({@code Config.WorkingDir}, the image's {@code WORKDIR} or {@code docker run -w}; {@code /} when empty), the
     * directory a command of this plugin starts in. So {@code put f rel.txt}, {@code fetch rel.txt} and the file
     * operations ({@link #stat}, {@link #list}, ..., whose scripts run in that directory) and a command such as
     * {@code cat rel.txt} all mean the same file. ssh and rest read a relative path against the login user's home,
     * which is where their commands start: the rule is the same, "where a command starts". (The docker CLI's
     * {@code docker cp c:rel.txt .} reads it against {@code /} instead; it runs no commands.)
     *
     * @param what {@code put} or {@code fetch}, for the message
     * @param remotePath the path as given: absolute, or relative to the working directory
     * @return the absolute path
     * @throws ConnectionException the path is empty; the message gives the rule
     */
    private String absolute(String what, String remotePath) throws ConnectionException {
        if (remotePath == null || remotePath.isEmpty()) {
            throw new ConnectionException(what + " in container \"" + container + "\": the remote path is empty;"
                    + " give an absolute path, or one relative to the container's working directory (" + workingDir
                    + ")");
        }
        if (remotePath.startsWith("/")) {
            return remotePath;
        }
        String rel = remotePath;
        while (rel.startsWith("./")) {
            rel = rel.substring(2);
        }
        String base = workingDir.endsWith("/") ? workingDir : workingDir + "/";
        return rel.equals(".") ? base : base + rel; // "." and "dir/" mean "into that directory" to a put
    }

    // ---------------------------------------------------------------- state

    @Override
    public boolean isAlive() {
        DockerClients.Client c = client;
        if (closed || c == null) {
            return false;
        }
        try {
            InspectContainerResponse info = c.api().inspectContainerCmd(containerId).exec();
            return info.getState() != null && Boolean.TRUE.equals(info.getState().getRunning())
                    && !Boolean.TRUE.equals(info.getState().getPaused());
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Stops the commands in flight (their stdin is closed: the wrapper ends each process group, on I/O threads that
     * a plugin's deactivation waits for; the threads running them report the outcome) and the downloads.
     */
    @Override
    public void close() {
        closed = true;
        for (Run run : streams.values()) {
            // a command cut off by close (host timeout, disconnect, shutdown, upgrade) must not keep running
            run.requestStop();
        }
        streams.clear();
        for (ExecStream s : transfers) {
            s.close();
        }
        transfers.clear();
        for (InputStream in : downloads) {
            try {
                in.close();
            } catch (IOException | RuntimeException e) {
                // closing: nothing to do
            }
        }
        downloads.clear();
        plugin.closed(this);
    }

    private DockerClients.Client ready() throws ConnectionException {
        DockerClients.Client c = client;
        if (closed) {
            throw new ConnectionException("connection to container \"" + container + "\" is closed");
        }
        if (c == null) {
            throw new IllegalStateException("open() was not called");
        }
        return c;
    }

    private static boolean isContainerGone(RuntimeException e) {
        return String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("no such container");
    }

    private ConnectionException containerProblem(DockerClients.Client c, RuntimeException e) {
        if (e instanceof DockerException d) {
            return containerProblem(c, d.getHttpStatus(), d.getMessage(), e);
        }
        return DockerClients.describe(e, c.endpoint());
    }

    private ConnectionException containerProblem(DockerClients.Client c, int status, String message, Exception e) {
        String text = String.valueOf(message).trim();
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        if (status == 404 && lower.contains("no such container")) {
            return new ConnectFailedException("container \"" + container + "\" (" + shortId() + ") no longer exists on "
                    + c.endpoint().address() + "; it was removed", e);
        }
        if (lower.contains("is paused")) {
            // the daemon refuses every exec in a paused container (409 "Container x is paused, unpause the
            // container before exec"); it is not stopped, and docker start would not help
            return new ConnectFailedException(paused(c), e);
        }
        if (status == 409 || lower.contains("is not running")) {
            return new ConnectFailedException("container \"" + container + "\" on " + c.endpoint().address()
                    + " is not running any more (" + text + "); start it with: docker start " + container, e);
        }
        if (e instanceof ConflictException || e instanceof DockerException) {
            return new ConnectionException("docker daemon at " + c.endpoint().address() + " refused a call for"
                    + " container \"" + container + "\": " + status + " " + text, e);
        }
        return DockerClients.describe(e, c.endpoint());
    }

    /** The words for a paused container, the same for exec, put and fetch. */
    private String paused(DockerClients.Client c) {
        return "container \"" + container + "\" on " + c.endpoint().address() + " is paused (docker pause); resume"
                + " it with: docker unpause " + container;
    }

    /**
     * Whether the container is paused now (one inspect call).
     *
     * @return {@code false} also when the inspection fails: the caller's own call then reports that
     */
    private boolean isPaused(DockerClients.Client c) {
        try {
            InspectContainerResponse info = c.api().inspectContainerCmd(containerId).exec();
            return info.getState() != null && Boolean.TRUE.equals(info.getState().getPaused());
        } catch (RuntimeException e) {
            return false;
        }
    }

    private String shortId() {
        String id = containerId;
        return id == null ? "?" : id.substring(0, Math.min(12, id.length()));
    }

    private static byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** @return how many puts and fetches through an exec are in flight, for tests */
    int transfersInFlight() {
        return transfers.size();
    }

    /** @return how many exec streams are open, for tests */
    int streamsInFlight() {
        return streams.size();
    }
}
