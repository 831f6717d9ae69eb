package io.conduit.cluster;

/**
 * This node's Hazelcast member (to be written: see the cluster issue).
 */
public final class ClusterMember {
    /** Configuration PID: {@code etc/io.conduit.cluster.cfg}. */
    public static final String PID = "io.conduit.cluster";

    private ClusterMember() {
    }
}
