package io.conduit.ssh;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.sshd.client.session.ClientSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.StaleConnectionException;
import io.conduit.api.connection.Trace;
import io.conduit.api.support.Durations;
import io.conduit.api.support.ShellCommand;
import io.conduit.ssh.hostkey.HostKeyChecking;
import io.conduit.ssh.transfer.LostPut;
import io.conduit.ssh.transfer.TransferOptions;
import io.conduit.ssh.transfer.Transfers;

/**
 * One host over SSH: one MINA session (through the jump hosts, if any: {@link SessionChain}) reused for every
 * call, one channel per command or transfer ({@link ExecChannels}, {@link Transfers}), at most
 * {@link SshSettings#maxChannels()} at once. The connection itself holds what ties them together: the host's
 * settings after {@link HostConfig}, the temporary files a lost put leaves ({@link Leftovers}), and closing.
 */
final class SshConnection implements Connection {
    private static final Logger LOG = LoggerFactory.getLogger(SshConnection.class);
    /** How long removing temporary files that a lost connection left may take on the host. */
    private static final Duration LEFTOVER_WAIT = Duration.ofSeconds(10);

    private final ClientContext context;
    private final ConnectionKey key;
    private final SshSettings defaults;
    private volatile SessionChain chain;
    private volatile ExecChannels channels;
    private volatile Transfers transfers;
    private volatile ClientSession session;
    private volatile SshSettings settings;
    private volatile String where;
    private volatile boolean closed;
    /** What this connection was opened with, for a fresh connection that removes a lost put's temporary file. */
    private volatile ConnectionParams params;

    SshConnection(ClientContext context, ConnectionKey key, SshSettings defaults) {
        this.context = context;
        this.key = key;
        this.defaults = defaults;
        this.where = key.host();
    }

    @Override
    public void open(ConnectionParams params) throws IOException {
        open(params, Trace.OFF);
    }

