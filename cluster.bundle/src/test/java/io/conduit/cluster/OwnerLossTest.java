package io.conduit.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three members on 127.0.0.1:5811-5813; the owner of a work item is terminated while it runs there. */
class OwnerLossTest {
    private static TestMembers members;

    @BeforeAll
    static void start() {
        members = new TestMembers("owner-loss-test", 5811, 5812, 5813);
        members.start(5811, TestMembers.KEY);
        members.start(5812, TestMembers.KEY);
        members.start(5813, TestMembers.KEY);
        TestMembers.awaitMembers(members.nodes, 3, 3);
    }

    @AfterAll
    static void stop() {
        if (members != null) {
            members.close();
        }
    }

    @Test
    void workOnAnOwnerKilledMidWayIsRunAgainOnTheNewOwner() throws Exception {
        ClusterNode submitter = members.nodes.get(0);
        ClusterNode owner = members.nodes.get(2);
        FakeWorker ownerWorker = members.workers.get(2);
        String key = TestMembers.keyOwnedBy(submitter, "127.0.0.1:5813");
        CompletableFuture<byte[]> answer = submitter.transport()
                .submitToKeyOwner(key, ("block " + key).getBytes(UTF_8)).toCompletableFuture();
        assertTrue(ownerWorker.blockedStarted.await(30, TimeUnit.SECONDS), "the work started on its owner");

        long t0 = System.nanoTime();
        owner.instance().getLifecycleService().terminate();
        // the survivors hold it now; the one that got the partition runs the work again (and it does not block
        // there: only the killed member's worker waits for a release)
        for (int i = 0; i < 2; i++) {
            members.workers.get(i).release.countDown();
        }
        String got = new String(answer.get(60, TimeUnit.SECONDS), UTF_8);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        String newOwner = submitter.transport().ownerOf(submitter.transport().partitionOf(key));
        assertEquals(newOwner + "|block " + key, got);
        assertTrue(List.of("127.0.0.1:5811", "127.0.0.1:5812").contains(newOwner));
        FakeWorker survivor = members.workers.get(newOwner.endsWith("5811") ? 0 : 1);
        assertEquals(List.of("block " + key), survivor.works, "the survivor ran it once");
        System.out.println("OwnerLossTest: answer from the new owner " + ms + " ms after the owner was killed");
    }
}
