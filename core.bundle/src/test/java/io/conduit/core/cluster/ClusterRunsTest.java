package io.conduit.core.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.task.FailurePolicy;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Status;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.local.LocalPlugin;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.testing.Configs;

/**
 * Runs spread over members of one JVM ({@link FakeCluster}), each with its own runner and the real local plugin.
 * Every host's command appends a line to {@code DIR/HOST.count} first, so the test counts how often each host ran
 * from the host side; a host named to block waits for {@code DIR/gate} (bounded), so a member can be lost while
 * it holds the host.
 */
class ClusterRunsTest {
    private static final String A = "127.0.0.1:5701";
    private static final String B = "127.0.0.2:5701";
    private static final String C = "127.0.0.3:5701";

    @TempDir
    Path dir;
    private final FakeCluster cluster = new FakeCluster();
    private final List<Node> nodes = new ArrayList<>();
    private Path inventory;

    /** One member: its own plugins, pool, runner and cluster runs, over the same inventory file. */
    private final class Node {
        final String name;
        final ConnectionManager connections;
        final ForkingRunner runner;
        final ClusterRuns runs;

        Node(String name, int forks) {
            this.name = name;
            PluginRegistry registry = new PluginRegistry();
            registry.add(new PluginBinding("local", 1, 0, "io.conduit.core", "1", new LocalPlugin()));
            connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
            runner = new ForkingRunner(connections, Configs.inventories(connections, inventory),
                    Configs.runner(forks, 60, 1 << 16, inventory.toString()));
            runs = new ClusterRuns(runner, null);
            runs.bindTransport(cluster.join(name, runs));
            nodes.add(this);
        }
    }

    @AfterEach
    void tearDown() throws IOException {
        Files.writeString(dir.resolve("gate"), ""); // a blocked host of a lost member ends
        cluster.close();
        nodes.forEach(n -> n.connections.deactivate());
    }

    /** Hosts served by the local plugin, each through a shell that sets HOST to its name. */
    private void inventory(List<String> hosts) throws IOException {
        StringBuilder yaml = new StringBuilder("defaults:\n  connection: local\nhosts:\n");
        for (String h : hosts) {
            Path shell = dir.resolve(h + ".sh");
            Files.writeString(shell, "#!/bin/sh\nHOST=" + h + " exec /bin/sh \"$@\"\n");
            Files.setPosixFilePermissions(shell, PosixFilePermissions.fromString("rwx------"));
            yaml.append("  ").append(h).append(":\n    connection_options:\n      local:\n        extras:\n")
                    .append("          shell: ").append(shell).append('\n');
        }
        inventory = Files.writeString(dir.resolve("inventory.yaml"), yaml);
    }

    /** Counts the run, then blocks on the gate when the host is one of {@code blocking}, then fails when failing. */
    private String command(List<String> blocking, List<String> failing) {
        String d = dir.toString();
        return "echo x >> '" + d + "'/$HOST.count; case \" " + String.join(" ", blocking) + " \" in *\" $HOST \"*)"
                + " i=0; while [ ! -e '" + d + "/gate' ] && [ $i -lt 2000 ]; do sleep 0.01; i=$((i+1)); done;; esac;"
                + " case \" " + String.join(" ", failing) + " \" in *\" $HOST \"*) exit 3;; esac; echo ran $HOST";
    }

    /** The member is gone: the cluster moves its works, and it runs nothing more (its threads are stopped). */
    private void kill(Node node) {
        cluster.kill(node.name);
        node.runs.deactivate();
    }

    private int count(String host) throws IOException {
        Path f = dir.resolve(host + ".count");
        return Files.exists(f) ? Files.readAllLines(f).size() : 0;
    }

    /** Host names, {@code n} of them, that share one partition. */
    private static List<String> samePartition(String prefix, int n) {
        Map<Integer, List<String>> by = new HashMap<>();
        for (int i = 0;; i++) {
            String h = prefix + i;
            List<String> l = by.computeIfAbsent(FakeCluster.partitionOf(h), p -> new ArrayList<>());
            l.add(h);
            if (l.size() == n) {
                return l;
            }
        }
    }

