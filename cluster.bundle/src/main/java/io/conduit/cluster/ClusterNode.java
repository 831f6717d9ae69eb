package io.conduit.cluster;

import java.util.Objects;

import com.hazelcast.cluster.Member;
import com.hazelcast.config.Config;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;

import io.conduit.api.cluster.ClusterWorker;

/**
 * This node's running member: the Hazelcast instance, the seal of the cluster key, the trust in the other members
 * and the transport the core uses. Built the same way by {@link ClusterMember} in the framework and by tests
 * without one. {@link #close()} leaves the cluster.
 */
public final class ClusterNode implements AutoCloseable {
    /** The key of this node in the instance's user context, where {@link SealedWork} finds it. */
    static final String USER_CONTEXT_KEY = "io.conduit.cluster.node";
    /** The executor that runs work on a partition's owner. */
    static final String EXECUTOR = "conduit.work";
    /** Threads of {@link #EXECUTOR} per member: a batch holds one while its hosts run. */
    static final int EXECUTOR_THREADS = 64;
    /** Map of each member's proof of the cluster key, by member UUID. */
    static final String MEMBERS_MAP = "conduit.members";
    /** Map of run summaries, by run key. */
    static final String RUNS_MAP = "conduit.runs";
    /** Prefix of the map of one run's records. */
    static final String RUN_MAP_PREFIX = "conduit.run.";
    /** Seconds a graceful leave may take (partitions handed over) before the member stops anyway. */
    static final int LEAVE_SECONDS = 20;

    private final HazelcastInstance hz;
    private final MemberSettings settings;
    private final Seal seal;
    private final ClusterWorker worker;
    private final Trust trust;
    private final HazelcastTransport transport;

    private ClusterNode(HazelcastInstance hz, MemberSettings settings, Seal seal, ClusterWorker worker) {
        this.hz = hz;
        this.settings = settings;
        this.seal = seal;
        this.worker = worker;
        this.trust = new Trust(hz, seal);
        this.transport = new HazelcastTransport(hz, seal, trust);
    }

    /**
     * Starts a member and joins the cluster (or forms one alone when no listed member answers); blocks until then,
     * seconds: call it off any thread that must stay responsive.
     *
     * @param settings the validated configuration
     * @param key the cluster key
     * @param worker the work this member does for the others
     * @param loader this bundle's class loader (the engine deserializes the work's class with it)
     * @return the running member, in the cluster and having written its proof
     */
    public static ClusterNode start(MemberSettings settings, ClusterKey key, ClusterWorker worker,
            ClassLoader loader) {
        Objects.requireNonNull(worker, "worker");
        Seal seal = new Seal(key);
        Config config = config(settings, loader);
        // the executing member finds its worker and seal here (user context is per instance: tests run several)
        NodeHolder holder = new NodeHolder();
        config.getUserContext().put(USER_CONTEXT_KEY, holder);
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(loader);
        HazelcastInstance hz;
        try {
            hz = Hazelcast.newHazelcastInstance(config);
        } finally {
            t.setContextClassLoader(before);
        }
        ClusterNode node = new ClusterNode(hz, settings, seal, worker);
        holder.node = node;
        try {
            node.trust.start();
        } catch (RuntimeException e) {
            hz.getLifecycleService().terminate();
            throw e;
        }
        return node;
    }

    /**
     * The engine's configuration for these settings: only the listed members are contacted (multicast and
     * auto-detection off), only the bind address is bound, no phone-home, no shutdown hook (the framework stops the
     * member), heartbeats every second.
     *
     * @param settings the validated configuration
     * @param loader the class loader the engine loads work classes with
     * @return a new configuration
     */
    static Config config(MemberSettings settings, ClassLoader loader) {
        Config c = new Config();
        c.setClusterName(settings.clusterName());
        c.setClassLoader(loader);
        NetworkConfig net = c.getNetworkConfig();
        net.setPort(settings.port()).setPortAutoIncrement(false);
        // the one address to bind and to be reached at: the engine's interface matching only knows addresses listed
        // on an interface, so 127.0.0.2 (loopback, but not listed) would not match; this property takes it as given
        c.setProperty("hazelcast.local.localAddress", settings.bindAddress());
        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        join.getTcpIpConfig().setEnabled(true).setMembers(settings.members());
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(settings.heartbeatTimeoutSeconds()));
        c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        c.setProperty("hazelcast.wait.seconds.before.join", "1");
        c.setProperty("hazelcast.graceful.shutdown.max.wait", Integer.toString(LEAVE_SECONDS));
        c.getSerializationConfig().addDataSerializableFactory(SealedWork.FACTORY_ID, new SealedWork.Factory());
        // any member may send objects to be deserialized (community clusters admit anyone): the engine's filter
        // with its defaults refuses the known gadget classes of Java serialization; our own work is not Java
        // serialized at all
        c.getSerializationConfig().setJavaSerializationFilterConfig(new JavaSerializationFilterConfig());
        int ttl = Math.multiplyExact(settings.recordsHours(), 3600);
        c.addMapConfig(new MapConfig(RUN_MAP_PREFIX + "*").setBackupCount(1).setAsyncBackupCount(0)
                .setTimeToLiveSeconds(ttl));
        c.addMapConfig(new MapConfig(RUNS_MAP).setBackupCount(1).setAsyncBackupCount(0).setTimeToLiveSeconds(ttl));
        // no time to live: a proof lasts as long as its member; the entry of a member that left is removed
        c.addMapConfig(new MapConfig(MEMBERS_MAP).setBackupCount(1).setAsyncBackupCount(0));
        c.getExecutorConfig(EXECUTOR).setPoolSize(EXECUTOR_THREADS);
        return c;
    }

    /** @return the transport the core uses while this member runs */
    public HazelcastTransport transport() {
        return transport;
    }

    /** @return the engine's instance (tests) */
    HazelcastInstance instance() {
        return hz;
    }

    Seal seal() {
        return seal;
    }

    /** @return the oldest work this member runs: as long as records are kept, ms */
    long maxWorkAgeMillis() {
        return settings.recordsHours() * 3_600_000L;
    }

    ClusterWorker worker() {
        return worker;
    }

    Trust trust() {
        return trust;
    }

    /** @return whether the member still runs */
    public boolean running() {
        return hz.getLifecycleService().isRunning();
    }

    /**
     * @param m a member
     * @return its name, {@code ADDRESS:PORT}
     */
    static String name(Member m) {
        return m.getAddress().getHost() + ":" + m.getAddress().getPort();
    }

    /** Leaves the cluster gracefully (partitions handed over, at most {@value #LEAVE_SECONDS} s). */
    @Override
    public void close() {
        trust.close();
        if (hz.getLifecycleService().isRunning()) {
            hz.getLifecycleService().shutdown();
        }
    }

    /** Filled once the instance exists; work arriving before then is refused. */
    static final class NodeHolder {
        volatile ClusterNode node;
    }
}
