package io.conduit.cluster;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.conduit.api.cluster.ClusterException;
import io.conduit.api.cluster.ClusterTransport;
import io.conduit.api.cluster.UntrustedMemberException;

/** Three members with the same key, in this JVM, on 127.0.0.1:5801-5803. */
class HazelcastTransportTest {
    private static TestMembers members;
    private static ClusterNode a;
    private static ClusterNode b;
    private static ClusterNode c;

    @BeforeAll
    static void start() {
        members = new TestMembers("transport-test", 5801, 5802, 5803);
        a = members.start(5801, TestMembers.KEY);
        b = members.start(5802, TestMembers.KEY);
        c = members.start(5803, TestMembers.KEY);
        TestMembers.awaitMembers(members.nodes, 3, 3);
    }

    @AfterAll
    static void stop() {
        if (members != null) {
            members.close();
        }
    }

    @Test
    void workForEveryHostRunsOnceOnItsKeyOwnerAndTheAnswersComeBack() throws Exception {
        ClusterTransport t = a.transport();
        assertEquals(List.of("127.0.0.1:5801", "127.0.0.1:5802", "127.0.0.1:5803"), t.members());
        assertEquals(271, t.partitionCount());
        Map<String, String> ownerOf = new HashMap<>();
        Map<String, CompletableFuture<byte[]>> answers = new HashMap<>();
        for (int i = 0; i < 90; i++) {
            String host = "web" + i + ".example.org";
            ownerOf.put(host, t.ownerOf(t.partitionOf(host)));
            answers.put(host, t.submitToKeyOwner(host, ("run " + host).getBytes(UTF_8)).toCompletableFuture());
        }
        Set<String> owners = new HashSet<>();
        for (Map.Entry<String, CompletableFuture<byte[]>> e : answers.entrySet()) {
            String answer = new String(e.getValue().get(30, TimeUnit.SECONDS), UTF_8);
            assertEquals(ownerOf.get(e.getKey()) + "|run " + e.getKey(), answer);
            owners.add(ownerOf.get(e.getKey()));
        }
        assertEquals(3, owners.size(), "90 hosts spread over the three members");
        List<String> all = new ArrayList<>();
        for (FakeWorker w : members.workers) {
            for (String work : w.works) {
                if (work.startsWith("run web")) {
                    all.add(work);
                    assertEquals(w.node, ownerOf.get(work.substring(4)), work + " ran on its key's owner");
                }
            }
        }
        assertEquals(90, all.size(), "every host's work ran once");
        assertEquals(90, new HashSet<>(all).size());
    }

