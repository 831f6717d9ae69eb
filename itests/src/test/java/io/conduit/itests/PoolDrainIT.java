package io.conduit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.cm.ConfigurationAdminOptions.newConfiguration;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.ServiceEvent;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.SynchronousBundleListener;

import io.conduit.api.connection.ConnectionPlugin;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Runner;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;

/**
 * Issue 10, the pool in a real framework: an upgrade without a pause (hosts that start while a plugin is updated
 * are served by the new version at once, while calls in flight finish on the old one in the background), and
 * the shell's view and control of draining connections ({@code plugins}, {@code connections}, {@code drain},
 * {@code disconnect} without an inventory). The plugin is the {@code versioned} test plugin, whose calls take as
 * long as the command says ({@code sleep N}, in ms) and whose connections outlive its service.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class PoolDrainIT extends ConduitTestSupport {
    private static final long SLOW_MILLIS = 3_000;
    private final ExecutorService background = Executors.newCachedThreadPool();
    private Bundle plugin;

    @Configuration
    public Option[] configuration() {
        return OptionUtils.combine(distribution(true), newConfiguration("io.conduit.connections")
                .put("plugin_wait", "5").put("drain_grace", "10").asOption());
    }

    @After
    public void cleanUp() throws Exception {
        background.shutdownNow();
        if (plugin != null) {
            plugin.uninstall();
        }
    }

    private Path fleet(String name) throws IOException {
        StringBuilder yaml = new StringBuilder("defaults:\n  connection: versioned\nhosts:\n");
        for (int i = 1; i <= 4; i++) {
            yaml.append("  slow").append(i).append(": {}\n");
        }
        for (int i = 1; i <= 8; i++) {
            yaml.append("  fast").append(i).append(": {}\n");
        }
        return inventory(name, yaml.toString());
    }

    private void install(Path jar, String version) throws Exception {
        plugin = context.installBundle(jar.toUri().toString());
        plugin.start();
        PluginLifecycleScenario.awaitPlugin(this, version);
    }

    /** @return the lines of conduit:connections for hosts starting with a prefix, in a state, with a call each */
    private long busy(String prefix, String state) throws Exception {
        return execute("conduit:connections").lines().filter(l -> l.startsWith(prefix) && l.contains(" " + state + " ")
                && l.trim().endsWith(" 1")).count();
    }

    @Test
    public void hostsThatStartDuringAnUpgradeAreServedByTheNewVersionWhileCallsInFlightFinishOnTheOld()
            throws Exception {
        Path dir = WORK.resolve("upgrade-without-pause");
        Path v1 = TestBundles.versionedPlugin(dir, "1.0.0", true);
        Path v2 = TestBundles.versionedPlugin(dir, "2.0.0", true);
        install(v1, "1.0.0");
        Path inventory = fleet("upgrade-without-pause.yaml");
        Runner runner = service(Runner.class);
        Task slowCall = PluginLifecycleScenario.probe("sleep " + SLOW_MILLIS);
        Task quickCall = PluginLifecycleScenario.probe("echo");

        Future<RunResult> slow = background.submit(() -> runner.run("slow*", slowCall,
                new RunOptions(inventory.toString(), 4, null, null), null));
        await("4 slow calls in flight on 1.0.0", 30, () -> {
            try {
                return busy("slow", "open") == 4;
            } catch (Exception e) {
                return false;
            }
        });

        // hosts that start during the upgrade: a run begun as the old version starts to stop (a synchronous
        // listener, told before the framework stops the bundle and unregisters its service)
        AtomicLong stoppingAt = new AtomicLong();
        AtomicLong registeredAt = new AtomicLong();
        AtomicReference<Future<RunResult>> fast = new AtomicReference<>();
        Map<String, Long> fastDone = new ConcurrentHashMap<>();
        RunListener fastTimes = new RunListener() {
            @Override
            public void finished(HostResult result) {
                fastDone.put(result.host(), System.nanoTime());
            }
        };
        SynchronousBundleListener stopping = e -> {
            if (e.getBundle().getBundleId() == plugin.getBundleId() && e.getType() == BundleEvent.STOPPING
                    && fast.get() == null) {
                stoppingAt.set(System.nanoTime());
                fast.set(background.submit(() -> runner.run("fast*", quickCall,
                        new RunOptions(inventory.toString(), 8, null, null), fastTimes)));
            }
        };
        ServiceListener registered = (ServiceEvent e) -> {
            if (e.getType() == ServiceEvent.REGISTERED
                    && e.getServiceReference().getBundle().getVersion().toString().equals("2.0.0")) {
                registeredAt.compareAndSet(0, System.nanoTime());
            }
        };
        context.addBundleListener(stopping);
        context.addServiceListener(registered, "(objectClass=" + ConnectionPlugin.class.getName() + ")");
        long updateStart = System.nanoTime();
        try (InputStream in = Files.newInputStream(v2)) {
            plugin.update(in);
        } finally {
            context.removeBundleListener(stopping);
            context.removeServiceListener(registered);
        }
        long updateMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - updateStart);
        long updatedAt = System.nanoTime();

        // while the old version drains: the shell shows it beside the new one, with its calls in flight
        String plugins = execute("conduit:plugins");
        String connections = execute("conduit:connections");
        RunResult fastResult = fast.get().get(60, TimeUnit.SECONDS);
        RunResult slowResult = slow.get(60, TimeUnit.SECONDS);
        long slowDoneAfterUpdate = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - updatedAt);

        for (HostResult h : slowResult.hosts()) {
            assertEquals(h.host() + ": " + h.error(), Status.OK, h.status());
            assertEquals(h.host(), "version 1.0.0\n", h.stdoutText());
        }
        long newest = 0;
        long sinceRegistered = 0;
        int onNew = 0;
        for (HostResult h : fastResult.hosts()) {
            assertEquals(h.host() + ": " + h.error(), Status.OK, h.status());
            newest = Math.max(newest, fastDone.get(h.host()) - stoppingAt.get());
            if (h.stdoutText().equals("version 2.0.0\n")) {
                onNew++;
                sinceRegistered = Math.max(sinceRegistered, fastDone.get(h.host()) - registeredAt.get());
            } else {
                // reached the pool before the old service left: served by it, not held
                assertEquals(h.host(), "version 1.0.0\n", h.stdoutText());
            }
        }
        long fromStopping = TimeUnit.NANOSECONDS.toMillis(newest);
        long fromRegistered = TimeUnit.NANOSECONDS.toMillis(sinceRegistered);
        System.out.println("PoolDrainIT: update took " + updateMillis + " ms under " + SLOW_MILLIS + " ms calls; the 8"
                + " hosts begun as 1.0.0 started to stop all had their result within " + fromStopping + " ms of that ("
                + onNew + " on 2.0.0, the last " + fromRegistered + " ms after 2.0.0 registered); the 1.0.0 calls"
                + " ended " + slowDoneAfterUpdate + " ms after the update returned");
        assertTrue("no host was served by the new version", onNew > 0);
        assertTrue(plugins, plugins.lines().anyMatch(l -> l.startsWith("versioned ") && l.contains("2.0.0")
                && l.contains("active")));
        assertTrue(plugins, plugins.lines().anyMatch(l -> l.startsWith("versioned ") && l.contains("1.0.0")
                && l.contains("gone") && l.contains("0 open, 4 draining") && l.matches(".*\\s4\\s*$")));
        assertEquals(connections, 4, connections.lines().filter(l -> l.startsWith("slow") && l.contains("1.0.0")
                && l.contains(" draining ") && l.trim().endsWith(" 1")).count());

        // before: the update waited for the old version's calls (about 3 s here), and so did the hosts
        assertTrue("the update took " + updateMillis + " ms", updateMillis < SLOW_MILLIS / 2);
        assertTrue("served " + fromStopping + " ms after the upgrade began", fromStopping < SLOW_MILLIS / 2);
        // each host's own call takes 40 ms; the rest is opening 8 connections and the run's bookkeeping
        assertTrue("served " + fromRegistered + " ms after the new version registered", fromRegistered < 1_000);
        // the calls in flight were not cut: they ended on 1.0.0 after the swap, within drain_grace (10 s)
        assertTrue("the old calls ended " + slowDoneAfterUpdate + " ms after the update", slowDoneAfterUpdate < 10_000);
        await("the drained 1.0.0 connections to close", 15, () -> {
            try {
                return !execute("conduit:connections").contains("draining");
            } catch (Exception e) {
                return false;
            }
        });
    }

    @Test
    public void drainAndDisconnectWorkFromTheConnectionTable() throws Exception {
        install(TestBundles.versionedPlugin(WORK.resolve("drain"), "1.0.0", true), "1.0.0");
        Path inventory = fleet("drain.yaml");
        Runner runner = service(Runner.class);
        Future<RunResult> slow = background.submit(() -> runner.run("slow1", PluginLifecycleScenario.probe("sleep 2000"),
                new RunOptions(inventory.toString(), 1, null, null), null));
        await("a slow call in flight", 30, () -> {
            try {
                return busy("slow1", "open") == 1;
            } catch (Exception e) {
                return false;
            }
        });
        Future<Shell> drain = background.submit(() -> session("conduit:drain versioned"));
        await("slow1 listed as draining", 30, () -> {
            try {
                return busy("slow1", "draining") == 1;
            } catch (Exception e) {
                return false;
            }
        });
        // a new call during the drain opens a new connection
        Shell during = session("conduit:run -i " + inventory + " slow1 echo");
        assertTrue(during.out(), during.out().contains("slow1 | OK"));
        String connections = execute("conduit:connections");
        assertTrue(connections, connections.lines().anyMatch(l -> l.startsWith("slow1") && l.contains(" open ")));
        Shell drained = drain.get(30, TimeUnit.SECONDS);
        assertEquals(drained.err(), Integer.valueOf(0), drained.exit());
        assertTrue(drained.out(), drained.out().contains("drained 1 connection of plugin \"versioned\": 1 finished"
                + " their calls"));
        assertEquals(Status.OK, slow.get(30, TimeUnit.SECONDS).hosts().get(0).status());

        // disconnect from the table: no -i (the default inventory has no such hosts)
        session("conduit:run -i " + inventory + " 'fast*' echo");
        Shell one = session("conduit:disconnect fast1");
        assertTrue(one.out() + one.err(), one.out().contains("closed 1 connection"));
        Shell byPlugin = session("conduit:disconnect --plugin versioned 'fast*'");
        assertTrue(byPlugin.out() + byPlugin.err(), byPlugin.out().contains("closed 7 connections"));
        Shell rest = session("conduit:disconnect --all");
        assertTrue(rest.out() + rest.err(), rest.out().contains("closed 1 connection"));
        assertTrue(execute("conduit:connections").contains("0 connections"));
    }
}
