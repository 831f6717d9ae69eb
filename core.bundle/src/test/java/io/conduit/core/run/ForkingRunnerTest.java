package io.conduit.core.run;

import java.io.IOException;
import java.util.List;
import io.conduit.api.testing.OperatorText;
import io.conduit.api.task.RunListener;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.inventory.InventoryException;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Status;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.task.CommandTask;
import io.conduit.core.testing.Configs;
import io.conduit.core.testing.FakePlugin;

/** The runner's limits: forks, per-host deadlines, output limits, unreachable kept apart from failed. */
class ForkingRunnerTest {
    @TempDir
    Path dir;
    private final PluginRegistry registry = new PluginRegistry();
    private final FakePlugin plugin = new FakePlugin("fake", "1");
    private ConnectionManager connections;
    private Path inventory;

    @BeforeEach
    void setUp() throws Exception {
        registry.add(plugin.binding());
        connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
        StringBuilder yaml = new StringBuilder("defaults:\n  connection: fake\nhosts:\n");
        for (int i = 1; i <= 40; i++) {
            yaml.append(String.format("  h%02d: {}%n", i));
        }
        inventory = Files.writeString(dir.resolve("inventory.yaml"), yaml);
    }

    @AfterEach
    void tearDown() {
        connections.deactivate();
    }

    private ForkingRunner runner(int forks, long hostTimeoutSeconds, long outputLimit) {
        return new ForkingRunner(connections, Configs.inventories(connections, inventory),
                Configs.runner(forks, hostTimeoutSeconds, outputLimit, inventory.toString()));
    }

    @Test
    void neverRunsMoreHostsAtOnceThanForks() throws Exception {
        plugin.hook = (host, c) -> Thread.sleep(20); // keep each host busy long enough to overlap
        RunResult result = runner(7, 30, 1024).run("all", new CommandTask(Command.shell("x")), null, null);
        assertEquals(40, result.hosts().size());
        assertTrue(result.succeeded());
        assertTrue(plugin.maxRunning.get() <= 7, "at most 7 at once, saw " + plugin.maxRunning.get());
        assertTrue(plugin.maxRunning.get() >= 2, "work did run in parallel");
    }

    @Test
    void aHungHostFailsAtItsDeadlineWhileTheOthersFinish() throws Exception {
        CountDownLatch never = new CountDownLatch(1);
        plugin.hook = (host, c) -> {
            if (host.equals("h03")) {
                never.await(1, TimeUnit.MINUTES); // hangs until interrupted by the watchdog
            }
        };
        long start = System.nanoTime();
        RunResult result = runner(10, 30, 1024).run("all", new CommandTask(Command.shell("x")),
                new RunOptions(null, null, Duration.ofMillis(500), null), null);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        HostResult hung = result.hosts().get(2);
        assertEquals("h03", hung.host());
        assertEquals(Status.FAILED, hung.status());
        assertTrue(hung.error().contains("timed out after 500 ms"), hung.error());
        assertEquals(39, result.summary().get(Status.OK));
        assertTrue(tookMs < 10_000, "the run did not wait for the hung host: " + tookMs + " ms");
    }

    @Test
    void outputBeyondTheLimitIsCutAndSaysSo() throws Exception {
        plugin.output = c -> "0123456789".repeat(100).getBytes(StandardCharsets.UTF_8);
        RunResult result = runner(4, 30, 64).run("h01", new CommandTask(Command.shell("x")), null, null);
        HostResult h = result.hosts().get(0);
        assertEquals(64, h.stdout().length);
        assertTrue(h.stdoutTruncated());
    }

    @Test
    void refusedConnectionIsUnreachableNotFailed() throws Exception {
        plugin.refuse.put("h02", true);
        RunResult result = runner(4, 30, 1024).run("all[0:2]", new CommandTask(Command.shell("x")), null, null);
        assertEquals(3, result.hosts().size(), "all[0:2] is h01 to h03: Ansible's subscripts include their end");
        assertEquals(Status.OK, result.hosts().get(0).status());
        assertEquals(Status.UNREACHABLE, result.hosts().get(1).status());
        assertTrue(result.hosts().get(1).error().contains("connection refused"), result.hosts().get(1).error());
        assertNull(result.hosts().get(1).exitCode());
        assertEquals(Status.OK, result.hosts().get(2).status());
    }

