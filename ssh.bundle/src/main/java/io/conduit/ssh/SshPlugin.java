package io.conduit.ssh;

import java.net.SocketAddress;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.keyboard.UserAuthKeyboardInteractiveFactory;
import org.apache.sshd.client.auth.password.UserAuthPasswordFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.io.nio2.Nio2ServiceFactoryFactory;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.core.CoreModuleProperties;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.support.ConfigCheck;
import io.conduit.api.support.Configured;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionName;
import io.conduit.api.connection.ConnectionPlugin;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.ssh.agent.AgentAuth;
import io.conduit.ssh.agent.AgentForwarding;

/**
 * The {@code ssh} connection plugin: one Apache MINA SSHD client per component instance, started on activate and
 * stopped on deactivate (with every connection it opened) or, when the core drains its connections in the
 * background ({@link ConnectionPlugin#BACKGROUND_DRAIN}), once the last of them has closed: an upgrade neither
 * waits for calls in flight nor leaks a thread.
 */
// its connections outlive the component (the client stops after the last closes): upgrades do not wait for them
@Component(configurationPid = SshPlugin.PID, property = ConnectionPlugin.BACKGROUND_DRAIN + ":Boolean=true")
@Designate(ocd = SshConfig.class)
@ConnectionName("ssh")
public final class SshPlugin implements ConnectionPlugin {
    /** ConfigAdmin PID of the plugin's defaults. */
    public static final String PID = "io.conduit.ssh";
    private static final Logger LOG = LoggerFactory.getLogger(SshPlugin.class);

    /** What refuses to work while the configuration is invalid. */
    private static final String USE = "the ssh plugin's connections and options";

    /** Replaced only by the test hook {@link #environment}, with a copy sharing the client and the state. */
    private volatile ClientContext context;
    private volatile Configured<SshSettings> settings;
    /** The configuration {@link #settings} came from: {@link #options} shows its values as the defaults. */
    private volatile SshConfig config;

    /**
     * Validates the configuration and starts the SSH client.
     *
     * @param config the ConfigAdmin defaults
     */
    public SshPlugin(SshConfig config) {
        this(config, Map.of());
    }

    /**
     * Validates the configuration and starts the SSH client. An invalid configuration is logged once, as one
     * line, and the plugin stays registered but refuses {@link #create} and {@link #options} with that line
     * until {@code etc/io.conduit.ssh.cfg} is fixed: a run with ssh hosts is refused before it starts, instead of
     * the plugin vanishing behind a stack trace per command.
     *
     * @param config the ConfigAdmin defaults
     * @param properties the same configuration as ConfigAdmin gave it, to check the values' types
     */
    @Activate
    public SshPlugin(SshConfig config, Map<String, Object> properties) {
        this.settings = configure(config, properties);
        this.config = config;
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        ClassLoader own = SshPlugin.class.getClassLoader();
        t.setContextClassLoader(own); // MINA looks some factories up through the TCCL
        try {
            this.context = new ClientContext(newClient(settings.valid() ? settings.settings() : null), own);
            context.client.start();
        } finally {
            t.setContextClassLoader(previous);
        }
        if (settings.valid()) {
            LOG.info("ssh plugin started (host_key_checking {}, known_hosts {})",
                    settings.settings().hostKeyChecking().text(), settings.settings().knownHostsFile());
        }
    }

    /**
     * @param config the new defaults; connections already open keep theirs
     * @param properties the same, to check the values' types
     */
    @Modified
    void modified(SshConfig config, Map<String, Object> properties) {
        Configured<SshSettings> next = configure(config, properties);
        if (next.valid()) {
            applyKeepalive(context.client, next.settings());
        }
        this.config = config;
        settings = next;
    }

    private static Configured<SshSettings> configure(SshConfig config, Map<String, Object> properties) {
        Configured<SshSettings> c = ConfigCheck.validate(PID, SshConfig.class, properties,
                () -> SshSettings.from(PID, config));
        if (!c.valid()) {
            LOG.error("{} ({} refuse to work until then)", c.problem(), USE);
        }
        return c;
    }

    /**
     * Stops the plugin. Its connections the core still drains ({@link #draining}: an upgrade or a removal while
     * calls run) are left to the core, which closes them when their calls end or after {@code drain_grace}; the
     * client's threads stop once the last has closed. Otherwise every connection closes now and the client stops.
     */
    @Deactivate
    void deactivate() {
        int n = context.open().size();
        boolean now = context.open().set.release(ClientContext.ConnectionSet::closeAll, this::stop);
        if (now) {
            LOG.info("ssh plugin stopped ({} connection(s) closed)", n);
        }
    }

    /** The core drains this service's connections in the background: deactivate leaves them open. */
    @Override
    public void draining(Duration drainGrace) {
        context.open().set.draining(drainGrace);
    }

