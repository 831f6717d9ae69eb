package io.conduit.ssh.hostkey;

import java.io.IOException;
import java.net.SocketAddress;
import java.security.PublicKey;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.sshd.client.config.hosts.KnownHostHashValue;
import org.apache.sshd.client.keyverifier.ServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.HostKeyRejectedException;

/**
 * Checks the key one hop presents against known_hosts, for the host and port the operator named (not the
 * address MINA connected to, which is a local forward for hops behind a jump host). A rejection is kept so that
 * the connection reports it as a {@link HostKeyRejectedException} with fingerprint, file and line.
 */
public final class HostKeyVerifier implements ServerKeyVerifier {
    private static final Logger LOG = LoggerFactory.getLogger(HostKeyVerifier.class);

    private final KnownHosts knownHosts;
    private final HostKeyChecking mode;
    private final boolean hashNew;
    private final String host;
    private final int port;
    private final Runnable warnOff;
    private final AtomicReference<HostKeyRejectedException> rejection = new AtomicReference<>();
    private final AtomicReference<String> accepted = new AtomicReference<>();

    /**
     * @param knownHosts the file to check against
     * @param mode strict, accept-new or off
     * @param hashNew write new entries hashed
     * @param host the host as the operator named it
     * @param port its port
     * @param warnOff called when a key is accepted unchecked (mode off), to warn once
     */
    public HostKeyVerifier(KnownHosts knownHosts, HostKeyChecking mode, boolean hashNew, String host, int port,
            Runnable warnOff) {
        this.knownHosts = knownHosts;
        this.mode = mode;
        this.hashNew = hashNew;
        this.host = host;
        this.port = port;
        this.warnOff = warnOff;
    }

    /**
     * @return how the key was accepted, for the connection's trace ({@code -vv}): the key's type and fingerprint
     *         and the known_hosts file and line that holds it, or that it was recorded or not checked;
     *         {@code null} before a key was accepted
     */
    public String accepted() {
        return accepted.get();
    }

    /** @return the reason the key was refused, or {@code null} */
    public HostKeyRejectedException rejection() {
        return rejection.get();
    }

    /**
     * The key types known_hosts holds for this host, so that the client asks for those first (as OpenSSH does)
     * and a host known by its ecdsa key is not refused for offering ed25519 first.
     *
     * @return canonical key types, e.g. {@code ssh-ed25519}, {@code ssh-rsa}; empty when unknown or off
     */
    public Set<String> knownKeyTypes() {
        Set<String> types = new LinkedHashSet<>();
        if (mode == HostKeyChecking.OFF) {
            return types;
        }
        try {
            for (KnownHosts.Line l : knownHosts.lookup(host, port)) {
                if (l.plain()) {
                    types.add(KeyUtils.getCanonicalKeyType(l.keyType()));
                }
            }
        } catch (IOException e) {
            LOG.debug("{}: cannot read {}: {}", host, knownHosts.file(), e.toString());
        }
        return types;
    }

    @Override
    public boolean verifyServerKey(ClientSession session, SocketAddress remoteAddress, PublicKey serverKey) {
        String where = KnownHostHashValue.createHostPattern(host, port);
        String presented = KeyUtils.getKeyType(serverKey) + " key " + KeyUtils.getFingerPrint(serverKey);
        if (mode == HostKeyChecking.OFF) {
            warnOff.run();
            LOG.debug("{}: host key not checked (host_key_checking off): {}", where, presented);
            accepted.set(presented + " NOT checked (host_key_checking off)");
            return true;
        }
        List<KnownHosts.Line> lines;
        try {
            lines = knownHosts.lookup(host, port);
        } catch (IOException e) {
            return reject(new HostKeyRejectedException(where + ": cannot read known_hosts " + knownHosts.file()
                    + " (" + e.getMessage() + "); fix its permissions or set known_hosts_file", e));
        }
        for (KnownHosts.Line l : lines) {
            if (l.revoked() && KeyUtils.compareKeys(serverKey, l.key())) {
                return reject(new HostKeyRejectedException(where + ": the host presented the " + presented
                        + ", which " + knownHosts.file() + ":" + l.line() + " marks @revoked; refusing to connect"));
            }
        }
        KnownHosts.Line mismatch = null;
        for (KnownHosts.Line l : lines) {
            if (!l.plain()) {
                continue;
            }
            if (KeyUtils.compareKeys(serverKey, l.key())) {
                accepted.set(presented + " matches " + knownHosts.file() + ":" + l.line() + " (host_key_checking "
                        + mode.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + ")");
                return true;
            }
            if (mismatch == null || (!sameType(mismatch, serverKey) && sameType(l, serverKey))) {
                mismatch = l;
            }
        }
        if (mismatch != null) {
            PublicKey recorded = mismatch.key();
            String recordedText = recorded == null ? mismatch.keyType() + " key"
                    : KeyUtils.getKeyType(recorded) + " key " + KeyUtils.getFingerPrint(recorded);
            return reject(new HostKeyRejectedException(where + ": HOST KEY CHANGED. The host presented the "
                    + presented + ", but " + knownHosts.file() + ":" + mismatch.line() + " records the "
                    + recordedText + ". Someone may be intercepting the connection, or the host was reinstalled."
                    + " If you know it was, remove the old entry (ssh-keygen -R '" + where + "' -f "
                    + knownHosts.file() + ") and connect again; host_key_checking accept-new never replaces"
                    + " a recorded key"));
        }
        if (mode == HostKeyChecking.ACCEPT_NEW) {
            try {
                int line = knownHosts.add(host, port, serverKey, hashNew);
                LOG.info("{}: new host, recorded its {} in {}:{} (host_key_checking accept-new)", where, presented,
                        knownHosts.file(), line);
                accepted.set(presented + " is new; recorded in " + knownHosts.file() + ":" + line
                        + " (host_key_checking accept-new)");
                return true;
            } catch (IOException e) {
                return reject(new HostKeyRejectedException(where + ": could not record the new " + presented
                        + " in " + knownHosts.file() + " (" + e.getMessage() + "); check the file is writable", e));
            }
        }
        return reject(new HostKeyRejectedException(where + ": unknown host key (" + presented + "), and"
                + " host_key_checking is strict. Check the fingerprint with the host's administrator, then add it"
                + " (ssh-keyscan -p " + port + " " + host + " >> " + knownHosts.file()
                + "), or set host_key_checking: accept-new to record keys of new hosts"));
    }

    private static boolean sameType(KnownHosts.Line line, PublicKey key) {
        return KeyUtils.getCanonicalKeyType(line.keyType()).equals(KeyUtils.getKeyType(key));
    }

    private boolean reject(HostKeyRejectedException e) {
        rejection.compareAndSet(null, e);
        LOG.debug("host key rejected: {}", e.getMessage());
        return false;
    }
}
