package io.conduit.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.inventory.InventoryException;
import io.conduit.api.task.FailurePolicy;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.testing.HostProcesses;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.local.LocalPlugin;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.task.CheckModeSkip;
import io.conduit.core.task.CommandTask;
import io.conduit.core.testing.Configs;

/**
 * The failure policy with the real local plugin, observed where it matters: on the host side. Each host's command
 * writes what it did into the test's directory (markers, timestamps, counters), so the test sees which hosts ran,
 * in which order, and how often, not only what the runner says.
 */
class FailurePolicyRunTest {
    private static final Duration NO_DELAY = Duration.ZERO;

    @TempDir
    Path dir;
    private final PluginRegistry registry = new PluginRegistry();
    private ConnectionManager connections;
    private ForkingRunner runner;

    @BeforeEach
    void setUp() throws Exception {
        registry.add(new PluginBinding("local", 1, 0, "io.conduit.core", "1", new LocalPlugin()));
        connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
        StringBuilder yaml = new StringBuilder("defaults:\n  connection: local\nhosts:\n");
        for (int i = 1; i <= 6; i++) {
            yaml.append("  h").append(i).append(": {}\n");
        }
        Path inventory = Files.writeString(dir.resolve("inventory.yaml"), yaml);
        runner = new ForkingRunner(connections, Configs.inventories(connections, inventory), Configs.runner(6, 60,
                1 << 16, inventory.toString()));
    }

    @AfterEach
    void tearDown() {
        connections.deactivate();
    }

    /** A command made for each host from its name: the same task runs everywhere, as the runner requires. */
    private static Task perHost(Function<String, String> line) {
        return new Task() {
            @Override
            public HostResult execute(TaskContext context) throws IOException {
                return new CommandTask(Command.shell(line.apply(context.host().name()))).execute(context);
            }

            @Override
            public String describe() {
                return "command per host";
            }
        };
    }

    /** {@code touch DIR/NAME.ran}, then fail on the hosts named. */
    private Task markAndFailOn(String... failing) {
        return perHost(name -> "touch '" + dir.resolve(name + ".ran") + "'" + (List.of(failing).contains(name)
                ? "; exit 1" : ""));
    }

    private boolean ran(String host) {
        return Files.exists(dir.resolve(host + ".ran"));
    }

    private static Map<String, HostResult> byHost(RunResult result) {
        Map<String, HostResult> m = new HashMap<>();
        result.hosts().forEach(h -> m.put(h.host(), h));
        return m;
    }

    /** Counts what the listener is told of each host. */
    private static final class Counting implements RunListener {
        final Map<String, Integer> told = new ConcurrentHashMap<>();

        @Override
        public void finished(HostResult result) {
            told.merge(result.host(), 1, Integer::sum);
        }
    }

    private static FailurePolicy serial(int n, Integer maxFail) {
        return new FailurePolicy(n, false, maxFail, false, 0, null, false);
    }

    /** Asserts from the host side that each batch's hosts all started after every host of the batch before ended. */
    private static void assertBatches(Path log, List<List<String>> batches) throws IOException {
        Map<String, long[]> times = new HashMap<>();
        List<String> lines = Files.readAllLines(log);
        for (String line : lines) {
            String[] w = line.split(" ");
            times.computeIfAbsent(w[2], k -> new long[2])[w[0].equals("start") ? 0 : 1] = Long.parseLong(w[1]);
        }
        assertEquals(batches.stream().mapToInt(List::size).sum(), times.size(), String.join("\n", lines));
        for (int k = 1; k < batches.size(); k++) {
            long previousEnd = batches.get(k - 1).stream().mapToLong(h -> times.get(h)[1]).max().orElseThrow();
            for (String h : batches.get(k)) {
                assertTrue(times.get(h)[0] >= previousEnd, h + " started before batch " + k + " ended:\n"
                        + String.join("\n", lines));
            }
        }
    }