    private void stop() {
        try {
            context.client.stop();
        } catch (RuntimeException e) {
            LOG.warn("ssh client did not stop cleanly: {}", e.toString());
        }
        context.identities.clear();
    }

    @Override
    public Connection create(ConnectionKey key) {
        return new SshConnection(context, key, settings.get(USE));
    }

    @Override
    public List<OptionDescriptor> options() {
        settings.get(USE); // refused with the configuration's problem while it is invalid
        return SshSettings.describe(config);
    }

    @Override
    public String description() {
        return "SSH (Apache MINA SSHD): exec, SFTP/SCP/pipe transfers, known_hosts, jump hosts";
    }

    /**
     * Replaces the environment {@code SSH_AUTH_SOCK} is read from, for tests (a JVM cannot change its own).
     *
     * @param environment variable name to value, {@code null} when unset
     */
    void environment(java.util.function.Function<String, String> environment) {
        context = context.withEnvironment(environment);
    }

    /** @return the MINA client's name, which its threads' names carry, for tests and diagnostics */
    String clientName() {
        return context.client.toString();
    }

    /** @return the number of open connections, for tests and diagnostics */
    int openConnections() {
        return context.open().size();
    }

    static SshClient newClient(SshSettings s) {
        SshClient client = SshClient.setUpDefaultClient();
        // explicit NIO2: no ServiceLoader lookup through whatever the thread context class loader is
        client.setIoServiceFactoryFactory(new Nio2ServiceFactoryFactory());
        // each connection sets its own identities, host config and key check; nothing implicit from ~/.ssh
        client.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
        client.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
        client.setServerKeyVerifier(SshPlugin::verify);
        // ssh-agent: publickey offers key files, then the agent's keys, then ~/.ssh/id_* (AgentAuth, per session);
        // the agent factory registers the auth-agent@openssh.com channel that forward_agent relays
        client.setUserAuthFactories(List.of(AgentAuth.publicKeyFactory(), UserAuthKeyboardInteractiveFactory.INSTANCE,
                UserAuthPasswordFactory.INSTANCE));
        client.setAgentFactory(AgentForwarding.factory());
        client.addSessionListener(new SessionListener() {
            @Override
            public void sessionCreated(Session session) {
                preferKnownKeyTypes(session);
            }

            @Override
            public void sessionException(Session session, Throwable t) {
                // kept for the connect's message: "not SSH" instead of "closed the connection"
                Hop hop = hop(session);
                if (hop != null) {
                    hop.failure().compareAndSet(null, t);
                }
            }
        });
        // the core closes idle connections itself; MINA's own 10 minute idle timeout would drop pooled ones
        CoreModuleProperties.IDLE_TIMEOUT.set(client, Duration.ZERO);
        CoreModuleProperties.NIO2_READ_TIMEOUT.set(client, Duration.ZERO);
        // small request/reply packets (channel open, exec, close): Nagle plus delayed ACKs would add ~40 ms each
        CoreModuleProperties.TCP_NODELAY.set(client, true);
        if (s != null) {
            applyKeepalive(client, s);
        }
        return client;
    }

    private static void applyKeepalive(SshClient client, SshSettings s) {
        CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, s.keepaliveInterval());
        CoreModuleProperties.HEARTBEAT_REQUEST.set(client, "keepalive@openssh.com");
        CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, s.keepaliveCountMax());
    }

    private static boolean verify(ClientSession session, SocketAddress remote, PublicKey key) {
        Hop hop = hop(session);
        if (hop == null) {
            LOG.warn("{}: refusing a session Conduit did not open", remote);
            return false;
        }
        return hop.verifier().verifyServerKey(session, remote, key);
    }

    private static Hop hop(Session session) {
        if (session instanceof ClientSession cs && cs.getConnectionContext() != null) {
            return cs.getConnectionContext().getAttribute(Hop.KEY);
        }
        return null;
    }

    /** Ask first for the host key types known_hosts has for this host, as OpenSSH does. */
    private static void preferKnownKeyTypes(Session session) {
        Hop hop = hop(session);
        if (hop == null) {
            return;
        }
        Set<String> known = hop.verifier().knownKeyTypes();
        if (known.isEmpty()) {
            return;
        }
        List<NamedFactory<Signature>> all = session.getSignatureFactories();
        List<NamedFactory<Signature>> first = new ArrayList<>();
        List<NamedFactory<Signature>> rest = new ArrayList<>();
        for (NamedFactory<Signature> f : all) {
            (known.contains(KeyUtils.getCanonicalKeyType(f.getName())) ? first : rest).add(f);
        }
        if (!first.isEmpty() && !rest.isEmpty()) {
            first.addAll(rest);
            session.setSignatureFactories(first);
        }
    }
}
