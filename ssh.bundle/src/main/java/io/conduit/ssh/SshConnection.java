package io.conduit.ssh;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannel;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.HostConfigEntry;
import org.apache.sshd.client.future.AuthFuture;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientSession.ClientSessionEvent;
import org.apache.sshd.client.session.forward.ExplicitPortForwardingTracker;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.session.SessionHeartbeatController;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.AuthenticationFailedException;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.OutputBuffer;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.ShellCommand;
import io.conduit.api.connection.TimedOutException;
import io.conduit.ssh.hostkey.HostKeyVerifier;
import io.conduit.ssh.transfer.Transfers;

/**
 * One host over SSH: one MINA session (through the jump hosts, if any) reused for every call, one channel per
 * command or transfer, at most {@link SshSettings#maxChannels()} at once.
 */
final class SshConnection implements Connection, Transfers.Shell {
    private static final Logger LOG = LoggerFactory.getLogger(SshConnection.class);
    static final AttributeRepository.AttributeKey<Hop> HOP = new AttributeRepository.AttributeKey<>();
    private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    /**
     * What the client-wide session listener and key verifier need to know about one hop.
     *
     * @param verifier checks this hop's host key
     * @param keepalive the host's keepalive interval, when it differs from the plugin-wide one
     */
    record Hop(HostKeyVerifier verifier, Duration keepalive) {
    }

    private final ClientContext context;
    private final ConnectionKey key;
    private final SshSettings defaults;
    private final List<ClientSession> sessions = Collections.synchronizedList(new ArrayList<>());
    private final List<ExplicitPortForwardingTracker> forwards = Collections.synchronizedList(new ArrayList<>());
    private volatile ClientSession session;
    private volatile SshSettings settings;
    private volatile Semaphore channels;
    private volatile String where;
    private volatile boolean closed;
    private final Transfers transfers = new Transfers();

    SshConnection(ClientContext context, ConnectionKey key, SshSettings defaults) {
        this.context = context;
        this.key = key;
        this.defaults = defaults;
        this.where = key.host();
    }

    @Override
    public void open(ConnectionParams params) throws IOException {
        SshSettings s;
        try {
            s = defaults.forHost(params);
        } catch (IllegalArgumentException e) {
            throw new ConnectionException(key.host() + ": connection_options.ssh." + e.getMessage());
        }
        String host = params.hostname();
        if (s.useSshConfig()) {
            Object[] applied = applySshConfig(params, s);
            host = (String) applied[0];
            s = (SshSettings) applied[1];
        }
        settings = s;
        channels = new Semaphore(s.maxChannels(), true);
        List<Endpoint> chain = new ArrayList<>(s.proxyJump());
        Endpoint target = new Endpoint(s.username(), host, s.port());
        where = target.toString();
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(context.loader); // MINA loads factories through the TCCL
        context.open().add(this);
        try {
            ClientSession via = null;
            String path = "";
            for (Endpoint hop : chain) {
                Endpoint h = new Endpoint(hop.user() != null ? hop.user() : s.username(), hop.host(),
                        hop.port() > 0 ? hop.port() : 22);
                via = connectHop(h, via, s, null, path);
                path += (path.isEmpty() ? " (through " : ", ") + h.address();
            }
            session = connectHop(target, via, s, params.password(), path.isEmpty() ? "" : path + ")");
            LOG.debug("{}: connected ({} hop(s))", where, chain.size() + 1);
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        } finally {
            t.setContextClassLoader(previous);
        }
        if (closed) {
            throw new ConnectFailedException(where + ": connection closed while opening");
        }
    }

