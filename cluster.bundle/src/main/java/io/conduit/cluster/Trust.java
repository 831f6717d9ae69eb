package io.conduit.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;

/**
 * Which members proved the cluster key. Each member writes {@code conduit.members[its UUID]} = the seal of its UUID
 * and address under the context {@code member:UUID}; a member whose entry opens and names it is proven. Anyone can
 * join a community cluster, so the others (strangers, members with another key) get no work and their writes are
 * dropped. The set is read again when a member joins or leaves and when an entry changes, on one thread of its own
 * ({@code conduit-cluster-trust}), so the engine's event threads never wait on the cluster.
 */
final class Trust {
    private static final Logger LOG = LoggerFactory.getLogger(Trust.class);
    /** Seconds a member may take to write its proof before it is named in the log. */
    static final long PROVE_GRACE_SECONDS = 15;
    /** Seconds between two checks of the proofs without an event. */
    static final long CHECK_SECONDS = 30;

    private final HazelcastInstance hz;
    private final Seal seal;
    private final IMap<String, byte[]> proofs;
    private final ScheduledExecutorService refresher;
    private final AtomicBoolean pending = new AtomicBoolean();
    private final Set<UUID> warned = ConcurrentHashMap.newKeySet();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<UUID, Long> firstSeen = new ConcurrentHashMap<>();
    private volatile Set<UUID> proven = Set.of();
    private volatile UUID membershipRegistration;
    private volatile UUID entryRegistration;
    private volatile boolean closed;

