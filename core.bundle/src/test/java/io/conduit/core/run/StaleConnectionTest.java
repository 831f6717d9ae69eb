package io.conduit.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.StaleConnectionException;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Status;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.task.CommandTask;
import io.conduit.core.testing.Configs;
import io.conduit.core.testing.FakePlugin;

/**
 * A pooled connection that died between runs never fails a reachable host (the call is sent once more on a new
 * connection, once, and only when the plugin says nothing was sent); a connect that never completes is
 * unreachable at the host's deadline. The same with real OpenSSH: SshPluginIT.
 */
class StaleConnectionTest {
    @TempDir
    Path dir;
    private final PluginRegistry registry = new PluginRegistry();
    private final FakePlugin plugin = new FakePlugin("fake", "1");
    private final AtomicInteger execs = new AtomicInteger();
    private ConnectionManager connections;
    private ForkingRunner runner;

    @BeforeEach
    void setUp() throws Exception {
        registry.add(plugin.binding());
        // a long alive_check_after: the reused connection is lent without a probe, as within 2 s of a run
        connections = new ConnectionManager(registry, Configs.connections(600, 1, 0, 600));
        Path inventory = Files.writeString(dir.resolve("inventory.yaml"), "defaults:\n  connection: fake\nhosts:\n"
                + "  web1: {}\n");
        runner = new ForkingRunner(connections, Configs.inventories(connections, inventory), Configs.runner(4, 30, 1024,
                inventory.toString()));
    }

    @AfterEach
    void tearDown() {
        connections.deactivate();
    }

    private HostResult run() throws Exception {
        RunResult result = runner.run("all", new CommandTask(Command.shell("uptime")), null, null);
        return result.hosts().get(0);
    }

    @Test
    void aReusedConnectionFoundDeadBeforeSendingIsReplacedAndTheCommandRunsOnce() throws Exception {
        assertEquals(Status.OK, run().status());
        AtomicBoolean closedByServer = new AtomicBoolean(true);
        plugin.hook = (host, c) -> {
            if (closedByServer.getAndSet(false)) {
                throw new StaleConnectionException("web1: connection lost (the server closed it)");
            }
            execs.incrementAndGet();
        };
        HostResult second = run();
        assertEquals(Status.OK, second.status(), second.error());
        assertEquals(1, execs.get(), "the command ran once");
        assertEquals(2, plugin.opens.get(), "a new connection was opened");
        assertTrue(plugin.connections.get(0).closed, "the dead one was closed");
        assertEquals(1, connections.list().size());
    }

    @Test
    void aPingOrAFileCallOnAReusedConnectionFoundDeadIsSentOnANewOne() throws Exception {
        assertEquals(Status.OK, run().status());
        // ping: the pooled connection is no longer alive (the server closed it)
        plugin.connections.get(0).alive = false;
        HostResult ping = runner.run("all", new io.conduit.core.task.PingTask(), null, null).hosts().get(0);
        assertEquals(Status.OK, ping.status(), ping.error());
        assertEquals(2, plugin.opens.get(), "a new connection was opened for the ping");
        // a put's first call is the file's stat, through exec: found dead before it was sent
        AtomicBoolean closedByServer = new AtomicBoolean(true);
        plugin.hook = (host, c) -> {
            if (closedByServer.getAndSet(false)) {
                throw new StaleConnectionException("web1: connection lost (the server closed it)");
            }
        };
        Path local = Files.writeString(dir.resolve("f"), "x");
        HostResult put = runner.run("all", new io.conduit.core.task.PutTask(local, "/tmp/f", 0644), null, null)
                .hosts().get(0);
        assertTrue(!closedByServer.get(), "the stat met the dead connection");
        assertEquals(3, plugin.opens.get(), "and was sent again on a new one: " + put.error());
    }

    @Test
    void aNewConnectionFoundDeadFailsTheHostAsBefore() throws Exception {
        plugin.hook = (host, c) -> {
            throw new StaleConnectionException("web1: connection lost (the server closed it)");
        };
        HostResult first = run();
        assertEquals(Status.FAILED, first.status());
        assertTrue(first.error().contains("connection lost"), first.error());
        assertEquals(1, plugin.opens.get(), "no second connection for a connection opened for this call");
    }

    @Test
    void theCallIsSentOnceMoreOnlyOnce() throws Exception {
        assertEquals(Status.OK, run().status());
        plugin.hook = (host, c) -> {
            throw new StaleConnectionException("web1: connection lost (the server closed it)");
        };
        HostResult second = run();
        assertEquals(Status.FAILED, second.status());
        assertEquals(2, plugin.opens.get(), "one new connection, no more");
    }

    @Test
    void aFailureThatMayHaveReachedTheHostIsNotSentAgain() throws Exception {
        assertEquals(Status.OK, run().status());
        plugin.hook = (host, c) -> {
            execs.incrementAndGet();
            throw new io.conduit.api.connection.ConnectFailedException("web1: connection lost while running uptime");
        };
        HostResult second = run();
        assertEquals(Status.FAILED, second.status());
        assertEquals(1, execs.get());
        assertEquals(1, plugin.opens.get());
    }