    private Object[] applySshConfig(ConnectionParams params, SshSettings s) throws ConnectionException {
        Path file = s.sshConfigFile();
        if (!Files.isRegularFile(file)) {
            context.warnSshConfig("use_ssh_config is true but " + file + " does not exist; using the inventory only");
            return new Object[] {params.hostname(), s};
        }
        try {
            List<HostConfigEntry> entries = HostConfigEntry.readHostConfigEntries(file);
            HostConfigEntry e = new HostConfigEntry(params.hostname(), null, 0, null);
            for (HostConfigEntry m : HostConfigEntry.findMatchingEntries(params.hostname(), entries)) {
                e.collate(m);
            }
            Map<String, Object> x = params.extras();
            String host = e.getHostName() != null && !e.getHostName().isBlank() ? e.getHostName() : params.hostname();
            int port = params.port() > 0 || x.containsKey(SshSettings.PORT) || e.getPort() <= 0 ? s.port()
                    : e.getPort();
            boolean userGiven = (params.username() != null && !params.username().isBlank())
                    || x.containsKey(SshSettings.USERNAME);
            String user = userGiven || e.getUsername() == null || e.getUsername().isBlank() ? s.username()
                    : e.getUsername();
            List<Path> keys = s.privateKeyFiles();
            if (!x.containsKey(SshSettings.PRIVATE_KEY_FILE) && e.getIdentities() != null
                    && !e.getIdentities().isEmpty()) {
                keys = new ArrayList<>();
                for (String id : e.getIdentities()) {
                    keys.add(Path.of(HostConfigEntry.resolveIdentityFilePath(id, host, port, user)));
                }
            }
            List<Endpoint> jumps = s.proxyJump();
            if (!x.containsKey(SshSettings.PROXY_JUMP) && e.getProxyJump() != null && !e.getProxyJump().isBlank()) {
                jumps = Endpoint.parseChain(file + ": ProxyJump", e.getProxyJump(), 22);
            }
            return new Object[] {host, s.withEndpoint(port, user, keys, jumps)};
        } catch (IOException | RuntimeException ex) {
            throw new ConnectionException(key.host() + ": cannot read " + file + " (use_ssh_config): "
                    + ex.getMessage(), ex);
        }
    }

    private ClientSession connectHop(Endpoint ep, ClientSession via, SshSettings s, Secret password, String path)
            throws IOException {
        String hop = ep + path;
        HostKeyVerifier verifier = new HostKeyVerifier(context.knownHosts(s.knownHostsFile()), s.hostKeyChecking(),
                s.hashKnownHosts(), ep.host(), ep.port(), () -> context.warnHostKeyCheckingOff(ep.address()));
        Duration plugin = defaults.keepaliveInterval();
        Hop hopContext = new Hop(verifier, s.keepaliveInterval().equals(plugin) ? null : s.keepaliveInterval());
        InetSocketAddress address;
        if (via == null) {
            try {
                address = new InetSocketAddress(InetAddress.getByName(ep.host()), ep.port());
            } catch (UnknownHostException e) {
                throw new ConnectFailedException(hop + ": cannot resolve host name " + ep.host()
                        + "; check the inventory's hostname and DNS", e);
            }
        } else {
            ExplicitPortForwardingTracker fwd = via.createLocalPortForwardingTracker(SshdSocketAddress.LOCALHOST_ADDRESS,
                    new SshdSocketAddress(ep.host(), ep.port()));
            forwards.add(fwd);
            address = fwd.getBoundAddress().toInetSocketAddress();
        }
        long connectNanos = s.connectTimeout().toNanos();
        long start = System.nanoTime();
        ConnectFuture cf = context.client.connect(ep.user(), address,
                AttributeRepository.ofKeyValuePair(HOP, hopContext), null);
        if (!await(cf, connectNanos)) {
            cf.cancel();
            throw new TimedOutException(hop + ": no TCP connection within " + human(s.connectTimeout())
                    + " (connect_timeout); check the host is up and no firewall drops port " + ep.port(),
                    s.connectTimeout());
        }
        if (!cf.isConnected()) {
            throw connectFailure(hop, ep, via != null, cf.getException());
        }
        ClientSession cs = cf.getSession();
        sessions.add(cs);
        long left = connectNanos - (System.nanoTime() - start);
        Set<ClientSessionEvent> ev = cs.waitFor(EnumSet.of(ClientSessionEvent.WAIT_AUTH, ClientSessionEvent.CLOSED),
                Duration.ofNanos(Math.max(left, 1)));
        if (verifier.rejection() != null) {
            cs.close(true);
            throw verifier.rejection();
        }
        if (!ev.contains(ClientSessionEvent.WAIT_AUTH)) {
            boolean banner = cs.getServerVersion() != null;
            cs.close(true);
            if (ev.contains(ClientSessionEvent.CLOSED)) {
                if (via != null && !banner) {
                    throw new ConnectFailedException(hop + ": the jump host could not open a connection to "
                            + ep.address() + "; check the target is up and reachable from the jump host");
                }
                throw new ConnectFailedException(hop + ": the server closed the connection "
                        + (banner ? "during key exchange (no common algorithms, or it refused us)"
                                : "before sending its SSH banner (not an SSH server, or sshd refused us:"
                                        + " MaxStartups, tcp wrappers)"));
            }
            throw new TimedOutException(hop + (banner
                    ? ": key exchange did not finish within " + human(s.connectTimeout()) + " (connect_timeout)"
                    : ": accepted the TCP connection but sent no SSH banner within " + human(s.connectTimeout())
                            + " (connect_timeout); check that an SSH server (not something else) listens on port "
                            + ep.port() + " and is not overloaded"), s.connectTimeout());
        }
        if (hopContext.keepalive() != null && !hopContext.keepalive().isZero()) {
            cs.setSessionHeartbeat(SessionHeartbeatController.HeartbeatType.IGNORE, hopContext.keepalive());
        }
        authenticate(cs, ep, s, password, hop);
        return cs;
    }

