package io.conduit.core.shell;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.inventory.InventoryException;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Status;
import io.conduit.core.history.RunHistory;
import io.conduit.core.inventory.LocalPaths;
import io.conduit.core.history.RunRecord;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.runbook.RunbookResult;

/**
 * What the shell's run commands ({@code run}, {@code put}, {@code fetch}, {@code ping}, {@code task},
 * {@code runbook}) share about the run history: the record of the run, claimed with its ID when it starts
 * ({@link #start}) and completed when it ends ({@link #finish}), and the hosts (and inventory) of
 * {@code --rerun-failed ID}. One of these per command invocation, made before the run starts.
 */
final class RunLog {
    private static final Logger LOG = LoggerFactory.getLogger(RunLog.class);

    private final ShellContext ctx;
    private final String command;
    private final String what;
    private final String pattern;
    private RunOptions options;
    private final String policy;
    private final boolean check;
    private final Instant started = Instant.now();
    private Long rerunOf;
    /** The record {@link #start} wrote, with its ID, or {@code null}. */
    private RunRecord begun;
    /** Whether {@link #start} could not write the record (said once; {@link #finish} does not try again). */
    private boolean unrecorded;

    /**
     * @param ctx the command's context (its history may be {@code null}: then nothing is recorded)
     * @param command the command's name
     * @param what what runs, as typed ({@code run: COMMAND}); never an {@code --env} value, {@code --stdin}'s
     *        contents or a password
     * @param pattern the host pattern
     * @param options the run's options (for the inventory)
     * @param policy the failure policy options as given, or {@code null}
     * @param check check mode
     */
    RunLog(ShellContext ctx, String command, String what, String pattern, RunOptions options, String policy,
            boolean check) {
        this.ctx = ctx;
        this.command = command;
        this.what = what;
        this.pattern = pattern;
        this.options = options;
        this.policy = policy;
        this.check = check;
    }

    /** A selection of hosts by pattern, from the inventory the run reads. */
    interface Selector {
        /**
         * @param pattern a host pattern
         * @param options the run's options, whose inventory the hosts come from
         * @return the hosts it selects, in inventory order
         * @throws InventoryException the inventory cannot be loaded, or the pattern selects no host
         */
        List<String> select(String pattern, RunOptions options) throws InventoryException;
    }

    /**
     * Selects from one session of the core's runner, opened on the first selection, so that the inventory is read
     * once for the selections and the run that follows: a script inventory runs its script once, not three times.
     */
    static final class SessionSelector implements Selector {
        private final ForkingRunner runner;
        private ForkingRunner.Session session;

        SessionSelector(ForkingRunner runner) {
            this.runner = runner;
        }

        @Override
        public List<String> select(String pattern, RunOptions options) throws InventoryException {
            return session(options).select(pattern);
        }

        /**
         * @param options the run's options, whose inventory the session reads
         * @return the session opened by the first selection, or a new one on these options
         * @throws InventoryException the inventory cannot be loaded
         */
        ForkingRunner.Session session(RunOptions options) throws InventoryException {
            if (session == null) {
                session = runner.session(options);
            }
            return session;
        }
    }

