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
import java.util.concurrent.atomic.AtomicReference;
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
import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.support.OutputBuffer;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.support.Secret;
import io.conduit.api.connection.StaleConnectionException;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.connection.Trace;
import io.conduit.api.support.WrappedCommand;
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
    /** How long a stopped command's wrapper has to end its process group and report (SIGKILL comes at 2 s). */
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);
    /** How long a pty command gets after its Ctrl-C before the channel is closed (the terminal then hangs up). */
    private static final Duration PTY_STOP_WAIT = Duration.ofSeconds(1);
    /** How long removing temporary files that a lost connection left may take on the host. */
    private static final Duration LEFTOVER_WAIT = Duration.ofSeconds(10);

    /**
     * What the client-wide session listener and key verifier need to know about one hop.
     *
     * @param verifier checks this hop's host key
     * @param keepalive the host's keepalive interval, when it differs from the plugin-wide one
     */
    record Hop(HostKeyVerifier verifier, Duration keepalive, AtomicReference<Throwable> failure) {
        Hop(HostKeyVerifier verifier, Duration keepalive) {
            this(verifier, keepalive, new AtomicReference<>());
        }
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
    /** What this connection was opened with, for a fresh connection that removes a lost put's temporary file. */
    private volatile ConnectionParams params;
    private final Transfers transfers = new Transfers();
    private final Set<Running> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();

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
            Object[] applied = applySshConfig(params, s);
            host = (String) applied[0];
            s = (SshSettings) applied[1];
        }
        settings = s;
        channels = new Semaphore(s.maxChannels(), true);
        List<Endpoint> chain = new ArrayList<>(s.proxyJump());
        Endpoint target = new Endpoint(s.username(), host, s.port());
        where = target.toString();
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "ssh: connecting to " + target + (chain.isEmpty() ? ""
                    : " through " + chain) + (s.useSshConfig() ? " (after " + s.sshConfigFile() + ")" : ""));
        }
        if (trace.on(Trace.DETAIL)) {
            trace.line(Trace.DETAIL, "ssh: host_key_checking " + s.hostKeyChecking().name().toLowerCase(
                    java.util.Locale.ROOT).replace('_', '-') + " against " + s.knownHostsFile() + "; connect_timeout "
                    + human(s.connectTimeout()) + ", auth_timeout " + human(s.authTimeout()) + ", max_channels "
                    + s.maxChannels());
        }
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
                via = connectHop(h, via, s, null, path, trace);
                path += (path.isEmpty() ? " (through " : ", ") + h.address();
            }
            session = connectHop(target, via, s, params.password(), path.isEmpty() ? "" : path + ")", trace);
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
            rm.append(' ').append(io.conduit.api.support.ShellCommand.quotePath(p));
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
    @Override
    public boolean removeLeftover(String tmp) {
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
                    + words(ex), ex); // MINA's config reader's words, without its class or object names
        }
    }

    private ClientSession connectHop(Endpoint ep, ClientSession via, SshSettings s, Secret password, String path,
            Trace trace) throws IOException {
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
        if (trace.on(Trace.PROTOCOL)) {
            trace.line(Trace.PROTOCOL, "ssh: " + hop + ": TCP connected to " + address + " in "
                    + (System.nanoTime() - start) / 1_000_000 + " ms");
        }
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
                Throwable failure = hopContext.failure().get();
                if (!banner && failure != null) {
                    // MINA gave up on what the server sent: the port answers, but not in SSH
                    throw new ConnectFailedException(hop + ": the server's answer is not SSH (no SSH banner, but"
                            + " other bytes: " + words(failure) + "); check that port " + ep.port() + " is an SSH"
                            + " server's and not another service's", failure);
                }
                if (banner && failure != null && !(failure instanceof org.apache.sshd.common.SshException)) {
                    throw new ConnectFailedException(hop + ": the server sent an SSH banner but then data that is"
                            + " not SSH during key exchange (" + words(failure) + "); check what listens on port "
                            + ep.port(), failure);
                }
                throw new ConnectFailedException(hop + ": the server closed the connection "
                        + (banner ? "during key exchange (no common algorithms, or it refused us" + (failure == null
                                ? "" : ": " + words(failure)) + ")"
                                : "before sending its SSH banner (not an SSH server, or sshd refused us:"
                                        + " MaxStartups, tcp wrappers)"));
            }
            throw new TimedOutException(hop + (banner
                    ? ": key exchange did not finish within " + human(s.connectTimeout()) + " (connect_timeout)"
                    : ": accepted the TCP connection but sent no SSH banner within " + human(s.connectTimeout())
                            + " (connect_timeout); check that an SSH server (not something else) listens on port "
                            + ep.port() + " and is not overloaded"), s.connectTimeout());
        }
        if (trace.on(Trace.DETAIL)) {
            trace.line(Trace.DETAIL, "ssh: " + hop + ": server " + cs.getServerVersion() + "; host key "
                    + verifier.accepted());
        }
        if (hopContext.keepalive() != null && !hopContext.keepalive().isZero()) {
            cs.setSessionHeartbeat(SessionHeartbeatController.HeartbeatType.IGNORE, hopContext.keepalive());
        }
        AuthTrace.attach(cs, trace, hop);
        authenticate(cs, ep, s, password, hop, trace);
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "ssh: " + hop + ": authenticated as " + ep.user());
        }
        return cs;
    }

    private void authenticate(ClientSession cs, Endpoint ep, SshSettings s, Secret password, String hop, Trace trace)
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
        // ssh-agent, as OpenSSH's IdentityAgent: its keys after the host's key files, before ~/.ssh/id_*
        Path agentSocket = s.identityAgentSocket(context.environment);
        try (io.conduit.ssh.agent.AgentAuth agent = agentSocket == null ? null
                : io.conduit.ssh.agent.AgentAuth.attach(cs, agentSocket, s.authTimeout())) {
            boolean explicit = !s.privateKeyFiles().isEmpty();
            String files = ids.isEmpty() ? null : "publickey (" + String.join(", ", ids.stream()
                    .map(i -> i.file().toString()).distinct().toList()) + ")";
            List<String> tried = new ArrayList<>();
            if (explicit && files != null) {
                tried.add(files);
            }
            if (agent != null && agent.reachable()) {
                List<java.security.KeyPair> pairs = ids.stream().map(Identities.Identity::pair).toList();
                agent.offerAround(explicit ? pairs : List.of(), explicit ? List.of() : pairs);
                if (agent.keys() > 0) {
                    tried.add("agent (" + agent.keys() + (agent.keys() == 1 ? " key)" : " keys)"));
                }
                if (s.forwardAgent()) {
                    io.conduit.ssh.agent.AgentForwarding.enable(cs, agentSocket);
                }
            } else if (s.forwardAgent()) {
                LOG.debug("{}: forward_agent is true but no agent is forwarded: {}", hop,
                        agentAbsence(s, agentSocket, agent));
            }
            if (!explicit && files != null) {
                tried.add(files);
            }
            if (password != null) {
                tried.add("password, keyboard-interactive");
            }
            if (trace.on(Trace.DETAIL)) {
                trace.line(Trace.DETAIL, "ssh: " + hop + ": auth: offering " + (tried.isEmpty() ? "nothing"
                        : String.join("; ", tried)) + (agent == null || !agent.reachable() ? "; no ssh-agent ("
                        + agentAbsence(s, agentSocket, agent) + ")" : ""));
            }
            if (tried.isEmpty()) {
                cs.close(true);
                throw new AuthenticationFailedException(hop + ": no credentials to offer: no password, no"
                        + " private_key_file, no ~/.ssh/id_ed25519, id_ecdsa or id_rsa and no ssh-agent key ("
                        + agentAbsence(s, agentSocket, agent) + "); set one in the inventory");
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
                    throw new ConnectFailedException(hop + ": connection lost during authentication ("
                            + words(cause) + "); check that sshd still runs on the host", cause);
                }
                throw new AuthenticationFailedException(hop + ": authentication failed for user " + ep.user()
                        + " (tried " + String.join("; ", tried) + (agent != null && agent.keys() == 0
                                ? "; not the agent: " + agentAbsence(s, agentSocket, agent) : "")
                        + "). Check the username, the password or that the"
                        + " public key is in the user's authorized_keys on the host", cause);
            }
        }
    }

    /** Why no agent key is offered, for messages: none configured, the variable unset, unreachable or empty. */
    private static String agentAbsence(SshSettings s, Path socket, io.conduit.ssh.agent.AgentAuth agent) {
        if (socket == null) {
            return s.identityAgent().equals(SshSettings.NO_AGENT) ? "identity_agent is none"
                    : s.identityAgent().replaceFirst("^\\$", "") + " is not set in Conduit's environment";
        }
        if (agent.problem() != null) {
            return agent.problem();
        }
        return "the ssh-agent at " + socket + " holds no keys; add one with ssh-add";
    }

    private static IOException connectFailure(String hop, Endpoint ep, boolean viaJump, Throwable t) {
        Throwable root = t;
        while (root != null && root.getCause() != null && !(root instanceof ConnectException)
                && !(root instanceof NoRouteToHostException) && !(root instanceof UnknownHostException)) {
            root = root.getCause();
        }
        String why = words(root);
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
        return exec(command, Trace.OFF);
    }

    @Override
    public ExecResult exec(Command command, Trace trace) throws IOException {
        ClientSession cs = requireOpen();
        SshSettings s = settings;
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
                throw new TimedOutException(where + ": the server did not open a channel for " + brief(command)
                        + " in time", timeout);
            }
            if (!of.isOpened()) {
                if (!cs.isOpen() && !closed) {
                    // the session died before the channel opened: the command line was never sent
                    throw new StaleConnectionException(where + ": connection lost before " + brief(command)
                            + " was sent (the server closed it)", of.getException());
                }
                throw channelFailure(of.getException());
            }
            if (trace.on(Trace.PROTOCOL)) {
                trace.line(Trace.PROTOCOL, "ssh: exec channel " + ch.getChannelId() + " opened on " + where
                        + " (wrapper line " + wrapped.line().length() + " chars, input " + wrapped.input().length
                        + " bytes, pty " + (pty ? "yes" : "no") + ", heartbeat every "
                        + human(WrappedCommand.HEARTBEAT_INTERVAL) + ")");
            }
            running = new Running(ch, wrapped);
            inFlight.add(running);
            java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
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
                throw new CommandStoppedException(where + ": interrupted while starting " + brief(command) + "; "
                        + outcome.description(), outcome,
                        ExecResult.of(-1, out, err, Duration.ofNanos(System.nanoTime() - start)));
            } catch (IOException e) {
                ch.close(true); // the command never started: the become tool gets end of file and exits
                throw e instanceof ConnectionException ? e
                        : new ConnectFailedException(where + ": connection lost while starting " + brief(command), e);
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
                throw new TimedOutException(where + ": command timed out after " + human(timeout) + "; "
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
    private static boolean awaitEnd(java.util.concurrent.CountDownLatch ended, long deadline, WrappedCommand wrapped,
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

    /** A command whose channel is open, so that {@link #close} can stop it first. */
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
        String m = t instanceof org.apache.sshd.common.channel.exception.SshChannelOpenException o
                && o.getMessage() != null ? " (the server said \"" + words(o) + "\")" : "";
        if (t != null && m.isEmpty()) {
            LOG.debug("{}: channel open failed", where, t);
        }
        return new ConnectionException(where + ": the server refused to open a channel" + m + "; if many"
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
        put(local, remotePath, mode, Trace.OFF);
    }

    @Override
    public void put(Path local, String remotePath, int mode, Trace trace) throws IOException {
        ClientSession cs = requireOpen();
        acquire(Long.MAX_VALUE, null, "put");
        try {
            transfers.put(cs, this, settings, where, local, remotePath, mode);
            if (trace.on(Trace.CONNECTION)) {
                trace.line(Trace.CONNECTION, "ssh: sent over " + transfers.method(settings) + " (" + method() + ")");
            }
        } catch (IOException e) {
            throw lost(cs, e);
        } finally {
            channels.release();
        }
    }

    @Override
    public void fetch(String remotePath, Path local) throws IOException {
        fetch(remotePath, local, Trace.OFF);
    }

    @Override
    public void fetch(String remotePath, Path local, Trace trace) throws IOException {
        ClientSession cs = requireOpen();
        acquire(Long.MAX_VALUE, null, "fetch");
        try {
            transfers.fetch(cs, this, settings, where, remotePath, local);
            if (trace.on(Trace.CONNECTION)) {
                trace.line(Trace.CONNECTION, "ssh: received over " + transfers.method(settings) + " (" + method()
                        + ")");
            }
        } catch (IOException e) {
            throw lost(cs, e);
        } finally {
            channels.release();
        }
    }

    /** @return the configured method, and the fallback this connection took, for the trace */
    private String method() {
        String fallback = transfers.fallback();
        return fallback != null ? fallback : "transfer_method " + settings.transferMethod().text();
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
        String fallback = transfers.fallback();
        return fallback == null ? List.of() : List.of(fallback);
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
        // commands still running are stopped first, so that their callers learn whether the host confirmed it;
        // closing the session alone would also end them (the server closes their stdin), unconfirmed. Closing
        // immediately (the plugin goes away: ClientContext.closeAll has asked and waited for every connection
        // at once) does not wait here.
        closed = true;
        requestStops();
        if (!immediately) {
            awaitStops(System.nanoTime() + STOP_WAIT.toNanos());
        }
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

    /** @return the command's text, shortened, for messages (never its stdin, environment or become password) */
    static String brief(Command command) {
        return command.brief();
    }

    /** A library's reason in words: its message without Java class names, or "no reason given". */
    static String words(Throwable t) {
        String m = t == null ? null : t.getMessage();
        if (m == null || m.isBlank()) {
            return "no reason given";
        }
        m = withoutObjects(m.replaceAll("\\b(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)\\b:?\\s*", "")
                .replaceAll("\\s*\\(\\w*(?:Exception|Error)\\)", "") // "Failed (IOException) to execute"
                .replaceAll("\\s*-\\s*at line .*$", "")); // MINA quotes the server's bytes after "at line"
        int odd = 0;
        while (odd < m.length() && m.charAt(odd) >= ' ' && m.charAt(odd) < 0x7f) {
            odd++;
        }
        return (odd < m.length() ? m.substring(0, odd) + "..." : m).strip();
    }

    /**
     * Cuts what MINA prints of its objects ({@code ChannelAsyncOutputStream[SftpChannelSubsystem[id=1,
     * recipient=0]-ClientSessionImpl[user@/127.0.0.1:22][sftp]] cmd=SSH_MSG_CHANNEL_DATA}): a capitalized name
     * followed by bracketed parts (nested), the parts joined to it by {@code -}, and a {@code cmd=} after them.
     */
    static String withoutObjects(String m) {
        StringBuilder out = new StringBuilder();
        java.util.regex.Matcher name = OBJECT.matcher(m);
        int at = 0;
        while (name.find(at)) {
            int i = m.charAt(name.start()) == '[' ? name.start() : name.end() - 1; // at the first '['
            while (i < m.length() && m.charAt(i) == '[') {
                for (int depth = 0; i < m.length(); ) { // to the matching ']'
                    char c = m.charAt(i++);
                    depth += c == '[' ? 1 : c == ']' ? -1 : 0;
                    if (depth == 0) {
                        break;
                    }
                }
                java.util.regex.Matcher joined = JOINED.matcher(m).region(i, m.length());
                if (joined.lookingAt()) { // -ClientSessionImpl[ ... or ] cmd=SSH_MSG_CHANNEL_DATA]
                    i = joined.end();
                }
            }
            out.append(m, at, name.start());
            at = i;
        }
        out.append(m.substring(Math.min(at, m.length())));
        return out.toString().replaceAll("\\[\\s*\\]|\\(\\s*\\)", "").replaceAll("^[\\s:\\]-]+", "")
                .replaceAll("\\s*:\\s*(?=[;)]|$)", "")
                .replaceAll(" {2,}", " ").strip();
    }

    /** A capitalized name opening a bracket: how MINA's objects print. */
    private static final java.util.regex.Pattern OBJECT = java.util.regex.Pattern.compile("\\[?\\b[A-Z]\\w*\\[");
    /** What joins the parts of one printed object: {@code -Name[}, {@code [}, or a closing {@code  cmd=X]}. */
    private static final java.util.regex.Pattern JOINED = java.util.regex.Pattern.compile(
            "-[A-Z]\\w*(?=\\[)|(?=\\[)|\\]*\\s*cmd=\\w+\\]*|\\]+");

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