    @Test
    void aWorkersFailureReachesTheSubmitterAsOneLine() {
        String key = TestMembers.keyOwnedBy(a, b.transport().localNode());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> a.transport().submitToKeyOwner(key, "fail".getBytes(UTF_8)).toCompletableFuture()
                        .get(30, TimeUnit.SECONDS));
        ClusterException ce = assertInstanceOf(ClusterException.class, e.getCause());
        assertEquals("the inventory is missing on 127.0.0.1:5802", ce.getMessage());
    }

    @Test
    void recordsWrittenOnOneMemberAreReadAndHeardOnTheOthers() throws Exception {
        Map<String, String> heard = new ConcurrentHashMap<>();
        try (AutoCloseable l = c.transport().listen("run-7@host:1", (k, v) -> heard.put(k, new String(v, UTF_8)))) {
            a.transport().putRecord("run-7@host:1", "web1", "started".getBytes(UTF_8));
            b.transport().putRecord("run-7@host:1", "web2", "started".getBytes(UTF_8));
            a.transport().putRecord("run-7@host:1", "web1", "done".getBytes(UTF_8));
            TestMembers.await(() -> "done".equals(heard.get("web1")) && "started".equals(heard.get("web2")),
                    "the listener on c to hear both records");
        }
        Map<String, byte[]> records = b.transport().records("run-7@host:1");
        assertEquals(Set.of("web1", "web2"), records.keySet());
        assertArrayEquals("done".getBytes(UTF_8), records.get("web1"));
        assertTrue(c.transport().records("no-such-run").isEmpty());
        // sealed in the map: the bytes a stranger would read are not the record
        byte[] raw = (byte[]) a.instance().getMap(ClusterNode.RUN_MAP_PREFIX + "run-7@host:1").get("web2");
        assertTrue(raw.length > Seal.OVERHEAD && !new String(raw, UTF_8).contains("started"));

        a.transport().putRun("run-7@host:1", "{\"hosts\":2}".getBytes(UTF_8));
        assertEquals("{\"hosts\":2}", new String(c.transport().runs().get("run-7@host:1"), UTF_8));
    }

    @Test
    void aRecordMovedToAnotherKeyOrRunDoesNotOpen() throws Exception {
        a.transport().putRecord("run-8", "web1", "secret result".getBytes(UTF_8));
        Object sealed = a.instance().getMap(ClusterNode.RUN_MAP_PREFIX + "run-8").get("web1");
        a.instance().getMap(ClusterNode.RUN_MAP_PREFIX + "run-8").set("web2", sealed);
        a.instance().getMap(ClusterNode.RUN_MAP_PREFIX + "run-9").set("web1", sealed);
        assertEquals(Set.of("web1"), b.transport().records("run-8").keySet());
        assertTrue(b.transport().records("run-9").isEmpty());
    }

    @Test
    void workSealedLongerAgoThanRecordsAreKeptIsRefusedWithoutRunning() throws Exception {
        String key = TestMembers.keyOwnedBy(a, b.transport().localNode());
        FakeWorker bWorker = members.workers.get(1);
        long twoHoursAgo = System.currentTimeMillis() - 2 * 3_600_000L; // the members keep records 1 hour
        byte[] old = a.seal().seal(SealedWork.WORK_CONTEXT, SealedWork.stamp("replayed".getBytes(UTF_8), twoHoursAgo));
        Future<byte[]> f = a.instance().getExecutorService(ClusterNode.EXECUTOR).submitToKeyOwner(new SealedWork(old),
                key);
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
        assertInstanceOf(SecurityException.class, e.getCause());
        assertTrue(e.getCause().getMessage().startsWith("work refused: it was sealed 72"), e.getCause().getMessage());
        assertFalse(bWorker.works.contains("replayed"));
    }

    @Test
    void anAnswerThatDoesNotProveTheKeyOrIsForOtherWorkIsDropped() {
        byte[] work = a.seal().seal(SealedWork.WORK_CONTEXT, new byte[] {1});
        byte[] otherWork = a.seal().seal(SealedWork.WORK_CONTEXT, new byte[] {1});
        Seal stranger = new Seal(ClusterKey.of(TestMembers.WRONG_KEY));
        byte[] ok = {SealedWork.ANSWERED, 'h', 'i'};
        for (byte[] answer : List.of(stranger.seal(SealedWork.answerContext(work), ok),
                a.seal().seal(SealedWork.answerContext(otherWork), ok), new byte[] {1, 2, 3})) {
            CompletableFuture<byte[]> out = new CompletableFuture<>();
            a.transport().answer(out, "127.0.0.1:5802", SealedWork.answerContext(work), answer);
            ExecutionException e = assertThrows(ExecutionException.class, out::get);
            assertEquals("the answer from the owner (last known 127.0.0.1:5802) does not prove the cluster key; it was"
                    + " dropped", assertInstanceOf(UntrustedMemberException.class, e.getCause()).getMessage());
        }
        CompletableFuture<byte[]> out = new CompletableFuture<>();
        a.transport().answer(out, "127.0.0.1:5802", SealedWork.answerContext(work),
                a.seal().seal(SealedWork.answerContext(work), ok));
        assertArrayEquals(new byte[] {'h', 'i'}, out.getNow(null));
    }

    @Test
    void runKeysAreLettersDigitsAndAFewSigns() throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> a.transport().putRecord("run/1", "web1", new byte[1]));
        assertEquals("run key \"run/1\" is not valid: use 1-200 letters, digits, '.', '_', '-', '@' or ':'",
                e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.transport().records("x".repeat(201)));
        assertThrows(IllegalArgumentException.class, () -> a.transport().putRun("", new byte[1]));
        a.transport().records("x".repeat(200));
    }

    @Test
    void partitionsAndOwnersAreTheSameOnEveryMember() {
        for (int p = 0; p < a.transport().partitionCount(); p += 17) {
            String owner = a.transport().ownerOf(p);
            assertEquals(owner, b.transport().ownerOf(p));
            assertTrue(a.transport().members().contains(owner));
        }
        assertEquals(a.transport().partitionOf("web1"), c.transport().partitionOf("web1"));
        assertThrows(IllegalArgumentException.class, () -> a.transport().ownerOf(271));
    }
}
