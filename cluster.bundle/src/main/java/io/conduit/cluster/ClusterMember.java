package io.conduit.cluster;

import java.nio.file.Path;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.ConfigurationPolicy;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.hazelcast.core.LifecycleEvent;

import io.conduit.api.cluster.ClusterTransport;
import io.conduit.api.cluster.ClusterWorker;
import io.conduit.api.support.ConfigCheck;
import io.conduit.api.support.Configured;

/**
 * This node's member of a Conduit cluster, configured by {@value #PID} ({@code etc/io.conduit.cluster.cfg}; absent
 * or {@code enabled = false}: no member, Conduit runs alone). When enabled, every value is checked first; an invalid
 * one, or an unusable key file, is one ERROR line naming the key and what to do, and the member is not started (the
 * component stays active, so a corrected file starts it). The member starts on a thread of its own
 * ({@code conduit-cluster-start}), so activation returns at once, and the {@link ClusterTransport} is registered
 * while the member is in the cluster. A changed configuration stops the member and starts it again.
 */
@Component(configurationPid = ClusterMember.PID, configurationPolicy = ConfigurationPolicy.OPTIONAL, service = {},
        immediate = true)
@Designate(ocd = ClusterConfig.class)
public final class ClusterMember {
    /** Configuration PID: {@code etc/io.conduit.cluster.cfg}. */
    public static final String PID = "io.conduit.cluster";
    /** Framework property naming the Conduit home directory, set by the launcher; a relative key file is read from it. */
    static final String HOME_PROPERTY = "conduit.home";
    /**
     * Property the launcher sets to {@code "true"} in the process that is the node's member (its resident Conduit,
     * {@code bin/conduit start}, or its interactive shell while no resident runs) and to {@code "false"} in every
     * other (a command run in its own process, a shell beside a resident): a second member would contend for the
     * member's port, and a one-off command would join and leave the cluster around one command. Unset (not started
     * by the launcher): a member.
     */
    static final String MEMBER_PROPERTY = "conduit.cluster.member";
    /** Service property on the transport: this member's name, {@code ADDRESS:PORT}. */
    static final String NODE_PROPERTY = "conduit.cluster.node";
    /** Seconds a new member waits for the previous one (still starting, or leaving) to stop. */
    static final int START_WAIT_SECONDS = 120;
    private static final Logger LOG = LoggerFactory.getLogger(ClusterMember.class);

    private final ClusterWorker worker;
    private final BundleContext context;
    private final Path home;
    private Generation current;
    /** The last generation started, stopped or not: the next one waits until it holds no member (the port). */
    private Generation last;

    /**
     * @param worker the core's worker: what this member does for the others
     * @param config the configuration
     * @param properties the same configuration as ConfigAdmin gave it, to check the values' types
     * @param context this bundle's context: the home property, and where the transport is registered
     */
    @Activate
    public ClusterMember(@Reference ClusterWorker worker, ClusterConfig config, Map<String, Object> properties,
            BundleContext context) {
        this.worker = worker;
        this.context = context;
        String h = context.getProperty(HOME_PROPERTY);
        this.home = h == null || h.isBlank() ? null : Path.of(h);
        start(config, properties);
    }

    @Modified
    void modified(ClusterConfig config, Map<String, Object> properties) {
        stop();
        start(config, properties);
    }

    @Deactivate
    void deactivate() {
        stop();
    }

    private synchronized void start(ClusterConfig config, Map<String, Object> properties) {
        Configured<MemberSettings> c = ConfigCheck.validate(PID, ClusterConfig.class, properties,
                () -> config.enabled() ? MemberSettings.from(config, home) : null);
        if (!c.valid()) {
            LOG.error("{} (the cluster member is not started)", c.problem());
            return;
        }
        if (c.settings() == null) {
            LOG.debug("cluster: disabled (enabled = false in etc/{}.cfg)", PID);
            return;
        }
        if ("false".equals(context.getProperty(MEMBER_PROPERTY))) {
            // the node's member is its resident Conduit or its shell: a second member here would contend for its port
            LOG.info("cluster: this process starts no member: the node's member is its resident Conduit (bin/conduit"
                    + " start; bin/conduit COMMAND runs in it while it runs) or, while none runs, its interactive"
                    + " shell");
            return;
        }
        Generation g = new Generation(c.settings(), last);
        current = g;
        last = g;
        g.starter = new Thread(g::run, "conduit-cluster-start");
        g.starter.setDaemon(true);
        g.starter.start();
    }

    /**
     * Waits until the member's start is over, whichever way it went (tests).
     *
     * @param millis the bound
     * @return whether it is over
     */
    boolean awaitStart(long millis) throws InterruptedException {
        Generation g;
        synchronized (this) {
            g = current;
        }
        if (g == null || g.starter == null) {
            return true;
        }
        g.starter.join(millis);
        return !g.starter.isAlive();
    }