    private void authenticate(ClientSession cs, Endpoint ep, SshSettings s, Secret password, String hop)
            throws IOException {
        List<Identities.Identity> ids = context.identities.load(s.privateKeyFiles(), s.lookForKeys(),
                s.passphrase(), hop);
        for (Identities.Identity id : ids) {
            cs.addPublicKeyIdentity(id.pair());
        }
        if (password != null) {
            cs.addPasswordIdentity(password.reveal());
            cs.setUserInteraction(new PasswordInteraction(password));
        } else {
            cs.setUserInteraction(PasswordInteraction.NONE);
        }
        List<String> tried = new ArrayList<>();
        if (!ids.isEmpty()) {
            tried.add("publickey (" + String.join(", ", ids.stream().map(i -> i.file().toString()).distinct()
                    .toList()) + ")");
        }
        if (password != null) {
            tried.add("password, keyboard-interactive");
        }
        if (tried.isEmpty()) {
            cs.close(true);
            throw new AuthenticationFailedException(hop + ": no credentials to offer: no password, no"
                    + " private_key_file and no ~/.ssh/id_ed25519, id_ecdsa or id_rsa; set one in the inventory");
        }
        AuthFuture af = cs.auth();
        if (!await(af, s.authTimeout().toNanos())) {
            af.cancel();
            cs.close(true);
            throw new TimedOutException(hop + ": authentication did not finish within " + human(s.authTimeout())
                    + " (auth_timeout)", s.authTimeout());
        }
        if (!af.isSuccess()) {
            Throwable cause = af.getException();
            cs.close(true);
            if (cause != null && !(cause instanceof org.apache.sshd.common.SshException) && cs.isClosed()
                    && !String.valueOf(cause.getMessage()).contains("authentication")) {
                throw new ConnectFailedException(hop + ": connection lost during authentication: " + cause, cause);
            }
            throw new AuthenticationFailedException(hop + ": authentication failed for user " + ep.user()
                    + " (tried " + String.join("; ", tried) + "). Check the username, the password or that the"
                    + " public key is in the user's authorized_keys on the host", cause);
        }
    }

    private static IOException connectFailure(String hop, Endpoint ep, boolean viaJump, Throwable t) {
        Throwable root = t;
        while (root != null && root.getCause() != null && !(root instanceof ConnectException)
                && !(root instanceof NoRouteToHostException) && !(root instanceof UnknownHostException)) {
            root = root.getCause();
        }
        String why = root == null ? "unknown error" : root.getClass().getSimpleName() + ": " + root.getMessage();
        if (root instanceof ConnectException) {
            return new ConnectFailedException(hop + ": connection refused; check that sshd runs on the host and"
                    + " listens on port " + ep.port(), t);
        }
        if (root instanceof NoRouteToHostException) {
            return new ConnectFailedException(hop + ": no route to host; check the address and the network", t);
        }
        return new ConnectFailedException(hop + ": cannot connect (" + why + ")"
                + (viaJump ? " through the jump host" : ""), t);
    }

