package io.conduit.core.runbook;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

import io.conduit.api.task.RunOptions;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.testing.Configs;
import io.conduit.core.testing.FakePlugin;

/**
 * What a runbook costs the core around its steps (issue 12): a runbook of STEPS trivial {@code command} steps over
 * HOSTS hosts of the fake plugin (no connections, no sshd), in batches of SERIAL percent, through the real
 * {@link RunbookEngine} and {@link ForkingRunner}. Every host's password is a {@code ${file:}} reference, as a
 * real inventory's would be, so gathering the inventory's values reads files. Not a test (no timing is asserted):
 * {@code bench/core-scale.sh} runs it, see bench/README.md.
 *
 * <p>Arguments: {@code [HOSTS [STEPS [SERIAL_PERCENT [REPS [FORKS]]]]]}, defaults 5,000, 10, 25, 3, 100. One warm-up
 * run, then REPS measured runs; printed: each run's wall ms, the process's CPU ms and MB allocated by all threads
 * (the run's workers outlive it, so none is missed), then the medians.
 */
public final class RunbookScaleBench {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private RunbookScaleBench() {
    }

    public static void main(String[] args) throws Exception {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int serial = args.length > 2 ? Integer.parseInt(args[2]) : 25;
        int reps = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        int forks = args.length > 4 ? Integer.parseInt(args[4]) : 100;
        Path dir = Files.createTempDirectory("conduit-runbook-scale");
        Path secret = Files.writeString(dir.resolve("password"), "s3cret-bench\n");
        StringBuilder yaml = new StringBuilder("defaults:\n  connection: fake\n  password: ${file:")
                .append(secret).append("}\nhosts:\n");
        for (int i = 0; i < hosts; i++) {
            yaml.append("  h").append(i).append(": {}\n");
        }
        Path inventory = Files.writeString(dir.resolve("inventory.yaml"), yaml);
        StringBuilder book = new StringBuilder("serial: \"" + serial + "%\"\nsteps:\n");
        for (int s = 1; s <= steps; s++) {
            book.append("  - command: {cmd: \"true ").append(s).append("\"}\n");
        }
        FakeCatalog catalog = new FakeCatalog();
        Runbook runbook = new RunbookParser(catalog).parse(book.toString(), "bench.yaml", Map.of());

        PluginRegistry registry = new PluginRegistry();
        FakePlugin plugin = new FakePlugin("fake", "1");
        registry.add(plugin.binding());
        ConnectionManager connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
        try {
            ForkingRunner runner = new ForkingRunner(connections, Configs.inventories(connections, inventory),
                    Configs.runner(forks, 60, 1 << 20, inventory.toString()));
            RunbookEngine engine = new RunbookEngine(StepRunner.of(runner), catalog);
            System.out.printf(Locale.ROOT, "# runbook: %d steps x %d hosts, serial %d%%, forks %d, ${file:} password"
                    + " per host; wall ms, process CPU ms, MB allocated (all threads)%n", steps, hosts, serial, forks);
            double[] wall = new double[reps];
            double[] cpu = new double[reps];
            double[] mb = new double[reps];
            for (int r = 0; r <= reps; r++) { // run 0 warms up
                System.gc();
                long allocated = allocated();
                long cpu0 = OS.getProcessCpuTime();
                long t0 = System.nanoTime();
                RunbookResult result = engine.run(runbook, "all", RunOptions.defaults(), Runbook.PolicyText.NONE,
                        null);
                long t1 = System.nanoTime();
                long cpu1 = OS.getProcessCpuTime();
                long allocated1 = allocated();
                if (result.exitStatus() != 0) {
                    throw new IllegalStateException("the bench's runbook failed: exit " + result.exitStatus());
                }
                if (r == 0) {
                    continue;
                }
                wall[r - 1] = (t1 - t0) / 1e6;
                cpu[r - 1] = (cpu1 - cpu0) / 1e6;
                mb[r - 1] = (allocated1 - allocated) / 1e6;
                System.out.printf(Locale.ROOT, "run %d: %10.0f %10.0f %10.1f%n", r, wall[r - 1], cpu[r - 1],
                        mb[r - 1]);
            }
            System.out.printf(Locale.ROOT, "median: %9.0f %10.0f %10.1f   (%d runs, %d host-steps)%n",
                    median(wall), median(cpu), median(mb), reps, (long) hosts * steps);
        } finally {
            connections.deactivate();
        }
        System.exit(0); // the runner's worker and watchdog threads are daemons, the pool's may not be
    }

    /** @return bytes allocated so far by every live thread (threads of earlier runs are still alive) */
    private static long allocated() {
        long[] ids = THREADS.getAllThreadIds();
        long sum = 0;
        for (long b : THREADS.getThreadAllocatedBytes(ids)) {
            sum += Math.max(0, b);
        }
        return sum;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