    @Test
    void batchesRunOneAfterAnotherInInventoryOrder() throws Exception {
        Path log = dir.resolve("log");
        // each host writes when it started and ended; a batch's starts must all come after the batch before ended
        Task task = perHost(name -> "echo \"start $(date +%s%N) " + name + "\" >> '" + log + "'; sleep 0.2; echo \"end"
                + " $(date +%s%N) " + name + "\" >> '" + log + "'");
        Counting listener = new Counting();
        RunResult result = runner.run("all", task, null, serial(2, null), listener);

        assertEquals(List.of("h1", "h2", "h3", "h4", "h5", "h6"), result.hosts().stream().map(HostResult::host)
                .toList(), "results in inventory order");
        assertEquals(6, result.summary().get(Status.OK));
        assertBatches(log, List.of(List.of("h1", "h2"), List.of("h3", "h4"), List.of("h5", "h6")));
        assertEquals(Map.of("h1", 1, "h2", 1, "h3", 1, "h4", 1, "h5", 1, "h6", 1), listener.told);
    }

    @Test
    void aPercentageOfTheSelectedHostsMakesTheBatchesRoundedDown() throws Exception {
        Path log = dir.resolve("log");
        Task task = perHost(name -> "echo \"start $(date +%s%N) " + name + "\" >> '" + log + "'; sleep 0.1; echo \"end"
                + " $(date +%s%N) " + name + "\" >> '" + log + "'");
        // 40% of 6 hosts is 2.4: batches of 2, as Ansible rounds serial percentages down
        runner.run("all", task, null, new FailurePolicy(40, true, null, false, 0, null, false), null);
        assertBatches(log, List.of(List.of("h1", "h2"), List.of("h3", "h4"), List.of("h5", "h6")));
    }

    @Test
    void maxFailStopsTheLaterBatchesAndReportsTheirHostsSkipped() throws Exception {
        Counting listener = new Counting();
        RunResult result = runner.run("all", markAndFailOn("h3"), null, serial(2, 0), listener);
        Map<String, HostResult> hosts = byHost(result);

        assertTrue(ran("h1") && ran("h2") && ran("h3"), "batches 1 and 2 ran");
        assertFalse(ran("h5"), "batch 3 must not run after batch 2 passed --max-fail 0%");
        assertFalse(ran("h6"), "batch 3 must not run after batch 2 passed --max-fail 0%");
        assertEquals(Status.FAILED, hosts.get("h3").status());
        for (String h : List.of("h5", "h6")) {
            assertEquals(Status.SKIPPED, hosts.get(h).status(), h);
            assertEquals("not run: 1 of 2 hosts of batch 2 failed (--max-fail 0%)", hosts.get(h).error(), h);
        }
        // h4 shares h3's batch: it ran if it had started before h3 failed, else it is skipped; never both or neither
        assertEquals(ran("h4"), hosts.get("h4").status() == Status.OK, hosts.get("h4").toString());
        assertFalse(result.succeeded());
        assertEquals(Map.of("h1", 1, "h2", 1, "h3", 1, "h4", 1, "h5", 1, "h6", 1), listener.told,
                "every host told once, the skipped ones too");
    }

    /**
     * Ansible's report ansible/ansible#7686 (and the note on its PR #3661): a host unreachable while facts were
     * gathered did not count towards max_fail_percentage 0, and the play went on with the others. Here an
     * unreachable host counts as a failed one: the later batches do not run.
     */
    @Test
    void anUnreachableHostCountsTowardsMaxFail() throws Exception {
        Task unreachableH1 = new Task() {
            @Override
            public HostResult execute(TaskContext context) throws IOException {
                if (context.host().name().equals("h1")) {
                    return HostResult.of("h1", Status.UNREACHABLE, "connection refused");
                }
                return markAndFailOn().execute(context);
            }

            @Override
            public String describe() {
                return "h1 unreachable";
            }
        };
        RunResult result = runner.run("all", unreachableH1, null, serial(2, 0), null);
        assertEquals(Status.UNREACHABLE, byHost(result).get("h1").status());
        for (String h : List.of("h3", "h4", "h5", "h6")) {
            assertFalse(ran(h), h + " is in a later batch: an unreachable host passed --max-fail 0%");
            assertEquals(Status.SKIPPED, byHost(result).get(h).status(), h);
        }
    }

