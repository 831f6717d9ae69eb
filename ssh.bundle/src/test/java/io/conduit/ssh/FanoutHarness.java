package io.conduit.ssh;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;

/**
 * A JUnit-free harness for bench/: the plugin alone (no framework, no core) over N hosts with F threads, the
 * way the core's runner drives it. Rounds: cold (open + exec), warm (isAlive + exec on the open connections,
 * {@code --warm-rounds} times), then heap per open idle connection (used heap after full GCs with the N
 * connections open, minus the same with none). Prints one {@code RESULT key=value ...} line.
 *
 * {@code hosts.txt}: one host a line, {@code name address [port]} ({@code --port} when a line has none).
 * <pre>
 * java -cp ... io.conduit.ssh.FanoutHarness --hosts hosts.txt --port 2222 --user root --key id_ed25519
 *      --known-hosts known_hosts --forks 100 --cmd true
 * </pre>
 */
public final class FanoutHarness {
    private FanoutHarness() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        List<String[]> hosts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(a.get("hosts")))) {
            String[] p = line.trim().split("\\s+");
            if (p.length == 2 || p.length == 3) { // name address [port, else --port]
                hosts.add(p);
            }
        }
        int forks = Integer.parseInt(a.getOrDefault("forks", "100"));
        int port = Integer.parseInt(a.getOrDefault("port", "22"));
        int warmRounds = Integer.parseInt(a.getOrDefault("warm-rounds", "3"));
        String cmd = a.getOrDefault("cmd", "true");
        boolean probe = Boolean.parseBoolean(a.getOrDefault("probe", "true")); // isAlive before reuse, as the core
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        long heapNone = usedAfterGc(mem);
        SshPlugin plugin = new SshPlugin(TestSupport.config(Map.of(
                "known_hosts_file", a.get("known-hosts"), "private_key_file", a.get("key"),
                "look_for_keys", false, "keepalive_interval", "0",
                // generous: on a loaded machine a slow login must count in the time, not fail the run
                "connect_timeout", "120s", "auth_timeout", "120s")));
        ExecutorService pool = Executors.newFixedThreadPool(forks);
        Connection[] conns = new Connection[hosts.size()];
        StringBuilder out = new StringBuilder("RESULT n=" + hosts.size() + " forks=" + forks);
        try {
            // cold: open and run
            long t0 = System.nanoTime();
            int[] okFail = round(pool, hosts.size(), i -> {
                String[] h = hosts.get(i);
                Connection c = plugin.create(new ConnectionKey(h[0], "ssh"));
                c.open(new ConnectionParams(h[1], h.length > 2 ? Integer.parseInt(h[2]) : port,
                        a.getOrDefault("user", "root"), null, "linux", Map.of()));
                conns[i] = c;
                return c.exec(Command.shell(cmd)).exitCode() == 0;
            });
            out.append(String.format(" cold_ms=%d cold_ok=%d cold_fail=%d", (System.nanoTime() - t0) / 1_000_000,
                    okFail[0], okFail[1]));
            for (int r = 1; r <= warmRounds; r++) {
                long w0 = System.nanoTime();
                int[] w = round(pool, hosts.size(), i -> conns[i] != null && (!probe || conns[i].isAlive())
                        && conns[i].exec(Command.shell(cmd)).exitCode() == 0);
                out.append(String.format(" warm%d_ms=%d warm%d_ok=%d warm%d_fail=%d", r, (System.nanoTime() - w0) / 1_000_000,
                        r, w[0], r, w[1]));
            }
            long heapOpen = usedAfterGc(mem);
            if (Boolean.parseBoolean(a.getOrDefault("recold", "false"))) {
                // new sessions in a JVM that is already warm: what a cold round costs without class loading and JIT
                for (int i = 0; i < conns.length; i++) {
                    if (conns[i] != null) {
                        conns[i].close();
                        conns[i] = null;
                    }
                }
                long r0 = System.nanoTime();
                int[] rc = round(pool, hosts.size(), i -> {
                    String[] h = hosts.get(i);
                    Connection c = plugin.create(new ConnectionKey(h[0], "ssh"));
                    c.open(new ConnectionParams(h[1], h.length > 2 ? Integer.parseInt(h[2]) : port,
                            a.getOrDefault("user", "root"), null, "linux", Map.of()));
                    conns[i] = c;
                    return c.exec(Command.shell(cmd)).exitCode() == 0;
                });
                out.append(String.format(" recold_ms=%d recold_ok=%d", (System.nanoTime() - r0) / 1_000_000, rc[0]));
            }
            out.append(String.format(" heap_none_kb=%d heap_open_kb=%d heap_per_conn_kb=%.1f threads=%d",
                    heapNone / 1024, heapOpen / 1024, (heapOpen - heapNone) / 1024.0 / Math.max(1, okFail[0]),
                    Thread.activeCount()));
        } finally {
            for (Connection c : conns) {
                if (c != null) {
                    c.close();
                }
            }
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
            plugin.deactivate();
        }
        System.out.println(out);
    }

    interface Task {
        boolean run(int i) throws Exception;
    }

    private static int[] round(ExecutorService pool, int n, Task task) throws Exception {
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger fail = new AtomicInteger();
        List<Future<?>> fs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int idx = i;
            fs.add(pool.submit(() -> {
                try {
                    (task.run(idx) ? ok : fail).incrementAndGet();
                } catch (Exception e) {
                    fail.incrementAndGet();
                    if (fail.get() <= 3) {
                        System.err.println("host " + idx + ": " + e);
                    }
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get(10, TimeUnit.MINUTES);
        }
        return new int[] {ok.get(), fail.get()};
    }

    private static long usedAfterGc(MemoryMXBean mem) {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return mem.getHeapMemoryUsage().getUsed();
    }
}
