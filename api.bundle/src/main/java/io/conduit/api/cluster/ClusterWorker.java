package io.conduit.api.cluster;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Does on this node the work another node (or this one) sent it through
 * {@link ClusterTransport#submitToKeyOwner}: provided by the core, called by the cluster bundle on the member that
 * owns the work's partition, on a thread of the engine's executor, after the work was proven and decrypted with the
 * cluster key. The same work may arrive twice (the engine runs it again on a partition's new owner when the owner
 * left before answering): the worker reads the run's records first and never runs a host that is already done.
 */
@ProviderType
public interface ClusterWorker {
    /**
     * @param work what the core wrote with {@link ClusterTransport#submitToKeyOwner}, as written
     * @return the answer, handed back to the submitter as written (it is sealed on the way)
     * @throws Exception the work could not be done at all (the message, one line, reaches the operator of the
     *         starting node); host failures are part of the answer, not exceptions
     */
    byte[] execute(byte[] work) throws Exception;
}