    @Test
    void aConnectThatNeverCompletesIsUnreachableAtTheDeadlineAndSendsNothingLater() throws Exception {
        Path inventory = Files.writeString(dir.resolve("silent.yaml"), "defaults:\n  connection: fake\nhosts:\n"
                + "  silent: {}\n");
        ForkingRunner quick = new ForkingRunner(connections, Configs.inventories(connections, inventory), Configs.runner(4, 1, 1024,
                inventory.toString()));
        CountDownLatch answer = new CountDownLatch(1);
        plugin.openHook = host -> {
            // a connect that ignores interrupts, as a socket waiting for a banner does
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (answer.getCount() > 0 && System.nanoTime() < end) {
                try {
                    answer.await(end - System.nanoTime(), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    // ignored, on purpose
                }
            }
        };
        plugin.hook = (host, c) -> execs.incrementAndGet();
        long start = System.nanoTime();
        RunResult result = quick.run("all", new CommandTask(Command.shell("uptime")), null, null);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        HostResult silent = result.hosts().get(0);
        assertEquals(Status.UNREACHABLE, silent.status(), silent.error());
        assertTrue(silent.error().contains("while connecting"), silent.error());
        assertTrue(millis < 4_000, "reported at the 1 s deadline, not after the stop grace: " + millis + " ms");
        answer.countDown(); // the abandoned connect completes after all: nothing is sent; it waits in the pool
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!(connections.list().size() == 1 && connections.list().get(0).state().equals("open"))
                && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals("open", connections.list().get(0).state(), "the late connection is pooled for the next run");
        assertEquals(0, execs.get(), "nothing was sent to a host reported unreachable");
    }

    /**
     * A connection that dies under a command fails that try; with {@code --retries} the next try gets a new
     * connection from the pool instead of the dead one, so one dead pooled connection does not fail every try.
     */
    @Test
    void aConnectionThatDiesUnderATryIsReplacedForTheNextTry() throws Exception {
        assertEquals(Status.OK, run().status()); // web1's connection is pooled now
        AtomicBoolean dies = new AtomicBoolean(true);
        plugin.hook = (host, c) -> {
            if (dies.getAndSet(false)) {
                plugin.connections.get(plugin.connections.size() - 1).alive = false;
                throw new java.io.IOException("web1: connection reset by peer");
            }
            execs.incrementAndGet();
        };
        RunResult result = runner.run("all", new CommandTask(Command.shell("uptime")), null,
                new io.conduit.api.task.FailurePolicy(0, false, null, false, 2, java.time.Duration.ZERO, false), null);
        HostResult h = result.hosts().get(0);
        assertEquals(Status.OK, h.status(), h.toString());
        assertEquals("after 2 tries", h.error());
        assertEquals(1, execs.get(), "the second try ran the command");
        assertEquals(2, plugin.opens.get(), "the second try had a new connection");
    }

    /** A connect that hangs past the host's deadline is unreachable for that try; the next try connects anew. */
    @Test
    void aConnectThatHangsPastTheDeadlineIsTriedAgain() throws Exception {
        Path inventory = Files.writeString(dir.resolve("slow.yaml"), "defaults:\n  connection: fake\nhosts:\n"
                + "  slow: {}\n");
        ForkingRunner quick = new ForkingRunner(connections, Configs.inventories(connections, inventory),
                Configs.runner(4, 1, 1024, inventory.toString()));
        AtomicBoolean hangs = new AtomicBoolean(true);
        plugin.openHook = host -> {
            if (hangs.getAndSet(false)) {
                try {
                    Thread.sleep(30_000); // a host that never answers; the deadline's interrupt ends it
                } catch (InterruptedException e) {
                    throw new java.io.InterruptedIOException("interrupted while connecting");
                }
            }
        };
        plugin.hook = (host, c) -> execs.incrementAndGet();
        RunResult result = quick.run("all", new CommandTask(Command.shell("uptime")), null,
                new io.conduit.api.task.FailurePolicy(0, false, null, false, 1, java.time.Duration.ZERO, false), null);
        HostResult slow = result.hosts().get(0);
        assertEquals(Status.OK, slow.status(), slow.toString());
        assertEquals("after 2 tries", slow.error());
        assertEquals(1, execs.get());
    }

    /**
     * A try whose command timed out and could not be confirmed stopped is not tried again: the first copy may still
     * run on the host, and a retry must not run the command twice at once.
     */
    @Test
    void aCommandThatMayStillRunIsNotTriedAgain() throws Exception {
        plugin.hook = (host, c) -> {
            execs.incrementAndGet();
            throw new io.conduit.api.connection.TimedOutException("timed out", java.time.Duration.ofSeconds(1), null,
                    io.conduit.api.connection.StopOutcome.UNCONFIRMED, null);
        };
        RunResult result = runner.run("all", new CommandTask(Command.shell("uptime").withTimeout(
                java.time.Duration.ofSeconds(1))), null,
                new io.conduit.api.task.FailurePolicy(0, false, null, false, 3, java.time.Duration.ZERO, false), null);
        HostResult h = result.hosts().get(0);
        assertEquals(Status.FAILED, h.status());
        assertEquals(1, execs.get(), "tried once");
        assertTrue(h.error().endsWith("(its stop could not be confirmed); not tried again while its command may still"
                + " run"), h.error());
    }
}
