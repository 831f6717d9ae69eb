package io.conduit.cluster;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

// DS maps a method name's "__" to "_", so cluster__name() reads the key cluster_name (see the core's RunnerConfig).
/**
 * The cluster member of this node, PID {@value ClusterMember#PID} ({@code etc/io.conduit.cluster.cfg}). Off unless
 * {@code enabled = true}; then every value is checked before the member starts, and an invalid one keeps it stopped
 * with one line in the log naming the key and what to do.
 */
@ObjectClassDefinition(name = "Conduit cluster", description = "This node's member of a Conduit cluster: who the"
        + " other members are, where this one listens, and the key every member proves.")
public @interface ClusterConfig {

    /** @return whether this node joins a cluster; {@code false}: it runs alone, as without the cluster bundle */
    @AttributeDefinition(name = "Enabled", description = "true: start a member and join the cluster; false: run"
            + " alone.")
    boolean enabled() default false;

    /** @return the cluster's name: members with another name never join (a guard against mistakes, not strangers) */
    @AttributeDefinition(name = "Cluster name", description = "Members with another name never join. Not a secret:"
            + " the cluster key keeps strangers out.")
    String cluster__name() default "conduit";

    /**
     * @return the members to contact, {@code ADDRESS[:PORT]} each (port 5701 when left out); this node's own
     *         address may be among them. No multicast, no auto-detection: only these are tried.
     */
    @AttributeDefinition(name = "Members", description = "ADDRESS[:PORT] of the members to contact, separated by"
            + " commas (this one may be among them); nothing else is searched for: no multicast, no auto-detection.")
    String[] members() default {"127.0.0.1:5701"};

    /** @return the one address the member binds to and is reached at; never the wildcard address */
    @AttributeDefinition(name = "Bind address", description = "The one local address the member listens on and is"
            + " reached at: an address of this machine on a private network (any 127.x.y.z for members on one"
            + " machine), never 0.0.0.0. The traffic between members is not encrypted (the cluster key seals what"
            + " Conduit sends, not the engine's own messages): keep it on a private network or a tunnel.")
    String bind__address() default "127.0.0.1";

    /** @return the port the member listens on, 1 to 65535 */
    @AttributeDefinition(name = "Port", description = "The port the member listens on (1-65535).")
    int port() default 5701;

    /**
     * @return the file holding the cluster key (at least 32 bytes; readable by its owner only), relative to the
     *         distribution's folder unless absolute
     */
    @AttributeDefinition(name = "Key file", description = "File holding the cluster key: at least 32 bytes, the"
            + " same on every member, readable by its owner only (chmod 600). Relative to the Conduit folder.")
    String key__file() default "etc/cluster.key";

    /** @return seconds without a heartbeat after which a member is taken for lost, 5 to 3600 */
    @AttributeDefinition(name = "Heartbeat timeout", description = "Seconds without a heartbeat after which a"
            + " member is taken for lost and its hosts move to the others (5-3600). A killed member is noticed at"
            + " once; a frozen or cut-off one only after this.")
    int heartbeat__timeout() default 15;

    /** @return hours a run's records are kept in the cluster after they were last written, 1 to 720 */
    @AttributeDefinition(name = "Records kept", description = "Hours a run's records stay in the cluster (1-720)"
            + " for conduit:run-status on any node.")
    int records__hours() default 24;
}
