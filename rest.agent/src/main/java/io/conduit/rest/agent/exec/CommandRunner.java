package io.conduit.rest.agent.exec;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.BecomeFailedException;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.OutputBuffer;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.support.WrappedCommand;

/**
 * Runs commands through Conduit's shared command wrapper ({@link WrappedCommand}): {@code sh -c LINE}, where the
 * line starts the command in a process group of its own, does {@code sudo}/{@code su} when asked (the password is
 * written only when the become tool prompts for it), gives the command its stdin and keeps reading the pipe. The
 * runner keeps that pipe open while the command runs; closing it is how every stop is done (timeout, the client's
 * cancel, the client gone, the agent stopping): the wrapper sends SIGTERM to the group, SIGKILL 2 seconds later,
 * and reports whether anything of the group is left, which is the {@link StopOutcome} the client gets.
 *
 * <p>The outer shell is started with {@code setsid} where it exists: commands have no controlling terminal (so
 * {@code sudo}'s {@code use_pty} never applies), and when the wrapper cannot stop its group in time the runner
 * kills every process of the command's sessions itself, including those reparented away from the shell.
 */
public final class CommandRunner {
    /** How long a stopped command's wrapper has to end its group and report (its SIGKILL comes at 2 s). */
    public static final Duration STOP_WAIT = Duration.ofSeconds(6);
    /** After the command exited, how long output still held open by a background process is waited for. */
    static final Duration DRAIN_WAIT = Duration.ofSeconds(5);
    private static final AtomicInteger THREADS = new AtomicInteger();
    private static final String SETSID = Stream.of("/usr/bin/setsid", "/bin/setsid", "/usr/sbin/setsid")
            .filter(p -> Files.isExecutable(Path.of(p))).findFirst().orElse(null);

    private final Path workdir;
    private final Set<Running> running = ConcurrentHashMap.newKeySet();
    private final Map<String, Running> byId = new ConcurrentHashMap<>();

    /** Why a command was ended early. */
    public enum StopReason {
        /** Its timeout passed. */
        TIMEOUT("timeout"),
        /** Its client asked ({@code DELETE /execute?id=}). */
        CANCELLED("cancelled"),
        /** Its client went away (the heartbeat could not be written). */
        CLIENT_GONE("client_gone"),
        /** The agent is stopping. */
        AGENT_STOPPING("agent_stopping");

        private final String wire;

        StopReason(String wire) {
            this.wire = wire;
        }

        /** @return the name in the protocol's {@code "stopped"} field */
        public String wire() {
            return wire;
        }
    }

    /**
     * One command to run.
     *
     * @param command the shell line, run by {@code sh -c}
     * @param stdin bytes for its standard input (then end of file)
     * @param become run it as another user through sudo or su, or {@code null}
     * @param timeout how long it may run
     * @param outputLimit bytes of stdout and of stderr to keep
     * @param id the client's id for the command, for {@link #cancel}; or {@code null}
     * @param env environment variables for the command: handed to the wrapper on its input, never on its command
     *        line; empty for none
     */
    public record Spec(String command, byte[] stdin, Become become, Duration timeout, long outputLimit, String id,
            Map<String, String> env) {
        /** Defaults a null environment to none. */
        public Spec {
            env = env == null ? Map.of() : Map.copyOf(env);
        }
    }

    /** Told about the command's life, for a client that watches it (the heartbeat of {@code POST /execute}). */
    public interface Listener {
        /**
         * The command started (after become, if any).
         *
         * @throws IOException the client is gone: the command is stopped
         */
        default void started() throws IOException {
        }

        /**
         * Called every {@code tickEvery} while the command runs.
         *
         * @throws IOException the client is gone: the command is stopped
         */
        default void tick() throws IOException {
        }
    }

    /**
     * What a command did.
     *
     * @param exitCode its exit code ({@code 128+N} when killed by signal N), -1 when unknown
     * @param stopped why it was ended early, or {@code null} when it ended by itself
     * @param stopOutcome for a stopped command, whether the wrapper confirmed that its whole group is gone;
     *        {@code null} otherwise
     * @param stdoutDropped bytes of stdout past the output limit, dropped
     * @param stderrDropped bytes of stderr past the output limit, dropped
     */
    public record Outcome(int exitCode, byte[] stdout, byte[] stderr, boolean stdoutTruncated,
            boolean stderrTruncated, StopReason stopped, StopOutcome stopOutcome, Duration duration,
            long stdoutDropped, long stderrDropped) {
        /** @return whether the timeout ended it */
        public boolean timedOut() {
            return stopped == StopReason.TIMEOUT;
        }
    }

    /**
     * @param workdir the directory commands start in
     */
    public CommandRunner(Path workdir) {
        this.workdir = workdir;
    }

    /**
     * Runs one command without a become or a listener, for tests and simple callers.
     *
     * @see #run(Spec, Duration, Listener)
     */
    public Outcome run(String command, byte[] stdin, Duration timeout, long outputLimit, String id)
            throws IOException, InterruptedException {
        return run(new Spec(command, stdin, null, timeout, outputLimit, id, Map.of()), Duration.ofSeconds(1), new Listener() {
        });
    }