    @Test
    void maxFailIsStrictlyMoreThanThePercentage() throws Exception {
        // 1 of 2 is 50%: not more than --max-fail 50%, so the next batches run
        RunResult result = runner.run("all", markAndFailOn("h1"), null, serial(2, 50), null);
        assertTrue(ran("h6"), "50% failed is within --max-fail 50%");
        assertEquals(5, result.summary().get(Status.OK));
    }

    /**
     * Ansible's reports ansible/ansible#5073 and #82267: with {@code serial} and a {@code max_fail_percentage} of 100,
     * a batch whose every host failed still stopped the play. 100% failed is not more than 100%: every batch runs.
     */
    @Test
    void maxFailOfAHundredPercentNeverStopsEvenWhenAWholeBatchFails() throws Exception {
        RunResult result = runner.run("all", markAndFailOn("h1", "h2", "h3", "h4", "h5", "h6"), null, serial(1, 100),
                null);
        assertEquals(List.of(true, true, true, true, true, true), List.of(ran("h1"), ran("h2"), ran("h3"),
                ran("h4"), ran("h5"), ran("h6")), "every host was tried");
        assertEquals(6, result.summary().get(Status.FAILED));
        assertEquals(0, result.summary().get(Status.SKIPPED));
    }

    /**
     * Ansible's report ansible/ansible#32255 (fixed by #32362): the failure percentage was taken of the hosts still
     * active in the batch, so it grew as hosts failed and one failure in a batch of 4 stopped a play allowing 25%.
     * Here it is taken of the whole batch: 1 of 4 is 25%, within 25%, and the next batch runs; 24% stops.
     */
    @Test
    void theFailurePercentageIsOfTheWholeBatchNotOfTheHostsLeft() throws Exception {
        runner.run("all", markAndFailOn("h1"), null, serial(4, 25), null);
        assertTrue(ran("h5") && ran("h6"), "1 of 4 failed is within --max-fail 25%: batch 2 ran");
        for (String h : List.of("h1", "h2", "h3", "h4", "h5", "h6")) {
            Files.deleteIfExists(dir.resolve(h + ".ran"));
        }
        RunResult strict = runner.run("all", markAndFailOn("h1"), null, serial(4, 24), null);
        assertFalse(ran("h5") || ran("h6"), "1 of 4 failed is more than --max-fail 24%: batch 2 did not run");
        assertEquals("not run: 1 of 4 hosts of batch 1 failed (--max-fail 24%)", byHost(strict).get("h5").error());
    }

    @Test
    void failFastStartsNoFurtherHost() throws Exception {
        RunResult result = runner.run("all", markAndFailOn("h2"), new RunOptions(null, 1, null, null),
                new FailurePolicy(0, false, null, true, 0, null, false), null);
        Map<String, HostResult> hosts = byHost(result);
        assertTrue(ran("h1") && ran("h2"));
        for (String h : List.of("h3", "h4", "h5", "h6")) {
            assertFalse(ran(h), h + " ran after --fail-fast");
            assertEquals(Status.SKIPPED, hosts.get(h).status(), h);
            assertEquals("not run: 1 of 6 hosts failed (--fail-fast)", hosts.get(h).error(), h);
        }
        assertEquals(Map.of(Status.OK, 1, Status.CHANGED, 0, Status.FAILED, 1, Status.UNREACHABLE, 0,
                Status.SKIPPED, 4), result.summary());
    }

    @Test
    void aHostThatFailsTwiceSucceedsOnItsThirdTryAfterTheDelay() throws Exception {
        Duration delay = Duration.ofMillis(300);
        // a counter on the host: the command fails until it has run 3 times; each try notes its start
        Task task = perHost(name -> "c='" + dir.resolve(name + ".count") + "'; n=$(( $(cat \"$c\" 2>/dev/null"
                + " || echo 0) + 1 )); echo $n > \"$c\"; date +%s%N >> '" + dir.resolve(name + ".tries") + "';"
                + " [ $n -ge 3 ]");
        RunResult result = runner.run("h1", task, null, new FailurePolicy(0, false, null, false, 2, delay, false),
                null);
        HostResult h1 = result.hosts().get(0);
        assertEquals(Status.OK, h1.status(), h1.toString());
        assertEquals("after 3 tries", h1.error());
        List<Long> starts = Files.readAllLines(dir.resolve("h1.tries")).stream().map(Long::valueOf).toList();
        assertEquals(3, starts.size(), "tried 3 times on the host");
        for (int i = 1; i < starts.size(); i++) {
            assertTrue(starts.get(i) - starts.get(i - 1) >= delay.toNanos(), "try " + (i + 1) + " came "
                    + (starts.get(i) - starts.get(i - 1)) / 1_000_000 + " ms after the one before, less than the"
                    + " delay");
        }
    }