    @Test
    void aHostWhosePluginIsMissingFailsByNameAlone() throws Exception {
        Files.writeString(inventory, "defaults:\n  connection: fake\nhosts:\n  a: {}\n  b:\n    connection: telnet\n");
        RunResult result = runner(4, 30, 1024).run("all", new CommandTask(Command.shell("x")), null, null);
        assertEquals(Status.OK, result.hosts().get(0).status());
        assertEquals(Status.FAILED, result.hosts().get(1).status());
        assertTrue(result.hosts().get(1).error().contains("\"telnet\""), result.hosts().get(1).error());
    }

    @Test
    void aPatternThatMatchesNothingStartsNothing() {
        InventoryException e = assertThrows(InventoryException.class,
                () -> runner(4, 30, 1024).run("db*", new CommandTask(Command.shell("x")), null, null));
        assertTrue(e.getMessage().contains("db*"), e.getMessage());
        InventoryException outOfRange = assertThrows(InventoryException.class,
                () -> runner(4, 30, 1024).run("all[40]", new CommandTask(Command.shell("x")), null, null));
        assertTrue(outOfRange.getMessage().contains("all selects 40 hosts"), outOfRange.getMessage());
        assertEquals(0, plugin.opens.get());
    }

    @Test
    void commandTimeoutNeverExceedsTheHostDeadline() throws Exception {
        Map<String, Duration> seen = new java.util.concurrent.ConcurrentHashMap<>();
        plugin.hook = (host, c) -> seen.put(host, c.timeout());
        runner(4, 30, 1024).run("h01", new CommandTask(Command.shell("x").withTimeout(Duration.ofHours(1))),
                new RunOptions(null, null, Duration.ofSeconds(5), null), null);
        assertTrue(seen.get("h01").compareTo(Duration.ofSeconds(5)) <= 0, "got " + seen.get("h01"));
    }

    @Test
    void aSessionGathersTheValuesOnceAndTypesThemAgainForAPluginInstalledBetweenItsRuns() throws Exception {
        // h01-h40 read their password from a file; x1 has its own, and its plugin is not installed yet, so its
        // token is plain text
        Path password = Files.writeString(dir.resolve("password"), "pw-2718\n");
        Files.writeString(inventory, Files.readString(inventory).replace("  connection: fake\n",
                "  connection: fake\n  password: ${file:" + password + "}\n") + """
                  x1:
                    connection: later
                    password: x1-own
                    connection_options:
                      later:
                        extras: {token: tok-3141}
                """);
        plugin.output = c -> "pw-2718 tok-3141\n".getBytes(StandardCharsets.UTF_8);
        ForkingRunner runner = runner(4, 30, 1024);
        ForkingRunner.Session session = runner.session(null);
        assertEquals(List.of("h01", "h02"), session.select("h01:h02"));
        RunResult first = session.runOn(List.of("h01"), new CommandTask(Command.shell("x")), null, null, null);
        assertEquals("*** tok-3141\n", first.hosts().get(0).exec().stdoutText(), "the token is no secret yet");

        // between the runs: the password file goes away (read once: the session does not need it again), and a
        // plugin "later" that declares token a secret is installed (x1's values are typed again: now it masks)
        Files.delete(password);
        FakePlugin later = new FakePlugin("later", "1");
        later.declared = List.of(io.conduit.api.connection.OptionDescriptor.of("token",
                io.conduit.api.connection.OptionType.SECRET, null, "a token"));
        registry.add(later.binding());
        RunResult second = session.runOn(List.of("h02"), new CommandTask(Command.shell("x")), null, null, null);
        assertEquals(Status.OK, second.hosts().get(0).status(), second.hosts().get(0)::toString);
        assertEquals("*** ***\n", second.hosts().get(0).exec().stdoutText());

        // a plain run reads the inventory's values again: the missing file fails the host, and says which
        RunResult plain = runner.runOn(List.of("h03"), new CommandTask(Command.shell("x")), null, null, null);
        assertEquals(Status.FAILED, plain.hosts().get(0).status());
        assertTrue(plain.hosts().get(0).error().contains("password (from defaults)"), plain.hosts().get(0)::error);
        assertThrows(IllegalArgumentException.class, () -> session.runOn(List.of("h04"),
                new CommandTask(Command.shell("x")), new RunOptions(dir.resolve("other.yaml").toString(), null, null,
                        null), null, null));
    }