    /**
     * Runs one command and waits for it, at most its timeout plus the time its stop takes.
     *
     * @param spec what to run
     * @param tickEvery how often {@link Listener#tick} is called
     * @param listener told when the command started and asked regularly whether its client is still there
     * @return what it did
     * @throws BecomeFailedException sudo or su refused, asked for a password none was given for, or ended
     *         before starting the command; nothing of the command ran
     * @throws TimedOutException sudo or su did not start the command before its deadline
     * @throws IOException the shell could not be started
     * @throws InterruptedException the agent is stopping (the command was stopped)
     */
    public Outcome run(Spec spec, Duration tickEvery, Listener listener) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long deadline = start + spec.timeout().toNanos();
        Command command = Command.shell(spec.command()).withEnv(spec.env()).withStdin(spec.stdin())
                .withBecome(spec.become())
                .withTimeout(spec.timeout()).withOutputLimit(spec.outputLimit());
        WrappedCommand wrapped = WrappedCommand.of(command);
        List<String> argv = new ArrayList<>();
        if (SETSID != null) {
            argv.add(SETSID);
        }
        argv.addAll(List.of("/bin/sh", "-c", wrapped.line()));
        ProcessBuilder builder = new ProcessBuilder(argv);
        if (workdir != null && workdir.toFile().isDirectory()) {
            builder.directory(workdir.toFile());
        }
        Process process = builder.start();
        Running run = new Running(process, spec.id());
        running.add(run);
        if (spec.id() != null) {
            byId.put(spec.id(), run);
        }
        OutputBuffer out = new OutputBuffer(spec.outputLimit());
        OutputBuffer err = new OutputBuffer(spec.outputLimit());
        AtomicBoolean ended = new AtomicBoolean();
        CompletableFuture<Void> drained = CompletableFuture.allOf(
                pump(process.getInputStream(), wrapped.stdout(out), "out"),
                pump(process.getErrorStream(), wrapped.stderr(err), "err"));
        // output complete: the wrapper's lines are read (and awaitStart learns that su or sudo gave up)
        drained.thenRun(() -> end(wrapped, ended));
        StopReason reason = null;
        boolean interrupted = false;
        try {
            try {
                wrapped.awaitStart(run.stdin, Math.min(deadline, start + WrappedCommand.BECOME_TIMEOUT.toNanos()));
            } catch (InterruptedIOException e) {
                interrupted = true;
                reason = StopReason.AGENT_STOPPING;
                throw new InterruptedException("the agent is stopping");
            } catch (IOException e) {
                // nothing of the command ran: stop the become tool, say what it said
                reason = StopReason.CANCELLED;
                throw e;
            }
            byte[] input = wrapped.input();
            if (input.length > 0) {
                daemon(() -> run.write(input), "stdin").start();
            }
            long nextTick = System.nanoTime() + tickEvery.toNanos();
            try {
                listener.started();
                while (true) {
                    if (run.requested() != null) {
                        break;
                    }
                    long now = System.nanoTime();
                    if (now - deadline >= 0) {
                        reason = StopReason.TIMEOUT;
                        break;
                    }
                    long wait = Math.min(deadline - now, Math.max(0, nextTick - now));
                    if (process.waitFor(Math.max(1, wait), TimeUnit.NANOSECONDS)) {
                        break;
                    }
                    if (System.nanoTime() - nextTick >= 0) {
                        nextTick += tickEvery.toNanos();
                        listener.tick();
                    }
                }
            } catch (IOException e) {
                reason = StopReason.CLIENT_GONE;
            }
            if (reason == null) {
                reason = run.requested();
            }
        } catch (InterruptedException e) {
            interrupted = true;
            reason = StopReason.AGENT_STOPPING;
            throw e;
        } finally {
            StopOutcome forced = null;
            if (reason != null) {
                run.requestStop(reason);
                forced = awaitStop(run);
            }
            awaitDrained(process, drained, reason != null);
            end(wrapped, ended);
            run.closeStdin();
            running.remove(run);
            if (spec.id() != null) {
                byId.remove(spec.id(), run);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
            // a stop that the wrapper reported, or a tree the runner had to kill itself; else the command ended
            // by itself just before the stop reached it
            StopOutcome outcome = forced != null ? forced : wrapped.stopReported() ? wrapped.stopOutcome() : null;
            run.outcome = outcome;
            run.finished.complete(outcome == null ? Finished.ENDED
                    : outcome == StopOutcome.CONFIRMED ? Finished.STOPPED : Finished.UNCONFIRMED);
        }
        StopOutcome outcome = run.outcome;
        int exit = process.isAlive() ? -1 : process.exitValue();
        return new Outcome(exit, out.toByteArray(), err.toByteArray(), out.truncated(), err.truncated(),
                outcome == null ? null : reason, outcome, Duration.ofNanos(System.nanoTime() - start), out.dropped(),
                err.dropped());
    }