    @Override
    public void open(ConnectionParams params, Trace trace) throws IOException {
        SshSettings s;
        try {
            s = defaults.forHost(params);
        } catch (IllegalArgumentException e) {
            throw new ConnectionException(key.host() + ": connection_options.ssh." + e.getMessage());
        }
        String host = params.hostname();
        if (s.useSshConfig()) {
            HostConfig applied = HostConfig.read(context, key.host(), params, s);
            host = applied.hostname();
            s = applied.settings();
        }
        settings = s;
        List<Endpoint> jumps = new ArrayList<>(s.proxyJump());
        Endpoint target = new Endpoint(s.username(), host, s.port());
        where = target.toString();
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "ssh: connecting to " + target + (jumps.isEmpty() ? ""
                    : " through " + jumps) + (s.useSshConfig() ? " (after " + s.sshConfigFile() + ")" : ""));
        }
        if (trace.on(Trace.DETAIL)) {
            trace.line(Trace.DETAIL, "ssh: host_key_checking " + s.hostKeyChecking().text() + " against "
                    + s.knownHostsFile() + "; connect_timeout " + Durations.exact(s.connectTimeout())
                    + ", auth_timeout " + Durations.exact(s.authTimeout()) + ", max_channels " + s.maxChannels());
        }
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(context.loader); // MINA loads factories through the TCCL
        SessionChain sessions = new SessionChain(context, s, defaults.keepaliveInterval());
        chain = sessions;
        context.open().add(this);
        try {
            ClientSession cs = sessions.connect(jumps, target, params.password(), trace);
            ExecChannels ec = new ExecChannels(cs, s, where);
            channels = ec;
            transfers = new Transfers(cs, ec.helpers(), new TransferOptions(s.transferMethod(), s.verifyChecksum()),
                    where);
            session = cs;
            LOG.debug("{}: connected ({} hop(s))", where, jumps.size() + 1);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        } finally {
            t.setContextClassLoader(previous);
        }
        if (closed) {
            throw new ConnectFailedException(where + ": connection closed while opening");
        }
        this.params = params;
        removeLeftovers();
    }

    /**
     * Removes the temporary files that puts on an earlier connection to this host left when that connection was
     * lost ({@link Leftovers}); those it cannot remove stay listed for the next connection.
     */
    private void removeLeftovers() {
        List<String> paths = context.leftovers.of(where);
        if (paths.isEmpty()) {
            return;
        }
        StringBuilder rm = new StringBuilder("rm -f --");
        for (String p : paths) {
            rm.append(' ').append(ShellCommand.quotePath(p));
        }
        try {
            ExecResult r = exec(Command.shell(rm.toString()).withTimeout(LEFTOVER_WAIT));
            if (r.exitCode() == 0) {
                context.leftovers.removed(where, paths);
                LOG.info("{}: removed {} temporary file(s) that a transfer left when its connection was lost: {}",
                        where, paths.size(), paths);
            } else {
                LOG.warn("{}: could not remove the temporary file(s) {} that a lost transfer left (rm exited with {}:"
                        + " {}); trying again at the next connection", where, paths, r.exitCode(),
                        r.stderrText().strip());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("{}: could not remove the temporary file(s) {} that a lost transfer left; trying again at the"
                    + " next connection", where, paths);
            LOG.debug("{}: removing leftovers failed", where, e);
        }
    }

    /**
     * A put lost this connection and may have left {@code tmp} on the host: removes it over a fresh connection
     * (opened as this one was) when the host is still reachable, else remembers it for the next connection to
     * this host by this plugin. Bounded by connect_timeout, auth_timeout and {@link #LEFTOVER_WAIT}.
     */
    private boolean removeLeftover(String tmp) {
        context.leftovers.add(where, tmp);
        ConnectionParams p = params;
        if (p == null || closed) {
            return false; // closed by Conduit (the plugin goes away): no new connection now
        }
        SshConnection fresh = new SshConnection(context, key, defaults);
        try {
            fresh.open(p); // removes what is listed for this host
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: no fresh connection to remove {}", where, tmp, e);
        } finally {
            fresh.close();
        }
        return !context.leftovers.pending(where, tmp);
    }

    @Override
    public ExecResult exec(Command command) throws IOException {
        return exec(command, Trace.OFF);
    }

    @Override
    public ExecResult exec(Command command, Trace trace) throws IOException {
        requireOpen();
        return channels.exec(command, trace);
    }

    @Override
    public void put(Path local, String remotePath, int mode) throws IOException {
        put(local, remotePath, mode, Trace.OFF);
    }

    @Override
    public void put(Path local, String remotePath, int mode, Trace trace) throws IOException {
        ClientSession cs = requireOpen();
        ExecChannels ec = channels;
        ec.acquire(Long.MAX_VALUE, null, "put");
        try {
            transfers.put(local, remotePath, mode);
            if (trace.on(Trace.CONNECTION)) {
                trace.line(Trace.CONNECTION, "ssh: sent over " + transfers.method() + " (" + method() + ")");
            }
        } catch (LostPut e) {
            throw e.outcome(removeLeftover(e.temporary()));
        } catch (IOException e) {
            throw lost(cs, e);
        } finally {
            ec.release();
        }
    }

    @Override
    public void fetch(String remotePath, Path local) throws IOException {
        fetch(remotePath, local, Trace.OFF);
    }

    @Override
    public void fetch(String remotePath, Path local, Trace trace) throws IOException {
        ClientSession cs = requireOpen();
        ExecChannels ec = channels;
        ec.acquire(Long.MAX_VALUE, null, "fetch");
        try {
            transfers.fetch(remotePath, local);
            if (trace.on(Trace.CONNECTION)) {
                trace.line(Trace.CONNECTION, "ssh: received over " + transfers.method() + " (" + method() + ")");
            }
        } catch (IOException e) {
            throw lost(cs, e);
        } finally {
            ec.release();
        }
    }

    /** @return the configured method, and the fallback this connection took, for the trace */
    private String method() {
        String fallback = transfers.fallback();
        return fallback != null ? fallback : "transfer_method " + transfers.configured();
    }

    private IOException lost(ClientSession cs, IOException e) {
        if (e instanceof StaleConnectionException) {
            // a helper command of a transfer already under way: part of it may have reached the host
            return new ConnectFailedException(e.getMessage() + " during the transfer", e);
        }
        if (e instanceof ConnectionException || cs.isOpen() && !closed) {
            return e;
        }
        LOG.debug("{}: connection lost during a transfer", where, e);
        return new ConnectFailedException(where + ": the connection was lost during the transfer (sshd on the host"
                + " went away, or the network failed)", e);
    }

    /**
     * {@code host_key_checking: off}, for the console: the log's one WARN per JVM is easy to miss. A fallback of
     * {@code transfer_method: auto} is no insecure choice (it is verified): the transfer's trace line says it.
     */
    @Override
    public List<String> warnings() {
        SshSettings s = settings;
        return s != null && s.hostKeyChecking() == HostKeyChecking.OFF
                ? List.of("host_key_checking: off (host keys are not checked, a changed key is accepted)")
                : List.of();
    }

    /** The fallback {@code transfer_method: auto} took, said in each put's and fetch's result by the core. */
    @Override
    public List<String> notices() {
        Transfers t = transfers;
        String fallback = t == null ? null : t.fallback();
        return fallback == null ? List.of() : List.of(fallback);
    }

    @Override
    public boolean isAlive() {
        ClientSession cs = session;
        if (closed || cs == null || !cs.isOpen() || cs.isClosing() || !cs.isAuthenticated()) {
            return false;
        }
        return channels.probe();
    }

    @Override
    public void close() {
        close(false);
    }

    /**
     * Stops the commands still running, then closes the sessions, target first. Gracefully, the commands get
     * {@link ExecChannels#STOP_WAIT} to stop and the sessions a short wait for the server's answers (a dead server
     * never answers); immediately, the sockets just close.
     *
     * @param immediately skip the waits and the SSH close handshake (the plugin is going away)
     */
    void close(boolean immediately) {
        // commands still running are stopped first, so that their callers learn whether the host confirmed it;
        // closing the session alone would also end them (the server closes their stdin), unconfirmed. Closing
        // immediately (the plugin goes away: ClientContext.closeAll has asked and waited for every connection
        // at once) does not wait here.
        closed = true;
        ExecChannels ec = channels;
        if (ec != null) {
            ec.markClosed();
        }
        requestStops();
        if (!immediately) {
            awaitStops(System.nanoTime() + ExecChannels.STOP_WAIT.toNanos());
        }
        SessionChain sessions = chain;
        if (sessions != null) {
            sessions.close(immediately, where);
        }
        context.open().remove(this);
    }

    /** Asks every command in flight to stop (end of file on its stdin), without waiting. */
    void requestStops() {
        ExecChannels ec = channels;
        if (ec != null) {
            ec.requestStops();
        }
    }

    /**
     * Waits until the commands asked to stop have ended on the host, or the deadline passes.
     *
     * @param deadline a {@link System#nanoTime()}
     */
    void awaitStops(long deadline) {
        ExecChannels ec = channels;
        if (ec != null) {
            ec.awaitStops(deadline);
        }
    }

    private ClientSession requireOpen() throws IOException {
        ClientSession cs = session;
        if (closed || cs == null) {
            throw new ConnectionException(where + ": connection is " + (closed ? "closed" : "not open"));
        }
        if (!cs.isOpen()) {
            // found before this call sent anything: the core may reconnect and send it once more
            throw new StaleConnectionException(where + ": connection lost (the server closed it or keepalives went"
                    + " unanswered)");
        }
        return cs;
    }

    @Override
    public String toString() {
        return "SshConnection[" + where + "]";
    }
}
