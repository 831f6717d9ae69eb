package io.conduit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.cm.ConfigurationAdminOptions.newConfiguration;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleEvent;

import io.conduit.api.connection.Command;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Runner;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;

/**
 * A third-party plugin is installed, upgraded under a run of 200 hosts, uninstalled and reinstalled while
 * Conduit runs: no result is lost, hosts after the swap get the new version, hosts that need a missing plugin
 * fail by its name while {@code local} keeps working, and the core is never restarted. Subclasses say how a
 * bundle is installed, upgraded and removed: framework calls (the shell's install/update/uninstall) or files
 * in a folder FileInstall watches.
 */
public abstract class PluginLifecycleScenario extends ConduitTestSupport {
    private static final int HOSTS = 200;

    /** The configuration both ways share: the distribution, and a short wait for a plugin that went away. */
    protected static Option[] config(Option... more) {
        return OptionUtils.combine(distribution(true), OptionUtils.combine(more,
                newConfiguration("io.conduit.connections").put("plugin_wait", "2").put("drain_grace", "10").asOption()));
    }

    /** Installs and starts the plugin jar, returning once the plugin serves its name. */
    protected abstract void install(Path jar) throws Exception;

    /** Replaces the installed plugin with this jar, returning once the framework has done so. */
    protected abstract void upgrade(Path jar) throws Exception;

    /** Removes the plugin, returning once its service is gone. */
    protected abstract void remove() throws Exception;

    /** Waits until conduit:plugins shows the versioned plugin at a version, or not at all (null). */
    protected void awaitPlugin(String version) throws Exception {
        awaitPlugin(this, version);
    }

    /**
     * Waits until conduit:plugins shows the versioned test plugin at a version, or not at all; for the other tests
     * that install it.
     *
     * @param shell the test whose shell to ask
     * @param version the version, or null for "no longer listed"
     * @throws Exception not within 30 s, or the shell failed
     */
    static void awaitPlugin(ConduitTestSupport shell, String version) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            String plugins = shell.execute("conduit:plugins");
            boolean listed = plugins.lines().anyMatch(l -> l.startsWith("versioned ") && l.contains("active"));
            if (version == null ? !listed : listed && plugins.contains(version)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("plugin versioned " + (version == null ? "still listed" : version
                        + " not listed") + " after 30 s:\n" + plugins);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    private static Path fleet() throws Exception {
        StringBuilder yaml = new StringBuilder("defaults:\n  connection: versioned\nhosts:\n");
        for (int i = 1; i <= HOSTS; i++) {
            yaml.append(String.format("  h%03d: {}%n", i));
        }
        yaml.append("  here:\n    connection: local\n");
        return inventory("fleet.yaml", yaml.toString());
    }

    /**
     * A task that runs one shell line on each host and hands its output back as the host's result.
     *
     * @param line the command line
     * @return the task
     */
    static Task probe(String line) {
        // the probe's task loads API classes through the probe's dynamic imports: wire them here, once, rather
        // than in the run's worker threads at the same moment, where Felix once failed to find io.conduit.api.inventory
        assertEquals("io.conduit.api.inventory.Host", io.conduit.api.inventory.Host.class.getName());
        return new Task() {
            @Override
            public HostResult execute(TaskContext ctx) throws java.io.IOException {
                var exec = ctx.connection().exec(Command.shell(line));
                return HostResult.fromExec(ctx.host().name(), exec, exec.exitCode() == 0);
            }

            @Override
            public String describe() {
                return line;
            }
        };
    }

    /** What the bundle change does while the run is on. */
    @FunctionalInterface
    interface Change {
        void apply() throws Exception;
    }

    /**
     * The result of a run during which a bundle changed.
     *
     * @param result every host's result
     * @param finishedAt when each host's result came ({@link System#nanoTime()})
     * @param changedAt when the change had returned
     */
    record RunAcrossChange(RunResult result, Map<String, Long> finishedAt, long changedAt) {
    }

    /**
     * One round of this scenario, for every test that changes a bundle under a run: starts a run in the background,
     * makes the change once {@code before} hosts have their result, and waits for the whole run.
     *
     * @param runner the runner
     * @param inventory the inventory file
     * @param pattern the hosts
     * @param task what each host runs
     * @param forks hosts at a time
     * @param before how many results to wait for before the change
     * @param change the install, update or removal
     * @return the run's result and when things happened
     * @throws Exception the change failed, or the run did not get {@code before} results within 120 s or did not
     *         end within 180 s
     */
    static RunAcrossChange runAcrossChange(Runner runner, Path inventory, String pattern, Task task, int forks,
            int before, Change change) throws Exception {
        CountDownLatch some = new CountDownLatch(before);
        Map<String, Long> finishedAt = new ConcurrentHashMap<>();
        RunListener listener = new RunListener() {
            @Override
            public void finished(HostResult result) {
                finishedAt.put(result.host(), System.nanoTime());
                some.countDown();
            }
        };
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            Future<RunResult> running = background.submit(() -> runner.run(pattern, task,
                    new RunOptions(inventory.toString(), forks, null, null), listener));
            assertTrue(before + " hosts done before the change", some.await(120, TimeUnit.SECONDS));
            change.apply();
            long changedAt = System.nanoTime();
            return new RunAcrossChange(running.get(180, TimeUnit.SECONDS), finishedAt, changedAt);
        } finally {
            background.shutdown();
        }
    }

