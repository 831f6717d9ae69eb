/**
 * Conduit nodes in a cluster: the fabric the cluster bundle provides ({@link io.conduit.api.cluster.ClusterTransport})
 * and the work each node does for the others ({@link io.conduit.api.cluster.ClusterWorker}, provided by the core).
 *
 * <p>Only bytes cross this line: the core writes and reads its work and results as JSON, and the cluster bundle
 * proves and encrypts every byte that leaves a member with the cluster key before any other member sees it. The
 * cluster bundle is the only bundle that names the engine underneath (Hazelcast).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package io.conduit.api.cluster;