    @Override
    public ExecResult exec(Command command) throws IOException {
        ClientSession cs = requireOpen();
        SshSettings s = settings;
        Duration timeout = command.timeout() != null ? command.timeout() : s.commandTimeout();
        long start = System.nanoTime();
        long deadline = timeout == null ? Long.MAX_VALUE : start + timeout.toNanos();
        String line = ShellCommand.wrap(command);
        boolean pty = ShellCommand.needsPty(command);
        acquire(deadline, timeout, command);
        OutputBuffer out = new OutputBuffer(command.outputLimit());
        OutputBuffer err = new OutputBuffer(command.outputLimit());
        ChannelExec ch = null;
        try {
            ch = cs.createExecChannel(line);
            ch.setUsePty(pty);
            ch.setOut(out);
            ch.setErr(err);
            OpenFuture of = ch.open();
            if (!await(of, Math.min(remaining(deadline), s.connectTimeout().toNanos() * 3))) {
                ch.close(true);
                throw new TimedOutException(where + ": the server did not open a channel for " + command
                        + " in time", timeout);
            }
            if (!of.isOpened()) {
                throw channelFailure(of.getException());
            }
            OutputStream stdin = ch.getInvertedIn();
            byte[] input = ShellCommand.stdin(command);
            try {
                if (input.length > 0) {
                    stdin.write(input);
                    stdin.flush();
                }
                if (!pty) {
                    stdin.close(); // EOF, so that commands reading stdin end
                }
            } catch (IOException e) {
                LOG.debug("{}: stdin not fully written ({}); the command ended first", where, e.toString());
            }
            Set<ClientChannelEvent> ev = ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED),
                    Duration.ofNanos(Math.max(1, remaining(deadline))));
            if (!ev.contains(ClientChannelEvent.CLOSED)) {
                stop(ch, pty);
                ExecResult partial = ExecResult.of(-1, out, err, Duration.ofNanos(System.nanoTime() - start));
                throw new TimedOutException(where + ": command timed out after " + human(timeout)
                        + " and was stopped: " + command, timeout, partial, null);
            }
            Integer status = ch.getExitStatus();
            int code;
            if (status != null) {
                code = status;
            } else if (ch.getExitSignal() != null) {
                code = 128 + signalNumber(ch.getExitSignal());
            } else if (!cs.isOpen()) {
                throw new ConnectFailedException(where + ": connection lost while running " + command);
            } else {
                code = -1;
            }
            return ExecResult.of(code, out, err, Duration.ofNanos(System.nanoTime() - start));
        } catch (ConnectionException e) {
            throw e;
        } catch (InterruptedIOException e) {
            if (ch != null) {
                ch.close(true);
            }
            throw e;
        } catch (IOException e) {
            if (!cs.isOpen() || closed) {
                throw new ConnectFailedException(where + ": connection lost while running " + command + ": "
                        + e.getMessage(), e);
            }
            throw e;
        } finally {
            if (ch != null && !ch.isClosed()) {
                ch.close(false);
            }
            channels.release();
        }
    }

    /** Stops a command that ran out of time: Ctrl-C through the pty, else a signal; then closes the channel. */
    private void stop(ChannelExec ch, boolean pty) {
        try {
            if (pty) {
                OutputStream in = ch.getInvertedIn();
                in.write(3); // ^C: the pty's line discipline turns it into SIGINT for the foreground job
                in.flush();
            }
            for (String signal : new String[] {"TERM", "KILL"}) {
                Buffer b = ch.getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, 32);
                b.putUInt(ch.getRecipient());
                b.putString("signal");
                b.putBoolean(false);
                b.putString(signal);
                ch.getSession().writePacket(b);
                if (ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), Duration.ofMillis(300))
                        .contains(ClientChannelEvent.CLOSED)) {
                    break;
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: could not signal the timed-out command: {}", where, e.toString());
        } finally {
            ch.close(false); // OpenSSH sends SIGHUP to a pty session's processes when the channel closes
            ch.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), CLOSE_WAIT);
            if (!ch.isClosed()) {
                ch.close(true);
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
        String m = t == null ? "refused" : t.getMessage();
        return new ConnectionException(where + ": the server refused to open a channel (" + m + "); if many"
                + " commands run at once, lower max_channels below the server's MaxSessions", t);
    }

    private void acquire(long deadline, Duration timeout, Object what) throws IOException {
        try {
            if (!channels.tryAcquire(Math.max(0, remaining(deadline)), TimeUnit.NANOSECONDS)) {
                throw new TimedOutException(where + ": timed out after " + human(timeout) + " waiting for a free"
                        + " channel (max_channels " + settings.maxChannels() + ") for " + what, timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(where + ": interrupted");
        }
    }

    @Override
    public void put(Path local, String remotePath, int mode) throws IOException {
        ClientSession cs = requireOpen();
        acquire(Long.MAX_VALUE, null, "put");
        try {
            transfers.put(cs, this, settings, where, local, remotePath, mode);
        } catch (IOException e) {
            throw lost(cs, e);
        } finally {
            channels.release();
        }
    }

    @Override
    public void fetch(String remotePath, Path local) throws IOException {
        ClientSession cs = requireOpen();
        acquire(Long.MAX_VALUE, null, "fetch");
        try {
            transfers.fetch(cs, this, settings, where, remotePath, local);
        } catch (IOException e) {
            throw lost(cs, e);
        } finally {
            channels.release();
        }
    }

    /** Runs a helper command for transfers (sha256sum, mv) without taking another channel permit. */
    @Override
    public ExecResult run(Command command) throws IOException {
        channels.release();
        try {
            return exec(command);
        } finally {
            channels.acquireUninterruptibly();
        }
    }

    private IOException lost(ClientSession cs, IOException e) {
        if (e instanceof ConnectionException || cs.isOpen() && !closed) {
            return e;
        }
        return new ConnectFailedException(where + ": connection lost during transfer: " + e.getMessage(), e);
    }

    @Override
    public boolean isAlive() {
        ClientSession cs = session;
        if (closed || cs == null || !cs.isOpen() || cs.isClosing() || !cs.isAuthenticated()) {
            return false;
        }
        // a channel opened and closed is the cheapest proof that the server still serves this session
        try {
            if (!channels.tryAcquire(PROBE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                return cs.isOpen(); // every channel busy: the session is in use right now
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        ClientChannel probe = null;
        try {
            probe = new org.apache.sshd.client.channel.ChannelSession();
            cs.getService(org.apache.sshd.common.session.ConnectionService.class).registerChannel(probe);
            OpenFuture of = probe.open();
            return await(of, PROBE_TIMEOUT.toNanos()) && of.isOpened();
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: not alive: {}", where, e.toString());
            return false;
        } finally {
            if (probe != null) {
                probe.close(false);
            }
            channels.release();
        }
    }

    @Override
    public void close() {
        close(false);
    }

    /**
     * Closes the sessions, target first. Gracefully, the whole connection waits at most {@link #CLOSE_WAIT} for
     * the server's answers (a dead server never answers); immediately, the sockets just close.
     *
     * @param immediately skip the SSH close handshake (the plugin is going away)
     */
    void close(boolean immediately) {
        closed = true;
        List<ClientSession> all;
        synchronized (sessions) {
            all = new ArrayList<>(sessions);
            sessions.clear();
        }
        Collections.reverse(all); // the target first, then the hops it runs through
        List<org.apache.sshd.common.future.CloseFuture> pending = new ArrayList<>();
        for (ClientSession cs : all) {
            try {
                pending.add(cs.close(immediately));
            } catch (RuntimeException e) {
                LOG.debug("{}: error while closing: {}", where, e.toString());
            }
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        for (org.apache.sshd.common.future.CloseFuture f : pending) {
            try {
                f.await(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            } catch (IOException | RuntimeException e) {
                LOG.debug("{}: error while closing: {}", where, e.toString());
            }
        }
        for (ClientSession cs : all) {
            if (!cs.isClosed()) {
                cs.close(true);
            }
        }
        synchronized (forwards) {
            for (ExplicitPortForwardingTracker f : forwards) {
                try {
                    f.close();
                } catch (IOException | RuntimeException e) {
                    LOG.debug("{}: error while closing a forward: {}", where, e.toString());
                }
            }
            forwards.clear();
        }
        context.open().remove(this);
    }

    private ClientSession requireOpen() throws IOException {
        ClientSession cs = session;
        if (closed || cs == null) {
            throw new ConnectionException(where + ": connection is " + (closed ? "closed" : "not open"));
        }
        if (!cs.isOpen()) {
            throw new ConnectFailedException(where + ": connection lost (the server closed it or keepalives went"
                    + " unanswered)");
        }
        return cs;
    }

    private static boolean await(org.apache.sshd.common.future.WaitableFuture f, long nanos) throws IOException {
        try {
            return f.await(Duration.ofNanos(Math.max(nanos, 1)));
        } catch (InterruptedIOException e) {
            throw e;
        }
    }

    private static long remaining(long deadline) {
        return deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
    }

    static String human(Duration d) {
        if (d == null) {
            return "no limit";
        }
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + "s" : ms + "ms";
    }

    @Override
    public String toString() {
        return "SshConnection[" + where + "]";
    }

    static ProtocolException protocol(String message) {
        return new ProtocolException(message);
    }
}