    @Test
    public void installUpgradeUnderARunUninstallReinstall() throws Exception {
        Bundle core = bundle("io.conduit.core");
        assertNotNull("core bundle installed", core);
        List<BundleEvent> coreEvents = new CopyOnWriteArrayList<>();
        context.addBundleListener(e -> {
            if (e.getBundle().getBundleId() == core.getBundleId()) {
                coreEvents.add(e);
            }
        });
        Path inventory = fleet();
        Path dir = WORK.resolve("plugins");
        Path v1 = TestBundles.versionedPlugin(dir, "1.0.0");
        Path v2 = TestBundles.versionedPlugin(dir, "2.0.0");

        // installed at runtime -> listed and used
        install(v1);
        String plugins = execute("conduit:plugins");
        assertTrue(plugins, plugins.contains("versioned") && plugins.contains("1.0.0") && plugins.contains("local"));
        String out = execute("conduit:run -i " + inventory + " 'h00*' true");
        assertTrue(out, out.contains("version 1.0.0"));

        // updated while a run over 200 hosts is in progress -> every host has a result, none lost
        RunAcrossChange round = runAcrossChange(service(Runner.class), inventory, "all",
                probe("echo version from $PLUGIN"), 4, HOSTS / 4, () -> upgrade(v2));
        RunResult result = round.result();
        long swapped = round.changedAt();
        Map<String, Long> finishedAt = round.finishedAt();
        assertEquals(HOSTS + 1, result.hosts().size());
        int v1Hosts = 0;
        int v2Hosts = 0;
        for (HostResult h : result.hosts()) {
            assertEquals(h.host() + ": " + h.error(), Status.OK, h.status());
            if (h.host().equals("here")) {
                continue;
            }
            if (h.stdoutText().contains("version 1.0.0")) {
                v1Hosts++;
                assertTrue(h.host() + " finished on 1.0.0 after the swap", finishedAt.get(h.host()) < swapped);
            } else {
                assertEquals(h.host(), "version 2.0.0\n", h.stdoutText());
                v2Hosts++;
            }
        }
        assertTrue("some hosts before the swap: " + v1Hosts, v1Hosts >= HOSTS / 4);
        assertTrue("some hosts after the swap: " + v2Hosts, v2Hosts > 0);

        // uninstalled -> hosts that need it fail naming the plugin, local keeps working
        remove();
        Shell gone = session("conduit:run -i " + inventory + " 'h001:here' 'echo still here'");
        assertTrue(gone.out(), gone.out().contains("h001 | FAILED") && gone.out().contains("\"versioned\""));
        assertTrue(gone.out(), gone.out().contains("here | OK") && gone.out().contains("still here"));
        assertEquals(Integer.valueOf(2), gone.exit());

        // reinstalled -> works again
        install(v2);
        Shell back = session("conduit:run -i " + inventory + " h001 true");
        assertTrue(back.out(), back.out().contains("version 2.0.0"));
        assertEquals(Integer.valueOf(0), back.exit());

        // the core was never restarted
        assertEquals(Bundle.ACTIVE, core.getState());
        assertTrue("core saw bundle events: " + coreEvents, coreEvents.isEmpty());
    }
}
