package io.conduit.docker.exec;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.dockerjava.api.command.ExecCreateCmd;
import com.github.dockerjava.api.command.InspectExecResponse;

import io.conduit.api.connection.ConnectionException;
import io.conduit.docker.client.DockerClients;
import io.conduit.docker.client.ExecStream;

/**
 * The exec calls of one container, below a command's run: create, start, read the output, poll the exit code, and
 * the fallback kill of a command's processes by its marker. Thread safe (no state beyond its container).
 */
public final class Execs {
    /**
     * Set in every exec's environment, so that a command and its children can be found and killed when the command
     * wrapper could not confirm their stop (or there is no wrapper: no /bin/sh).
     */
    public static final String MARKER = "CONDUIT_EXEC_ID";
    /** Most bytes kept of a helper exec's output ({@link #capped}). */
    private static final int CAP = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(Execs.class);

    private final Container container;
    private final ScheduledExecutorService deadlines;

    /**
     * @param container the container
     * @param deadlines the timer that cuts a kill exec that does not end within the kill grace
     */
    public Execs(Container container, ScheduledExecutorService deadlines) {
        this.container = container;
        this.deadlines = deadlines;
    }

    /** @return the container */
    public Container container() {
        return container;
    }

    /**
     * Creates an exec (it does not start).
     *
     * @param argv the argument vector
     * @param env {@code NAME=value} entries
     * @param execUser the user, or {@code null} or blank for the image's
     * @param cwd the working directory, or {@code null} for the container's
     * @param tty whether it gets a terminal
     * @param withStdin whether its stdin is attached
     * @return the exec's id
     * @throws ConnectionException the daemon refused or is unreachable ({@link Container#problem})
     */
    public String create(List<String> argv, List<String> env, String execUser, String cwd, boolean tty,
            boolean withStdin) throws ConnectionException {
        try {
            ExecCreateCmd create = container.client().api().execCreateCmd(container.id())
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
            throw container.problem(e);
        }
    }

    /**
     * Starts a created exec on a stream of its own that nothing tracks (the killer, a cleanup, a transfer): works on
     * a closed connection too.
     *
     * @param execId the exec
     * @param tty whether it was created with a terminal
     * @return its stream; the caller closes it
     * @throws IOException the daemon refused (mapped by {@link Container#problem}) or is unreachable
     */
    public ExecStream start(String execId, boolean tty) throws IOException {
        try {
            return ExecStream.start(container.client(), execId, tty);
        } catch (ExecStream.ExecRefusedException e) {
            throw container.problem(e.status(), e.getMessage(), e);
        }
    }

