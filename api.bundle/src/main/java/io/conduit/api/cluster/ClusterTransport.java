package io.conduit.api.cluster;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The cluster as the core sees it: members, partitions, work sent to a partition's owner, and maps of records
 * that outlive any one member. Registered by the cluster bundle while its member is in a cluster (not while it
 * starts, and not when the cluster is disabled); the core runs on this node alone without it.
 *
 * <p>Every byte the core hands over is sealed before it leaves this member: encrypted with AES-GCM under a key
 * derived from the cluster key, and proven with an HMAC-SHA256 under another key derived from it. Every byte
 * handed back was opened and proven; what cannot be proven is dropped and logged, never handed to the core. So a
 * member without the cluster key can neither make a node run anything nor read work, secrets or results.
 *
 * <p>Member names are {@code ADDRESS:PORT} as the member is bound ({@code 127.0.0.2:5701}).
 */
@ProviderType
public interface ClusterTransport {
    /** @return this member's name, {@code ADDRESS:PORT} */
    String localNode();

    /**
     * @return the members now in the cluster that proved the cluster key, this one included, in the engine's
     *         member order (oldest first)
     */
    List<String> members();

    /**
     * @return every member now in the cluster, proven or not, oldest first; those not in {@link #members()} are
     *         strangers (another key) or still proving theirs
     */
    List<String> allMembers();

    /** @return the number of partitions (271 unless configured), fixed for the cluster's life */
    int partitionCount();

    /**
     * @param key a host name
     * @return the partition the key hashes to, {@code 0} to {@link #partitionCount()} - 1; the same on every member
     */
    int partitionOf(String key);

    /**
     * @param partition a partition, {@code 0} to {@link #partitionCount()} - 1
     * @return the member that owns it now, or {@code null} while no member does (during a migration)
     */
    String ownerOf(int partition);

    /**
     * Sends work to the member that owns {@code key}'s partition, where the cluster bundle hands it to that member's
     * {@link ClusterWorker}. Should the owner leave before answering, the engine sends the same work again to the
     * partition's new owner (so it may run twice: see {@link ClusterWorker}).
     *
     * @param key a host name of the work; its partition chooses the member
     * @param work what the owner's worker gets, as written
     * @return the worker's answer; completes exceptionally with {@link UntrustedMemberException} when the owner has
     *         not proven the cluster key (the work was not sent) or its answer cannot be proven, with
     *         {@link ClusterException} when the work could not be delivered or the worker threw (its message), and
     *         never with an engine class
     */
    CompletionStage<byte[]> submitToKeyOwner(String key, byte[] work);

    /**
     * Writes one record of a run, synchronously: when this returns, the record is held by its partition's owner and
     * one backup, so it outlives the loss of any one member.
     *
     * @param run the run's key (letters, digits, {@code . _ - @ :}; at most 200 characters)
     * @param key the record's key (a host name)
     * @param value the record, as the core wrote it
     * @throws ClusterException the cluster could not take it
     */
    void putRecord(String run, String key, byte[] value) throws ClusterException;

    /**
     * Writes one record of a run only when the key has none yet (an atomic put-if-absent), synchronously and with a
     * backup as {@link #putRecord}: of two members claiming the same key at once, one wins.
     *
     * @param run the run's key
     * @param key the record's key (a host name)
     * @param value the record, as the core wrote it
     * @return whether this call wrote it ({@code false}: the key already had a record)
     * @throws ClusterException the cluster could not take it
     */
    boolean claimRecord(String run, String key, byte[] value) throws ClusterException;

    /**
     * @param run the run's key
     * @return every record of the run that can be proven, by key; empty for a run with none (or unknown)
     * @throws ClusterException the cluster could not be read
     */
    Map<String, byte[]> records(String run) throws ClusterException;

    /**
     * @param run the run's key
     * @param key the record's key (a host name)
     * @return that record when it exists and can be proven, else {@code null}
     * @throws ClusterException the cluster could not be read
     */
    byte[] record(String run, String key) throws ClusterException;

    /**
     * Tells {@code listener} of each record of the run written from now on (on an engine thread, in the order each
     * key's writes were made); records that cannot be proven are dropped. Records written before the call are read
     * with {@link #records}.
     *
     * @param run the run's key
     * @param listener given the record's key and value
     * @return closing it stops the listening
     * @throws ClusterException the cluster could not be reached
     */
    AutoCloseable listen(String run, BiConsumer<String, byte[]> listener) throws ClusterException;

    /**
     * Writes or replaces the summary of a run in the cluster's list of runs, synchronously and with a backup (as
     * {@link #putRecord}).
     *
     * @param run the run's key
     * @param summary the summary, as the core wrote it
     * @throws ClusterException the cluster could not take it
     */
    void putRun(String run, byte[] summary) throws ClusterException;

    /**
     * @return the summaries of the runs the cluster holds (runs and their records expire after the configured
     *         time), by run key; those that cannot be proven are left out
     * @throws ClusterException the cluster could not be read
     */
    Map<String, byte[]> runs() throws ClusterException;

    /**
     * @param changed called (on an engine thread) after a member joined, left or proved its key
     * @return closing it stops the calls
     */
    AutoCloseable onMembershipChange(Runnable changed);
}
