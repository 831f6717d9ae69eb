package io.conduit.core.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.support.ConfigCheck;
import io.conduit.api.support.Configured;

class RunHistoryTest {
    @TempDir
    Path dir;

    private static RunRecord record(String what, RunRecord.Host... hosts) {
        Instant start = Instant.parse("2026-12-02T11:00:00.125Z");
        return new RunRecord(0, start, start.plusMillis(1500), "ops", "cli", "run", what, "inv.yaml", "all", false,
                null, null, 2, List.of(hosts));
    }

    private static RunRecord.Host host(String name, String status) {
        return new RunRecord.Host(name, status, status.equals("failed") ? 1 : 0, null, 12);
    }

    private List<Long> ids() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("history"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("[0-9]+\\.json"))
                    .map(n -> Long.parseLong(n.substring(0, n.length() - 5))).sorted().toList();
        }
    }

    @Test
    void aRecordReadsBackAsItWasWrittenAndTheIdsGoOnAcrossInstances() throws Exception {
        RunHistory history = new RunHistory(dir.resolve("history"), RunHistory.Settings.DEFAULTS);
        RunRecord r = new RunRecord(0, Instant.parse("2026-12-02T11:00:00.125Z"),
                Instant.parse("2026-12-02T11:00:02Z"), "ops", "shell", "task", "task copy src=a password=***",
                "inv.yaml", "web:&prod", true, "--serial 2 --retries 1", 7L, 2,
                List.of(new RunRecord.Host("web1", "ok", 0, null, 10),
                        new RunRecord.Host("web2", "unreachable", null, "connection refused", 20)));
        assertEquals(1, history.save(r));
        assertEquals(r.withId(1), history.find(1).orElseThrow());
        assertEquals(1875, history.find(1).orElseThrow().durationMs());
        assertEquals(List.of("web2"), history.find(1).orElseThrow().failedHosts());
        // a restart: a new instance on the same directory goes on from the highest ID
        RunHistory again = new RunHistory(dir.resolve("history"), RunHistory.Settings.DEFAULTS);
        assertEquals(2, again.save(record("run: true")));
        assertEquals(List.of(2L, 1L), again.recent(10).runs().stream().map(RunRecord::id).toList());
        assertTrue(again.find(3).isEmpty());
    }

    @Test
    void twoHistoriesOnOneDirectoryNeverGiveTheSameIdAndEachSeesItsIdsIncrease() throws Exception {
        RunHistory one = new RunHistory(dir.resolve("history"), RunHistory.Settings.DEFAULTS);
        RunHistory two = new RunHistory(dir.resolve("history"), RunHistory.Settings.DEFAULTS);
        int perThread = 20;
        List<Long> all = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (RunHistory h : List.of(one, two, one, two)) {
            threads.add(new Thread(() -> {
                try {
                    go.await();
                    long last = 0;
                    for (int i = 0; i < perThread; i++) {
                        long id = h.save(record("run: echo " + i, host("a", "ok")));
                        assertTrue(id > last, "IDs of one writer go up: " + id + " after " + last);
                        last = id;
                        all.add(id);
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        threads.forEach(Thread::start);
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(List.of(), failures);
        Set<Long> distinct = new TreeSet<>(all);
        assertEquals(4 * perThread, distinct.size(), "an ID was given twice: " + all);
        assertEquals(4L * perThread, Collections.max(distinct));
        assertEquals(4 * perThread, ids().size());
        for (long id : distinct) {
            assertEquals(id, one.find(id).orElseThrow().id());
        }
    }

    @Test
    void theOldestRunsGoBeyondMaxRunsAndTheIdsNeverGoBack() throws Exception {
        RunHistory history = new RunHistory(dir.resolve("history"), new RunHistory.Settings(3, Duration.ofDays(30),
                1 << 20));
        for (int i = 0; i < 5; i++) {
            history.save(record("run: " + i));
        }
        assertEquals(List.of(3L, 4L, 5L), ids());
        assertEquals(6, history.save(record("run: 5")));
        assertEquals(List.of(4L, 5L, 6L), ids());
    }

    private static RunRecord endedAgo(Duration ago) {
        Instant end = Instant.now().minus(ago);
        return new RunRecord(0, end.minusSeconds(5), end, "ops", "cli", "run", "run: true", "inv.yaml", "all", false,
                null, null, 0, List.of());
    }

    @Test
    void runsThatEndedLongerAgoThanMaxAgeGoByTheirRecordNotTheFileTime() throws Exception {
        RunHistory history = new RunHistory(dir.resolve("history"), new RunHistory.Settings(1000, Duration.ofDays(2),
                1 << 20));
        history.save(endedAgo(Duration.ofDays(3))); // 1: old by its record, its file is new
        history.save(endedAgo(Duration.ofHours(1))); // 2: new by its record, its file made old (copied, restored)
        Files.setLastModifiedTime(dir.resolve("history/2.json"), FileTime.from(Instant.now().minus(Duration
                .ofDays(30))));
        RunRecord started = endedAgo(Duration.ofDays(4)).finished(null, 0, List.of()); // 3: no end, started 4 days ago
        history.save(started);
        Files.writeString(dir.resolve("history/4.json"), "not a record"); // not a record, new: stays
        Files.writeString(dir.resolve("history/5.json"), "not a record either"); // old by its file time: goes
        Files.setLastModifiedTime(dir.resolve("history/5.json"), FileTime.from(Instant.now().minus(Duration
                .ofDays(3))));
        history.save(endedAgo(Duration.ofDays(5))); // 6: the one just written stays, however old
        assertEquals(List.of(2L, 4L, 6L), ids());
    }

    @Test
    void aRunGetsItsIdWhenItStartsAndIsCompletedInPlace() throws Exception {
        RunHistory history = new RunHistory(dir.resolve("history"), RunHistory.Settings.DEFAULTS);
        Instant t = Instant.parse("2026-12-02T11:00:00Z");
        RunRecord first = new RunRecord(0, t, null, "ops", "cli", "run", "run: sleep 9", "/inv.yaml", "all", false,
                null, null, -1, List.of(), RunRecord.currentPid(), RunRecord.currentProcessStart());
        long a = history.start(first);
        long b = history.start(first);
        assertEquals(List.of(1L, 2L), List.of(a, b)); // starting order, whichever ends first
        RunRecord running = history.find(a).orElseThrow();
        assertEquals(RunRecord.RUNNING, running.state());
        assertNull(running.toJson().get("ended"));
        assertEquals("running", running.toJson().get("status"));
        assertNull(running.toJson().get("exit"));

        history.complete(history.find(b).orElseThrow().finished(t.plusSeconds(2), 2, List.of(host("a", "failed"))));
        RunRecord done = history.find(b).orElseThrow();
        assertEquals(RunRecord.FINISHED, done.state());
        assertEquals(2, done.exit());
        assertEquals(List.of("a"), done.failedHosts());
        assertEquals(List.of(2L, 1L), history.recent(5).runs().stream().map(RunRecord::id).toList());
        assertEquals(List.of(1L, 2L), ids()); // no temporary file left
        try (Stream<Path> files = Files.list(dir.resolve("history"))) {
            assertEquals(2, files.count());
        }
    }

    @Test
    void aRecordWithoutAnEndWhoseProcessIsGoneIsInterrupted() throws Exception {
        RunHistory history = new RunHistory(dir.resolve("history"), RunHistory.Settings.DEFAULTS);
        Instant t = Instant.parse("2026-12-02T11:00:00Z");
        // this pid, but a process that started at another time: a later process given the pid of a killed one
        long id = history.start(new RunRecord(0, t, null, "ops", "cli", "run", "run: true", "/inv.yaml", "all",
                false, null, null, -1, List.of(), RunRecord.currentPid(), Instant.EPOCH));
        assertEquals(RunRecord.INTERRUPTED, history.find(id).orElseThrow().state());
        assertEquals("interrupted", history.find(id).orElseThrow().toJson().get("status"));
        // and one written before pids were kept, without an end
        RunRecord old = RunRecord.fromJson("{\"id\": 7, \"started\": \"2026-12-01T10:00:00Z\", \"command\": \"run\","
                + " \"hosts\": []}");
        assertEquals(RunRecord.INTERRUPTED, old.state());
    }

    @Test
    void aSymbolicLinkIsPassedOverNeverFollowedNorPrunedThroughAndAForeignFileDoesNotCountAsARun()
            throws Exception {
        RunHistory history = new RunHistory(dir.resolve("history"), new RunHistory.Settings(2, Duration.ofDays(1),
                1 << 20));
        history.save(record("run: one"));
        Path target = Files.writeString(dir.resolve("elsewhere.json"), "precious");
        Files.setLastModifiedTime(target, FileTime.from(Instant.now().minus(Duration.ofDays(30))));
        Files.createSymbolicLink(dir.resolve("history/2.json"), target);
        Files.writeString(dir.resolve("history/3.json"), "[]");
        history.save(record("run: four"));
        // two records, within max_runs 2: the link and the foreign file do not count as runs
        assertEquals(List.of(1L, 2L, 3L, 4L), ids());
        RunHistory.Listing listing = history.recent(10);
        assertEquals(List.of(4L, 1L), listing.runs().stream().map(RunRecord::id).toList());
        assertEquals(List.of(dir.resolve("history/3.json") + ": not a run record (not a JSON object); remove it",
                dir.resolve("history/2.json") + ": not a run record (a symbolic link or not a regular file; it is"
                        + " not followed); remove it"), listing.skipped());
        history.save(record("run: five"));
        history.save(record("run: six"));
        assertEquals("precious", Files.readString(target));
        assertTrue(Files.isSymbolicLink(dir.resolve("history/2.json")));
        assertEquals(List.of(2L, 3L, 5L, 6L), ids());
    }

    @Test
    void theOldestRunsGoWhileAllTakeMoreThanMaxBytes() throws Exception {
        RunHistory history = new RunHistory(dir.resolve("history"), new RunHistory.Settings(1000, Duration.ofDays(30),
                4096));
        RunRecord.Host[] hosts = new RunRecord.Host[12];
        for (int i = 0; i < hosts.length; i++) {
            hosts[i] = host("host-" + i, "ok");
        }
        for (int i = 0; i < 10; i++) {
            history.save(record("run: " + i, hosts));
        }
        long size = Files.size(dir.resolve("history/10.json"));
        assertTrue(size > 1000 && size < 4096, "a record of 12 hosts: " + size);
        long total = 0;
        for (long id : ids()) {
            total += Files.size(dir.resolve("history/" + id + ".json"));
        }
        assertTrue(total <= 4096, "kept " + total + " bytes in " + ids());
        assertEquals(10L, ids().get(ids().size() - 1));
        assertTrue(total + size > 4096, "more were removed than the bound asks: " + ids());
    }

    @Test
    void aCorruptOrForeignFileIsPassedOverAndNamedWithoutBreakingTheListing() throws Exception {
        RunHistory history = new RunHistory(dir.resolve("history"), RunHistory.Settings.DEFAULTS);
        history.save(record("run: one"));
        history.save(record("run: two"));
        Files.writeString(dir.resolve("history/3.json"), "{\"id\": 3, \"started\": \"yesterday\"");
        Files.writeString(dir.resolve("history/4.json"), "{\"id\": 4}");
        Files.writeString(dir.resolve("history/5.json"), ""); // claimed by a run being written: passed over silently
        Files.writeString(dir.resolve("history/notes.txt"), "mine");
        Files.write(dir.resolve("history/6.json"), new byte[] {'{', (byte) 0xff, '}'});

        RunHistory.Listing listing = history.recent(10);
        assertEquals(List.of(2L, 1L), listing.runs().stream().map(RunRecord::id).toList());
        List<String> skipped = listing.skipped();
        assertEquals(3, skipped.size(), skipped.toString());
        assertEquals(dir.resolve("history/6.json") + ": not a run record (not UTF-8 text); remove it", skipped.get(0));
        assertEquals(dir.resolve("history/4.json") + ": not a run record (\"hosts\" is missing); remove it",
                skipped.get(1));
        assertEquals(dir.resolve("history/3.json") + ": not a run record (not JSON); remove it", skipped.get(2));
        IOException e = assertThrows(IOException.class, () -> history.find(4));
        assertTrue(e.getMessage().contains("4.json: not a run record"), e.getMessage());
        assertTrue(history.find(5).isEmpty());
        // the next ID is past the foreign ones
        assertEquals(7, history.save(record("run: three")));
    }

    @Test
    void aWriteThatFailsSaysWhereAndLeavesNoClaimBehind() throws Exception {
        Path notADirectory = Files.writeString(dir.resolve("history"), "a file where the directory should be");
        RunHistory history = new RunHistory(notADirectory, RunHistory.Settings.DEFAULTS);
        IOException e = assertThrows(IOException.class, () -> history.save(record("run: true")));
        assertTrue(e.getMessage().contains(notADirectory.toString()), e.getMessage());
    }

    @Test
    void theBoundsAreCheckedWithTheKeyAndWhatToGive() {
        Configured<RunHistory.Settings> c = ConfigCheck.validate(RunHistory.PID, HistoryConfig.class,
                Map.of("max_runs", "0"), () -> new RunHistory.Settings(0, Duration.ofDays(30), 1 << 20));
        assertEquals("io.conduit.history: max_runs: \"0\" keeps no run; give 1 or more; fix"
                + " etc/io.conduit.history.cfg", c.problem());
        c = ConfigCheck.validate(RunHistory.PID, HistoryConfig.class, Map.of("max_age", "30d"), () -> null);
        assertEquals("io.conduit.history: max_age: \"30d\" is not a whole number; fix etc/io.conduit.history.cfg",
                c.problem());
        c = ConfigCheck.validate(RunHistory.PID, HistoryConfig.class, Map.of("max_bytes", "100"),
                () -> new RunHistory.Settings(1, Duration.ofDays(1), 100));
        assertEquals("io.conduit.history: max_bytes: \"100\" is too small for a record; give 4096 or more; fix"
                + " etc/io.conduit.history.cfg", c.problem());
        c = ConfigCheck.validate(RunHistory.PID, HistoryConfig.class, Map.of("max_run", "5"), () -> null);
        assertTrue(c.problem().startsWith("io.conduit.history: max_run: unknown key; did you mean \"max_runs\"?"),
                c.problem());
    }

    @Test
    void theDirectoryIsRunsInTheDataDirectory() {
        // not data/history: the interactive shell's line history is that file (etc/gosh_profile)
        assertEquals(Path.of("/srv/conduit/data/runs"), RunHistory.directoryOf("/srv/conduit/data", "/opt/c"));
        assertEquals(Path.of("/opt/c/data/runs"), RunHistory.directoryOf(null, "/opt/c"));
        assertFalse(RunHistory.directoryOf(" ", null).isAbsolute());
    }
}