    /**
     * Polls the exec's inspection for its exit code: nothing signals it beyond the stream's end.
     *
     * @param execId the exec
     * @param wait how long to poll at most
     * @return the exit code, or {@code null} when it is still running after {@code wait}
     * @throws IOException the inspection failed, or the thread was interrupted
     */
    public Long exitCode(String execId, Duration wait) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        long pause = 2;
        while (true) {
            InspectExecResponse inspect;
            try {
                inspect = container.client().api().inspectExecCmd(execId).exec();
            } catch (RuntimeException e) {
                throw container.problem(e);
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
                throw new ConnectionException("interrupted while waiting for the exit code in \"" + container.name()
                        + "\"");
            }
            pause = Math.min(pause * 2, 50);
        }
    }

    /**
     * Copies an exec's output: frames of [type, 0, 0, 0, size (4 bytes, big endian)] unless tty.
     *
     * @param in the exec's output
     * @param tty whether it has a terminal (then there are no frames: all is stdout)
     * @param stdout where stdout goes
     * @param stderr where stderr goes
     * @throws IOException the stream failed or ended inside a frame
     */
    public static void demultiplex(InputStream in, boolean tty, OutputStream stdout, OutputStream stderr)
            throws IOException {
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

    /**
     * The fallback stop, when the wrapper did not confirm one: kills the command and its children, every process of
     * the container whose environment holds the exec's marker. The exec inspection's pid is the daemon's host pid,
     * which means nothing inside the container's pid namespace, so the marker finds them instead. Needs {@code sh},
     * {@code tr}, {@code grep} and {@code kill} in the container.
     *
     * @param execId the command's exec
     * @param marker the command's marker
     * @return what happened, for the exception's message
     */
    public String kill(String execId, String marker) {
        Duration killGrace = container.killGrace();
        long deadline = System.nanoTime() + killGrace.toNanos();
        while (true) {
            String report = killOnce(marker);
            if (report != null) {
                return report;
            }
            // no process carries the marker: the command has ended, or the daemon has not started it yet
            try {
                InspectExecResponse inspect = container.client().api().inspectExecCmd(execId).exec();
                if (!Boolean.TRUE.equals(inspect.isRunning()) && inspect.getExitCodeLong() != null) {
                    return "it had already ended when it was to be killed";
                }
            } catch (RuntimeException e) {
                return "it could NOT be stopped (" + DockerClients.words(e) + ")";
            }
            if (System.nanoTime() > deadline) {
                return "it could NOT be stopped: no process of it was found within " + Container.seconds(killGrace);
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
     *
     * @param marker the command's marker
     * @return whether none is left
     */
    public boolean gone(String marker) {
        for (int look = 0; look < 3; look++) {
            String report = killOnce(marker);
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
     *
     * @param marker the command's marker
     * @return the {@code sh} script
     */
    public static String killScript(String marker) {
        return "all=; for round in 1 2 3 4 5; do new=; for p in /proc/[0-9]*; do q=${p#/proc/};"
                + " case \" $all \" in *\" $q \"*) continue;; esac;"
                + " if tr '\\0' '\\n' 2>/dev/null < $p/environ | grep -qx " + MARKER + "=" + marker
                + "; then new=\"$new $q\"; fi; done; [ -z \"$new\" ] && break; kill -STOP $new 2>/dev/null;"
                + " all=\"$all $new\"; done; [ -n \"$all\" ] && kill -9 $all 2>/dev/null; echo $all";
    }

    /** @return what happened, or {@code null} when no process carried the marker */
    private String killOnce(String marker) {
        String script = killScript(marker);
        try {
            String execId = create(List.of("/bin/sh", "-c", script), List.of(), "0", null, false, false);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            ExecStream stream = start(execId, false);
            ScheduledFuture<?> stop = deadlines.schedule(stream::close, container.killGrace().toMillis(),
                    TimeUnit.MILLISECONDS);
            try {
                demultiplex(stream.output(), false, capped(out), capped(err));
            } finally {
                stop.cancel(false);
                stream.close();
            }
            Long code = exitCode(execId, Duration.ofSeconds(1));
            String pids = out.toString(StandardCharsets.UTF_8).trim().replace('\n', ' ');
            if (code != null && code == 0 && !pids.isEmpty()) {
                LOG.debug("{}: killed processes {} of a stopped command in {}", container.host(), pids,
                        container.name());
                return "it was killed (kill -9 of pid " + pids + " in the container)";
            }
            if (code != null && (code == 126 || code == 127)) {
                return "it could NOT be stopped: container \"" + container.name() + "\" has no sh/kill to stop it"
                        + " with, and the Engine API cannot kill an exec";
            }
            return pids.isEmpty() && code != null && code == 0 ? null
                    : "killing it failed (" + err.toString(StandardCharsets.UTF_8).trim() + ")";
        } catch (IOException | RuntimeException e) {
            return "it could NOT be stopped (" + DockerClients.words(e) + ")";
        }
    }

    /**
     * @param out a buffer
     * @return a stream into it that keeps the first 64 KiB and drops the rest (a helper exec's words)
     */
    public static OutputStream capped(ByteArrayOutputStream out) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                if (out.size() < CAP) {
                    out.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                out.write(b, off, Math.max(0, Math.min(len, CAP - out.size())));
            }
        };
    }
}
