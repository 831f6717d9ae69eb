package io.conduit.core.cluster;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.cluster.ClusterException;
import io.conduit.api.cluster.ClusterTransport;
import io.conduit.api.cluster.ClusterWorker;
import io.conduit.api.inventory.InventoryException;
import io.conduit.api.task.FailurePolicy;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Runner;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.core.inventory.LocalPaths;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.task.CheckModeSkip;
import io.conduit.core.task.CommandTask;
import io.conduit.core.task.PingTask;
import io.conduit.core.task.ScopedTask;
import io.conduit.core.task.TaskCatalog;

/**
 * Runs spread over the cluster by host, both sides of them: as the starting node (the coordinator,
 * {@link #run}) and as the node that owns a batch's partition (the {@link ClusterWorker}, {@link #execute}).
 * Without a {@link ClusterTransport} (no cluster bundle, or its member is not in a cluster) {@link #clustered()} is
 * false and the shell runs on this node alone, as it always did.
 *
 * <p><b>The same files on every node.</b> A work names the inventory by its absolute path and the task by its
 * name: each node reads that inventory itself and runs the hosts with its own connection plugins and task plugins.
 * The inventory (and the files it refers to: keys, {@code ${file:}} values) and the plugins must therefore be the
 * same on every node, at the same paths; a node that cannot read the inventory fails the work, and the starting
 * node then runs those hosts itself.
 *
 * <p><b>Forks apply per node.</b> The batches of one run that reach one node share one {@link NodeRun}: one
 * session of the runner (the inventory read once per node per run), one queue of hosts, and {@code forks} threads
 * that take the next host from it. Each host's result is written to the cluster as {@code done} as soon as it
 * ends, and {@code started} right before its task touches the host; a work that arrives again (its first owner was
 * lost) answers {@code done} hosts from their records, reports {@code started} ones interrupted (unless the run
 * asked {@code --rerun-interrupted}) and runs the rest.
 *
 * <p><b>The policy is the starting node's.</b> Serial batches, the maximum failure percentage, fail-fast and
 * run-once are decided over the whole run by the coordinator, batch by batch; retries are each node's, per host.
 *
 * <p>A work holds the run's secrets (the transport seals it); no log line here quotes a work, a command or a
 * value. Results are masked by the node that ran them, as on one node.
 */
