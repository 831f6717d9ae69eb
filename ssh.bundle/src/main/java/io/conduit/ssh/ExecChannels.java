package io.conduit.ssh;

import static io.conduit.ssh.Futures.await;
import static io.conduit.ssh.Futures.remaining;
import static io.conduit.ssh.SshText.words;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.exception.SshChannelOpenException;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.StaleConnectionException;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.connection.Trace;
import io.conduit.api.connection.OutputBuffer;
import io.conduit.api.support.Durations;
import io.conduit.api.support.WrappedCommand;
import io.conduit.ssh.transfer.RemoteShell;

/**
 * The channels of one authenticated session: at most {@code max_channels} open at once (a fair semaphore), one
 * exec channel per command under Conduit's wrapper (deadline, heartbeat, become, a confirmed stop), and the
 * commands in flight, so that closing the connection stops them first.
 */
final class ExecChannels {
    private static final Logger LOG = LoggerFactory.getLogger(ExecChannels.class);
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    /** The global request {@link #probe} sends; servers answer it (OpenSSH with a failure, which is an answer). */
    private static final String PROBE_REQUEST = "keepalive@openssh.com";
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);
    /** How long a stopped command's wrapper has to end its process group and report (SIGKILL comes at 2 s). */
    static final Duration STOP_WAIT = Duration.ofSeconds(5);
    /** How long a pty command gets after its Ctrl-C before the channel is closed (the terminal then hangs up). */
    private static final Duration PTY_STOP_WAIT = Duration.ofSeconds(1);

    private final ClientSession cs;
    private final SshSettings s;
    private final String where;
    private final Semaphore channels;
    private final Set<Running> inFlight = ConcurrentHashMap.newKeySet();
    /** The connection is closing: a session that ends now was closed by Conduit, not lost. */
    private volatile boolean closed;

    /**
     * @param cs the target's authenticated session
     * @param s the host's settings ({@code max_channels}, {@code command_timeout}, {@code connect_timeout})
     * @param where {@code user@host:port}, for messages
     */
    ExecChannels(ClientSession cs, SshSettings s, String where) {
        this.cs = cs;
        this.s = s;
        this.where = where;
        this.channels = new Semaphore(s.maxChannels(), true);
    }

    /** The connection is closing: what ends from now on was ended by Conduit. */
    void markClosed() {
        closed = true;
    }

    /**
     * Runs a command on its own channel, taking one permit for it.
     *
     * @param command the command; its timeout, else {@code command_timeout}, bounds the wait for a permit too
     * @param trace where {@code -v} lines go
     * @return its result
     * @throws StaleConnectionException the session was gone before the command was sent
     * @throws TimedOutException no permit, no channel or no end in time (the command was stopped)
     * @throws CommandStoppedException interrupted, or the connection closed while it ran
     * @throws IOException the channel failed otherwise
     */
    ExecResult exec(Command command, Trace trace) throws IOException {
        if (closed) {
            throw new ConnectionException(where + ": connection is closed");
        }
        if (!cs.isOpen()) {
            // found before this call sent anything: the core may reconnect and send it once more
            throw new StaleConnectionException(where + ": connection lost (the server closed it or keepalives went"
                    + " unanswered)");
        }
        Duration timeout = command.timeout() != null ? command.timeout() : s.commandTimeout();
        long start = System.nanoTime();
        long deadline = timeout == null ? Long.MAX_VALUE : start + timeout.toNanos();
        // the heartbeat lets the host's wrapper stop the command when this link drops without a close
        WrappedCommand wrapped = WrappedCommand.of(command).withHeartbeat();
        boolean pty = wrapped.pty();
        acquire(deadline, timeout, command);
        OutputBuffer out = new OutputBuffer(command.outputLimit());
        OutputBuffer err = new OutputBuffer(command.outputLimit());
        ChannelExec ch = null;
        Running running = null;
        try {
            ch = cs.createExecChannel(wrapped.line());
            ch.setUsePty(pty);
            ch.setOut(wrapped.stdout(out));
            ch.setErr(wrapped.stderr(err));
            OpenFuture of = ch.open();
            if (!await(of, Math.min(remaining(deadline), s.connectTimeout().toNanos() * 3))) {
                ch.close(true);
                throw new TimedOutException(where + ": the server did not open a channel for " + command.brief()
                        + " in time", timeout);
            }
            if (!of.isOpened()) {
                if (!cs.isOpen() && !closed) {
                    // the session died before the channel opened: the command line was never sent
                    throw new StaleConnectionException(where + ": connection lost before " + command.brief()
                            + " was sent (the server closed it)", of.getException());
                }
                throw channelFailure(of.getException());
            }
            if (trace.on(Trace.PROTOCOL)) {
                trace.line(Trace.PROTOCOL, "ssh: exec channel " + ch.getChannelId() + " opened on " + where
                        + " (wrapper line " + wrapped.line().length() + " chars, input " + wrapped.input().length
                        + " bytes, pty " + (pty ? "yes" : "no") + ", heartbeat every "
                        + Durations.exact(WrappedCommand.HEARTBEAT_INTERVAL) + ")");
            }
            running = new Running(ch, wrapped);
            inFlight.add(running);
            CountDownLatch ended = new CountDownLatch(1);
            ch.addCloseFutureListener(f -> {
                ended.countDown();
                wrapped.ended(); // wakes a become that waits for a prompt
            });
            OutputStream stdin = ch.getInvertedIn();
            try {
                wrapped.awaitStart(stdin, Math.min(deadline, start + WrappedCommand.BECOME_TIMEOUT.toNanos()));
            } catch (InterruptedIOException e) {
                // Ctrl-C or the host's deadline while become talked: the wrapper may already have started the
                // command, so stop it as any interrupted command, and say what the host reported
                StopOutcome outcome = stop(running);
                Thread.currentThread().interrupt();
                throw new CommandStoppedException(where + ": interrupted while starting " + command.brief() + "; "
                        + outcome.description(), outcome,
                        ExecResult.of(-1, out, err, Duration.ofNanos(System.nanoTime() - start)));
            } catch (IOException e) {
                ch.close(true); // the command never started: the become tool gets end of file and exits
                throw e instanceof ConnectionException ? e
                        : new ConnectFailedException(where + ": connection lost while starting " + command.brief(), e);
            }
            byte[] input = wrapped.input();
            try {
                if (input.length > 0) {
                    stdin.write(input);
                    stdin.flush();
                }
                // without a pty stdin stays open: the wrapper stops the command when it ends (our stop, or
                // the connection lost), so it is closed only to stop the command
            } catch (IOException e) {
                LOG.debug("{}: stdin not fully written ({}); the command ended first", where, e.toString());
            }
            boolean done;
            try {
                // MINA's ClientChannel.waitFor ignores interrupts; a latch lets Ctrl-C and the host deadline in
                done = awaitEnd(ended, deadline, wrapped, stdin);
            } catch (InterruptedException e) {
                StopOutcome outcome = stop(running);
                Thread.currentThread().interrupt();
                throw new CommandStoppedException(where + ": interrupted; " + outcome.description(), outcome,
                        ExecResult.of(-1, out, err, Duration.ofNanos(System.nanoTime() - start)));
            }
            if (!done) {
                StopOutcome outcome = stop(running);
                ExecResult partial = ExecResult.of(-1, out, err, Duration.ofNanos(System.nanoTime() - start));
                throw new TimedOutException(where + ": command timed out after " + Durations.exact(timeout) + "; "
                        + outcome.description(), timeout, partial, outcome, null);
            }
            wrapped.ended();
            if (running.closing && wrapped.stopReported()) {
                StopOutcome outcome = wrapped.stopOutcome();
                throw new CommandStoppedException(where + ": connection closed while the command ran; "
                        + outcome.description(), outcome,
                        ExecResult.of(-1, out, err, Duration.ofNanos(System.nanoTime() - start)));
            }
            Integer status = ch.getExitStatus();
            if (trace.on(Trace.PROTOCOL)) {
                trace.line(Trace.PROTOCOL, "ssh: channel " + ch.getChannelId() + " closed: exit-status " + status
                        + (ch.getExitSignal() != null ? ", exit-signal " + ch.getExitSignal() : "")
                        + (wrapped.stopReported() ? ", the wrapper reported a stop: "
                                + wrapped.stopOutcome().description() : ""));
            }
            int code;
            if (status != null) {
                code = status;
            } else if (ch.getExitSignal() != null) {
                code = 128 + signalNumber(ch.getExitSignal());
            } else if (!cs.isOpen() || running.closing) {
                throw new ConnectFailedException(where + ": connection lost while running " + command.brief()
                        + " (sshd on the host went away, or the network failed); "
                        + StopOutcome.UNCONFIRMED.description());
            } else {
                code = -1;
            }
            return ExecResult.of(code, out, err, Duration.ofNanos(System.nanoTime() - start));
        } catch (ConnectionException | InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            if (running == null && !cs.isOpen() && !closed) {
                // the channel never opened (the session was gone): the command line was never sent
                throw new StaleConnectionException(where + ": connection lost before " + command.brief()
                        + " was sent (the server closed it)", e);
            }
            if (!cs.isOpen() || closed) {
                LOG.debug("{}: connection lost while running {}", where, command, e);
                throw new ConnectFailedException(where + ": connection lost while running " + command.brief()
                        + " (sshd on the host went away, or the network failed)" + (running != null ? "; "
                        + StopOutcome.UNCONFIRMED.description() : ""), e);
            }
            // MINA's words name its objects (ChannelExec[id=3, recipient=0]-ClientSessionImpl[...]): to the log
            LOG.debug("{}: the channel of {} failed", where, command.brief(), e);
            throw new ConnectionException(where + ": the SSH channel of " + command.brief() + " broke (the log"
                    + " file has the details at DEBUG)" + (running != null ? "; "
                    + StopOutcome.UNCONFIRMED.description() : ""), e);
        } finally {
            if (running != null) {
                inFlight.remove(running);
            }
            if (ch != null && !ch.isClosed()) {
                ch.close(false);
            }
            channels.release();
        }
    }

    /**
     * Waits for the command's channel to close until the deadline, writing the wrapper's heartbeat meanwhile.
     *
     * @return {@code true} when the channel closed, {@code false} when the deadline passed
     * @throws InterruptedException the thread was interrupted
     */
    private static boolean awaitEnd(CountDownLatch ended, long deadline, WrappedCommand wrapped,
            OutputStream stdin) throws InterruptedException {
        long beat = WrappedCommand.HEARTBEAT_INTERVAL.toNanos();
        while (true) {
            long left = remaining(deadline);
            if (left <= 0) {
                return false;
            }
            if (ended.await(wrapped.heartbeatExpected() ? Math.min(left, beat) : left, TimeUnit.NANOSECONDS)) {
                return true;
            }
            try {
                wrapped.heartbeat(stdin);
            } catch (IOException e) {
                LOG.debug("heartbeat not sent ({}): the channel is closing", e.toString());
            }
        }
    }

    /** A command whose channel is open, so that closing the connection can stop it first. */
    private static final class Running {
        final ChannelExec channel;
        final WrappedCommand wrapped;
        volatile boolean closing;

        Running(ChannelExec channel, WrappedCommand wrapped) {
            this.channel = channel;
            this.wrapped = wrapped;
        }

        /** Asks the wrapper to stop the command: end of file on its stdin (the terminal hangs up under a pty). */
        void requestStop() {
            try {
                if (wrapped.pty()) {
                    OutputStream in = channel.getInvertedIn();
                    in.write(3); // ^C: the pty's line discipline turns it into SIGINT for the foreground job
                    in.flush();
                } else {
                    channel.getInvertedIn().close(); // SSH_MSG_CHANNEL_EOF: the server closes the pipe
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("could not send the stop: {}", e.toString());
            }
        }
    }

    /**
     * Stops a running command and waits up to {@link #STOP_WAIT} for the host to confirm: the wrapper ends the
     * command's process group when its stdin ends (SIGTERM, SIGKILL at 2 s) and reports. Under a pty, Ctrl-C,
     * then closing the channel (OpenSSH hangs the terminal up), which cannot be confirmed. Works on an
     * interrupted thread (the interrupt is kept for the caller).
     */
    private StopOutcome stop(Running r) {
        boolean interrupted = Thread.interrupted();
        ChannelExec ch = r.channel;
        try {
            r.requestStop();
            // under a pty nothing will confirm the stop: close soon after the Ctrl-C, the hang-up does the rest
            boolean ended = ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), r.wrapped.pty() ? PTY_STOP_WAIT
                    : STOP_WAIT)
                    .contains(ClientChannelEvent.CLOSED);
            if (ended && !r.wrapped.pty()) {
                r.wrapped.ended();
                return r.wrapped.stopOutcome();
            }
            return StopOutcome.UNCONFIRMED;
        } catch (RuntimeException e) {
            LOG.debug("{}: could not stop the command: {}", where, e.toString());
            return StopOutcome.UNCONFIRMED;
        } finally {
            if (!ch.isClosed()) {
                ch.close(false); // OpenSSH sends SIGHUP to a pty session's processes when the channel closes
                ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), CLOSE_WAIT);
                if (!ch.isClosed()) {
                    ch.close(true);
                }
            }
            r.wrapped.ended();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int signalNumber(String name) {
        return switch (name.toUpperCase(java.util.Locale.ROOT)) {
            case "HUP" -> 1;
            case "INT" -> 2;
            case "QUIT" -> 3;
            case "ILL" -> 4;
            case "ABRT" -> 6;
            case "FPE" -> 8;
            case "KILL" -> 9;
            case "USR1" -> 10;
            case "SEGV" -> 11;
            case "USR2" -> 12;
            case "PIPE" -> 13;
            case "ALRM" -> 14;
            case "TERM" -> 15;
            default -> 0;
        };
    }

    private IOException channelFailure(Throwable t) {
        // the server's own reason (SSH_MSG_CHANNEL_OPEN_FAILURE) is words; other failures are MINA's: to the log
        String m = t instanceof SshChannelOpenException o
                && o.getMessage() != null ? " (the server said \"" + words(o) + "\")" : "";
        if (t != null && m.isEmpty()) {
            LOG.debug("{}: channel open failed", where, t);
        }
        return new ConnectionException(where + ": the server refused to open a channel" + m + "; if many"
                + " commands run at once, lower max_channels below the server's MaxSessions", t);
    }

    /**
     * Takes a permit for a channel; {@link #release} gives it back.
     *
     * @param deadline a {@link System#nanoTime()}, or {@link Long#MAX_VALUE} to wait without a limit
     * @param timeout the limit the deadline stands for, for the message ({@code null}: none)
     * @param what the command or transfer waiting, for the message
     * @throws TimedOutException no channel was free before the deadline
     * @throws InterruptedIOException the thread was interrupted (its flag is set again)
     */
    void acquire(long deadline, Duration timeout, Object what) throws IOException {
        try {
            if (!channels.tryAcquire(Math.max(0, remaining(deadline)), TimeUnit.NANOSECONDS)) {
                throw new TimedOutException(where + ": timed out after " + Durations.exact(timeout) + " waiting for a"
                        + " free channel (max_channels " + s.maxChannels() + ") for " + what, timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(where + ": interrupted");
        }
    }

    /** Gives a permit back. */
    void release() {
        channels.release();
    }

    /**
     * @return a shell for a transfer's helper commands (sha256sum, mv, the probe): the transfer holds a permit
     *         already, so each helper hands it over for its own channel and takes it back after
     */
    RemoteShell helpers() {
        return command -> {
            channels.release();
            try {
                return exec(command, Trace.OFF);
            } finally {
                channels.acquireUninterruptibly();
            }
        };
    }

    /**
     * Asks the server for an answer on this session: a {@code keepalive@openssh.com} global request with
     * want-reply (what OpenSSH's {@code ServerAliveInterval} sends). Any answer, success or failure, proves that the
     * server still reads and answers this session. One round trip and no channel: unlike opening and closing a
     * channel (two round trips, a channel on both ends), it neither waits for a free one of {@code max_channels}
     * nor counts against the server's {@code MaxSessions}, and a session whose channels are all busy is probed too.
     *
     * @return {@code true} when the server answered within {@link #PROBE_TIMEOUT} (5 seconds)
     */
    boolean probe() {
        CompletableFuture<Integer> answer = new CompletableFuture<>();
        try {
            Buffer request = cs.createBuffer(SshConstants.SSH_MSG_GLOBAL_REQUEST, PROBE_REQUEST.length() + 8);
            request.putString(PROBE_REQUEST);
            request.putBoolean(true); // want-reply: the answer is the proof
            // with a handler, MINA hands over the server's answer as it is: a "failure" is an answer too
            cs.request(request, PROBE_REQUEST, (cmd, reply) -> answer.complete(cmd));
            int cmd = answer.get(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return (cmd == SshConstants.SSH_MSG_REQUEST_SUCCESS || cmd == SshConstants.SSH_MSG_REQUEST_FAILURE
                    || cmd == SshConstants.SSH_MSG_UNIMPLEMENTED) && cs.isOpen();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (IOException | ExecutionException | TimeoutException | RuntimeException e) {
            LOG.debug("{}: not alive: {}", where, e.toString());
            return false;
        }
    }

    /** Asks every command in flight to stop (end of file on its stdin), without waiting. */
    void requestStops() {
        for (Running r : inFlight) {
            if (!r.closing) {
                r.closing = true;
                r.requestStop();
            }
        }
    }

    /**
     * Waits until the commands asked to stop have ended on the host, or the deadline passes.
     *
     * @param deadline a {@link System#nanoTime()}
     */
    void awaitStops(long deadline) {
        for (Running r : new ArrayList<>(inFlight)) {
            if (r.closing) {
                r.channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED),
                        Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            }
        }
    }
}
