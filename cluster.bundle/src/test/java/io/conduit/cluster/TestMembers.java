package io.conduit.cluster;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Members in this JVM, started one after the other (members started at once take far longer to form a cluster),
 * on 127.0.0.1 and the ports given, built by the same code as the component ({@link ClusterNode#start}).
 * {@link #close()} terminates them all.
 */
final class TestMembers implements AutoCloseable {
    static final byte[] KEY = "0123456789abcdef0123456789abcdef-the-test-cluster-key".getBytes(StandardCharsets.UTF_8);
    static final byte[] WRONG_KEY = "fedcba9876543210fedcba9876543210-a-strangers-key".getBytes(StandardCharsets.UTF_8);
    static final Duration DEADLINE = Duration.ofSeconds(30);

    final List<ClusterNode> nodes = new ArrayList<>();
    final List<FakeWorker> workers = new ArrayList<>();
    private final String clusterName;
    private final List<String> addresses = new ArrayList<>();

    TestMembers(String clusterName, int... ports) {
        this.clusterName = clusterName;
        for (int p : ports) {
            addresses.add("127.0.0.1:" + p);
        }
    }

    /** Starts a member on the next of the ports, with its own fake worker. */
    ClusterNode start(int port, byte[] key) {
        MemberSettings s = new MemberSettings(clusterName, addresses, "127.0.0.1", port, Path.of("unused"), 10, 1);
        FakeWorker w = new FakeWorker(s.node());
        ClusterNode n = ClusterNode.start(s, ClusterKey.of(key), w, ClusterNode.class.getClassLoader());
        nodes.add(n);
        workers.add(w);
        return n;
    }

    /**
     * Waits (bounded) until every node in {@code nodes} sees {@code count} members and {@code proven} proven, and no
     * partition is moving (owners are stable).
     */
    static void awaitMembers(List<ClusterNode> nodes, int count, int proven) {
        for (ClusterNode n : nodes) {
            await(() -> n.transport().allMembers().size() == count && n.transport().members().size() == proven
                    && n.instance().getPartitionService().isClusterSafe(),
                    n.transport().localNode() + " to see " + count + " members, " + proven + " proven");
        }
    }

    static void await(BooleanSupplier condition, String what) {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out after " + DEADLINE.toSeconds() + " s waiting for " + what);
            }
            try {
                Thread.sleep(50); // polling: nothing signals these conditions
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
    }

    /** A key whose partition the given node owns now. */
    static String keyOwnedBy(ClusterNode from, String owner) {
        for (int i = 0; i < 10_000; i++) {
            String k = "host-" + i;
            if (owner.equals(from.transport().ownerOf(from.transport().partitionOf(k)))) {
                return k;
            }
        }
        throw new AssertionError("no key owned by " + owner);
    }

    @Override
    public void close() {
        for (FakeWorker w : workers) {
            w.release.countDown();
        }
        for (ClusterNode n : nodes) {
            n.trust().close();
            if (n.running()) {
                n.instance().getLifecycleService().terminate();
            }
        }
    }
}