@Component(service = {ClusterRuns.class, ClusterWorker.class})
public final class ClusterRuns implements ClusterWorker {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterRuns.class);
    /** The error of a host of the run that no node answered for (a lost batch). */
    static final String NOT_RUN = "not run: no node answered for it";

    private final ForkingRunner runner;
    private final TaskCatalog tasks;
    private volatile ClusterTransport transport;
    /** The runs this node works on for the cluster, by run key; a run leaves when its last batch answered. */
    private final Map<String, NodeRun> nodeRuns = new HashMap<>();
    private final ExecutorService threads;

    /**
     * @param runner the core's runner ({@link ForkingRunner}); with another runner service this node takes no part
     *        in cluster runs ({@link #clustered()} stays false, and a work sent here fails), and the shell runs here
     * @param tasks the task plugins, for works of {@link ClusterWork.Kind#TASK}
     */
    @Activate
    public ClusterRuns(@Reference Runner runner, @Reference TaskCatalog tasks) {
        this.runner = runner instanceof ForkingRunner forking ? forking : null;
        if (this.runner == null) {
            LOG.warn("the runner service is not the core's: this node takes no part in cluster runs");
        }
        this.tasks = tasks;
        AtomicInteger n = new AtomicInteger();
        this.threads = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "conduit-cluster-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Binds the cluster while its member is in one (the cluster bundle registers it then).
     *
     * @param cluster the transport
     */
    @Reference(cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "unbindTransport")
    public void bindTransport(ClusterTransport cluster) {
        transport = cluster;
        threads.execute(() -> interruptStale(cluster));
    }

    /**
     * Runs this node's address started that no coordinator of this process follows (the node was restarted at the
     * same address while they ran) are marked {@code interrupted}: else they would show "running" for ever, their
     * starting node being present again.
     */
    private void interruptStale(ClusterTransport t) {
        try {
            t.runs().forEach((run, bytes) -> {
                try {
                    Map<String, Object> s = WorkCodec.summary(bytes);
                    if ("running".equals(s.get("state")) && t.localNode().equals(s.get("origin"))
                            && !coordinating.contains(run)) {
                        Map<String, Object> shown = new LinkedHashMap<>(s);
                        shown.put("state", "interrupted");
                        shown.put("note", "its starting node " + t.localNode() + " restarted while it ran; run-status"
                                + " collects what the other nodes did");
                        t.putRun(run, WorkCodec.summary(shown));
                    }
                } catch (IllegalArgumentException | ClusterException e) {
                    LOG.debug("run {}: its summary cannot be read or marked: {}", run, e.getMessage());
                }
            });
        } catch (ClusterException | RuntimeException e) {
            LOG.debug("the cluster's runs cannot be read: {}", e.getMessage());
        }
    }

    /**
     * @param cluster the transport going away; a run in flight ends with what it collected
     */
    public void unbindTransport(ClusterTransport cluster) {
        if (transport == cluster) {
            transport = null;
        }
    }

    /** The runs this process's coordinators follow now. */
    private final Set<String> coordinating = ConcurrentHashMap.newKeySet();

    @Deactivate
    void deactivate() {
        threads.shutdownNow();
    }

    /** @return whether this node is in a cluster now: run, ping and task then spread over it */
    public boolean clustered() {
        return transport != null && runner != null;
    }

    /** @return the cluster, or {@code null} when this node runs alone */
    public ClusterTransport transport() {
        return transport;
    }

    // ---------------------------------------------------------------------------------------------------------
    // the worker: batches sent to this node

    /**
     * Runs one batch on this node: called by the cluster bundle on an engine thread (or by {@link #run} in process
     * when the owner could not take it), and blocks until each of the batch's hosts has its result.
     *
     * @param work a {@link ClusterWork} as {@link WorkCodec} wrote it
     * @return the answer: one {@code done} record per host of the batch, in the batch's order
     * @throws IllegalArgumentException the work cannot be read, or names a task not installed here
     * @throws InventoryException the inventory cannot be read on this node
     * @throws InterruptedException the engine stopped the work (its hosts' commands are stopped)
     */
    @Override
    public byte[] execute(byte[] work) throws Exception {
        if (runner == null) {
            throw new IllegalStateException("this node's runner is not the core's: it takes no part in cluster runs");
        }
        ClusterWork w = WorkCodec.work(work);
        ClusterTransport t = transport;
        String node = t == null ? "this node" : t.localNode();
        // members now in the cluster: a host one of them claimed or started is still theirs
        Set<String> present = t == null ? Set.of(node) : Set.copyOf(t.allMembers());
        List<CompletableFuture<HostRecord>> answers = new ArrayList<>(w.hosts().size());
        List<Pending> toRun = new ArrayList<>();
        Map<String, Pending> waiting = new LinkedHashMap<>();
        Map<String, String> runningOn = new HashMap<>();
        Set<String> ownClaims = new java.util.HashSet<>();
        for (String host : w.hosts()) {
            // this batch's hosts only: a run's 271 batches each reading all of its records would read them 271 times
            HostRecord r = t == null ? null : read(t, w.run(), host);
            if (r == null && t != null && !t.claimRecord(w.run(), host, WorkCodec.record(claim(node)))) {
                r = read(t, w.run(), host); // another copy of this work claimed it first (null: it expired)
            } else if (r != null && !r.done() && r.claimed() && !present.contains(r.node())) {
                put(t, w.run(), host, claim(node)); // claimed by a member that left before touching it: ours now
                r = null;
            }
            if (r != null && r.done()) {
                answers.add(CompletableFuture.completedFuture(r)); // not run again
            } else if (r != null && r.node() != null && present.contains(r.node())
                    && !(r.claimed() && node.equals(r.node()))) {
                // claimed or started by a member still in the cluster: the engine sent this batch again while the
                // partition moved (an invocation re-sent on migration, hazelcast#12952); that member finishes the
                // host, this copy waits for its result instead of running it twice or calling it interrupted
                Pending p = new Pending(host, new CompletableFuture<>());
                waiting.put(host, p);
                runningOn.put(host, r.node());
                answers.add(p.result());
            } else if (r != null && !r.claimed() && !w.rerunInterrupted()) {
                answers.add(CompletableFuture.completedFuture(interrupted(t, w, host, r.node())));
            } else {
                // no record (claimed now), claimed by this node (a second copy: this node's queue runs it once), or
                // started by a member that left and the run asks --rerun-interrupted
                Pending p = new Pending(host, new CompletableFuture<>());
                toRun.add(p);
                answers.add(p.result());
                if (r != null && r.claimed()) {
                    ownClaims.add(host);
                } else if (r != null) {
                    put(t, w.run(), host, claim(node)); // --rerun-interrupted: started by a member that left; ours now
                }
            }
        }
        NodeRun run = null;
        try {
            if (!toRun.isEmpty()) {
                run = attach(w, node);
                if (!ownClaims.isEmpty()) {
                    // this node's claim, read before its queue was pinned: a host it finished since is not run again
                    toRun.removeIf(p -> {
                        HostRecord now = ownClaims.contains(p.host()) ? read(t, w.run(), p.host()) : null;
                        return now != null && now.done() && p.result().complete(now);
                    });
                }
                run.add(toRun); // a host this node already queued for the run (a batch sent twice) runs once
            }
            if (!waiting.isEmpty()) {
                List<Pending> late = await(t, w, waiting, runningOn);
                late.forEach(p -> put(t, w.run(), p.host(), claim(node)));
                if (!late.isEmpty()) { // --rerun-interrupted: hosts whose node left while this copy waited
                    if (run == null) {
                        run = attach(w, node);
                    }
                    run.add(late);
                }
            }
            CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get();
        } finally {
            if (run != null) {
                detach(run);
            }
        }
        List<HostRecord> out = new ArrayList<>(answers.size());
        for (CompletableFuture<HostRecord> a : answers) {
            out.add(a.get());
        }
        return WorkCodec.answer(out);
    }

    /** A record saying this node took the host into its queue and has not touched it. */
    private static HostRecord claim(String node) {
        return new HostRecord(HostRecord.CLAIMED, node, false, null);
    }

    /** @return the host's record, or {@code null} when there is none or it cannot be read */
    private static HostRecord read(ClusterTransport t, String run, String host) {
        try {
            byte[] bytes = t.record(run, host);
            return bytes == null ? null : WorkCodec.record(bytes);
        } catch (ClusterException | IllegalArgumentException e) {
            LOG.debug("run {}: the record of {} cannot be read: {}", run, host, e.getMessage());
            return null;
        }
    }

    /** Reports a host whose node was lost after it started: it may have run. */
    private static HostRecord interrupted(ClusterTransport t, ClusterWork w, String host, String node) {
        HostRecord lost = new HostRecord(HostRecord.DONE, node, true, HostResult.of(host, Status.FAILED,
                HostRecord.INTERRUPTED));
        put(t, w.run(), host, lost);
        return lost;
    }

    /**
     * Waits for the results of hosts another copy of this work (or an earlier owner) is running on a member that is
     * still in the cluster, reading their records every {@link #POLL} until each is done, its member leaves, or the
     * longest a host can take (its deadline per try, and the stop grace) has passed twice over.
     *
     * @return the hosts to run here: those whose member left, when the work asks {@code --rerun-interrupted}
     */
    private static List<Pending> await(ClusterTransport t, ClusterWork w, Map<String, Pending> waiting,
            Map<String, String> runningOn) throws InterruptedException {
        Duration perTry = w.options().hostTimeout() == null ? Duration.ofMinutes(10) : w.options().hostTimeout();
        long bound = perTry.plus(STOP_GRACE).multipliedBy(2L * (w.retries() + 1)).toNanos();
        long deadline = System.nanoTime() + bound;
        List<Pending> late = new ArrayList<>();
        Map<String, Pending> left = new LinkedHashMap<>(waiting);
        while (!left.isEmpty()) {
            Set<String> present;
            try {
                present = Set.copyOf(t.allMembers());
            } catch (RuntimeException e) {
                present = Set.of();
            }
            for (java.util.Iterator<Pending> it = left.values().iterator(); it.hasNext();) {
                Pending p = it.next();
                String node = runningOn.get(p.host());
                HostRecord r = read(t, w.run(), p.host());
                if (r != null && r.done()) {
                    p.result().complete(r);
                    it.remove();
                } else if (!present.contains(node) || System.nanoTime() - deadline > 0) {
                    it.remove();
                    boolean touched = r == null || !r.claimed(); // a record that vanished: taken as touched
                    if (!present.contains(node) && (!touched || w.rerunInterrupted())) {
                        late.add(p); // never touched there, or the run asks for it: runs here
                    } else {
                        p.result().complete(interrupted(t, w, p.host(), node));
                    }
                } else if (r != null && r.node() != null && !r.node().equals(node)) {
                    runningOn.put(p.host(), r.node()); // a record by another member now: follow that one
                }
            }
            if (!left.isEmpty()) {
                Thread.sleep(POLL.toMillis()); // a bounded wait for another member's write, not a race papered over
            }
        }
        return late;
    }

    /** How often a copy of a work that waits for another member's host reads its record. */
    static final Duration POLL = Duration.ofMillis(200);
    /** As the runner's: how long a host whose deadline passed has to stop before it is given up. */
    static final Duration STOP_GRACE = Duration.ofSeconds(8);

    private NodeRun attach(ClusterWork w, String node) throws InventoryException {
        synchronized (nodeRuns) {
            NodeRun run = nodeRuns.get(w.run());
            if (run == null) {
                // the inventory read once per node per run: every later batch of the run shares this session
                run = new NodeRun(w, node, runner.session(w.options()).perHost(), task(w));
                nodeRuns.put(w.run(), run);
                LOG.info("run {}: its hosts of this node's partitions run here, forks {}", w.run(), run.forks);
            }
            run.batches++;
            return run;
        }
    }

    private void detach(NodeRun run) {
        synchronized (nodeRuns) {
            if (--run.batches == 0 && nodeRuns.get(run.work.run()) == run) {
                nodeRuns.remove(run.work.run());
                LOG.info("run {}: {} hosts ran here", run.work.run(), run.ran.get());
            }
        }
    }

    /** @return how many runs this node works on for the cluster now */
    int runsInFlight() {
        synchronized (nodeRuns) {
            return nodeRuns.size();
        }
    }

    /** The task a work asks for, as the shell makes it on one node. */
    private Task task(ClusterWork w) {
        return switch (w.kind()) {
            case RUN -> CheckModeSkip.command(new CommandTask(w.command()));
            case PING -> new PingTask();
            case TASK -> new ScopedTask(tasks.task(w.task(), tasks.parameters(w.task(), w.params(), "task")),
                    w.become(), null);
        };
    }

    private static void put(ClusterTransport t, String run, String host, HostRecord record) {
        if (t == null) {
            return;
        }
        try {
            t.putRecord(run, host, WorkCodec.record(record));
        } catch (ClusterException e) {
            // the answer still carries the result; only a later owner of this batch would not see it
            LOG.warn("run {}: the {} record of {} could not be written: {}", run, record.state(), host,
                    e.getMessage());
        }
    }

    private record Pending(String host, CompletableFuture<HostRecord> result) {
    }

    /**
     * One run's hosts on this node: one runner session, one queue, at most {@code forks} threads taking hosts from
     * it, whichever batch they came in.
     */
    private final class NodeRun {
        final ClusterWork work;
        final String node;
        final ForkingRunner.Session session;
        final Task task;
        final FailurePolicy retriesOnly;
        final int forks;
        final AtomicInteger ran = new AtomicInteger();
        // guarded by nodeRuns
        int batches;
        // guarded by this
        private final Deque<Pending> queue = new ArrayDeque<>();
        /** Each host this node took for the run, and its result to come: a host given twice runs once. */
        private final Map<String, CompletableFuture<HostRecord>> taken = new HashMap<>();
        private int active;

        NodeRun(ClusterWork work, String node, ForkingRunner.Session session, Task task) {
            this.work = work;
            this.node = node;
            this.session = session;
            this.task = task;
            this.retriesOnly = new FailurePolicy(0, false, null, false, work.retries(), work.retryDelay(), false);
            this.forks = Math.max(1, work.options().forks() == null ? 1 : work.options().forks());
        }

        void add(List<Pending> hosts) {
            int start;
            synchronized (this) {
                for (Pending p : hosts) {
                    CompletableFuture<HostRecord> first = taken.putIfAbsent(p.host(), p.result());
                    if (first == null) {
                        queue.add(p);
                    } else { // the engine sent the batch again while the first copy still has it here
                        first.whenComplete((r, e) -> {
                            if (e != null) {
                                p.result().completeExceptionally(e);
                            } else {
                                p.result().complete(r);
                            }
                        });
                    }
                }
                start = Math.min(forks - active, queue.size());
                active += Math.max(0, start);
            }
            for (int i = 0; i < start; i++) {
                threads.execute(this::drain);
            }
        }

        private void drain() {
            while (true) {
                Pending next;
                synchronized (this) {
                    next = queue.poll();
                    if (next == null) {
                        active--;
                        return;
                    }
                }
                if (Thread.currentThread().isInterrupted()) {
                    // the node is stopping (deactivated, or the engine cancelled the work): no further host starts
                    HostRecord stopped = new HostRecord(HostRecord.DONE, node, false,
                            HostResult.of(next.host(), Status.FAILED, "interrupted before it started"));
                    next.result().complete(stopped);
                    continue;
                }
                next.result().complete(runOne(next.host()));
            }
        }

        private HostRecord runOne(String host) {
            ClusterTransport t = transport;
            HostRecord now = t == null ? null : read(t, work.run(), host);
            if (now != null && !(now.claimed() && node.equals(now.node()))) {
                // another member took the host while this node was away (frozen, cut off) and its queue stood
                // still: that member runs it, this node does not run it a second time (nor writes over its record)
                return now.done() ? now : new HostRecord(HostRecord.DONE, now.node(), false, HostResult.of(host,
                        Status.SKIPPED, "moved to node " + now.node() + " while this node was away"));
            }
            Task marked = new Task() {
                @Override
                public HostResult execute(TaskContext context) throws java.io.IOException {
                    put(t, work.run(), context.host().name(), new HostRecord(HostRecord.STARTED, node, false, null));
                    return task.execute(context);
                }

                @Override
                public String describe() {
                    return task.describe();
                }
            };
            HostResult result;
            try {
                RunResult r = session.runOn(List.of(host), marked, work.options(), retriesOnly, RunListener.NONE);
                result = r.hosts().get(0);
            } catch (InventoryException | IllegalArgumentException | IllegalStateException e) {
                result = HostResult.of(host, Status.FAILED, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                result = HostResult.of(host, Status.FAILED, "interrupted before it started");
            }
            HostRecord done = new HostRecord(HostRecord.DONE, node, false, result);
            ran.incrementAndGet();
            LOG.debug("run {}: {} {}", work.run(), host, result.status());
            put(t, work.run(), host, done);
            return done;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // the coordinator: a run started on this node

    /**
     * What the shell asks the cluster to run.
     *
     * @param run the run's key, {@code ID@NODE} ({@link #runKey})
     * @param what what runs, as the run's record shows it (never a secret)
     * @param pattern the host pattern
     * @param work what each batch carries; its hosts are filled in per batch
     * @param policy the failure policy over the whole run ({@code null} for none)
     */
    public record Request(String run, String what, String pattern, ClusterWork work, FailurePolicy policy) {
    }

    /**
     * @param historyId the run's ID in this node's run history, or {@code null} when none is kept
     * @return {@code ID@NODE}, or a random ID at this node when there is no history ID
     * @throws IllegalStateException this node is not in a cluster
     */
    public String runKey(Long historyId) {
        String node = cluster().localNode();
        String id = historyId != null ? String.valueOf(historyId)
                : "r" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        return id + "@" + node;
    }

    /**
     * @param options the caller's options
     * @return the options as every node must read them: the starting node's defaults filled in and the inventory an
     *         absolute path, read from the caller's working directory (each node reads the same path)
     */
    public RunOptions options(RunOptions options) {
        RunOptions e = runner.effective(options);
        // as the run history keeps it: a path (also ansible:PATH, script:PATH) absolute from the caller's directory
        String inventory = e.inventory() == null ? null : LocalPaths.spec(e.inventory());
        return new RunOptions(inventory, e.forks(), e.hostTimeout(),
                e.outputLimit(), e.verbosity(), e.check(), e.diff());
    }

    private ClusterTransport cluster() {
        ClusterTransport t = transport;
        if (t == null || runner == null) {
            throw new IllegalStateException("this node is not in a cluster");
        }
        return t;
    }

    /**
     * Runs a task over the cluster: selects the hosts here (as a local run does), then, batch by batch of the
     * policy, sends one work per partition to the partition's owner and waits for the answers. A partition whose
     * owner has not proven the cluster key, or whose work could not be delivered, runs on this node (said once
     * through {@code notices}). Each host is told to the listener once, as its {@code done} record arrives or its
     * batch answers, with its node in {@code nodes} first.
     *
     * <p>Interrupted (Ctrl-C), it stops waiting: the hosts without a result are reported failed, "still running
     * on node X", and the thread's interrupt is set again for the caller. The other nodes are not stopped (no
     * remote cancel yet); {@code run-status} collects the run later.
     *
     * @param request what to run
     * @param listener told of each host's result once, from any thread
     * @param nodes filled with each host's node before the listener hears of it (a skipped host has none)
     * @param notices one line for the operator, without "conduit: "
     * @return one result per selected host, in selection order
     * @throws InventoryException the inventory cannot be loaded here, or the pattern matches no host
     * @throws IllegalStateException this node is not in a cluster
     */
    public RunResult run(Request request, RunListener listener, Map<String, String> nodes, Consumer<String> notices)
            throws InventoryException {
        ClusterTransport t = cluster();
        String local = t.localNode();
        long begun = System.nanoTime();
        long startedAt = System.currentTimeMillis();
        ClusterWork template = request.work();
        List<String> hosts = runner.session(template.options()).select(request.pattern());
        FailurePolicy policy = request.policy() == null ? FailurePolicy.NONE : request.policy();
        String run = request.run();
        RunListener caller = listener == null ? RunListener.NONE : listener;
        Map<String, HostRecord> results = new ConcurrentHashMap<>();
        Set<String> selected = Set.copyOf(hosts);
        Set<String> told = ConcurrentHashMap.newKeySet();
        Consumer<HostRecord> deliver = r -> {
            String host = r.result().host();
            if (selected.contains(host) && results.putIfAbsent(host, r) == null && told.add(host)) {
                if (r.node() != null) {
                    nodes.put(host, r.node());
                }
                caller.finished(r.result());
            }
        };
        coordinating.add(run);
        summary(t, run, request, hosts, startedAt, "running", null);
        // what runs is not logged: the command may quote a secret, which only the nodes' runners can mask
        LOG.info("run {}: {} hosts over {} members", run, hosts.size(), t.members().size());
        caller.started(hosts.size());
        // a host's done record, from the listener as it comes and from the records at the end
        java.util.function.BiConsumer<String, byte[]> doneRecord = (host, bytes) -> {
            try {
                HostRecord r = WorkCodec.record(bytes);
                if (r.done() && r.result() != null) {
                    deliver.accept(r);
                }
            } catch (IllegalArgumentException e) {
                LOG.debug("run {}: a record of {} cannot be read", run, host);
            }
        };
        AutoCloseable listening = null;
        try {
            listening = t.listen(run, doneRecord);
        } catch (ClusterException e) {
            LOG.warn("run {}: progress from the other nodes cannot be followed ({}); each batch reports when it"
                    + " answers", run, e.getMessage());
        }
        Map<String, String> ownerAtSubmit = new ConcurrentHashMap<>();
        Map<String, String> lost = new ConcurrentHashMap<>(); // why a batch has no answer, by host
        AtomicBoolean noticed = new AtomicBoolean();
        boolean interrupted = false;
        try {
            int size = policy.batchSize(hosts.size());
            int batches = (hosts.size() + size - 1) / size;
            String halted = null;
            for (int b = 0; b < batches && !interrupted; b++) {
                List<String> batch = hosts.subList(b * size, Math.min(hosts.size(), (b + 1) * size));
                if (halted != null) {
                    for (String h : batch) {
                        deliver.accept(new HostRecord(HostRecord.DONE, null, false,
                                HostResult.of(h, Status.SKIPPED, halted)));
                    }
                    continue;
                }
                List<String> runs = batch;
                if (policy.runOnce()) {
                    runs = batch.subList(0, 1);
                    for (String h : batch.subList(1, batch.size())) {
                        deliver.accept(new HostRecord(HostRecord.DONE, null, false,
                                HostResult.of(h, Status.SKIPPED, "run once: ran on " + batch.get(0))));
                    }
                }
                Map<Integer, List<String>> partitions = new LinkedHashMap<>();
                for (String h : runs) {
                    partitions.computeIfAbsent(t.partitionOf(h), p -> new ArrayList<>()).add(h);
                }
                List<CompletableFuture<Void>> answers = new ArrayList<>();
                for (Map.Entry<Integer, List<String>> p : partitions.entrySet()) {
                    String owner = t.ownerOf(p.getKey());
                    p.getValue().forEach(h -> ownerAtSubmit.put(h, owner == null ? "?" : owner));
                    byte[] bytes = WorkCodec.work(template.withHosts(p.getValue()));
                    answers.add(submit(t, p.getValue().get(0), bytes, noticed, notices, local)
                            .thenAccept(answer -> WorkCodec.answer(answer).forEach(deliver))
                            .exceptionally(e -> {
                                Throwable cause = e instanceof CompletionException && e.getCause() != null
                                        ? e.getCause() : e;
                                String why = oneLine(cause instanceof CompletionException c && c.getCause() != null
                                        ? c.getCause() : cause);
                                LOG.warn("run {}: a batch of {} hosts could not be run, here either: {}", run,
                                        p.getValue().size(), why);
                                p.getValue().forEach(h -> lost.put(h, "not run: " + why));
                                return null;
                            }));
                }
                try {
                    CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).get();
                } catch (InterruptedException e) {
                    interrupted = true;
                    break;
                } catch (ExecutionException e) {
                    // each answer handles its own failure (lost, above): not reached
                    LOG.warn("run {}: a batch could not be run: {}", run, oneLine(e.getCause()));
                }
                int failed = 0;
                for (String h : runs) {
                    HostRecord r = results.get(h);
                    if (r == null || failure(r.result())) {
                        failed++;
                    }
                }
                if (policy.exceeded(failed, batch.size())) {
                    halted = "not run: " + failed + " of " + batch.size() + (batch.size() == 1 ? " host" : " hosts")
                            + (batches > 1 ? " of batch " + (b + 1) : "") + " failed (" + (policy.failFast()
                                    ? "--fail-fast" : "--max-fail " + policy.maxFailPercent() + "%") + ")";
                }
            }
        } finally {
            if (listening != null) {
                try {
                    listening.close();
                } catch (Exception e) {
                    LOG.debug("run {}: listening did not close: {}", run, e.getMessage());
                }
            }
        }
        // records written by nodes that did not answer (a lost batch) still count, and after Ctrl-C so do hosts that
        // are done but whose progress had not reached this node yet (the wait's exception cleared the flag)
        // (only the hosts without a result yet: a run of 50,000 hosts does not read its records twice)
        for (String h : hosts) {
            if (!results.containsKey(h)) {
                try {
                    byte[] bytes = t.record(run, h);
                    if (bytes != null) {
                        doneRecord.accept(h, bytes);
                    }
                } catch (ClusterException e) {
                    LOG.warn("run {}: the record of {} cannot be read: {}", run, h, e.getMessage());
                }
            }
        }
        List<HostResult> ordered = new ArrayList<>(hosts.size());
        for (String h : hosts) {
            HostRecord r = results.get(h);
            if (r == null) {
                String owner = ownerAtSubmit.get(h);
                HostResult missing = HostResult.of(h, Status.FAILED, interrupted && owner != null
                        ? "interrupted: still running on node " + owner + " (this node stopped waiting; run-status "
                                + run + " collects it)"
                        : interrupted ? "interrupted before it started" : lost.getOrDefault(h, NOT_RUN));
                if (told.add(h)) {
                    caller.finished(missing);
                }
                ordered.add(missing);
            } else {
                ordered.add(r.result());
            }
        }
        RunResult result = new RunResult(ordered, Duration.ofNanos(System.nanoTime() - begun));
        summary(t, run, request, hosts, startedAt, interrupted ? "interrupted" : "finished", result);
        coordinating.remove(run);
        LOG.info("run {} finished in {} ms: {}", run, result.duration().toMillis(), result.summary());
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return result;
    }

    /** Sends a work to its owner; an owner that is not proven, or a failed delivery, runs it on this node. */
    private CompletableFuture<byte[]> submit(ClusterTransport t, String key, byte[] work, AtomicBoolean noticed,
            Consumer<String> notices, String local) {
        CompletableFuture<byte[]> sent;
        try {
            sent = t.submitToKeyOwner(key, work).toCompletableFuture();
        } catch (RuntimeException e) {
            sent = CompletableFuture.failedFuture(e);
        }
        return sent.exceptionallyCompose(e -> {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (noticed.compareAndSet(false, true)) {
                notices.accept("cluster: " + oneLine(cause) + "; those hosts run on this node (" + local + ")");
            }
            return CompletableFuture.supplyAsync(() -> {
                try {
                    return execute(work);
                } catch (Exception x) {
                    throw new CompletionException(x);
                }
            }, threads);
        });
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        return m == null ? "a batch could not be sent" : m.replace('\n', ' ');
    }

    private static boolean failure(HostResult r) {
        return r.status() == Status.FAILED || r.status() == Status.UNREACHABLE;
    }

    /** Writes the run's summary to the cluster's list of runs; a failure is logged, the run goes on. */
    private static void summary(ClusterTransport t, String run, Request request, List<String> hosts, long started,
            String state, RunResult result) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("run", run);
        s.put("origin", t.localNode());
        s.put("what", request.what());
        s.put("pattern", request.pattern());
        s.put("hosts", hosts);
        s.put("started", started);
        s.put("state", state);
        if (result != null) {
            Map<String, Object> counts = new LinkedHashMap<>();
            result.summary().forEach((k, v) -> counts.put(k.name().toLowerCase(Locale.ROOT), v));
            s.put("counts", counts);
            s.put("duration_ms", result.duration().toMillis());
        }
        try {
            t.putRun(run, WorkCodec.summary(s));
        } catch (ClusterException e) {
            LOG.warn("run {}: its summary could not be written to the cluster: {}", run, e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // what the shell shows: the members, and a run collected from its records

    /**
     * A member as {@code conduit:cluster} shows it.
     *
     * @param name {@code ADDRESS:PORT}
     * @param proven whether it proved the cluster key (else a stranger, or still proving it)
     * @param local whether it is this node
     * @param partitions the partitions it owns now
     * @param hosts the hosts of the given inventory whose partitions it owns now
     */
    public record Member(String name, boolean proven, boolean local, int partitions, int hosts) {
    }

    /**
     * @param hosts the host names of an inventory, to count the hosts each member owns
     * @return every member, oldest first
     * @throws IllegalStateException this node is not in a cluster
     */
    public List<Member> members(List<String> hosts) {
        ClusterTransport t = cluster();
        Map<String, Integer> partitions = new HashMap<>();
        for (int p = 0; p < t.partitionCount(); p++) {
            String owner = t.ownerOf(p);
            if (owner != null) {
                partitions.merge(owner, 1, Integer::sum);
            }
        }
        Map<String, Integer> owned = new HashMap<>();
        for (String h : hosts) {
            String owner = t.ownerOf(t.partitionOf(h));
            if (owner != null) {
                owned.merge(owner, 1, Integer::sum);
            }
        }
        Set<String> proven = Set.copyOf(t.members());
        List<Member> out = new ArrayList<>();
        for (String m : t.allMembers()) {
            out.add(new Member(m, proven.contains(m), m.equals(t.localNode()), partitions.getOrDefault(m, 0),
                    owned.getOrDefault(m, 0)));
        }
        return out;
    }

    /**
     * @return the summaries of the runs the cluster holds (as the starting nodes wrote them), by run key
     * @throws ClusterException the cluster could not be read
     * @throws IllegalStateException this node is not in a cluster
     */
    public Map<String, Map<String, Object>> runs() throws ClusterException {
        ClusterTransport t = cluster();
        Set<String> present = Set.copyOf(t.allMembers());
        Map<String, Map<String, Object>> out = new LinkedHashMap<>();
        t.runs().forEach((run, bytes) -> {
            try {
                out.put(run, orphaned(WorkCodec.summary(bytes), present));
            } catch (IllegalArgumentException e) {
                LOG.debug("run {}: its summary cannot be read", run);
            }
        });
        return out;
    }

    /**
     * A run whose starting node left the cluster while the run was going is shown {@code interrupted}, not
     * {@code running} for ever (Rundeck's HA cluster kept such a job "running on node1" after node1 died,
     * rundeck#2783; nebula#2764 the same for a job whose node shut down).
     *
     * @param summary a run's summary as its starting node last wrote it
     * @param present every member now in the cluster
     * @return the summary, its state {@code interrupted} and a {@code note} when its starting node is gone
     */
    private static Map<String, Object> orphaned(Map<String, Object> summary, Set<String> present) {
        Object origin = summary.get("origin");
        if (!"running".equals(summary.get("state")) || origin == null || present.contains(String.valueOf(origin))) {
            return summary;
        }
        Map<String, Object> shown = new LinkedHashMap<>(summary);
        shown.put("state", "interrupted");
        shown.put("note", "its starting node " + origin + " left the cluster while it ran; run-status collects what"
                + " the other nodes did");
        return shown;
    }

    /**
     * One host of a run as the cluster holds it.
     *
     * @param host the host
     * @param state {@code done}, {@code queued} (a node took it, not started yet), {@code started} (on a node, no
     *        result yet), {@code interrupted} (its node was lost after it started) or {@code pending} (no record, or
     *        queued on a node that left)
     * @param node the node that ran or runs it, or {@code null}
     * @param result its result when done or interrupted, else {@code null}
     */
    public record HostState(String host, String state, String node, HostResult result) {
    }

    /**
     * A run as the cluster holds it, whichever node started it (also one that is gone).
     *
     * @param run the run's key
     * @param summary the summary its starting node wrote, or an empty map when there is none
     * @param hosts each host of the run, in the run's order (then hosts only the records name)
     */
    public record RunStatus(String run, Map<String, Object> summary, List<HostState> hosts) {
    }

    /**
     * @param run a run's key
     * @return the run, or empty when the cluster holds neither its summary nor a record of it
     * @throws ClusterException the cluster could not be read
     * @throws IllegalStateException this node is not in a cluster
     */
    public Optional<RunStatus> status(String run) throws ClusterException {
        ClusterTransport t = cluster();
        Set<String> present = Set.copyOf(t.allMembers());
        byte[] raw = t.runs().get(run);
        Map<String, Object> summary = raw == null ? Map.of() : orphaned(WorkCodec.summary(raw), present);
        Map<String, byte[]> records = t.records(run);
        if (raw == null && records.isEmpty()) {
            return Optional.empty();
        }
        List<String> order = new ArrayList<>();
        if (summary.get("hosts") instanceof List<?> listed) {
            listed.forEach(h -> order.add(String.valueOf(h)));
        }
        records.keySet().stream().sorted().filter(h -> !order.contains(h)).forEach(order::add);
        List<HostState> hosts = new ArrayList<>();
        for (String h : order) {
            byte[] bytes = records.get(h);
            HostRecord r = null;
            try {
                r = bytes == null ? null : WorkCodec.record(bytes);
            } catch (IllegalArgumentException e) {
                LOG.debug("run {}: the record of {} cannot be read", run, h);
            }
            if (r == null) {
                hosts.add(new HostState(h, "pending", null, null));
            } else if (r.claimed()) {
                // queued on a node, not touched: should that node have left, the next copy of its batch runs it
                hosts.add(new HostState(h, present.contains(r.node()) ? "queued" : "pending", r.node(), null));
            } else if (!r.done() && r.node() != null && !present.contains(r.node())) {
                // its node left after the host started and no other node took it over (yet): it may have run
                hosts.add(new HostState(h, "interrupted", r.node(), HostResult.of(h, Status.FAILED, "interrupted:"
                        + " node " + r.node() + " left the cluster while the host ran; it may have run")));
            } else if (!r.done()) {
                hosts.add(new HostState(h, HostRecord.STARTED, r.node(), null));
            } else {
                hosts.add(new HostState(h, r.interrupted() ? "interrupted" : HostRecord.DONE, r.node(), r.result()));
            }
        }
        return Optional.of(new RunStatus(run, summary, hosts));
    }
}