    @Test
    void aHostThatKeepsFailingKeepsItsLastResultAndSaysHowOftenItWasTried() throws Exception {
        Task task = perHost(name -> "echo x >> '" + dir.resolve(name + ".tries") + "'; echo bad >&2; exit 3");
        RunResult result = runner.run("h1:h2", task, null, new FailurePolicy(0, false, null, false, 1, NO_DELAY,
                false), null);
        for (HostResult h : result.hosts()) {
            assertEquals(Status.FAILED, h.status());
            assertEquals(3, h.exitCode());
            assertEquals("exit code 3; after 2 tries", h.error());
            assertEquals("bad\n", h.stderrText());
            assertEquals(2, Files.readAllLines(dir.resolve(h.host() + ".tries")).size(), h.host());
        }
    }

    @Test
    void runOnceRunsOnTheFirstHostOnly() throws Exception {
        RunResult result = runner.run("all", markAndFailOn(), null, new FailurePolicy(0, false, null, false, 0, null,
                true), null);
        assertTrue(ran("h1"));
        for (HostResult h : result.hosts().subList(1, 6)) {
            assertFalse(ran(h.host()), h.host() + " ran with --run-once");
            assertEquals(Status.SKIPPED, h.status());
            assertEquals("run once: ran on h1", h.error());
        }
        assertTrue(result.succeeded());
    }

    /**
     * Ansible's report ansible/ansible#9861 (run_once with serial ran once per batch while the documentation promised
     * once per play): here once per batch is the documented rule ({@code --run-once}'s help and FailurePolicy), and
     * this pins it.
     */
    @Test
    void runOnceWithBatchesRunsOncePerBatch() throws Exception {
        runner.run("all", markAndFailOn(), null, new FailurePolicy(3, false, null, false, 0, null, true), null);
        assertEquals(List.of(true, false, false, true, false, false), List.of(ran("h1"), ran("h2"), ran("h3"),
                ran("h4"), ran("h5"), ran("h6")));
    }

