package io.conduit.core.shell;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;

import io.conduit.api.cluster.ClusterException;
import io.conduit.api.inventory.InventoryException;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.core.cluster.ClusterRuns;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cluster} and {@code run-status}: the members this node sees, and a run collected from the cluster. */
final class ClusterCommands {
    /** What a node alone says. */
    static final String ALONE = "this node runs alone (no cluster)";
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private ClusterCommands() {
    }

    @picocli.CommandLine.Command(name = "cluster", description = {
        "Shows the cluster as this node sees it: each member (ADDRESS:PORT), whether it proved the cluster key or is"
                + " a stranger, this node marked, the partitions it owns and the hosts of the inventory whose"
                + " partitions it owns (those it runs); then the runs in flight, from whichever node they started.",
        "Without a cluster: \"" + ALONE + "\"."},
            footer = {"", "Exit status: 0 shown, 64 bad input.", ""})
    static final class Cluster implements Callable<CommandOutput> {
        private final ShellContext ctx;

        @Mixin
        Options.InventoryOption inventory;

        @Option(names = "--json", description = "print one JSON document: members and runs in flight")
        boolean json;

        Cluster(ShellContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public CommandOutput call() throws ClusterException {
            ClusterRuns cluster = ctx.clustered();
            if (cluster == null) {
                return json ? Text.ok(ResultPrinter.GSON.toJson(Map.of("cluster", false))) : Text.ok(ALONE);
            }
            List<String> hosts = new ArrayList<>();
            try {
                hosts.addAll(ctx.inventories().load(inventory.spec()).hosts().keySet());
            } catch (InventoryException e) {
                ctx.err().println("conduit: cluster: hosts owned not counted: " + e.getMessage());
            }
            List<ClusterRuns.Member> members = cluster.members(hosts);
            List<Map<String, Object>> running = cluster.runs().values().stream()
                    .filter(r -> "running".equals(r.get("state"))).toList();
            if (json) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("cluster", true);
                doc.put("node", cluster.transport().localNode());
                List<Map<String, Object>> ms = new ArrayList<>();
                for (ClusterRuns.Member m : members) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("member", m.name());
                    o.put("proven", m.proven());
                    o.put("this", m.local());
                    o.put("partitions", m.partitions());
                    o.put("hosts", m.hosts());
                    ms.add(o);
                }
                doc.put("members", ms);
                doc.put("runs", running);
                return Text.ok(ResultPrinter.GSON.toJson(doc));
            }
            Table table = new Table("MEMBER", "KEY", "THIS", "PARTITIONS", "HOSTS");
            for (ClusterRuns.Member m : members) {
                table.row(m.name(), m.proven() ? "proven" : "stranger", m.local() ? "*" : "", m.partitions(),
                        m.hosts());
            }
            table.below("");
            if (running.isEmpty()) {
                table.below("no run in flight");
            } else {
                table.below("runs in flight (run-status RUN shows one):");
                for (Map<String, Object> r : running) {
                    table.below("  " + r.get("run") + "  from " + r.get("origin") + "  " + when(r.get("started"))
                            + "  " + HostText.escape(String.valueOf(r.get("what"))) + "  on "
                            + HostText.escape(String.valueOf(r.get("pattern"))) + " (" + size(r.get("hosts"))
                            + " hosts)");
                }
            }
            return table;
        }
    }

    @picocli.CommandLine.Command(name = "run-status", description = {
        "Collects a cluster run from the cluster's records, from any node (also when the node that started it is"
                + " gone): each host's state (done, started, interrupted, pending), status, node, exit code and"
                + " error."},
            footer = {"", "Exit status: 0 no host failed or was interrupted (hosts may still be running: see the"
                + " summary), 2 a host failed, was unreachable or interrupted, 64 no such run or no cluster.", ""})
    static final class RunStatus implements Callable<CommandOutput> {
        private final ShellContext ctx;

        @Option(names = "--json", description = "print one JSON document: the run's summary and each host")
        boolean json;

        @Parameters(index = "0", paramLabel = "RUNKEY", description = "the run's key, ID@NODE (runs and cluster list"
                + " them)")
        String run;

        RunStatus(ShellContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public CommandOutput call() throws ClusterException {
            ClusterRuns cluster = ctx.clustered();
            if (cluster == null) {
                throw new IllegalArgumentException("run-status: " + ALONE + "; the runs of this node are in runs");
            }
            Optional<ClusterRuns.RunStatus> found = cluster.status(run);
            if (found.isEmpty()) {
                throw new IllegalArgumentException("run-status: the cluster holds no run " + run + " (runs lists the"
                        + " cluster's runs; a run's records expire after the configured time)");
            }
            ClusterRuns.RunStatus status = found.get();
            Map<String, Integer> states = new LinkedHashMap<>();
            for (String s : List.of("done", "started", "interrupted", "pending")) {
                states.put(s, 0);
            }
            boolean failed = false;
            List<Map<String, Object>> hosts = new ArrayList<>();
            Table table = new Table("HOST", "STATE", "STATUS", "NODE", "EXIT", "ERROR");
            for (ClusterRuns.HostState h : status.hosts()) {
                states.merge(h.state(), 1, Integer::sum);
                HostResult r = h.result();
                failed |= r != null && (r.status() == Status.FAILED || r.status() == Status.UNREACHABLE);
                table.row(HostText.escape(h.host()), h.state(), r == null ? "-" : r.status().name(),
                        h.node() == null ? "-" : h.node(), r == null || r.exitCode() == null ? "-" : r.exitCode(),
                        r == null || r.error() == null ? "" : HostText.escape(r.error()));
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("host", h.host());
                o.put("state", h.state());
                o.put("status", r == null ? null : r.status().name().toLowerCase(Locale.ROOT));
                o.put("node", h.node());
                o.put("exit_code", r == null ? null : r.exitCode());
                o.put("error", r == null ? null : r.error());
                o.put("duration_ms", r == null ? null : r.duration().toMillis());
                hosts.add(o);
            }
            int exit = failed ? Args.EXIT_HOSTS_FAILED : Args.EXIT_OK;
            Map<String, Object> summary = status.summary();
            if (json) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("run", status.run());
                doc.put("summary", summary);
                doc.put("states", states);
                doc.put("hosts", hosts);
                return new Text(ResultPrinter.GSON.toJson(doc), exit);
            }
            int n = status.hosts().size();
            table.above("run " + status.run() + (summary.containsKey("what") ? ": "
                    + HostText.escape(String.valueOf(summary.get("what"))) : ""))
                    .above("  from " + summary.getOrDefault("origin", "?") + (summary.containsKey("started") ? ", "
                            + when(summary.get("started")) : "") + ", " + summary.getOrDefault("state", "unknown")
                            + (summary.get("note") != null ? " (" + summary.get("note") + ")"
                                    : " (as its starting node last wrote)"));
            table.below(n + (n == 1 ? " host: " : " hosts: ") + states.get("done") + " done, " + states.get("started")
                    + " started, " + states.get("interrupted") + " interrupted, " + states.get("pending") + " pending"
                    + (states.get("started") + states.get("pending") > 0 ? " (still running, or its batch was lost)"
                            : ""));
            return new Text(table.text(), exit);
        }
    }

    private static String when(Object epochMillis) {
        return epochMillis instanceof Number n ? WHEN.format(Instant.ofEpochMilli(n.longValue())) : "?";
    }

    private static int size(Object list) {
        return list instanceof List<?> l ? l.size() : 0;
    }
}
