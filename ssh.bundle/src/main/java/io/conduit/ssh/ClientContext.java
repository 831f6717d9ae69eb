package io.conduit.ssh;

import java.nio.file.Path;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

import org.apache.sshd.client.SshClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.support.SharedResources;
import io.conduit.ssh.hostkey.KnownHosts;

/**
 * What every connection of one plugin instance shares: the MINA client (one per component, started in
 * activate, stopped in deactivate or, when the core drains the connections, once the last has closed), parsed known_hosts files, decoded keys, and the once-only warning about
 * {@code host_key_checking: off}.
 */
final class ClientContext {
    private static final Logger LOG = LoggerFactory.getLogger(ClientContext.class);

    final SshClient client;
    final Identities identities = new Identities();
    final ClassLoader loader;
    private final ConcurrentHashMap<Path, KnownHosts> knownHosts = new ConcurrentHashMap<>();
    private final AtomicBoolean warnedOff = new AtomicBoolean();
    private final AtomicBoolean warnedConfig = new AtomicBoolean();
    private final ConnectionSet open = new ConnectionSet();
    /** Temporary files that connections lost mid-put may have left, removed at the next connection. */
    final Leftovers leftovers = new Leftovers();
    /** Where {@code SSH_AUTH_SOCK} (and {@code identity_agent: $NAME}) are read: Conduit's environment. */
    volatile Function<String, String> environment = System::getenv;

    ClientContext(SshClient client, ClassLoader loader) {
        this.client = client;
        this.loader = loader;
    }

    KnownHosts knownHosts(Path file) {
        return knownHosts.computeIfAbsent(file.toAbsolutePath().normalize(), KnownHosts::new);
    }

    void warnHostKeyCheckingOff(String host) {
        if (warnedOff.compareAndSet(false, true)) {
            LOG.warn("host_key_checking is off (first for {}): host keys are not checked, so a man in the middle"
                    + " goes unnoticed; use strict or accept-new. This warning is shown once.", host);
        }
    }

    void warnSshConfig(String message) {
        if (warnedConfig.compareAndSet(false, true)) {
            LOG.warn(message);
        }
    }

    ConnectionSet open() {
        return open;
    }

    /**
     * The connections made by this plugin instance that are still open: closed together on deactivate, unless the
     * core drains them in the background (then the client stops when the last has closed).
     */
    static final class ConnectionSet {
        /** How long all the commands still running when the plugin goes away get, together, to stop. */
        static final java.time.Duration STOP_ALL_WAIT = java.time.Duration.ofSeconds(5);
        final SharedResources<SshConnection> set = new SharedResources<>("ssh", ClientContext.class);

        void add(SshConnection c) {
            set.add(c);
        }

        void remove(SshConnection c) {
            set.remove(c);
        }

        int size() {
            return set.size();
        }

        /**
         * Closes connections without a close handshake: the core has drained their calls, or cut them after
         * {@code drain_grace}. Commands still running are all asked to stop at once and get one shared wait of
         * {@link #STOP_ALL_WAIT}, so that a plugin with many hosts never waits on them one by one.
         *
         * @param all the connections
         */
        static void closeAll(java.util.List<SshConnection> all) {
            for (SshConnection c : all) {
                c.requestStops();
            }
            long deadline = System.nanoTime() + STOP_ALL_WAIT.toNanos();
            for (SshConnection c : all) {
                c.awaitStops(deadline);
            }
            for (SshConnection c : all) {
                c.close(true);
            }
        }
    }
}
