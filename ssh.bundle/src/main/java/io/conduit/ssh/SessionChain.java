package io.conduit.ssh;

import static io.conduit.ssh.Futures.await;
import static io.conduit.ssh.SshText.words;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.client.session.ClientSession.ClientSessionEvent;
import org.apache.sshd.client.session.forward.ExplicitPortForwardingTracker;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.future.CloseFuture;
import org.apache.sshd.common.session.SessionHeartbeatController;
import org.apache.sshd.common.util.net.SshdSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.connection.Trace;
import io.conduit.api.connection.Secret;
import io.conduit.api.support.Durations;
import io.conduit.ssh.hostkey.HostKeyVerifier;

/**
 * The sessions of one connection: one per jump host, each tunnelled through a local port forward of the one
 * before, and the target's last. Every hop checks its own host key ({@link Hop}) and logs in ({@link Login})
 * within the host's timeouts; closing closes the target first, then the hops it runs through.
 */
final class SessionChain {
    private static final Logger LOG = LoggerFactory.getLogger(SessionChain.class);
    /** How long a graceful close waits, for the whole chain, for the servers' answers. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(2);

    private final ClientContext context;
    private final SshSettings s;
    private final Duration pluginKeepalive;
    private final List<ClientSession> sessions = Collections.synchronizedList(new ArrayList<>());
    private final List<ExplicitPortForwardingTracker> forwards = Collections.synchronizedList(new ArrayList<>());

    /**
     * @param context the plugin's client, known_hosts files, keys and warnings
     * @param s the host's settings
     * @param pluginKeepalive the plugin-wide keepalive interval (a host's own is set on its sessions)
     */
    SessionChain(ClientContext context, SshSettings s, Duration pluginKeepalive) {
        this.context = context;
        this.s = s;
        this.pluginKeepalive = pluginKeepalive;
    }

    /**
     * Connects through every jump host to the target and logs in on each.
     *
     * @param jumps the jump hosts, first first; their missing user and port are the host's and 22
     * @param target the target
     * @param password the target's password, or {@code null}
     * @param trace where {@code -v} lines go
     * @return the target's authenticated session
     * @throws IOException a hop could not be reached, verified or logged in to; what the chain opened stays for
     *         {@link #close}
     */
    ClientSession connect(List<Endpoint> jumps, Endpoint target, Secret password, Trace trace) throws IOException {
        ClientSession via = null;
        String path = "";
        for (Endpoint hop : jumps) {
            Endpoint h = new Endpoint(hop.user() != null ? hop.user() : s.username(), hop.host(),
                    hop.port() > 0 ? hop.port() : 22);
            via = connectHop(h, via, null, path, trace);
            path += (path.isEmpty() ? " (through " : ", ") + h.address();
        }
        return connectHop(target, via, password, path.isEmpty() ? "" : path + ")", trace);
    }

    private ClientSession connectHop(Endpoint ep, ClientSession via, Secret password, String path, Trace trace)
            throws IOException {
        String hop = ep + path;
        HostKeyVerifier verifier = new HostKeyVerifier(context.knownHosts(s.knownHostsFile()), s.hostKeyChecking(),
                s.hashKnownHosts(), ep.host(), ep.port(), () -> context.warnHostKeyCheckingOff(ep.address()));
        Hop hopContext = new Hop(verifier, s.keepaliveInterval().equals(pluginKeepalive) ? null
                : s.keepaliveInterval());
        InetSocketAddress address;
        if (via == null) {
            try {
                address = new InetSocketAddress(InetAddress.getByName(ep.host()), ep.port());
            } catch (UnknownHostException e) {
                throw new ConnectFailedException(hop + ": cannot resolve host name " + ep.host()
                        + "; check the inventory's hostname and DNS", e);
            }
        } else {
            ExplicitPortForwardingTracker fwd = via.createLocalPortForwardingTracker(
                    SshdSocketAddress.LOCALHOST_ADDRESS, new SshdSocketAddress(ep.host(), ep.port()));
            forwards.add(fwd);
            address = fwd.getBoundAddress().toInetSocketAddress();
        }
        long connectNanos = s.connectTimeout().toNanos();
        long start = System.nanoTime();
        ConnectFuture cf = context.client.connect(ep.user(), address,
                AttributeRepository.ofKeyValuePair(Hop.KEY, hopContext), null);
        if (!await(cf, connectNanos)) {
            cf.cancel();
            throw new TimedOutException(hop + ": no TCP connection within " + Durations.exact(s.connectTimeout())
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
                    ? ": key exchange did not finish within " + Durations.exact(s.connectTimeout())
                            + " (connect_timeout)"
                    : ": accepted the TCP connection but sent no SSH banner within "
                            + Durations.exact(s.connectTimeout()) + " (connect_timeout); check that an SSH server"
                            + " (not something else) listens on port "
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
        Login.authenticate(context, cs, ep, s, password, hop, trace);
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "ssh: " + hop + ": authenticated as " + ep.user());
        }
        return cs;
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

    /**
     * Closes the sessions, target first, then the forwards. Gracefully, the whole chain waits at most
     * {@link #CLOSE_WAIT} for the servers' answers (a dead server never answers); immediately, the sockets just
     * close.
     *
     * @param immediately skip the SSH close handshake
     * @param where the connection's name, for the log
     */
    void close(boolean immediately, String where) {
        List<ClientSession> all;
        synchronized (sessions) {
            all = new ArrayList<>(sessions);
            sessions.clear();
        }
        Collections.reverse(all); // the target first, then the hops it runs through
        List<CloseFuture> pending = new ArrayList<>();
        for (ClientSession cs : all) {
            try {
                pending.add(cs.close(immediately));
            } catch (RuntimeException e) {
                LOG.debug("{}: error while closing: {}", where, e.toString());
            }
        }
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        for (CloseFuture f : pending) {
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
    }
}
