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
 * What every connection of one plugin instance shares, handed to each connection it creates and never changed:
 * the MINA client (one per component, started in activate, stopped in deactivate or, when the core drains the
 * connections, once the last has closed), the class loader MINA loads its factories through, the environment
 * {@code SSH_AUTH_SOCK} is read from, and the thread-safe holders of what connections learn together: parsed
 * known_hosts files, decoded keys, temporary files lost puts left, the open connections, and the once-only
 * warnings. A connection never calls back into its plugin; it reaches only this.
 */
final class ClientContext {
    private static final Logger LOG = LoggerFactory.getLogger(ClientContext.class);

    final SshClient client;
    final ClassLoader loader;
    /** Where {@code SSH_AUTH_SOCK} (and {@code identity_agent: $NAME}) are read: Conduit's environment. */
    final Function<String, String> environment;
    final Identities identities;
    /** Temporary files that connections lost mid-put may have left, removed at the next connection. */
    final Leftovers leftovers;
    private final ConcurrentHashMap<Path, KnownHosts> knownHosts;
    private final AtomicBoolean warnedOff;
    private final AtomicBoolean warnedConfig;
    private final ConnectionSet open;

    /**
     * @param client the plugin's MINA client
     * @param loader the plugin bundle's class loader
     */
    ClientContext(SshClient client, ClassLoader loader) {
        this(client, loader, System::getenv, new Identities(), new Leftovers(), new ConcurrentHashMap<>(),
                new AtomicBoolean(), new AtomicBoolean(), new ConnectionSet());
    }

    private ClientContext(SshClient client, ClassLoader loader, Function<String, String> environment,
            Identities identities, Leftovers leftovers, ConcurrentHashMap<Path, KnownHosts> knownHosts,
            AtomicBoolean warnedOff, AtomicBoolean warnedConfig, ConnectionSet open) {
        this.client = client;
        this.loader = loader;
        this.environment = environment;
        this.identities = identities;
        this.leftovers = leftovers;
        this.knownHosts = knownHosts;
        this.warnedOff = warnedOff;
        this.warnedConfig = warnedConfig;
        this.open = open;
    }

    /**
     * The same context with another environment, for tests (a JVM cannot change its own): everything else, the
     * client and the open connections included, is shared with this one.
     *
     * @param environment variable name to value, {@code null} when unset
     * @return the new context, for connections created from now on
     */
    ClientContext withEnvironment(Function<String, String> environment) {
        return new ClientContext(client, loader, environment, identities, leftovers, knownHosts, warnedOff,
                warnedConfig, open);
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
