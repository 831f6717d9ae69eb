package io.conduit.core.shell;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import io.conduit.core.history.RunHistory;
import io.conduit.core.history.RunRecord;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runs [--json] [-n N] [ID]}: the recent runs of the history, or one run with each host's end. */
@picocli.CommandLine.Command(name = "runs", description = {
    "Lists the recent runs (run, put, fetch, ping, task, runbook), newest first: ID, when it started (UTC), who ran"
            + " it, what ran, the pattern, how many hosts ended ok/changed/failed/unreachable/skipped, the exit"
            + " status. With an ID, that run and each host's status, exit code, error and time.",
    "The history is kept in data/runs within the bounds of etc/io.conduit.history.cfg; the hosts' output is"
            + " not kept. --rerun-failed ID on a run command runs again on the hosts that failed in run ID."},
        footer = {"", "Exit status: 0 shown, 64 no such run or bad input.", ""})
final class RunsCommand implements Callable<CommandOutput> {
    /** How {@code WHEN} is shown: to the second, in UTC. */
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    /** The widest {@code WHAT} cell of the listing; the run's own view shows it whole. */
    private static final int WHAT_WIDTH = 48;

    private final ShellContext ctx;

    @Option(names = "--json", description = "print JSON: a list of the runs, or the run's whole record")
    boolean json;

