package io.conduit.core.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import io.conduit.api.cluster.ClusterException;
import io.conduit.api.cluster.ClusterTransport;
import io.conduit.api.cluster.ClusterWorker;
import io.conduit.api.cluster.UntrustedMemberException;

/**
 * Several members in one JVM, as the cluster bundle would show them to the core: records in a shared map,
 * partitions by a stable hash of the key mod 271, owners from an assignment the test changes, work run on the
 * owner's worker on an executor. Killing a member drops its later writes and sends its works in flight again to
 * the partitions' new owners (the submitter's future gets the new owner's answer), as Hazelcast does with
 * {@code submitToKeyOwner}. It also counts, per member, hosts between their {@code started} and {@code done}
 * records (the most at once).
 */
public final class FakeCluster implements AutoCloseable {
    public static final int PARTITIONS = 271;

    private final List<String> members = new CopyOnWriteArrayList<>();
    private final Map<Integer, String> owners = new ConcurrentHashMap<>();
    private final Map<String, ClusterWorker> workers = new ConcurrentHashMap<>();
    private final Map<String, Map<String, byte[]>> records = new ConcurrentHashMap<>();
    private final Map<String, byte[]> runs = new ConcurrentHashMap<>();
    private final Map<String, List<BiConsumer<String, byte[]>>> listeners = new ConcurrentHashMap<>();
    private final Set<String> dead = ConcurrentHashMap.newKeySet();
    public final Set<String> untrusted = ConcurrentHashMap.newKeySet();
    public final Set<String> strangers = ConcurrentHashMap.newKeySet();
    private final Map<String, List<InFlight>> inFlight = new ConcurrentHashMap<>();
    private final ExecutorService engine = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-engine");
        t.setDaemon(true);
        return t;
    });
    public final AtomicInteger submissions = new AtomicInteger();
    private final Map<String, Integer> active = new ConcurrentHashMap<>();
    final Map<String, Integer> mostAtOnce = new ConcurrentHashMap<>();
    private int activeAll;
    int mostAtOnceAll;

    private record InFlight(String key, byte[] work, CompletableFuture<byte[]> answer) {
    }

    public static int partitionOf(String key) {
        return Math.floorMod(key.hashCode(), PARTITIONS);
    }

    /** Adds a member and its worker; it owns no partition until {@link #own} or {@link #spread}. */
    public ClusterTransport join(String name, ClusterWorker worker) {
        members.add(name);
        workers.put(name, worker);
        return new Member(name);
    }

    public void own(String host, String member) {
        owners.put(partitionOf(host), member);
    }

    /** Every partition to the members, round robin, the assignment before overridden. */
    public void spread() {
        for (int p = 0; p < PARTITIONS; p++) {
            owners.put(p, members.get(p % members.size()));
        }
    }

    /** The member is gone: its partitions go to the next member, its works in flight to their new owners. */
    public void kill(String name) {
        List<InFlight> lost;
        synchronized (this) {
            dead.add(name);
            members.remove(name);
            owners.replaceAll((p, m) -> m.equals(name) ? members.get(p % members.size()) : m);
            lost = new ArrayList<>(inFlight.getOrDefault(name, List.of()));
        }
        for (InFlight f : lost) {
            dispatch(owners.get(partitionOf(f.key())), f);
        }
    }

    /**
     * The member's partitions move to another member while it stays in the cluster, and its works in flight are sent
     * again to the new owner while the first copies go on running (as Hazelcast re-sends an invocation whose target
     * partition migrated): whichever copy answers first answers the submitter.
     */
    public void migrate(String from, String to) {
        List<InFlight> moving;
        synchronized (this) {
            owners.replaceAll((p, m) -> m.equals(from) ? to : m);
            moving = new ArrayList<>(inFlight.getOrDefault(from, List.of()));
        }
        for (InFlight f : moving) {
            dispatch(to, f);
        }
    }

    /**
     * The member stops answering (SIGSTOP, a cut cable) and is taken for lost: its partitions and works in flight go
     * to the others as in {@link #kill}, but its threads go on, and once it resumes its writes land again.
     */
    public void freeze(String name) {
        List<InFlight> lost;
        synchronized (this) {
            members.remove(name);
            owners.replaceAll((p, m) -> m.equals(name) ? members.get(p % members.size()) : m);
            lost = new ArrayList<>(inFlight.getOrDefault(name, List.of()));
        }
        for (InFlight f : lost) {
            dispatch(owners.get(partitionOf(f.key())), f);
        }
    }

    public Map<String, byte[]> records(String run) {
        return records.getOrDefault(run, Map.of());
    }

    /** Waits, bounded, until the run holds a record of the host in that state. */
    public synchronized void awaitRecord(String run, String host, String state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            byte[] r = records(run).get(host);
            if (r != null && WorkCodec.record(r).state().equals(state)) {
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no " + state + " record of " + host + " in run " + run);
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    private void dispatch(String owner, InFlight f) {
        inFlight.computeIfAbsent(owner, o -> new CopyOnWriteArrayList<>()).add(f);
        engine.execute(() -> {
            try {
                byte[] answer = workers.get(owner).execute(f.work());
                if (!dead.contains(owner)) {
                    f.answer().complete(answer);
                }
            } catch (Exception e) {
                if (!dead.contains(owner)) {
                    f.answer().completeExceptionally(new ClusterException(e.getMessage(), e));
                }
            } finally {
                inFlight.get(owner).remove(f);
            }
        });
    }

    @Override
    public void close() {
        engine.shutdownNow();
    }

    /** The cluster as one member sees it. */
    private final class Member implements ClusterTransport {
        private final String name;

        Member(String name) {
            this.name = name;
        }

        private void alive() throws ClusterException {
            if (dead.contains(name)) {
                throw new ClusterException("this member left the cluster");
            }
        }

        @Override
        public String localNode() {
            return name;
        }

        @Override
        public List<String> members() {
            return members.stream().filter(m -> !strangers.contains(m)).toList();
        }

        @Override
        public List<String> allMembers() {
            return List.copyOf(members);
        }

        @Override
        public int partitionCount() {
            return PARTITIONS;
        }

        @Override
        public int partitionOf(String key) {
            return FakeCluster.partitionOf(key);
        }

        @Override
        public String ownerOf(int partition) {
            return owners.get(partition);
        }

        @Override
        public CompletionStage<byte[]> submitToKeyOwner(String key, byte[] work) {
            submissions.incrementAndGet();
            String owner = owners.get(partitionOf(key));
            if (untrusted.contains(owner)) {
                return CompletableFuture.failedFuture(new UntrustedMemberException(owner, "member " + owner
                        + " has not proven the cluster key"));
            }
            InFlight f = new InFlight(key, work.clone(), new CompletableFuture<>());
            dispatch(owner, f);
            return f.answer();
        }

        @Override
        public void putRecord(String run, String key, byte[] value) throws ClusterException {
            alive();
            HostRecord r = WorkCodec.record(value);
            synchronized (FakeCluster.this) {
                records.computeIfAbsent(run, k -> new ConcurrentHashMap<>()).put(key, value.clone());
                if (r.state().equals(HostRecord.STARTED)) {
                    int now = active.merge(name, 1, Integer::sum);
                    mostAtOnce.merge(name, now, Math::max);
                    mostAtOnceAll = Math.max(mostAtOnceAll, ++activeAll);
                } else if (r.done() && name.equals(r.node()) && !r.interrupted()) {
                    if (active.getOrDefault(name, 0) > 0) {
                        active.merge(name, -1, Integer::sum);
                        activeAll--;
                    }
                }
                FakeCluster.this.notifyAll();
            }
            listeners.getOrDefault(run, List.of()).forEach(l -> l.accept(key, value.clone()));
        }

        @Override
        public Map<String, byte[]> records(String run) throws ClusterException {
            alive();
            return Map.copyOf(FakeCluster.this.records(run));
        }

        @Override
        public boolean claimRecord(String run, String key, byte[] value) throws ClusterException {
            alive();
            synchronized (FakeCluster.this) {
                if (FakeCluster.this.records(run).containsKey(key)) {
                    return false;
                }
                putRecord(run, key, value);
                return true;
            }
        }

        @Override
        public byte[] record(String run, String key) throws ClusterException {
            alive();
            return FakeCluster.this.records(run).get(key);
        }

        @Override
        public AutoCloseable listen(String run, BiConsumer<String, byte[]> listener) throws ClusterException {
            alive();
            listeners.computeIfAbsent(run, k -> new CopyOnWriteArrayList<>()).add(listener);
            return () -> listeners.get(run).remove(listener);
        }

        @Override
        public void putRun(String run, byte[] summary) throws ClusterException {
            alive();
            runs.put(run, summary.clone());
        }

        @Override
        public Map<String, byte[]> runs() throws ClusterException {
            alive();
            return Map.copyOf(runs);
        }

        @Override
        public AutoCloseable onMembershipChange(Runnable changed) {
            return () -> {
            };
        }
    }
}