    @Test
    void ctrlCInABatchStopsItsHostsAndStartsNoFurtherBatch() throws Exception {
        long mark = HostProcesses.mark();
        Counting listener = new Counting();
        AtomicReference<RunResult> result = new AtomicReference<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Task task = perHost(name -> "touch '" + dir.resolve(name + ".ran") + "'; sleep " + mark);
        Thread shell = new Thread(() -> {
            try {
                result.set(runner.run("all", task, null, serial(2, null), listener));
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            shell.start();
            HostProcesses.awaitRunning(mark, 2, Duration.ofSeconds(20));
            shell.interrupt(); // what Gogo does on Ctrl-C
            shell.join(30_000);
            assertFalse(shell.isAlive(), "the run returned after Ctrl-C");
            assertTrue(stillInterrupted.get(), "the caller still sees the interrupt");
            Map<String, HostResult> hosts = byHost(result.get());
            for (String h : List.of("h1", "h2")) {
                assertEquals("interrupted; the command was stopped on the host", hosts.get(h).error(), h);
            }
            for (String h : List.of("h3", "h4", "h5", "h6")) {
                assertFalse(ran(h), h + " of a later batch started after Ctrl-C");
                assertEquals(Status.FAILED, hosts.get(h).status());
                assertEquals("interrupted before it started", hosts.get(h).error(), h);
            }
            assertEquals(6, listener.told.size());
            assertTrue(listener.told.values().stream().allMatch(n -> n == 1), listener.told.toString());
            assertEquals(List.of(), HostProcesses.survivors(mark, Duration.ofSeconds(2)));
        } finally {
            HostProcesses.kill(mark);
        }
    }

    @Test
    void ctrlCDuringTheRetryDelayEndsTheWaitAndKeepsTheLastTry() throws Exception {
        AtomicReference<RunResult> result = new AtomicReference<>();
        Path tries = dir.resolve("tries");
        Task task = perHost(name -> "echo x >> '" + tries + "'; exit 1");
        java.util.concurrent.CountDownLatch waiting = new java.util.concurrent.CountDownLatch(1);
        List<String> said = new java.util.concurrent.CopyOnWriteArrayList<>();
        RunListener listener = new RunListener() {
            @Override
            public void trace(String host, int level, String line) {
                if (line.startsWith("try ")) {
                    said.add(host + ": " + line);
                    waiting.countDown(); // -v tells that the host waits for its next try
                }
            }
        };
        Thread shell = new Thread(() -> {
            try {
                result.set(runner.run("h1", task, new RunOptions(null, null, null, null, 1), new FailurePolicy(0,
                        false, null, false, 5, Duration.ofMinutes(10), false), listener));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        shell.start();
        assertTrue(waiting.await(20, java.util.concurrent.TimeUnit.SECONDS), "the first try failed");
        shell.interrupt();
        shell.join(30_000);
        assertFalse(shell.isAlive(), "a 10 minute delay did not hold the run after Ctrl-C");
        assertEquals(List.of("h1: try 1 of 6 failed: exit code 1; trying again in 600 s"), said);
        HostResult h1 = result.get().hosts().get(0);
        assertEquals(Status.FAILED, h1.status());
        assertEquals(1, h1.exitCode(), "the first try's result is kept");
        assertEquals("exit code 1; interrupted before try 2", h1.error());
        assertEquals(1, Files.readAllLines(tries).size(), "no second try");
    }

    @Test
    void runOnRunsTheNamedHostsInTheOrderGiven() throws Exception {
        RunResult result = runner.runOn(List.of("h4", "h2"), markAndFailOn(), null, null, null);
        assertEquals(List.of("h4", "h2"), result.hosts().stream().map(HostResult::host).toList());
        assertTrue(ran("h4") && ran("h2"));
        assertFalse(ran("h1"));
    }

    @Test
    void runOnRefusesAHostNotInTheInventoryBeforeAnythingRuns() {
        InventoryException e = assertThrows(InventoryException.class, () -> runner.runOn(List.of("h1", "web9"),
                markAndFailOn(), null, null, null));
        assertTrue(e.getMessage().startsWith("host \"web9\" is not in the inventory "), e.getMessage());
        assertFalse(ran("h1"), "nothing ran");
    }

    @Test
    void runOnAppliesThePolicyToTheNamedHosts() throws Exception {
        RunResult result = runner.runOn(List.of("h1", "h2", "h3"), markAndFailOn("h1"), new RunOptions(null, 1, null,
                null), new FailurePolicy(0, false, null, true, 0, null, false), null);
        assertEquals(List.of(Status.FAILED, Status.SKIPPED, Status.SKIPPED), result.hosts().stream()
                .map(HostResult::status).toList());
        assertFalse(ran("h2"));
    }

    @Test
    void checkModeSkipsACommandOnEveryHostAndRunsNothing() throws Exception {
        RunResult result = runner.run("all", CheckModeSkip.command(new CommandTask(Command.shell("touch '"
                + dir.resolve("changed") + "'"))), RunOptions.defaults().withCheck(true, null), null);
        for (HostResult h : result.hosts()) {
            assertEquals(Status.SKIPPED, h.status());
            assertEquals("check mode: a command cannot tell what it would change; it was not run", h.error());
        }
        assertFalse(Files.exists(dir.resolve("changed")), "check mode changed the host");
        assertTrue(result.succeeded(), "skipped hosts do not fail the run");
    }

    @Test
    void withoutCheckModeTheCommandRuns() throws Exception {
        runner.run("h1", CheckModeSkip.command(new CommandTask(Command.shell("touch '" + dir.resolve("changed")
                + "'"))), null, null);
        assertTrue(Files.exists(dir.resolve("changed")));
    }

    /** Results of a run as the tests read them, for failure messages. */
    static List<String> lines(RunResult result) {
        List<String> out = new ArrayList<>();
        result.hosts().forEach(h -> out.add(h.toString()));
        return out;
    }
}