    private void stop() {
        Generation g;
        synchronized (this) {
            g = current;
            current = null;
        }
        if (g != null) {
            g.stop();
        }
    }

    /** One start of the member, from one configuration; stopped once. */
    private final class Generation {
        private final MemberSettings settings;
        private final Generation previous;
        /** Counted down once this generation holds no member: never started, or closed. */
        private final CountDownLatch done = new CountDownLatch(1);
        private Thread starter;
        private ClusterNode node;
        private ServiceRegistration<ClusterTransport> registration;
        private UUID lifecycle;
        private boolean stopped;

        Generation(MemberSettings settings, Generation previous) {
            this.settings = settings;
            this.previous = previous;
        }

        void run() {
            try {
                if (!start()) {
                    done.countDown();
                }
            } catch (RuntimeException | Error e) {
                done.countDown();
                throw e;
            }
        }

        /** @return whether a member was started and is now held (by this generation, until {@link #stop}) */
        private boolean start() {
            // a configuration changed while the previous member was still starting: wait until it let the port go
            try {
                if (previous != null && !previous.done.await(START_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    LOG.error("{}: the previous cluster member did not stop within {} s; restart Conduit to start the"
                            + " member with the new configuration", PID, START_WAIT_SECONDS);
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            ClusterKey key;
            try {
                key = ClusterKey.read(settings.keyFile());
            } catch (ClusterKeyException e) {
                LOG.error("{}: key_file: {} (the cluster member is not started)", PID, e.getMessage());
                return false;
            }
            LOG.info("cluster: starting member {} of cluster \"{}\", contacting {}", settings.node(),
                    settings.clusterName(), String.join(", ", settings.members()));
            long t0 = System.nanoTime();
            ClusterNode n;
            try {
                n = ClusterNode.start(settings, key, worker, ClusterMember.class.getClassLoader());
            } catch (RuntimeException e) {
                LOG.error("{}: the cluster member {} could not start: {}; check bind_address and port (is another"
                        + " process using the port?)", PID, settings.node(), e.getMessage());
                LOG.debug("cluster: start failed", e);
                return false;
            }
            boolean keep;
            synchronized (this) {
                keep = !stopped;
                if (keep) {
                    node = n;
                }
            }
            if (!keep) { // stopped while it started
                n.close();
                return false;
            }
            lifecycle = n.instance().getLifecycleService().addLifecycleListener(this::changed);
            LOG.info("cluster: member {} is in the cluster with {} ({} ms)", settings.node(),
                    String.join(", ", n.transport().allMembers()), (System.nanoTime() - t0) / 1_000_000);
            register();
            return true;
        }

        private void changed(LifecycleEvent e) {
            switch (e.getState()) {
                case SHUTTING_DOWN, MERGING -> unregister();
                case MERGED -> register();
                default -> {
                }
            }
            if (e.getState() == LifecycleEvent.LifecycleState.SHUTDOWN) {
                synchronized (this) {
                    if (!stopped) {
                        LOG.warn("cluster: member {} stopped; this node runs alone until the configuration changes"
                                + " or Conduit restarts", settings.node());
                    }
                }
            }
        }

        private void register() {
            ClusterNode n;
            synchronized (this) {
                if (stopped || registration != null || node == null || !node.running()) {
                    return;
                }
                n = node;
            }
            Dictionary<String, Object> props = new Hashtable<>();
            props.put(NODE_PROPERTY, settings.node());
            // registering calls back synchronously: no lock held
            ServiceRegistration<ClusterTransport> r = context.registerService(ClusterTransport.class, n.transport(),
                    props);
            boolean keep;
            synchronized (this) {
                keep = !stopped && registration == null;
                if (keep) {
                    registration = r;
                }
            }
            if (!keep) {
                unregisterQuietly(r);
            }
        }

        private void unregister() {
            ServiceRegistration<ClusterTransport> r;
            synchronized (this) {
                r = registration;
                registration = null;
            }
            if (r != null) {
                unregisterQuietly(r);
            }
        }

        void stop() {
            ClusterNode n;
            synchronized (this) {
                stopped = true;
                n = node;
            }
            unregister();
            if (n != null) {
                LOG.info("cluster: member {} leaves the cluster", settings.node());
                try {
                    if (lifecycle != null && n.running()) {
                        n.instance().getLifecycleService().removeLifecycleListener(lifecycle);
                    }
                    n.close();
                } catch (RuntimeException e) {
                    LOG.warn("cluster: member {} did not leave cleanly: {}", settings.node(), e.getMessage());
                } finally {
                    done.countDown();
                }
            }
        }
    }

    private static void unregisterQuietly(ServiceRegistration<?> r) {
        try {
            r.unregister();
        } catch (IllegalStateException e) {
            // unregistered already (the bundle is stopping)
        }
    }
}