    /** Host names, {@code n} of them, each in a partition of its own. */
    private static List<String> ownPartitions(String prefix, int n) {
        List<String> out = new ArrayList<>();
        java.util.Set<Integer> used = new java.util.HashSet<>();
        for (int i = 0; out.size() < n; i++) {
            if (used.add(FakeCluster.partitionOf(prefix + i))) {
                out.add(prefix + i);
            }
        }
        return out;
    }

    private static final class Told implements RunListener {
        final Map<String, Integer> times = new ConcurrentHashMap<>();

        @Override
        public void finished(HostResult result) {
            times.merge(result.host(), 1, Integer::sum);
        }
    }

    private record Ran(RunResult result, Map<String, String> nodes, Told told, List<String> notices) {
        HostResult host(String name) {
            return result.hosts().stream().filter(h -> h.host().equals(name)).findFirst().orElseThrow();
        }
    }

    private Ran run(Node on, String run, String line, String pattern, FailurePolicy policy, boolean rerun,
            Command command) throws Exception {
        RunOptions options = on.runs.options(new RunOptions(null, null, Duration.ofSeconds(40), null));
        Command c = command != null ? command : Command.shell(line);
        FailurePolicy p = policy == null ? FailurePolicy.NONE : policy;
        ClusterWork work = new ClusterWork(run, on.name, ClusterWork.Kind.RUN, c, null, null, null, options,
                p.retries(), p.retryDelay(), List.of(), rerun);
        Map<String, String> where = new ConcurrentHashMap<>();
        Told told = new Told();
        List<String> notices = new CopyOnWriteArrayList<>();
        RunResult result = on.runs.run(new ClusterRuns.Request(run, "run: test", pattern, work, p), told, where,
                notices::add);
        return new Ran(result, where, told, notices);
    }

    @Test
    void everyHostGetsExactlyOneResultWithTheNodeThatRanIt() throws Exception {
        List<String> hosts = ownPartitions("h", 9);
        inventory(hosts);
        Node a = new Node(A, 4);
        new Node(B, 4);
        new Node(C, 4);
        cluster.spread();
        Ran ran = run(a, "1@" + A, command(List.of(), List.of()), "all", null, false, null);
        assertEquals(hosts, ran.result().hosts().stream().map(HostResult::host).toList(), "selection order");
        for (String h : hosts) {
            assertEquals(Status.OK, ran.host(h).status(), ran.host(h).toString());
            assertEquals("ran " + h + "\n", ran.host(h).stdoutText());
            assertEquals(1, count(h), h + " ran once");
            assertEquals(1, ran.told().times.get(h), h + " told once");
            assertEquals(cluster.records("1@" + A).isEmpty() ? null : WorkCodec.record(cluster.records("1@" + A)
                    .get(h)).node(), ran.nodes().get(h));
            assertEquals(FakeCluster.partitionOf(h) % 3 == 0 ? A : FakeCluster.partitionOf(h) % 3 == 1 ? B : C,
                    ran.nodes().get(h), h + " ran on its partition's owner");
        }
        assertEquals(3, Map.copyOf(ran.nodes()).values().stream().distinct().count(), "every member ran hosts");
        assertTrue(ran.notices().isEmpty(), ran.notices().toString());
        Map<String, Object> summary = a.runs.runs().get("1@" + A);
        assertEquals("finished", summary.get("state"));
        assertEquals(A, summary.get("origin"));
    }

