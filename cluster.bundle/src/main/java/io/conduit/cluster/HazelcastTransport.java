package io.conduit.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.ExecutionCallback;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MemberLeftException;
import com.hazelcast.core.OperationTimeoutException;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import com.hazelcast.nio.serialization.HazelcastSerializationException;
import com.hazelcast.partition.Partition;
import com.hazelcast.spi.exception.TargetDisconnectedException;
import com.hazelcast.spi.exception.TargetNotMemberException;

import io.conduit.api.cluster.ClusterException;
import io.conduit.api.cluster.ClusterTransport;
import io.conduit.api.cluster.UntrustedMemberException;

/**
 * The {@link ClusterTransport} on a Hazelcast member: work goes through the executor {@code conduit.work} to a
 * key's owner, records into the maps {@code conduit.run.RUN} and runs into {@code conduit.runs}, each value sealed
 * with the cluster key under a context naming what it is ({@code record:RUN/KEY}, {@code run:RUN}; a run key holds
 * no {@code /}, so the context reads one way only). What does not open is dropped and logged once per run. Engine
 * exceptions reach the core as {@link ClusterException} with a message for an operator.
 */
public final class HazelcastTransport implements ClusterTransport {
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastTransport.class);
    /** A run key: letters, digits, {@code . _ - @ :}, 1 to 200 characters (the API's rule). */
    private static final Pattern RUN = Pattern.compile("[A-Za-z0-9._\\-@:]{1,200}");

    private final HazelcastInstance hz;
    private final Seal seal;
    private final Trust trust;
    private final IExecutorService executor;
    private final Partition[] partitions;
    /** Runs whose unprovable records were logged already (the log says it once per run). */
    private final Set<String> dropped = ConcurrentHashMap.newKeySet();

    HazelcastTransport(HazelcastInstance hz, Seal seal, Trust trust) {
        this.hz = hz;
        this.seal = seal;
        this.trust = trust;
        this.executor = hz.getExecutorService(ClusterNode.EXECUTOR);
        Set<Partition> all = hz.getPartitionService().getPartitions();
        this.partitions = new Partition[all.size()];
        for (Partition p : all) {
            partitions[p.getPartitionId()] = p;
        }
    }

    /** @return whether the member under this transport still runs */
    boolean running() {
        return hz.getLifecycleService().isRunning();
    }

    @Override
    public String localNode() {
        return ClusterNode.name(hz.getCluster().getLocalMember());
    }

    @Override
    public List<String> members() {
        List<String> out = new ArrayList<>();
        for (Member m : hz.getCluster().getMembers()) {
            if (trust.proven(m)) {
                out.add(ClusterNode.name(m));
            }
        }
        return out;
    }

    @Override
    public List<String> allMembers() {
        List<String> out = new ArrayList<>();
        for (Member m : hz.getCluster().getMembers()) {
            out.add(ClusterNode.name(m));
        }
        return out;
    }

    @Override
    public int partitionCount() {
        return partitions.length;
    }

    @Override
    public int partitionOf(String key) {
        return hz.getPartitionService().getPartition(key).getPartitionId();
    }

    @Override
    public String ownerOf(int partition) {
        if (partition < 0 || partition >= partitions.length) {
            throw new IllegalArgumentException("partition " + partition + " is not 0 to " + (partitions.length - 1));
        }
        Member owner = partitions[partition].getOwner();
        return owner == null ? null : ClusterNode.name(owner);
    }

    @Override
    public CompletionStage<byte[]> submitToKeyOwner(String key, byte[] work) {
        CompletableFuture<byte[]> out = new CompletableFuture<>();
        Member owner;
        try {
            owner = hz.getPartitionService().getPartition(key).getOwner();
        } catch (RuntimeException e) {
            out.completeExceptionally(map(e, "send work"));
            return out;
        }
        if (owner == null) {
            out.completeExceptionally(new ClusterException("no member owns the partition of " + key + " now (the"
                    + " cluster is moving partitions); try again in a few seconds"));
            return out;
        }
        String ownerName = ClusterNode.name(owner);
        if (!trust.proven(owner)) {
            out.completeExceptionally(new UntrustedMemberException(ownerName, "member " + ownerName + " owns the"
                    + " partition of " + key + " but has not proven the cluster key; nothing was sent to it"));
            return out;
        }
        byte[] sealed = seal.seal(SealedWork.WORK_CONTEXT, SealedWork.stamp(work, System.currentTimeMillis()));
        String answerContext = SealedWork.answerContext(sealed);
        try {
            executor.submitToKeyOwner(new SealedWork(sealed), key, new ExecutionCallback<byte[]>() {
                @Override
                public void onResponse(byte[] response) {
                    answer(out, ownerName, answerContext, response);
                }

                @Override
                public void onFailure(Throwable t) {
                    out.completeExceptionally(mapWork(t, ownerName));
                }
            });
        } catch (RuntimeException e) {
            out.completeExceptionally(mapWork(e, ownerName));
        }
        return out;
    }

    void answer(CompletableFuture<byte[]> out, String owner, String context, byte[] response) {
        byte[] opened;
        try {
            opened = seal.open(context, response);
        } catch (SealException e) {
            LOG.warn("cluster: dropped an answer to work sent to the owner of a partition (last known {}): it does not"
                    + " prove the cluster key", owner);
            out.completeExceptionally(new UntrustedMemberException(owner, "the answer from the owner (last known "
                    + owner + ") does not prove the cluster key; it was dropped"));
            return;
        }
        if (opened.length == 0) {
            out.completeExceptionally(new ClusterException("the answer from " + owner + " is empty"));
        } else if (opened[0] == SealedWork.ANSWERED) {
            out.complete(Arrays.copyOfRange(opened, 1, opened.length));
        } else {
            out.completeExceptionally(new ClusterException(new String(opened, 1, opened.length - 1,
                    StandardCharsets.UTF_8)));
        }
    }

    /** Failures of work: the owner's refusal is a trust failure; the rest as {@link #map}. */
    private static ClusterException mapWork(Throwable t, String owner) {
        Throwable c = unwrap(t);
        if (c instanceof SecurityException) {
            return new UntrustedMemberException(owner, "the owner (last known " + owner + ") refused the work: it"
                    + " does not hold this node's cluster key");
        }
        if (c instanceof MemberLeftException || c instanceof TargetNotMemberException
                || c instanceof TargetDisconnectedException) {
            return new ClusterException("member " + owner + " left before answering and its work could not be sent"
                    + " to another member; run its hosts again", c);
        }
        return map(c, "send work to " + owner);
    }

    /**
     * @param t what the engine threw
     * @param what what was tried, for the message ("read the records of run R")
     * @return the exception for the core, with a message for an operator and the engine's exception as its cause
     */
    static ClusterException map(Throwable t, String what) {
        Throwable c = unwrap(t);
        String why;
        if (c instanceof HazelcastInstanceNotActiveException || c instanceof RejectedExecutionException) {
            why = "this node's cluster member is shut down";
        } else if (c instanceof OperationTimeoutException) {
            why = "the cluster did not answer in time";
        } else if (c instanceof MemberLeftException || c instanceof TargetNotMemberException
                || c instanceof TargetDisconnectedException) {
            why = "the member holding it left; try again once the cluster has moved its partitions";
        } else if (c instanceof HazelcastSerializationException) {
            why = "a member could not read it (a member of another Conduit version?)";
        } else if (c instanceof IllegalStateException && c.getMessage() != null
                && c.getMessage().startsWith("the member is not ready")) {
            why = c.getMessage();
        } else {
            why = "the cluster failed (see the log)";
            LOG.warn("cluster: could not {}: {}", what, String.valueOf(c.getMessage()));
            LOG.debug("cluster: could not {}", what, c);
        }
        return new ClusterException("could not " + what + ": " + why, c);
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof ExecutionException || c instanceof CompletionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    @Override
    public void putRecord(String run, String key, byte[] value) throws ClusterException {
        check(run);
        try {
            runMap(run).set(key, seal.seal(recordContext(run, key), value));
        } catch (RuntimeException e) {
            throw map(e, "write a record of run " + run);
        }
    }

    @Override
    public boolean claimRecord(String run, String key, byte[] value) throws ClusterException {
        check(run);
        try {
            return runMap(run).putIfAbsent(key, seal.seal(recordContext(run, key), value)) == null;
        } catch (RuntimeException e) {
            throw map(e, "write a record of run " + run);
        }
    }

    @Override
    public Map<String, byte[]> records(String run) throws ClusterException {
        check(run);
        Set<Map.Entry<String, byte[]>> entries;
        try {
            entries = runMap(run).entrySet();
        } catch (RuntimeException e) {
            throw map(e, "read the records of run " + run);
        }
        Map<String, byte[]> out = new HashMap<>();
        for (Map.Entry<String, byte[]> e : entries) {
            byte[] v = openRecord(run, e.getKey(), e.getValue());
            if (v != null) {
                out.put(e.getKey(), v);
            }
        }
        return out;
    }

    @Override
    public byte[] record(String run, String key) throws ClusterException {
        check(run);
        byte[] sealed;
        try {
            sealed = runMap(run).get(key);
        } catch (RuntimeException e) {
            throw map(e, "read the record of " + key + " of run " + run);
        }
        return sealed == null ? null : openRecord(run, key, sealed);
    }

    @Override
    public AutoCloseable listen(String run, BiConsumer<String, byte[]> listener) throws ClusterException {
        check(run);
        RecordListener l = new RecordListener(run, listener);
        IMap<String, byte[]> map;
        UUID id;
        try {
            map = runMap(run);
            id = map.addEntryListener(l, true);
        } catch (RuntimeException e) {
            throw map(e, "follow the records of run " + run);
        }
        return () -> {
            if (hz.getLifecycleService().isRunning()) {
                map.removeEntryListener(id);
            }
        };
    }

    @Override
    public void putRun(String run, byte[] summary) throws ClusterException {
        check(run);
        try {
            runsMap().set(run, seal.seal(runContext(run), summary));
        } catch (RuntimeException e) {
            throw map(e, "write the summary of run " + run);
        }
    }

    @Override
    public Map<String, byte[]> runs() throws ClusterException {
        Set<Map.Entry<String, byte[]>> entries;
        try {
            entries = runsMap().entrySet();
        } catch (RuntimeException e) {
            throw map(e, "read the runs");
        }
        Map<String, byte[]> out = new HashMap<>();
        int bad = 0;
        for (Map.Entry<String, byte[]> e : entries) {
            try {
                out.put(e.getKey(), seal.open(runContext(e.getKey()), e.getValue()));
            } catch (SealException ex) {
                bad++;
            }
        }
        if (bad > 0 && dropped.add("\u0000runs")) {
            LOG.warn("cluster: dropped {} run summaries that do not prove the cluster key (written by a member with"
                    + " another key, or moved from another entry); this is said once", bad);
        }
        return out;
    }

    @Override
    public AutoCloseable onMembershipChange(Runnable changed) {
        return trust.addListener(changed);
    }

    private IMap<String, byte[]> runMap(String run) {
        return hz.getMap(ClusterNode.RUN_MAP_PREFIX + run);
    }

    private IMap<String, byte[]> runsMap() {
        return hz.getMap(ClusterNode.RUNS_MAP);
    }

    static String recordContext(String run, String key) {
        return "record:" + run + "/" + key;
    }

    static String runContext(String run) {
        return "run:" + run;
    }

    private byte[] openRecord(String run, String key, byte[] sealed) {
        try {
            return seal.open(recordContext(run, key), sealed);
        } catch (SealException e) {
            if (dropped.add(run)) {
                LOG.warn("cluster: dropped records of run {} that do not prove the cluster key (written by a member"
                        + " with another key, or moved from another entry); this is said once per run", run);
            }
            return null;
        }
    }

    /**
     * @param run a run key
     * @throws IllegalArgumentException it is not letters, digits, {@code . _ - @ :}, 1 to 200 characters
     */
    static void check(String run) {
        if (run == null || !RUN.matcher(run).matches()) {
            throw new IllegalArgumentException("run key \"" + run + "\" is not valid: use 1-200 letters, digits, '.',"
                    + " '_', '-', '@' or ':'");
        }
    }

    private final class RecordListener implements EntryAddedListener<String, byte[]>,
            EntryUpdatedListener<String, byte[]> {
        private final String run;
        private final BiConsumer<String, byte[]> listener;

        RecordListener(String run, BiConsumer<String, byte[]> listener) {
            this.run = run;
            this.listener = listener;
        }

        @Override
        public void entryAdded(EntryEvent<String, byte[]> e) {
            deliver(e);
        }

        @Override
        public void entryUpdated(EntryEvent<String, byte[]> e) {
            deliver(e);
        }

        private void deliver(EntryEvent<String, byte[]> e) {
            byte[] v = openRecord(run, e.getKey(), e.getValue());
            if (v != null) {
                listener.accept(e.getKey(), v);
            }
        }
    }
}