    @Option(names = {"-n", "--limit"}, paramLabel = "N", description = "list at most N runs, 1 or more (default:"
            + " 20)")
    String limit;

    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "a run's ID: show that run")
    String id;

    RunsCommand(ShellContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public CommandOutput call() throws Exception {
        RunHistory history = ctx.history();
        if (history == null) {
            throw new IllegalArgumentException("runs: no run history is kept here (the history component is not"
                    + " running); check that the core bundle is active (felix:lb)");
        }
        if (id != null) {
            if (limit != null) {
                throw new IllegalArgumentException("runs: -n limits the list of runs; with an ID the run is shown"
                        + " whole; drop -n or the ID");
            }
            return one(RunLog.find(history, "runs", RunLog.parseId("runs", id)));
        }
        int n = 20;
        if (limit != null) {
            String t = limit.trim();
            if (!t.matches("[0-9]{1,9}") || Integer.parseInt(t) < 1) {
                throw new IllegalArgumentException("runs: -n: \"" + limit + "\" is not a number of runs; give 1 or"
                        + " more");
            }
            n = Integer.parseInt(t);
        }
        RunHistory.Listing listing = history.recent(n);
        for (String skipped : listing.skipped()) {
            ctx.err().println("conduit: runs: passed over " + skipped);
        }
        Map<String, Map<String, Object>> clusterRuns = clusterRuns();
        if (json) {
            // in a cluster, the cluster's runs follow, each as its starting node wrote it ("run": "ID@NODE")
            List<Object> all = new java.util.ArrayList<>(listing.runs().stream().map(RunRecord::toJson).toList());
            all.addAll(clusterRuns.values());
            return Text.ok(ResultPrinter.GSON.toJson(all));
        }
        if (listing.runs().isEmpty() && clusterRuns.isEmpty()) {
            return Text.ok("no run is recorded yet in " + history.directory());
        }
        Table table = new Table("ID", "WHEN", "USER", "WHAT", "PATTERN", "HOSTS ok/chg/fail/unr/skip", "EXIT");
        for (RunRecord r : listing.runs()) {
            Map<String, Integer> c = r.counts();
            table.row(r.id(), when(r.started()), r.user(), shorten(r.what()), HostText.escape(r.pattern()),
                    c.get("ok") + "/" + c.get("changed") + "/" + c.get("failed") + "/" + c.get("unreachable") + "/"
                            + c.get("skipped"), exitOf(r));
        }
        if (listing.runs().isEmpty()) {
            table.above("no run is recorded yet in " + history.directory());
        }
        if (!clusterRuns.isEmpty()) {
            table.below("").below("the cluster's runs (from any node; run-status RUN collects one):");
            clusterRuns.values().stream().sorted(java.util.Comparator.comparing(r -> -number(r.get("started"))))
                    .limit(n).forEach(r -> table.below("  " + r.get("run") + "  " + (r.get("started") instanceof
                            Number t ? when(Instant.ofEpochMilli(t.longValue())) : "?") + "  " + r.get("state")
                            + "  " + shorten(String.valueOf(r.get("what"))) + "  on "
                            + HostText.escape(String.valueOf(r.get("pattern"))) + "  from " + r.get("origin")));
        }
        return table;
    }

    private CommandOutput one(RunRecord r) {
        if (json) {
            return Text.ok(ResultPrinter.GSON.toJson(r.toJson()));
        }
        Map<String, Integer> c = r.counts();
        Table table = new Table("HOST", "STATUS", "EXIT", "ERROR", "TIME")
                .above("run " + r.id() + ": " + HostText.escape(nonNull(r.what())))
                .above("  pattern " + HostText.escape(nonNull(r.pattern())) + ", inventory "
                        + HostText.escape(nonNull(r.inventory())))
                .above("  by " + nonNull(r.user()) + (r.via() == null ? "" : " (" + r.via() + ")") + ", "
                        + when(r.started()) + (r.ended() == null ? "" : " to " + when(r.ended())
                                + String.format(Locale.ROOT, " (%.1f s)", r.durationMs() / 1000.0)))
                .above("  " + (r.ended() != null ? "exit " + r.exit() : RunRecord.RUNNING.equals(r.state())
                        ? "running (process " + r.pid() + ")" : INTERRUPTED) + (r.check() ? ", check mode" : "")
                        + (r.policy() == null ? "" : ", " + r.policy())
                        + (r.rerunOf() == null ? "" : ", reran the failed hosts of run " + r.rerunOf()))
                .above("  " + r.hosts().size() + (r.hosts().size() == 1 ? " host: " : " hosts: ") + c.get("ok")
                        + " ok, " + c.get("changed") + " changed, " + c.get("failed") + " failed, "
                        + c.get("unreachable") + " unreachable, " + c.get("skipped") + " skipped");
        for (RunRecord.Host h : r.hosts()) {
            table.row(HostText.escape(h.host()), h.status().toUpperCase(Locale.ROOT), h.exitCode() == null ? "-"
                    : h.exitCode(), h.error() == null ? "" : HostText.escape(h.error()), h.durationMs() + " ms");
        }
        List<String> failed = r.failedHosts();
        if (!failed.isEmpty()) {
            table.below("again on the " + (failed.size() == 1 ? "host" : failed.size() + " hosts") + " that failed:"
                    + " --rerun-failed " + r.id() + " (with the pattern all, or one that selects them)");
        }
        return table;
    }

    /** What a record without an end says. */
    static final String INTERRUPTED = "interrupted (the process ended without finishing the record)";

    /** @return the exit status, or {@code running} or {@code interrupted} for a record without an end */
    private static Object exitOf(RunRecord r) {
        return r.ended() != null ? r.exit() : r.state();
    }

    /** @return the cluster's runs by key, none when this node runs alone or the cluster cannot be read (said) */
    private Map<String, Map<String, Object>> clusterRuns() {
        io.conduit.core.cluster.ClusterRuns cluster = ctx.clustered();
        if (cluster == null) {
            return Map.of();
        }
        try {
            return cluster.runs();
        } catch (io.conduit.api.cluster.ClusterException e) {
            ctx.err().println("conduit: runs: the cluster's runs cannot be read: " + e.getMessage());
            return Map.of();
        }
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : 0;
    }

    private static String when(Instant t) {
        return WHEN.format(t);
    }

    private static String nonNull(String s) {
        return s == null ? "?" : s;
    }

    private static String shorten(String what) {
        String s = HostText.escape(nonNull(what));
        return s.length() > WHAT_WIDTH ? s.substring(0, WHAT_WIDTH - 3) + "..." : s;
    }
}
