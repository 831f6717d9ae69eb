package io.conduit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.ops4j.pax.exam.cm.ConfigurationAdminOptions.newConfiguration;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.OptionUtils;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;
import org.osgi.util.tracker.ServiceTracker;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Runner;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;

/**
 * A third-party task bundle is installed, updated to a new version under a run, updated again under a runbook's
 * run (conduit:runbook) and uninstalled under another run, as issue 13 asks: every host has a result (in the
 * runbook, for every step); hosts that started before an update ran the old version and succeeded, later ones the
 * new; after the uninstall, hosts fail saying there is no task named "slow". The runs go through the Runner
 * service and the core's task catalog, the path the runbook engine takes; the shell's tasks and task commands are
 * checked on the way.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class TaskUpgradeIT extends ConduitTestSupport {
    private static final int HOSTS = 60;
    /** Seconds an unbind waits for calls in flight (with 0, hosts in flight at the update fail: the drain's use). */
    private static final String DRAIN_GRACE = "10";
    /** The core's TaskCatalog: core exports nothing, so the probe reaches it by name and reflection. */
    private static final String CATALOG = "io.conduit.core.task.TaskCatalog";

    @Configuration
    public Option[] configuration() throws IOException {
        Option[] distribution = distribution(true);
        // a task that went away is waited for 3 s (an update is quicker), and an unbind waits up to 10 s for its
        // calls; in the copy of etc/ too, whose file FileInstall would otherwise apply over Pax Exam's values
        Files.writeString(etc().resolve("io.conduit.connections.cfg"), "idle_timeout = 600\ndrain_grace = "
                + DRAIN_GRACE + "\nplugin_wait = 3\nalive_check_after = 2\n");
        return OptionUtils.combine(distribution, newConfiguration("io.conduit.connections")
                .put("plugin_wait", "3").put("drain_grace", DRAIN_GRACE).asOption());
    }

    @Test
    public void aTaskBundleUpdatedAndUninstalledUnderRunsLosesNoResult() throws Exception {
        // wire the API classes the probe's tasks use here, once, not in the run's worker threads at once (see
        // PluginLifecycleScenario.probe)
        assertEquals("io.conduit.api.inventory.Host", io.conduit.api.inventory.Host.class.getName());
        Bundle core = bundle("io.conduit.core");
        assertNotNull("core bundle installed", core);
        Path inventory = fleet();
        Path dir = WORK.resolve("tasks");
        Path v1 = TestBundles.slowTask(dir, "1.0.0");
        Path v2 = TestBundles.slowTask(dir, "2.0.0");
        Runner runner = service(Runner.class);

        // installed at runtime -> listed, documented and run from the shell
        Bundle slow = context.installBundle(v1.toUri().toString());
        slow.start();
        awaitTask("1.0.0");
        String doc = execute("conduit:tasks slow");
        assertTrue(doc, doc.contains("waits, then answers its bundle version 1.0.0") && doc.contains("ms "));
        Shell shell = session("conduit:task -i " + inventory + " slow 't00*' ms=5");
        assertEquals(shell.out() + shell.err(), Integer.valueOf(0), shell.exit());
        assertTrue(shell.out(), shell.out().contains("version 1.0.0"));

        // updated while a run is in flight -> every host has a result, each from the version it started with
        Map<String, Long> startedAt = new ConcurrentHashMap<>();
        Map<String, Long> endedAt = new ConcurrentHashMap<>();
        long[] changeStarted = new long[1];
        PluginLifecycleScenario.RunAcrossChange update = PluginLifecycleScenario.runAcrossChange(runner, inventory,
                "all", timed(slowTask("100"), startedAt, endedAt), 4, HOSTS / 5, () -> {
                    changeStarted[0] = System.nanoTime();
                    try (InputStream in = Files.newInputStream(v2)) {
                        slow.update(in); // synchronous: stop (the unbind waits for calls in flight), swap, start
                    }
                });
        RunResult result = update.result();
        assertEquals(HOSTS, result.hosts().size());
        int v1Hosts = 0;
        int v2Hosts = 0;
        for (HostResult h : result.hosts()) {
            assertEquals(h.host() + ": " + h.error(), Status.OK, h.status());
            if (h.stdoutText().equals("version 1.0.0\n")) {
                v1Hosts++;
                // the old service served no host after its bundle was updated
                assertTrue(h.host() + " started on 1.0.0 after the update", startedAt.get(h.host())
                        < update.changedAt());
            } else {
                assertEquals(h.host(), "version 2.0.0\n", h.stdoutText());
                v2Hosts++;
                assertTrue(h.host() + " ran 2.0.0 before the update began", endedAt.get(h.host()) > changeStarted[0]);
            }
        }
        assertTrue("hosts before the update: " + v1Hosts, v1Hosts >= HOSTS / 5);
        assertTrue("hosts after the update: " + v2Hosts, v2Hosts > 0);
        awaitTask("2.0.0");

        // updated again while a runbook runs (conduit:runbook in a shell session): every host has a result for every
        // step, each from a version that served it, and no host failed or skipped a step for the update
        runbookAcrossUpdate(slow, inventory, TestBundles.slowTask(dir, "3.0.0"));
        awaitTask("3.0.0");

        // uninstalled while a run is in flight -> hosts before it succeed, later ones fail by the task's name
        PluginLifecycleScenario.RunAcrossChange removal = PluginLifecycleScenario.runAcrossChange(runner, inventory,
                "all", slowTask("100"), 4, HOSTS / 5, slow::uninstall);
        assertEquals(HOSTS, removal.result().hosts().size());
        int ok = 0;
        int failed = 0;
        for (HostResult h : removal.result().hosts()) {
            if (h.status() == Status.OK) {
                assertEquals(h.host(), "version 3.0.0\n", h.stdoutText());
                ok++;
            } else {
                assertEquals(h.host() + ": " + h.error(), Status.FAILED, h.status());
                assertTrue(h.host() + ": " + h.error(),
                        h.error().startsWith("no task named \"slow\" (it went away and did not come back within 3 s)"));
                assertFalse(h.host() + ": " + h.error(), h.error().contains("Exception"));
                failed++;
            }
        }
        assertTrue("hosts before the uninstall: " + ok, ok >= HOSTS / 5);
        assertTrue("hosts after the uninstall: " + failed, failed > 0);

        // gone from the list; the command says so before anything runs
        awaitTask(null);
        Shell gone = session("conduit:task -i " + inventory + " slow t001");
        assertEquals(Integer.valueOf(64), gone.exit());
        assertTrue(gone.err(), gone.err().contains("no task named \"slow\""));

        // the core was never restarted
        assertEquals(Bundle.ACTIVE, core.getState());
    }

    /**
     * Runs a two-step runbook of {@code slow} over the fleet from a shell session, updates the bundle once a host is
     * in the task's call (the catalog's in-flight count), and checks the runbook's JSON: every host ok at both
     * steps, the old version before the update and the new one after it, both seen.
     */
    @SuppressWarnings("unchecked")
    private void runbookAcrossUpdate(Bundle slow, Path inventory, Path next) throws Exception {
        Path book = WORK.resolve("tasks").resolve("slow-runbook.yaml");
        Files.writeString(book, "name: slow twice\nsteps:\n  - name: first\n    slow: {ms: 100}\n"
                + "  - name: second\n    slow: {ms: 100}\n");
        java.util.concurrent.CompletableFuture<Shell> run = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return session("conduit:runbook -f 4 --json -i " + inventory + " " + book + " all");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!inFlight()) { // a host is in slow's call: the runbook has started its first step
            assertFalse("the runbook ended before any host was seen in the task: " + (run.isDone() ? run.get() : ""),
                    run.isDone());
            assertTrue("no host entered the task within 30 s", System.nanoTime() < deadline);
            TimeUnit.MILLISECONDS.sleep(5);
        }
        try (InputStream in = Files.newInputStream(next)) {
            slow.update(in);
        }
        Shell shell = run.get(120, TimeUnit.SECONDS);
        assertEquals(shell.out() + shell.err(), Integer.valueOf(0), shell.exit());
        Map<String, Object> doc = new com.google.gson.Gson().fromJson(shell.out(), Map.class);
        java.util.List<Map<String, Object>> steps = (java.util.List<Map<String, Object>>) doc.get("steps");
        java.util.Set<String> versions = new java.util.TreeSet<>();
        Map<String, Integer> perHost = new java.util.HashMap<>();
        for (Map<String, Object> step : steps) {
            for (Map<String, Object> h : (java.util.List<Map<String, Object>>) step.get("hosts")) {
                assertEquals(step.get("name") + " " + h, "ok", h.get("status"));
                versions.add(String.valueOf(h.get("stdout")).trim());
                perHost.merge((String) h.get("host"), 1, Integer::sum);
            }
        }
        assertEquals("every host at both steps: " + perHost, HOSTS, perHost.size());
        assertTrue("two steps per host: " + perHost, perHost.values().stream().allMatch(n -> n == 2));
        assertEquals("versions seen: " + versions, java.util.Set.of("version 2.0.0", "version 3.0.0"), versions);
    }

    /** @return whether conduit:tasks shows a host in slow's call now */
    private boolean inFlight() throws Exception {
        return execute("conduit:tasks").lines().filter(l -> l.startsWith("slow ") && l.contains(" active "))
                .anyMatch(l -> l.split("\\s+").length > 5 && !l.split("\\s+")[5].equals("0"));
    }

    private static Path fleet() throws IOException {
        StringBuilder yaml = new StringBuilder("defaults:\n  connection: local\nhosts:\n");
        for (int i = 1; i <= HOSTS; i++) {
            yaml.append(String.format("  t%03d: {}%n", i));
        }
        return inventory("tasks.yaml", yaml.toString());
    }

    /** Waits until conduit:tasks lists slow at a version, or no longer lists it (null); bounded, 30 s. */
    private void awaitTask(String version) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            String tasks = execute("conduit:tasks");
            boolean listed = tasks.lines().anyMatch(l -> l.startsWith("slow ") && l.contains(" active "));
            if (version == null ? !listed : listed && tasks.contains(version)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("task slow " + (version == null ? "still listed" : version + " not listed")
                        + " after 30 s:\n" + tasks);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** The core's task "slow" with {@code ms}, made as the runbook engine makes it: parameters, then task. */
    private Task slowTask(String ms) throws Exception {
        ServiceTracker<Object, Object> tracker = new ServiceTracker<>(context,
                context.createFilter("(objectClass=" + CATALOG + ")"), null);
        tracker.open();
        try {
            Object catalog = tracker.waitForService(TimeUnit.SECONDS.toMillis(30));
            assertNotNull("no " + CATALOG + " service within 30 s", catalog);
            Object values = catalog.getClass().getMethod("parameters", String.class, Map.class, String.class)
                    .invoke(catalog, "slow", Map.of("ms", ms), "");
            return (Task) catalog.getClass().getMethod("task", String.class, Map.class).invoke(catalog, "slow",
                    values);
        } catch (InvocationTargetException e) {
            throw new AssertionError("the catalog refused: " + e.getCause().getMessage(), e.getCause());
        } finally {
            tracker.close();
        }
    }

    /** The task, noting when each host started and ended it. */
    private static Task timed(Task task, Map<String, Long> startedAt, Map<String, Long> endedAt) {
        return new Task() {
            @Override
            public HostResult execute(TaskContext ctx) throws IOException {
                startedAt.put(ctx.host().name(), System.nanoTime());
                try {
                    return task.execute(ctx);
                } finally {
                    endedAt.put(ctx.host().name(), System.nanoTime());
                }
            }

            @Override
            public String describe() {
                return task.describe();
            }
        };
    }
}