    @Test
    void eachHostsValuesAreResolvedOncePerRunAndThePoolIsHandedThem() throws Exception {
        Files.writeString(inventory, Files.readString(inventory).replace("  connection: fake\n",
                "  connection: fake\n  connection_options:\n    fake:\n      extras: {delay: 1ms}\n"));
        int before = plugin.optionsAsked.get();
        RunResult result = runner(7, 30, 1024).run("all", new CommandTask(Command.shell("x")), null, null);
        assertTrue(result.succeeded());
        // once for the run (the inventory's check when loading is the other): not per host, not per acquire
        assertEquals(2, plugin.optionsAsked.get() - before, "the plugin's options read once per run");
        assertEquals(Duration.ofMillis(1), plugin.connections.get(0).params.extras().get("delay"),
                "typed by the plugin's options before the pool got them");
    }

    @Test
    void anInvalidConfigurationRefusesEveryRunWithOneLineAndRunsNothing() throws Exception {
        java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
        plugin.hook = (host, c) -> ran.incrementAndGet();
        ForkingRunner runner = new ForkingRunner(connections, Configs.inventories(connections, inventory),
                Configs.runner(7, 30, 1024, inventory.toString()), Map.of("forks", "many"));

        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> runner.run("all", new CommandTask(Command.shell("x")), null, null));
        assertEquals("configuration io.conduit.runner is invalid (" + ForkingRunner.USE + " refuse to work until it"
                + " is fixed): io.conduit.runner: forks: \"many\" is not a whole number; fix"
                + " etc/io.conduit.runner.cfg", e.getMessage());
        assertEquals(0, ran.get(), "nothing ran");