    /** b1 done and b2 started on B, b3 still queued (forks 1): then B is lost. */
    private Ran loseANodeMidRun(boolean rerun) throws Exception {
        List<String> bs = samePartition("b", 3);
        List<String> hosts = new ArrayList<>(List.of("a1", "c1"));
        hosts.addAll(bs);
        inventory(hosts);
        Node a = new Node(A, 1);
        Node b = new Node(B, 1);
        new Node(C, 1);
        cluster.own("a1", A);
        cluster.own("c1", C);
        bs.forEach(h -> cluster.own(h, B));
        String run = "7@" + A;
        CompletableFuture<Ran> ran = CompletableFuture.supplyAsync(() -> {
            try {
                return run(a, run, command(List.of(bs.get(1)), List.of()), "all", null, rerun, null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        cluster.awaitRecord(run, bs.get(0), HostRecord.DONE);
        cluster.awaitRecord(run, bs.get(1), HostRecord.STARTED);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (count(bs.get(1)) == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // the command has counted itself: it ran, as far as the host knows
        }
        assertEquals(1, count(bs.get(1)));
        assertEquals(0, count(bs.get(2)), "b3 waits behind b2 (forks 1)");
        kill(b);
        Files.writeString(dir.resolve("gate"), ""); // a host run again on the new owner does not wait
        Ran done = ran.get(30, TimeUnit.SECONDS);
        assertEquals(5, done.result().hosts().size());
        hosts.forEach(h -> assertEquals(1, done.told().times.get(h), h + " told once"));
        assertEquals(1, count(bs.get(0)), "a host done before the loss is not run again");
        assertEquals(B, done.nodes().get(bs.get(0)));
        assertEquals(Status.OK, done.host(bs.get(0)).status());
        assertEquals(1, count(bs.get(2)), "a host not yet started runs on the new owner");
        assertEquals(C, done.nodes().get(bs.get(2)));
        assertEquals(Status.OK, done.host(bs.get(2)).status());
        return done;
    }

    @Test
    void aNodeLostMidRunReportsItsStartedHostInterruptedAndRunsNoDoneHostAgain() throws Exception {
        Ran done = loseANodeMidRun(false);
        String b2 = samePartition("b", 3).get(1);
        HostResult interrupted = done.host(b2);
        assertEquals(Status.FAILED, interrupted.status());
        assertEquals(HostRecord.INTERRUPTED, interrupted.error());
        assertEquals(B, done.nodes().get(b2), "the node it was started on");
        assertEquals(1, count(b2), "not run again");
        assertEquals("interrupted", cluster.records("7@" + A).containsKey(b2)
                && WorkCodec.record(cluster.records("7@" + A).get(b2)).interrupted() ? "interrupted" : "no");
    }

    @Test
    void rerunInterruptedRunsTheStartedHostAgainOnTheNewOwner() throws Exception {
        Ran done = loseANodeMidRun(true);
        String b2 = samePartition("b", 3).get(1);
        assertEquals(Status.OK, done.host(b2).status(), done.host(b2).toString());
        assertEquals(C, done.nodes().get(b2));
        assertEquals(2, count(b2), "once on the lost node, once again");
    }

    @Test
    void forksApplyPerNode() throws Exception {
        List<String> hosts = ownPartitions("f", 8);
        inventory(hosts);
        Node a = new Node(A, 2);
        new Node(B, 2);
        for (int i = 0; i < 8; i++) {
            cluster.own(hosts.get(i), i < 4 ? A : B);
        }
        // each host waits until 4 hosts run at once: 2 per node; forks shared over the run would never get there
        String d = dir.toString();
        String line = "echo x >> '" + d + "'/$HOST.count; i=0; while [ $(cat '" + d + "'/*.count | wc -l) -lt 4 ]"
                + " && [ $i -lt 2000 ]; do sleep 0.01; i=$((i+1)); done; echo ran $HOST";
        Ran ran = run(a, "3@" + A, line, "all", null, false, null);
        assertTrue(ran.result().succeeded(), ran.result().hosts().toString());
        assertEquals(2, cluster.mostAtOnce.get(A), "forks 2 on A");
        assertEquals(2, cluster.mostAtOnce.get(B), "forks 2 on B");
        assertEquals(4, cluster.mostAtOnceAll, "both nodes at once");
        hosts.forEach(h -> assertEquals(i(h, hosts) < 4 ? A : B, ran.nodes().get(h)));
    }

    private static int i(String h, List<String> hosts) {
        return hosts.indexOf(h);
    }

    @Test
    void serialBatchesAndMaxFailAreDecidedOverTheWholeRun() throws Exception {
        List<String> hosts = ownPartitions("s", 6);
        inventory(hosts);
        Node a = new Node(A, 4);
        new Node(B, 4);
        cluster.spread();
        Ran ran = run(a, "4@" + A, command(List.of(), List.of(hosts.get(2))), "all",
                new FailurePolicy(2, false, 0, false, 0, null, false), false, null);
        List<Status> statuses = ran.result().hosts().stream().map(HostResult::status).toList();
        assertEquals(List.of(Status.OK, Status.OK, Status.FAILED, Status.OK, Status.SKIPPED, Status.SKIPPED),
                statuses);
        assertEquals("not run: 1 of 2 hosts of batch 2 failed (--max-fail 0%)", ran.host(hosts.get(4)).error());
        assertEquals(0, count(hosts.get(4)));
        assertEquals(0, count(hosts.get(5)));
        assertNull(ran.nodes().get(hosts.get(5)), "a skipped host ran nowhere");
        hosts.forEach(h -> assertEquals(1, ran.told().times.get(h), h + " told once"));
    }

    @Test
    void runOnceRunsTheFirstHostOnly() throws Exception {
        List<String> hosts = ownPartitions("o", 3);
        inventory(hosts);
        Node a = new Node(A, 4);
        new Node(B, 4);
        cluster.spread();
        Ran ran = run(a, "5@" + A, command(List.of(), List.of()), "all",
                new FailurePolicy(0, false, null, false, 0, null, true), false, null);
        assertEquals(List.of(Status.OK, Status.SKIPPED, Status.SKIPPED), ran.result().hosts().stream()
                .map(HostResult::status).toList());
        assertEquals("run once: ran on " + hosts.get(0), ran.host(hosts.get(2)).error());
        assertEquals(0, count(hosts.get(1)));
    }

    @Test
    void theHostsOfAnUntrustedOwnerRunOnTheStartingNode() throws Exception {
        List<String> hosts = ownPartitions("u", 6);
        inventory(hosts);
        Node a = new Node(A, 4);
        new Node(B, 4);
        cluster.spread();
        cluster.untrusted.add(B);
        Ran ran = run(a, "6@" + A, command(List.of(), List.of()), "all", null, false, null);
        assertTrue(ran.result().succeeded());
        hosts.forEach(h -> assertEquals(A, ran.nodes().get(h), h));
        hosts.forEach(h -> {
            try {
                assertEquals(1, count(h));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        assertEquals(1, ran.notices().size(), "said once: " + ran.notices());
        assertTrue(ran.notices().get(0).contains(B + " has not proven the cluster key")
                && ran.notices().get(0).endsWith("those hosts run on this node (" + A + ")"), ran.notices().get(0));
    }

    @Test
    void theSecretsOfAWorkAppearInNoLogLineNoRecordAndNoSummary() throws Exception {
        List<String> hosts = ownPartitions("k", 4);
        inventory(hosts);
        Node a = new Node(A, 4);
        new Node(B, 4);
        cluster.spread();
        cluster.untrusted.add(B); // the in-process path too
        String secret = "s3cr3t-Value-91";
        Command c = Command.shell("exit 1").withEnv(Map.of("TOKEN", secret))
                .withStdin(("stdin-" + secret).getBytes(StandardCharsets.UTF_8))
                .withBecome(io.conduit.api.connection.Become.sudo("nobody",
                        io.conduit.api.connection.Secret.of("pw-" + secret)));
        PrintStream err = System.err;
        ByteArrayOutputStream logs = new ByteArrayOutputStream();
        Ran ran;
        System.setErr(new PrintStream(logs, true, StandardCharsets.UTF_8));
        try {
            ran = run(a, "8@" + A, null, "all", null, false, c);
        } finally {
            System.setErr(err);
        }
        String all = logs.toString(StandardCharsets.UTF_8) + ran.notices() + ran.result().hosts();
        for (byte[] r : cluster.records("8@" + A).values()) {
            all += new String(r, StandardCharsets.UTF_8);
        }
        for (Map<String, Object> s : a.runs.runs().values()) {
            all += s;
        }
        assertFalse(logs.toString(StandardCharsets.UTF_8).isEmpty(), "the run logged");
        assertFalse(all.contains(secret), all);
        ClusterWork w = WorkCodec.work(WorkCodec.work(new ClusterWork("8@" + A, A, ClusterWork.Kind.RUN, c, null,
                null, null, RunOptions.defaults(), 0, null, hosts, false)));
        assertFalse(w.toString().contains(secret));
        assertEquals(c, w.command(), "the work carries the secrets whole to the node that runs it");
    }

    @Test
    void runStatusOnAnotherNodeCollectsARunWhoseCoordinatorIsGone() throws Exception {
        List<String> bs = samePartition("g", 2);
        List<String> hosts = new ArrayList<>(List.of("x1"));
        hosts.addAll(bs);
        inventory(hosts);
        Node a = new Node(A, 1);
        Node b = new Node(B, 1);
        Node c = new Node(C, 1);
        cluster.own("x1", C);
        bs.forEach(h -> cluster.own(h, B));
        String run = "9@" + A;
        CompletableFuture.runAsync(() -> {
            try {
                run(a, run, command(List.of(bs.get(1)), List.of()), "all", null, false, null);
            } catch (Exception e) {
                // the coordinator is lost: nobody waits for its answer
            }
        });
        cluster.awaitRecord(run, bs.get(1), HostRecord.STARTED);
        cluster.awaitRecord(run, "x1", HostRecord.DONE);
        kill(a);
        ClusterRuns.RunStatus during = c.runs.status(run).orElseThrow();
        Map<String, String> states = new LinkedHashMap<>();
        during.hosts().forEach(h -> states.put(h.host(), h.state()));
        assertEquals(Map.of("x1", "done", bs.get(0), "done", bs.get(1), "started"), states);
        // its starting node is gone: interrupted, not "running" for ever (rundeck#2783, nebula#2764)
        assertEquals("interrupted", during.summary().get("state"));
        assertEquals("interrupted", c.runs.runs().get(run).get("state"));
        assertTrue(String.valueOf(during.summary().get("note")).contains(A + " left the cluster"),
                during.summary().toString());
        Files.writeString(dir.resolve("gate"), "");
        cluster.awaitRecord(run, bs.get(1), HostRecord.DONE);
        ClusterRuns.RunStatus after = c.runs.status(run).orElseThrow();
        after.hosts().forEach(h -> assertEquals("done", h.state(), h.toString()));
        assertEquals(B, after.hosts().get(2).node());
        assertEquals(List.of("x1", bs.get(0), bs.get(1)), after.hosts().stream().map(ClusterRuns.HostState::host)
                .toList());
        assertTrue(b.runs.status("404@" + A).isEmpty());
    }

    @Test
    void ctrlCOnTheStartingNodeReportsWhatIsDoneAndTheRestStillRunningOnItsNode() throws Exception {
        List<String> bs = samePartition("i", 2);
        List<String> hosts = new ArrayList<>(List.of("y1"));
        hosts.addAll(bs);
        inventory(hosts);
        Node a = new Node(A, 1);
        new Node(B, 1);
        cluster.own("y1", A);
        bs.forEach(h -> cluster.own(h, B));
        String run = "10@" + A;
        java.util.concurrent.atomic.AtomicReference<Ran> ran = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean stillInterrupted = new java.util.concurrent.atomic.AtomicBoolean();
        Thread coordinator = new Thread(() -> {
            try {
                ran.set(run(a, run, command(List.of(bs.get(1)), List.of()), "all", null, false, null));
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        coordinator.start();
        cluster.awaitRecord(run, bs.get(1), HostRecord.STARTED);
        cluster.awaitRecord(run, "y1", HostRecord.DONE);
        coordinator.interrupt(); // Ctrl-C
        coordinator.join(TimeUnit.SECONDS.toMillis(20));
        assertFalse(coordinator.isAlive());
        Ran done = ran.get();
        assertTrue(stillInterrupted.get(), "the caller learns it was interrupted");
        assertEquals(Status.OK, done.host("y1").status());
        assertEquals(Status.OK, done.host(bs.get(0)).status());
        assertEquals("interrupted: still running on node " + B + " (this node stopped waiting; run-status " + run
                + " collects it)", done.host(bs.get(1)).error());
        hosts.forEach(h -> assertEquals(1, done.told().times.get(h), h + " told once"));
        assertEquals("interrupted", a.runs.runs().get(run).get("state"));
        Files.writeString(dir.resolve("gate"), "");
        cluster.awaitRecord(run, bs.get(1), HostRecord.DONE); // the node went on: run-status collects it
        assertEquals("done", a.runs.status(run).orElseThrow().hosts().get(2).state());
    }

    /**
     * A partition that moves while its batch runs (the engine re-sends the work to the new owner while the first copy
     * goes on: an invocation sent twice, hazelcast#12952): the host started on a member still in the cluster is
     * waited for, not reported interrupted, and runs once; a host the first copy had not started yet runs once too.
     */
    @Test
    void aBatchSentAgainWhileItsMemberStillRunsItWaitsForThatMemberAndRunsNothingTwice() throws Exception {
        List<String> hosts = samePartition("m", 2);
        inventory(hosts);
        Node a = new Node(A, 1);
        new Node(B, 1);
        hosts.forEach(h -> cluster.own(h, A));
        String run = "11@" + A;
        CompletableFuture<Ran> ran = CompletableFuture.supplyAsync(() -> {
            try {
                return run(a, run, command(List.of(hosts.get(0)), List.of()), "all", null, false, null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        cluster.awaitRecord(run, hosts.get(0), HostRecord.STARTED); // A holds the first host; the second is queued
        cluster.migrate(A, B); // B gets the same batch while A goes on
        Files.writeString(dir.resolve("gate"), "");
        Ran done = ran.get(30, TimeUnit.SECONDS);
        for (String h : hosts) {
            assertEquals(Status.OK, done.host(h).status(), done.host(h).toString());
            assertEquals(1, count(h), h + " ran once");
            assertEquals(1, done.told().times.get(h), h + " told once");
        }
        assertEquals(A, done.nodes().get(hosts.get(0)), "the first host's result is A's, which ran it");
    }

    /**
     * A node taken for lost while frozen, whose queue resumes afterwards: the host it had queued but not started ran
     * on the new owner, and the resumed node does not run it a second time (a fresh review saw seven hosts run on two
     * nodes after SIGCONT).
     */
    @Test
    void aFrozenNodeThatResumesDoesNotRunAHostItsNewOwnerTook() throws Exception {
        List<String> hosts = samePartition("f", 2);
        inventory(hosts);
        Node a = new Node(A, 1); // the run's forks, 1 on every node: B queues the second host behind the first
        Node b = new Node(B, 1);
        hosts.forEach(h -> cluster.own(h, B));
        String run = "12@" + A;
        CompletableFuture<Ran> ran = CompletableFuture.supplyAsync(() -> {
            try {
                return run(a, run, command(List.of(hosts.get(0)), List.of()), "all", null, false, null);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        cluster.awaitRecord(run, hosts.get(0), HostRecord.STARTED); // B holds the first host, the second queued
        cluster.freeze(B); // taken for lost: A gets the batch
        cluster.awaitRecord(run, hosts.get(1), HostRecord.DONE);
        Ran done = ran.get(30, TimeUnit.SECONDS);
        assertEquals(HostRecord.INTERRUPTED, done.host(hosts.get(0)).error());
        assertEquals(A, done.nodes().get(hosts.get(1)), "the queued host ran on its new owner");
        Files.writeString(dir.resolve("gate"), ""); // B resumes: its queue goes on
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (b.runs.runsInFlight() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10); // bounded: B's queue ends once its last host is skipped
        }
        assertEquals(0, b.runs.runsInFlight(), "B's queue ended");
        assertEquals(1, count(hosts.get(1)), "the queued host ran once, not again on B after it resumed");
    }

    /** A node restarted at the same address: its runs left "running" in the cluster are shown interrupted. */
    @Test
    void aRestartedStartingNodeMarksItsStaleRunsInterrupted() throws Exception {
        inventory(List.of("s1"));
        Node a = new Node(A, 1);
        a.runs.transport().putRun("13@" + A, WorkCodec.summary(Map.of("run", "13@" + A, "origin", A, "state",
                "running")));
        ClusterRuns again = new ClusterRuns(a.runner, null);
        again.bindTransport(a.runs.transport());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"interrupted".equals(again.runs().get("13@" + A).get("state")) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals("interrupted", again.runs().get("13@" + A).get("state"));
        assertTrue(String.valueOf(again.runs().get("13@" + A).get("note")).contains("restarted"));
    }
}