    /** How a command whose stop was asked for ended. */
    public enum Finished {
        /** The wrapper confirmed that its whole process group is gone. */
        STOPPED,
        /** The stop could not be confirmed. */
        UNCONFIRMED,
        /** It had ended by itself before the stop reached it. */
        ENDED
    }

    /**
     * Stops a running command and its whole process group (its client gave up on it).
     *
     * @param id the id the client gave the command
     * @return completed when the command is over, with how it ended; {@code null} when no such command runs
     */
    public CompletableFuture<Finished> cancel(String id) {
        Running run = byId.get(id);
        if (run == null) {
            return null;
        }
        run.requestStop(StopReason.CANCELLED);
        return run.finished;
    }

    /** Stops every command still running (the agent is stopping); their threads wait for the stops. */
    public void killAll() {
        running.forEach(r -> r.requestStop(StopReason.AGENT_STOPPING));
    }

    /**
     * Waits for the wrapper to end after its stdin was closed; kills the command's sessions itself if it did not.
     *
     * @return {@link StopOutcome#UNCONFIRMED} when the runner had to kill; {@code null} when the wrapper ended
     *         (its own report decides)
     */
    private static StopOutcome awaitStop(Running run) {
        boolean interrupted = Thread.interrupted();
        try {
            long until = System.nanoTime() + STOP_WAIT.toNanos();
            while (true) {
                try {
                    if (run.process.waitFor(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                        return null;
                    }
                    break;
                } catch (InterruptedException e) {
                    interrupted = true; // the stop is what the interrupt wants: finish it, bounded
                }
            }
            killSessions(run.process);
            return StopOutcome.UNCONFIRMED;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Waits for the output pipes to close: after a stop the group is gone; else a background child may hold them. */
    private static void awaitDrained(Process process, CompletableFuture<Void> drained, boolean stopped) {
        boolean interrupted = Thread.interrupted();
        try {
            drained.get(stopped ? STOP_WAIT.toMillis() : DRAIN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        } catch (ExecutionException | TimeoutException e) {
            // keep what was read
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Tells the wrapper that the output is complete, once; a second caller waits until the first is done. */
    private static void end(WrappedCommand wrapped, AtomicBoolean ended) {
        synchronized (ended) {
            if (ended.compareAndSet(false, true)) {
                wrapped.ended();
            }
        }
    }

    /**
     * Kills the command's processes when the wrapper could not: every process of the sessions the command's
     * processes belong to (other than the agent's own), which finds also children reparented away from the shell;
     * then the process tree.
     */
    static void killSessions(Process process) {
        Set<Long> sessions = new HashSet<>();
        long own = session(ProcessHandle.current().pid());
        Stream.concat(Stream.of(process.toHandle()), process.descendants()).forEach(p -> {
            long sid = session(p.pid());
            if (sid > 1 && sid != own) {
                sessions.add(sid);
            }
        });
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        if (!sessions.isEmpty()) {
            ProcessHandle.allProcesses().filter(p -> sessions.contains(session(p.pid())))
                    .forEach(ProcessHandle::destroyForcibly);
        }
    }

    /** @return the session id of a process from {@code /proc/PID/stat}, or -1 */
    private static long session(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[3]); // state ppid pgrp session
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static CompletableFuture<Void> pump(InputStream in, OutputStream sink, String what) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        daemon(() -> {
            byte[] buffer = new byte[16384];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    sink.write(buffer, 0, n);
                }
            } catch (IOException e) {
                // the process was killed
            } finally {
                done.complete(null);
            }
        }, what).start();
        return done;
    }

    private static Thread daemon(Runnable body, String what) {
        Thread t = new Thread(body, "agent-cmd-" + what + "-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    }

    /** A command in progress: its process and the stdin pipe whose closing stops it. */
    private static final class Running {
        final Process process;
        final String id;
        final OutputStream stdin;
        final CompletableFuture<Finished> finished = new CompletableFuture<>();
        private final AtomicBoolean stdinClosed = new AtomicBoolean();
        private volatile StopReason requested;
        volatile StopOutcome outcome;

        Running(Process process, String id) {
            this.process = process;
            this.id = id;
            this.stdin = process.getOutputStream();
        }

        StopReason requested() {
            return requested;
        }

        synchronized void requestStop(StopReason reason) {
            if (requested == null) {
                requested = reason;
            }
            closeStdin();
        }

        /**
         * Closes the pipe, which stops the command. On a thread of its own: a writer blocked on a full pipe
         * (a command that does not read its stdin) holds the stream's lock until the process is gone.
         */
        void closeStdin() {
            if (stdinClosed.compareAndSet(false, true)) {
                daemon(() -> {
                    try {
                        stdin.close();
                    } catch (IOException e) {
                        // the process is gone
                    }
                }, "stop").start();
            }
        }

        void write(byte[] input) {
            try {
                stdin.write(input);
                stdin.flush();
            } catch (IOException e) {
                // the command ended without reading all of its stdin: normal for `head` and friends
            }
        }
    }
}