        runner.modified(Configs.runner(7, 30, 1024, inventory.toString()), Map.of("forks", "7"));
        assertTrue(runner.run("all", new CommandTask(Command.shell("x")), null, null).succeeded(),
                "fixing the file is enough: no restart");
        assertEquals(40, ran.get());
    }

    @Test
    void aPluginOptionTheInventoryMisspellsRefusesTheRunBeforeAnyHostStarts() throws Exception {
        java.util.concurrent.atomic.AtomicInteger ran = new java.util.concurrent.atomic.AtomicInteger();
        plugin.hook = (host, c) -> ran.incrementAndGet();
        Files.writeString(inventory, Files.readString(inventory).replace("  connection: fake\n",
                "  connection: fake\n  connection_options:\n    fake:\n      extras: {colour: red}\n"));
        InventoryException e = assertThrows(InventoryException.class, () -> runner(7, 30, 1024).run("all",
                new CommandTask(Command.shell("x")), null, null));
        assertTrue(e.getMessage().endsWith("inventory.yaml:5: defaults.connection_options.fake.extras.colour: plugin"
                + " fake has no option \"colour\"; see conduit:plugins fake for the options it reads"), e.getMessage());
        assertEquals(0, ran.get(), "nothing ran");
    }

    @Test
    void libraryWordsReachTheHostLineWithoutJavaNamesAndWarningsReachTheListener() throws Exception {
        plugin.warnings = List.of("host_key_checking: off (test)");
        plugin.hook = (host, c) -> {
            if (host.equals("h01")) {
                throw new RuntimeException(new java.net.SocketException("Connection reset"));
            }
            if (host.equals("h02")) {
                throw new IOException("java.lang.RuntimeException: java.io.IOException: Broken pipe");
            }
        };
        List<String> warned = new java.util.concurrent.CopyOnWriteArrayList<>();
        RunListener listener = new RunListener() {
            @Override
            public void warned(String host, String warning) {
                warned.add(host + ": " + warning);
            }
        };
        RunResult result = runner(4, 30, 1024).run("~h0[1-3]$", new CommandTask(Command.shell("x")), null, listener);
        String internal = OperatorText.errorForPeople(result.hosts().get(0));
        assertTrue(internal.startsWith("internal error: Connection reset;") && internal.contains("log file"), internal);
        assertEquals("Broken pipe", OperatorText.errorForPeople(result.hosts().get(1)));
        assertEquals(Status.OK, result.hosts().get(2).status());
        assertEquals(List.of("h01: host_key_checking: off (test)", "h02: host_key_checking: off (test)",
                "h03: host_key_checking: off (test)"), warned.stream().sorted().toList());
    }

    @Test
    void aTaskWhoseClassesWentAwayFailsItsHostAndTheRunEnds() throws Exception {
        plugin.hook = (host, c) -> {
            if (host.equals("h02")) {
                throw new NoClassDefFoundError("io/conduit/api/inventory/Host"); // a bundle refreshed under the run
            }
        };
        RunResult result = runner(4, 30, 1024).run("~h0[1-3]$", new CommandTask(Command.shell("x")), null, null);

        assertEquals(List.of(Status.OK, Status.FAILED, Status.OK), result.hosts().stream().map(HostResult::status)
                .toList());
        assertTrue(result.hosts().get(1).error().startsWith("internal error: no class def found error in the task"),
                result.hosts().get(1).error());
    }

    @Test
    void aSecondRunWorksOnTheFirstRunsThreadsAndDeactivateEndsThem() throws Exception {
        java.util.Set<Thread> first = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.Set<Thread> second = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicReference<java.util.Set<Thread>> into = new java.util.concurrent.atomic
                .AtomicReference<>(first);
        plugin.hook = (host, c) -> {
            into.get().add(Thread.currentThread());
            Thread.sleep(5); // keep hosts overlapping, so that the run uses its forks
        };
        ForkingRunner runner = runner(4, 30, 1024);
        try {
            assertTrue(runner.run("all", new CommandTask(Command.shell("x")), null, null).succeeded());
            assertTrue(!first.isEmpty() && first.size() <= 4, "the first run worked on at most its forks: " + first);
            runner.awaitWorkersIdle(); // the first run's workers are back in the pool, not still leaving a host
            assertTrue(first.stream().allMatch(t -> t.getName().startsWith("conduit-worker-")),
                    "between runs a worker is named as idle: " + first);
            into.set(second);
            assertTrue(runner.run("all", new CommandTask(Command.shell("x")), null, null).succeeded());
            assertTrue(first.containsAll(second), "no new thread for the second run: " + second + " not in " + first);
        } finally {
            runner.deactivate();
        }
        for (Thread t : first) {
            t.join(30_000); // a bound for a broken build, not a measure: deactivate interrupts idle workers at once
            assertTrue(!t.isAlive(), t.getName() + " still runs after deactivate");
        }
    }

    /**
     * Workers outlive the run (and the shell session) that started them, and Gogo gives each session its own
     * standard output per thread: a listener told on a worker would print into another session (a resident
     * Conduit's clients lost their host blocks so). Every event reaches the listener on the caller's thread.
     */
    @Test
    void theListenerIsToldOnTheCallersThreadEvenOnWorkersAnEarlierRunStarted() throws Exception {
        plugin.hook = (host, c) -> Thread.sleep(5);
        ForkingRunner runner = runner(4, 30, 1024);
        try {
            assertTrue(runner.run("all", new CommandTask(Command.shell("x")), null, null).succeeded());
            java.util.List<Thread> told = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread caller = new Thread(() -> {
                try {
                    runner.run("all", new CommandTask(Command.shell("x")), null, new RunListener() {
                        @Override
                        public void finished(HostResult result) {
                            told.add(Thread.currentThread());
                        }
                    });
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, "another-session");
            caller.start();
            caller.join(60_000); // a bound for a broken build, not a measure
            assertTrue(!told.isEmpty(), "the listener was told of every host");
            assertTrue(told.stream().allMatch(t -> t == caller), "told on " + told + ", not on the caller only");
        } finally {
            runner.deactivate();
        }
    }
}
