package io.conduit.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.conduit.api.cluster.UntrustedMemberException;

/**
 * Two members with the cluster key and a stranger that joined with the right cluster name and another key, on
 * 127.0.0.1:5821-5823: the stranger gets no host run, reads no record or run, and what it writes is dropped.
 */
class StrangerTest {
    private static TestMembers members;
    private static ClusterNode good1;
    private static ClusterNode good2;
    private static ClusterNode stranger;
    private static FakeWorker good1Worker;
    private static FakeWorker good2Worker;
    private static FakeWorker strangerWorker;

    @BeforeAll
    static void start() {
        members = new TestMembers("stranger-test", 5821, 5822, 5823);
        good1 = members.start(5821, TestMembers.KEY);
        good2 = members.start(5822, TestMembers.KEY);
        stranger = members.start(5823, TestMembers.WRONG_KEY);
        good1Worker = members.workers.get(0);
        good2Worker = members.workers.get(1);
        strangerWorker = members.workers.get(2);
        TestMembers.awaitMembers(List.of(good1, good2), 3, 2);
    }

    @AfterAll
    static void stop() {
        if (members != null) {
            members.close();
        }
    }

    @Test
    void theStrangerIsAMemberButNotProven() {
        for (ClusterNode good : List.of(good1, good2)) {
            assertEquals(List.of("127.0.0.1:5821", "127.0.0.1:5822", "127.0.0.1:5823"), good.transport().allMembers());
            assertEquals(List.of("127.0.0.1:5821", "127.0.0.1:5822"), good.transport().members());
        }
        // and the stranger proves none of the good ones with its key
        assertEquals(List.of("127.0.0.1:5823"), stranger.transport().members());
    }

    @Test
    void workForTheStrangersPartitionsIsNotSentToIt() throws Exception {
        String key = TestMembers.keyOwnedBy(good1, "127.0.0.1:5823");
        ExecutionException e = assertThrows(ExecutionException.class, () -> good1.transport()
                .submitToKeyOwner(key, "run the host".getBytes(UTF_8)).toCompletableFuture().get(30, TimeUnit.SECONDS));
        UntrustedMemberException u = assertInstanceOf(UntrustedMemberException.class, e.getCause());
        assertEquals("127.0.0.1:5823", u.member());
        assertEquals("member 127.0.0.1:5823 owns the partition of " + key + " but has not proven the cluster key;"
                + " nothing was sent to it", u.getMessage());
        // work for a good member's partition still runs
        String goodKey = TestMembers.keyOwnedBy(good1, "127.0.0.1:5822");
        assertEquals("127.0.0.1:5822|ok", new String(good1.transport().submitToKeyOwner(goodKey, "ok".getBytes(UTF_8))
                .toCompletableFuture().get(30, TimeUnit.SECONDS), UTF_8));
        assertEquals(0, strangerWorker.works.size(), "nothing ran on the stranger");
    }

    @Test
    void workTheStrangerCraftsIsRefusedByAGoodMember() throws Exception {
        String key = TestMembers.keyOwnedBy(stranger, "127.0.0.1:5821");
        // the stranger's own transport does not trust the good member either, so it goes around it
        byte[] forged = stranger.seal().seal(SealedWork.WORK_CONTEXT,
                SealedWork.stamp("rm -rf /".getBytes(UTF_8), System.currentTimeMillis()));
        Future<byte[]> f = stranger.instance().getExecutorService(ClusterNode.EXECUTOR)
                .submitToKeyOwner(new SealedWork(forged), key);
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        assertInstanceOf(SecurityException.class, e.getCause());
        // replaying bytes sealed by a good member under another context does not pass either
        byte[] record = good1.seal().seal(HazelcastTransport.recordContext("r", "web1"), "x".getBytes(UTF_8));
        Future<byte[]> g = stranger.instance().getExecutorService(ClusterNode.EXECUTOR)
                .submitToKeyOwner(new SealedWork(record), key);
        assertThrows(ExecutionException.class, () -> g.get(30, TimeUnit.SECONDS));
        assertEquals(0, good1Worker.works.size() + good2Worker.works.stream().filter(w -> !w.equals("ok")).count(),
                "no good worker was called with the stranger's work");
    }

    @Test
    void theStrangerCannotReadRecordsOrRunsAndWhatItWritesIsDropped() throws Exception {
        good1.transport().putRecord("run-1", "web1", "password=hunter2".getBytes(UTF_8));
        good1.transport().putRun("run-1", "{\"hosts\":1}".getBytes(UTF_8));
        // through its transport: nothing opens
        assertTrue(stranger.transport().records("run-1").isEmpty());
        assertTrue(stranger.transport().runs().isEmpty());
        // the raw bytes it can fetch: neither the secret nor anything its key opens
        byte[] raw = (byte[]) stranger.instance().getMap(ClusterNode.RUN_MAP_PREFIX + "run-1").get("web1");
        assertFalse(new String(raw, UTF_8).contains("hunter2"));
        assertThrows(SealException.class,
                () -> stranger.seal().open(HazelcastTransport.recordContext("run-1", "web1"), raw));

        stranger.transport().putRecord("run-1", "web2", "failed".getBytes(UTF_8));
        stranger.transport().putRecord("run-1", "web1", "done by me".getBytes(UTF_8)); // overwrites: a denial, no lie
        stranger.transport().putRun("run-2", "{\"hosts\":9}".getBytes(UTF_8));
        Map<String, byte[]> seen = good2.transport().records("run-1");
        assertTrue(seen.isEmpty(), "the stranger's records are dropped: " + seen.keySet());
        assertEquals(List.of("run-1"), List.copyOf(good2.transport().runs().keySet()));
    }
}
