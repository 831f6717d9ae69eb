package io.conduit.core.shell;

import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Status;
import io.conduit.core.inventory.HostPattern;
import io.conduit.core.inventory.InventoryLoader;

/**
 * The core's own costs at scale, without connections (issue 12, item 6): loading an inventory, selecting hosts
 * with patterns, printing results in every format, the {@code conduit:hosts} table. Each step runs at N/4, N/2
 * and N hosts; the printed growth factor per doubling is about 2 for a linear step and about 4 for a quadratic
 * one. Not a test (no timing is asserted anywhere): {@code bench/core-scale.sh} runs it, see bench/README.md.
 *
 * <p>Arguments: {@code [N_HOSTS [REPS]]}, defaults 100,000 and 3; figures are the best of REPS, in CPU
 * milliseconds of the measuring thread and MB allocated by it. {@code load FILE [TIMES]} only loads FILE (under
 * {@code /usr/bin/time} for the process's CPU and RSS).
 */
public final class CoreScaleBench {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final PrintStream NOWHERE = new PrintStream(OutputStream.nullOutputStream(), false,
            StandardCharsets.UTF_8);

    private CoreScaleBench() {
    }

    /** A measured step at one size. */
    private interface Step {
        void run(Inventory inventory, RunResult result) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("load")) { // load FILE [TIMES]: one file, no cache, for time and RSS
            for (int i = 0; i < (args.length > 2 ? Integer.parseInt(args[2]) : 1); i++) {
                long cpu = THREADS.getCurrentThreadCpuTime();
                Inventory inv = InventoryLoader.load(Path.of(args[1]));
                System.out.printf(Locale.ROOT, "%d hosts loaded in %.0f ms of CPU%n", inv.hosts().size(),
                        (THREADS.getCurrentThreadCpuTime() - cpu) / 1e6);
            }
            return;
        }
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("conduit-scale");
        int[] sizes = {n / 4, n / 2, n};
        Inventory[] inventories = new Inventory[sizes.length];
        RunResult[] results = new RunResult[sizes.length];
        Path[] files = new Path[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            files[i] = dir.resolve("inventory-" + sizes[i] + ".yaml");
            Files.writeString(files[i], inventory(sizes[i]));
            inventories[i] = InventoryLoader.load(files[i]);
            results[i] = results(inventories[i]);
        }
        System.out.printf(Locale.ROOT, "%-34s %12s %12s %12s %8s%n", "step (best of " + reps + ")",
                "N=" + sizes[0], "N=" + sizes[1], "N=" + sizes[2], "x/2N");
        measure("load inventory (YAML)", reps, sizes, inventories, results,
                (inv, r) -> InventoryLoader.load(Path.of(inv.source())));
        java.util.Map<Inventory, Path> ini = new java.util.IdentityHashMap<>();
        for (int i = 0; i < sizes.length; i++) {
            ini.put(inventories[i], Files.writeString(dir.resolve("hosts-" + sizes[i] + ".ini"), ini(sizes[i])));
        }
        measure("load inventory (Ansible INI)", reps, sizes, inventories, results,
                (inv, r) -> io.conduit.core.inventory.AnsibleInventories.file(ini.get(inv)));
        for (String pattern : List.of("all", "web", "db", "web:db", "web[0:999]", "all:!web", "all:&db", "~h1.*",
                "h1*", "h0,h1,h2", "web:!db:&~h[0-9]*0$")) {
            measure("select " + pattern, reps, sizes, inventories, results,
                    (inv, r) -> HostPattern.select(inv, pattern));
        }
        for (ResultPrinter.Format format : ResultPrinter.Format.values()) {
            measure("print " + format.name().toLowerCase(Locale.ROOT), reps, sizes, inventories, results,
                    (inv, r) -> print(r, format));
        }
        measure("hosts table (" + "NAME..GROUPS" + ")", reps, sizes, inventories, results, (inv, r) -> {
            Table table = new Table("NAME", "HOSTNAME", "PORT", "USER", "CONNECTION", "GROUPS");
            for (Host h : inv.hosts().values()) {
                table.row(h.name(), h.attributes().hostname(), 22, "root", "ssh", String.join(",", h.groups()));
            }
            NOWHERE.println(table.text());
        });
        measure("group member counts", reps, sizes, inventories, results,
                (inv, r) -> InventoryCommands.memberCounts(inv));
    }

    private static void print(RunResult result, ResultPrinter.Format format) {
        ResultPrinter printer = new ResultPrinter(format, false, null, NOWHERE, NOWHERE);
        printer.started(result.hosts().size());
        // the workers report out of order; the end prints in inventory order
        List<HostResult> hosts = result.hosts();
        for (int i = hosts.size() - 1; i >= 0; i--) {
            printer.finished(hosts.get(i));
        }
        NOWHERE.println(printer.end(result));
    }

    private static void measure(String name, int reps, int[] sizes, Inventory[] inventories, RunResult[] results,
            Step step) throws Exception {
        double[] ms = new double[sizes.length];
        double[] mb = new double[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            ms[i] = Double.MAX_VALUE;
            for (int r = 0; r < reps; r++) {
                long tid = Thread.currentThread().getId();
                long cpu = THREADS.getCurrentThreadCpuTime();
                long bytes = THREADS.getThreadAllocatedBytes(tid);
                step.run(inventories[i], results[i]);
                ms[i] = Math.min(ms[i], (THREADS.getCurrentThreadCpuTime() - cpu) / 1e6);
                mb[i] = (THREADS.getThreadAllocatedBytes(tid) - bytes) / 1e6;
            }
        }
        System.out.printf(Locale.ROOT, "%-34s %9.1f ms %9.1f ms %9.1f ms %8.2f   (%.0f MB allocated at N=%d)%n",
                name, ms[0], ms[1], ms[2], ms[2] / Math.max(ms[1], 0.01), mb[2], sizes[2]);
    }

    /** Every host ok with a line of output, as {@code true; echo ok} would leave them. */
    private static RunResult results(Inventory inventory) {
        List<HostResult> out = new ArrayList<>(inventory.hosts().size());
        byte[] ok = "ok\n".getBytes(StandardCharsets.UTF_8);
        for (String name : inventory.hosts().keySet()) {
            out.add(new HostResult(name, Status.OK, 0, ok, new byte[0], false, false, null, Duration.ofMillis(3)));
        }
        return new RunResult(out, Duration.ofSeconds(1));
    }

    /** The same fleet as an Ansible INI inventory: two groups under a parent, a host variable each. */
    static String ini(int n) {
        StringBuilder web = new StringBuilder("[web]\n");
        StringBuilder db = new StringBuilder("[db]\n");
        for (int i = 0; i < n; i++) {
            (i % 2 == 0 ? web : db).append('h').append(i).append(" ansible_host=10.").append(i >> 16 & 255).append('.')
                    .append(i >> 8 & 255).append('.').append(i & 255).append(" rack=r").append(i % 40).append('\n');
        }
        return web + "\n" + db + "\n[fleet:children]\nweb\ndb\n\n[fleet:vars]\nansible_user=root\nansible_port=2222\n";
    }

    /** The shape of bench/gen-big-inventory.sh. */
    static String inventory(int n) {
        StringBuilder b = new StringBuilder("""
                defaults:
                  connection: ssh
                  port: 2222
                  username: root
                  connection_options:
                    ssh:
                      extras: {private_key_file: /tmp/id_ed25519, known_hosts_file: /tmp/known_hosts}
                groups:
                  web: {data: {role: web}}
                  db: {groups: [web], data: {role: db}}
                  local: {connection: local}
                hosts:
                """);
        for (int i = 0; i < n; i++) {
            b.append("  h").append(i).append(": {hostname: 127.").append((i >> 16) & 255).append('.')
                    .append((i >> 8) & 255).append('.').append(i & 255)
                    .append(i % 1000 == 0 ? ", groups: [local]" : i % 100 == 0 ? ", groups: [db]" : i % 10 == 0 ? ", groups: [web]" : "").append("}\n");
        }
        return b.toString();
    }
}