    /**
     * The hosts {@code --rerun-failed ID} runs: those the pattern selects that failed or were unreachable in run
     * ID, in inventory order. Without {@code -i} they come from run ID's inventory (then {@link #options} names
     * it; a note says so). Says on stderr which of them are no longer in the inventory, how many hosts run ID
     * skipped ({@code --fail-fast}, {@code --max-fail}: not rerun), and when run ID ran something else than this
     * command does.
     *
     * @param id the option's value as typed
     * @param selector the hosts of a pattern
     * @return the hosts, or an empty list when run ID had no failed host (said on stderr: nothing to rerun)
     * @throws IllegalArgumentException the ID is not a number or not in the history, its record cannot be read,
     *         run ID is still running or was interrupted (it has no host's end), or the pattern selects none of its
     *         failed hosts; nothing ran
     * @throws InventoryException the inventory cannot be loaded, or the pattern selects no host
     */
    List<String> rerun(String id, Selector selector) throws InventoryException {
        RunHistory history = ctx.history();
        if (history == null) {
            throw new IllegalArgumentException("--rerun-failed: no run history is kept here (the history component"
                    + " is not running); check that the core bundle is active (felix:lb)");
        }
        long run = parseId("--rerun-failed", id);
        RunRecord before = find(history, "--rerun-failed " + run, run);
        String state = before.state();
        if (RunRecord.RUNNING.equals(state)) {
            throw new IllegalArgumentException("--rerun-failed " + run + ": run " + run + " is still running (process "
                    + before.pid() + "); wait until it ends, then give --rerun-failed " + run + " again");
        }
        if (RunRecord.INTERRUPTED.equals(state)) {
            throw new IllegalArgumentException("--rerun-failed " + run + ": run " + run + " was interrupted (the"
                    + " process ended without finishing the record), so it tells no host's end; run the command"
                    + " again on the pattern " + HostText.escape(String.valueOf(before.pattern())));
        }
        if (!inventoryGiven() && before.inventory() != null && !before.inventory().equals(inventory())) {
            options = options == null ? new RunOptions(before.inventory(), null, null, null, null, null, null)
                    : new RunOptions(before.inventory(), options.forks(), options.hostTimeout(),
                            options.outputLimit(), options.verbosity(), options.check(), options.diff());
            ctx.err().println("conduit: note: the hosts come from the inventory of run " + run + ", "
                    + HostText.escape(before.inventory()) + " (give -i to take another)");
        }
        List<String> failed = before.failedHosts();
        List<String> skipped = before.hosts().stream().filter(h -> "skipped".equals(h.status()))
                .map(RunRecord.Host::host).toList();
        if (!skipped.isEmpty()) {
            ctx.err().println("conduit: note: " + (skipped.size() == 1 ? "a host was" : skipped.size()
                    + " hosts were") + " skipped in run " + run + (before.policy() == null ? "" : " ("
                    + before.policy() + ")") + " and " + (skipped.size() == 1 ? "is" : "are") + " not rerun: "
                    + names(skipped) + "; to run " + (skipped.size() == 1 ? "it" : "them") + ", give "
                    + (skipped.size() == 1 ? "its name" : "their names") + " as the pattern without --rerun-failed"
                    + (skipped.size() <= 10 ? " (" + HostText.escape(String.join(",", skipped)) + ")" : ""));
        }
        if (failed.isEmpty()) {
            ctx.err().println("conduit: nothing to rerun: run " + run + " had no failed or unreachable host; nothing"
                    + " ran");
            return List.of();
        }
        Set<String> inInventory = new HashSet<>(selector.select("all", options));
        List<String> gone = failed.stream().filter(h -> !inInventory.contains(h)).toList();
        if (!gone.isEmpty() && gone.size() < failed.size()) {
            ctx.err().println("conduit: note: " + (gone.size() == 1 ? "a host" : gone.size() + " hosts")
                    + " that failed in run " + run + " " + (gone.size() == 1 ? "is" : "are") + " no longer in the"
                    + " inventory and " + (gone.size() == 1 ? "is" : "are") + " left out: " + names(gone));
        }
        Set<String> wanted = new HashSet<>(failed);
        if (gone.size() == failed.size()) {
            throw new IllegalArgumentException("--rerun-failed " + run + ": none of the hosts that failed in run "
                    + run + " (" + names(failed) + ") is in the inventory " + HostText.escape(String.valueOf(
                            options == null ? null : options.inventory())) + " any more; give -i with the inventory"
                    + " they are in");
        }
        List<String> hosts = selector.select(pattern, options).stream().filter(wanted::contains).toList();
        if (hosts.isEmpty()) {
            throw new IllegalArgumentException("--rerun-failed " + run + ": the pattern \"" + pattern + "\" selects"
                    + " none of the hosts that failed in run " + run + " (" + names(failed) + ")"
                    + ("all".equals(pattern.trim()) ? "" : "; write all to take them all"));
        }
        if (!command.equals(before.command()) || before.what() != null && !before.what().equals(what)) {
            ctx.err().println("conduit: note: run " + run + " ran \"" + before.what() + "\"; this runs \"" + what
                    + "\" on the hosts that failed in it");
        }
        rerunOf = run;
        return hosts;
    }

