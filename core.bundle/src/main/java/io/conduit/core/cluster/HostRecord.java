package io.conduit.core.cluster;

import io.conduit.api.task.HostResult;

/**
 * What the cluster holds for one host of a run ({@link io.conduit.api.cluster.ClusterTransport#putRecord}), and
 * what a worker answers for it.
 *
 * @param state {@link #CLAIMED} (a node queued it), {@link #STARTED} (the task was about to touch the host) or
 *        {@link #DONE}
 * @param node the member that ran it, {@code ADDRESS:PORT}
 * @param interrupted for {@link #DONE}: the node running it was lost after it started (the result says so)
 * @param result for {@link #DONE}: the host's result, masked as on one node; {@code null} for {@link #STARTED}
 */
public record HostRecord(String state, String node, boolean interrupted, HostResult result) {
    /**
     * A node took the host into its queue for the run and has not touched it yet: should that node leave, the host
     * runs elsewhere (it never started).
     */
    public static final String CLAIMED = "claimed";
    /** The task is about to touch the host: it may have run when nothing follows. */
    public static final String STARTED = "started";
    /** The host has its result. */
    public static final String DONE = "done";
    /** The error of a host whose node was lost after it started. */
    public static final String INTERRUPTED = "interrupted: the node running it was lost; it may have run;"
            + " --rerun-interrupted runs it again";

    /** @return whether a node only queued the host: it has not touched it */
    public boolean claimed() {
        return CLAIMED.equals(state);
    }

    /** @return whether the host has its result */
    public boolean done() {
        return DONE.equals(state);
    }
}