    Trust(HazelcastInstance hz, Seal seal) {
        this.hz = hz;
        this.seal = seal;
        this.proofs = hz.getMap(ClusterNode.MEMBERS_MAP);
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "conduit-cluster-trust");
            t.setDaemon(true);
            return t;
        });
    }

    /** Writes this member's proof, reads the others', and follows both from now on. */
    void start() {
        membershipRegistration = hz.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent e) {
                refreshSoon();
            }

            @Override
            public void memberRemoved(MembershipEvent e) {
                firstSeen.remove(e.getMember().getUuid());
                submit(() -> proofs.delete(e.getMember().getUuid().toString()));
                refreshSoon();
            }
        });
        entryRegistration = proofs.addEntryListener(new ProofListener(), true);
        writeOwn();
        refresh();
        // events can be missed (a merge after a split, a listener re-registered late): check again now and then
        refresher.scheduleWithFixedDelay(this::check, CHECK_SECONDS, CHECK_SECONDS, TimeUnit.SECONDS);
    }

    /** Writes this member's proof again if it is gone or does not open, then reads the others'. */
    private void check() {
        try {
            if (closed || !hz.getLifecycleService().isRunning()) {
                return;
            }
            UUID self = self();
            byte[] mine = proofs.get(self.toString());
            boolean ok = false;
            if (mine != null) {
                try {
                    seal.open(context(self), mine);
                    ok = true;
                } catch (SealException e) {
                    // overwritten
                }
            }
            if (!ok) {
                LOG.info("cluster: this member's proof of the cluster key was missing; writing it again");
                writeOwn();
            }
            refresh();
        } catch (RuntimeException e) {
            LOG.debug("cluster: checking the proofs failed", e); // the next check tries again
        }
    }

    /** Stops following; the proof stays until the member left (then the others remove it). */
    void close() {
        closed = true;
        try {
            if (hz.getLifecycleService().isRunning()) {
                if (membershipRegistration != null) {
                    hz.getCluster().removeMembershipListener(membershipRegistration);
                }
                if (entryRegistration != null) {
                    proofs.removeEntryListener(entryRegistration);
                }
            }
        } catch (RuntimeException e) {
            LOG.debug("cluster: removing the trust listeners failed", e);
        }
        refresher.shutdownNow();
    }

    /**
     * @param m a member
     * @return whether it proved the cluster key
     */
    boolean proven(Member m) {
        return proven.contains(m.getUuid());
    }

    /** @param changed called after the members or their proofs changed */
    AutoCloseable addListener(Runnable changed) {
        listeners.add(changed);
        return () -> listeners.remove(changed);
    }

    private void writeOwn() {
        Member me = hz.getCluster().getLocalMember();
        String body = me.getUuid() + "\n" + ClusterNode.name(me) + "\n" + System.currentTimeMillis();
        proofs.set(me.getUuid().toString(), seal.seal(context(me.getUuid()), body.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * @return this member's UUID now: a member that merges back after a split rejoins under a new one, so it is
     *         never kept (a kept one made a node that merged back prove the old UUID and stay a "stranger")
     */
    private UUID self() {
        return hz.getCluster().getLocalMember().getUuid();
    }

    static String context(UUID member) {
        return "member:" + member;
    }

    private void refreshSoon() {
        if (pending.compareAndSet(false, true)) {
            submit(() -> {
                pending.set(false);
                refresh();
            });
        }
    }

    private void submit(Runnable r) {
        if (closed) {
            return;
        }
        try {
            refresher.execute(() -> {
                try {
                    r.run();
                } catch (RuntimeException e) {
                    if (!closed && hz.getLifecycleService().isRunning()) {
                        LOG.warn("cluster: reading the members' proofs failed: {}", e.getMessage());
                        LOG.debug("cluster: reading the members' proofs failed", e);
                    }
                }
            });
        } catch (RejectedExecutionException e) {
            // closing
        }
    }

    /** Reads every member's proof; tells the listeners when the set or the members changed. */
    void refresh() {
        Set<UUID> next = ConcurrentHashMap.newKeySet();
        long now = System.nanoTime();
        boolean later = false;
        for (Member m : hz.getCluster().getMembers()) {
            UUID id = m.getUuid();
            if (id.equals(self())) {
                next.add(id); // this member holds the key it seals with
                continue;
            }
            byte[] sealed = proofs.get(id.toString());
            String problem = null;
            if (sealed == null) {
                long first = firstSeen.computeIfAbsent(id, k -> now);
                if (TimeUnit.NANOSECONDS.toSeconds(now - first) >= PROVE_GRACE_SECONDS) {
                    problem = "wrote no proof of the cluster key (not a Conduit node?)";
                } else {
                    later = true;
                }
            } else {
                try {
                    String[] body = new String(seal.open(context(id), sealed), StandardCharsets.UTF_8).split("\n");
                    if (body.length >= 2 && body[0].equals(id.toString()) && body[1].equals(ClusterNode.name(m))) {
                        next.add(id);
                    } else {
                        problem = "proved the cluster key for another member";
                    }
                } catch (SealException e) {
                    problem = "does not hold this node's cluster key";
                }
            }
            if (problem != null && warned.add(id)) {
                LOG.warn("cluster: member {} {}: it gets no work and what it writes is ignored; give it the same key"
                        + " file as the others, or keep it off this cluster's network", ClusterNode.name(m), problem);
            } else if (problem == null && next.contains(id) && warned.remove(id)) {
                LOG.info("cluster: member {} proved the cluster key", ClusterNode.name(m));
            }
        }
        Set<UUID> before = proven;
        proven = Set.copyOf(next);
        if (!before.equals(proven) || later) {
            for (Runnable l : new ArrayList<>(listeners)) {
                try {
                    l.run();
                } catch (RuntimeException e) {
                    LOG.warn("cluster: a membership listener failed: {}", e.toString());
                }
            }
        }
        if (later && !closed) {
            // check a member still proving once its grace is over (no event may come)
            try {
                refresher.schedule(this::refreshSoon, PROVE_GRACE_SECONDS, TimeUnit.SECONDS);
            } catch (RejectedExecutionException e) {
                // closing
            }
        }
    }

    /** Follows proofs: any change reads them again; a change to this member's own proof writes it again. */
    private final class ProofListener implements EntryAddedListener<String, byte[]>, EntryUpdatedListener<String, byte[]>,
            EntryRemovedListener<String, byte[]>, EntryEvictedListener<String, byte[]>,
            EntryExpiredListener<String, byte[]> {
        @Override
        public void entryAdded(EntryEvent<String, byte[]> e) {
            changed(e);
        }

        @Override
        public void entryUpdated(EntryEvent<String, byte[]> e) {
            changed(e);
        }

        @Override
        public void entryRemoved(EntryEvent<String, byte[]> e) {
            changed(e);
        }

        @Override
        public void entryEvicted(EntryEvent<String, byte[]> e) {
            changed(e);
        }

        @Override
        public void entryExpired(EntryEvent<String, byte[]> e) {
            changed(e);
        }

        private void changed(EntryEvent<String, byte[]> e) {
            UUID self = self();
            if (self.toString().equals(e.getKey())) {
                byte[] v = e.getValue();
                boolean mine = false;
                if (v != null) {
                    try {
                        seal.open(context(self), v);
                        mine = true;
                    } catch (SealException ex) {
                        // overwritten by a member without the key
                    }
                }
                if (!mine) {
                    LOG.warn("cluster: this member's proof of the cluster key was removed or overwritten by another"
                            + " member; writing it again");
                    submit(Trust.this::writeOwn);
                }
            }
            refreshSoon();
        }
    }
}