    /**
     * @return a record's host list, names escaped and at most 10 of them
     */
    private static String names(List<String> hosts) {
        String shown = hosts.stream().limit(10).map(HostText::escape).collect(Collectors.joining(", "));
        return hosts.size() > 10 ? shown + " and " + (hosts.size() - 10) + " more" : shown;
    }

    /**
     * @param option what the ID was given to, for the message
     * @param text the ID as typed
     * @return the ID
     * @throws IllegalArgumentException it is not a whole number of 1 or more
     */
    static long parseId(String option, String text) {
        String t = text == null ? "" : text.trim();
        if (!t.matches("[0-9]{1,18}") || Long.parseLong(t) < 1) {
            throw new IllegalArgumentException(option + ": \"" + text + "\" is not a run ID; give the number 'runs'"
                    + " lists, e.g. 42");
        }
        return Long.parseLong(t);
    }

    /**
     * @param history the history
     * @param what what the message starts with ({@code runs}, {@code --rerun-failed 42})
     * @param id the run's ID
     * @return its record
     * @throws IllegalArgumentException there is none (naming the newest IDs), or it cannot be read
     */
    static RunRecord find(RunHistory history, String what, long id) {
        try {
            return history.find(id).orElseThrow(() -> {
                List<Long> newest;
                try {
                    newest = history.newest(5);
                } catch (IOException e) {
                    newest = List.of();
                }
                return new IllegalArgumentException(what + ": no run " + id + " in the history ("
                        + history.directory() + "); " + (newest.isEmpty() ? "no run is recorded yet"
                        : (newest.size() == 1 ? "the only one is " : "the newest are ") + newest.stream()
                                .map(String::valueOf).collect(Collectors.joining(", ")) + " (see runs)"));
            });
        } catch (IOException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage() + "; see the log, or give another run"
                    + " (see runs)");
        }
    }

    /**
     * Whether {@code -i} was given: picocli fills an option not given with the configured default
     * ({@code ConduitCommands.defaultValue}), so an inventory equal to the configured one counts as not given
     * ({@code -i} naming the configured inventory exactly takes run ID's too).
     */
    private boolean inventoryGiven() {
        if (options == null || options.inventory() == null) {
            return false;
        }
        try {
            return !options.inventory().equals(ctx.runner().defaults().inventory());
        } catch (RuntimeException e) {
            return true;
        }
    }

    /**
     * @return the run's options: those given, with the inventory of run ID when {@link #rerun} took it
     */
    RunOptions options() {
        return options;
    }

    /**
     * Claims the run's ID and writes its record without an end ({@code runs} shows it running; interrupted if
     * the process ends without {@link #finish}). Called when the run starts, after {@link #rerun}. A record that
     * cannot be written is said in one line on stderr, and the run is not recorded.
     *
     * @return the run's ID, or {@code null} when nothing is recorded
     */
    Long start() {
        RunHistory history = ctx.history();
        if (history == null || begun != null || unrecorded) {
            return begun == null ? null : begun.id();
        }
        RunRecord r = record(List.of(), null, -1);
        boolean interrupted = Thread.interrupted(); // a file is not written on an interrupted thread
        try {
            begun = r.withId(history.start(r));
            return begun.id();
        } catch (IOException | RuntimeException e) {
            unrecorded = true;
            warn(history, e);
            return null;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Removes the record {@link #start} wrote when the run failed before any host ran (an error the command
     * reports instead of a result); a problem removing it is logged only.
     */
    void abandon() {
        RunHistory history = ctx.history();
        if (history == null || begun == null) {
            return;
        }
        try {
            history.abandon(begun.id());
        } catch (IOException | RuntimeException e) {
            LOG.warn("run history: could not remove the record of run {}, which ran nothing: {}", begun.id(),
                    e.getMessage());
        }
        begun = null;
    }

    private RunRecord record(List<RunRecord.Host> hosts, Instant ended, int exit) {
        return new RunRecord(0, started, ended, System.getProperty("user.name"),
                ctx.session() == null ? "cli" : "shell", command, what, inventory(), pattern, check, policy,
                rerunOf, exit, hosts, RunRecord.currentPid(), RunRecord.currentProcessStart());
    }

    private void warn(RunHistory history, Exception e) {
        String why = e.getMessage() == null ? "an I/O error" : e.getMessage();
        LOG.warn("run history: the run was not recorded in {}: {}", history.directory(), why);
        ctx.err().println("conduit: warning: the run was not recorded in the history (" + history.directory()
                + "): " + why);
    }

    /**
     * Records a run of single-task command.
     *
     * @param result the run's result, or {@code null} when nothing ran (interrupted while loading)
     * @param exit the command's exit status
     * @return the run's ID, or {@code null} when it was not recorded (said in one line on stderr)
     */
    Long finish(RunResult result, int exit) {
        List<RunRecord.Host> hosts = new ArrayList<>();
        if (result != null) {
            for (HostResult h : result.hosts()) {
                hosts.add(new RunRecord.Host(h.host(), status(h.status()), h.exitCode(), h.error(),
                        h.duration().toMillis()));
            }
        }
        return save(hosts, exit);
    }

    /**
     * Records a runbook: each host's status is its recap's (failed when a step failed, else unreachable when one
     * was, else changed, ok, skipped), its error the first failing step's, its time the sum of its steps'.
     *
     * @param result the runbook's result
     * @return the run's ID, or {@code null} when it was not recorded
     */
    Long finish(RunbookResult result) {
        Map<String, Status> worst = new LinkedHashMap<>();
        Map<String, String> errors = new LinkedHashMap<>();
        Map<String, Long> millis = new LinkedHashMap<>();
        result.hosts().forEach(h -> worst.put(h, Status.SKIPPED));
        for (RunbookResult.StepRun step : result.steps()) {
            for (HostResult h : step.results()) {
                worst.merge(h.host(), h.status(), RunLog::worse);
                millis.merge(h.host(), h.duration().toMillis(), Long::sum);
                if ((h.status() == Status.FAILED || h.status() == Status.UNREACHABLE) && h.error() != null) {
                    errors.putIfAbsent(h.host(), "step " + step.step().index() + " ("
                            + step.step().name() + "): " + h.error());
                }
            }
        }
        List<RunRecord.Host> hosts = new ArrayList<>();
        worst.forEach((h, s) -> hosts.add(new RunRecord.Host(h, status(s), null, errors.get(h),
                millis.getOrDefault(h, 0L))));
        return save(hosts, result.exitStatus());
    }

    /** Failed over unreachable over changed over ok over skipped. */
    private static Status worse(Status a, Status b) {
        List<Status> order = List.of(Status.SKIPPED, Status.OK, Status.CHANGED, Status.UNREACHABLE, Status.FAILED);
        return order.indexOf(a) >= order.indexOf(b) ? a : b;
    }

    private static String status(Status s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    private Long save(List<RunRecord.Host> hosts, int exit) {
        RunHistory history = ctx.history();
        if (history == null || unrecorded) {
            return null;
        }
        boolean interrupted = Thread.interrupted(); // a file is not written on an interrupted thread
        try {
            long id;
            if (begun != null) {
                id = begun.id();
                history.complete(begun.finished(Instant.now(), exit, hosts));
            } else { // not started (nothing ran), or its start could not be written
                id = history.start(record(hosts, Instant.now(), exit));
            }
            // the runner's own log lines count runs per process; this names the ID runs and --rerun-failed take
            LOG.info("run {} recorded in the history: {} on {} ({} hosts), exit {}", id, what, pattern, hosts.size(),
                    exit);
            return id;
        } catch (IOException | RuntimeException e) {
            warn(history, e);
            return null;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** @return the inventory as {@code --rerun-failed} can load it from any directory ({@link LocalPaths#spec}) */
    private String inventory() {
        String spec = options != null && options.inventory() != null ? options.inventory() : null;
        if (spec == null) {
            try {
                spec = ctx.runner().defaults().inventory();
            } catch (RuntimeException e) {
                return null;
            }
        }
        return spec == null ? null : LocalPaths.spec(spec);
    }

    /**
     * What names a recorded run at the end of the summary line (the line itself stays as scripts read it).
     *
     * @param id the run's ID
     * @param failed whether a host failed or was unreachable
     * @return {@code ; run 42}, or {@code ; run 42 (--rerun-failed 42 runs the failed hosts again)}
     */
    static String suffix(long id, boolean failed) {
        return "; run " + id + (failed ? " (--rerun-failed " + id + " runs the failed hosts again)" : "");
    }
}
