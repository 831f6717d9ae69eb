package io.conduit.core.runbook;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.conduit.api.inventory.InventoryException;
import io.conduit.api.task.FailurePolicy;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.task.TaskPlugin;
import io.conduit.core.task.ScopedTask;
import io.conduit.core.task.TaskCatalog;

/**
 * Runs a runbook with Ansible's linear strategy: the pattern is resolved once; the hosts go in the failure policy's
 * batches ({@code serial}); in a batch each step runs on every host still going before the next step starts. A
 * host that fails a step (or is unreachable) skips its remaining steps. After each step the batch's failures are
 * held against the policy ({@code max_fail}, {@code fail_fast}): past it, no further step or batch runs and every
 * host left out reports {@link Status#SKIPPED} with the reason. An interrupt stops the run after the current step.
 *
 * <p>Each host carries its names through the run: {@code facts} (from a task that
 * {@linkplain TaskPlugin#gathersFacts gathers facts}, once per host per run), {@code data} (the inventory's),
 * {@code vars}, {@code inventory_hostname}, {@code groups} and the results steps registered.
 *
 * <p>The inventory is read, and its hosts' values and secrets gathered, once per run: the engine takes one
 * {@link StepRunner#session} for the run and makes every step of every batch through it. A value that cannot be read
 * fails its host in the first step that runs it, with the resolver's message; every secret masks every step.
 */
public final class RunbookEngine {
    private static final Gson GSON = new Gson();

    private final StepRunner runner;
    private final TaskCatalog catalog;

    /**
     * @param runner selects hosts and runs a step on them
     * @param catalog the installed tasks
     */
    public RunbookEngine(StepRunner runner, TaskCatalog catalog) {
        this.runner = runner;
        this.catalog = catalog;
    }

    /** What a host has learnt so far in the run; written between steps, read by the next step's workers. */
    private static final class HostState {
        volatile Map<String, Object> facts;
        final Map<String, Object> registered = new ConcurrentHashMap<>();
        volatile boolean failed;
    }

    /**
     * Runs a runbook.
     *
     * @param runbook the checked runbook
     * @param pattern the host pattern
     * @param options the run's options ({@code null} fields take the defaults); a step's {@code timeout} replaces
     *        the host timeout for that step
     * @param overrides the command line's policy options, over the runbook's ({@link Runbook.PolicyText#NONE} for
     *        none)
     * @param listener told of each step and host result as they come
     * @return every host's result of every step
     * @throws InventoryException the inventory cannot be loaded or the pattern matches no host; nothing ran
     * @throws IllegalArgumentException the merged policy is out of range; nothing ran
     */
    public RunbookResult run(Runbook runbook, String pattern, RunOptions options, Runbook.PolicyText overrides,
            RunbookListener listener) throws InventoryException {
        long started = System.nanoTime();
        RunOptions base = options == null ? RunOptions.defaults() : options;
        Runbook.PolicyText text = runbook.policy().with(overrides == null ? Runbook.PolicyText.NONE : overrides);
        FailurePolicy policy = text.toPolicy();
        RunbookListener told = listener == null ? RunbookListener.NONE : listener;
        // one session for the whole run: the inventory and its hosts' values are gathered once, not per step per batch
        StepRunner session = runner.session(base);
        List<String> hosts = session.select(pattern, base);
        Map<String, HostState> states = new LinkedHashMap<>();
        hosts.forEach(h -> states.put(h, new HostState()));
        List<Runbook.Step> steps = new ArrayList<>();
        if (runbook.gatherFacts()) {
            steps.add(new Runbook.Step(0, 1, "gather facts", RunbookParser.FACTS_TASK, 1, Map.of(),
                    catalog.parameters(RunbookParser.FACTS_TASK, Map.of(), runbook.file() + ": gather_facts"),
                    Map.of(), null, null, null, null, null, 0, null, false, Map.of(), true, 0));
        }
        steps.addAll(runbook.steps());
        int size = policy.batchSize(hosts.size());
        int batches = (hosts.size() + size - 1) / size;
        List<RunbookResult.StepRun> runs = new ArrayList<>();
        String stopped = null;
        boolean interrupted = false;
        for (int b = 0; b < batches; b++) {
            List<String> batch = hosts.subList(b * size, Math.min(hosts.size(), (b + 1) * size));
            int failedInBatch = 0;
            boolean batchSkipped = stopped != null;
            if (batchSkipped) {
                told.batchSkipped(b + 1, batches, batch, stopped);
            }
            for (Runbook.Step step : steps) {
                if (!batchSkipped) {
                    told.stepStarted(step, runbook.steps().size(), b + 1, batches, batch);
                }
                Map<String, HostResult> results = new LinkedHashMap<>();
                List<String> active = new ArrayList<>();
                for (String h : batch) {
                    if (stopped != null) {
                        results.put(h, HostResult.of(h, Status.SKIPPED, stopped));
                    } else if (states.get(h).failed) {
                        results.put(h, HostResult.of(h, Status.SKIPPED, "an earlier step failed on this host"));
                    } else {
                        active.add(h);
                    }
                }
                results.values().forEach(r -> told.finished(step, r));
                if (!active.isEmpty()) {
                    List<String> targets = step.runOnce() ? List.of(active.get(0)) : active;
                    RunResult rr;
                    try {
                        rr = session.runOn(targets, new StepTask(runbook, step, states, catalog),
                                step.timeout() == null ? base : new RunOptions(base.inventory(), base.forks(),
                                        step.timeout(), base.outputLimit(), base.verbosity(), base.check(),
                                        base.diff()),
                                stepPolicy(step, policy, failedInBatch, batch.size(), targets.size()),
                                adjusted(runbook, step, policy, b + 1, told.hosts(step)));
                    } catch (InterruptedException e) {
                        rr = null;
                        interrupted = true;
                    }
                    if (Thread.interrupted()) {
                        interrupted = true; // the runner reports every host, and says it was interrupted so
                    }
                    if (rr != null) {
                        for (HostResult given : rr.hosts()) {
                            HostResult r = adjusted(runbook, step, policy, b + 1, given);
                            results.put(r.host(), r);
                            keep(step, r, states.get(r.host()));
                        }
                    }
                    if (step.runOnce() && rr != null && !rr.hosts().isEmpty()) {
                        HostResult first = rr.hosts().get(0);
                        for (String h : active.subList(1, active.size())) {
                            // as Ansible: the others share the one result (and its failure)
                            HostResult copy = first.status().succeeded() || first.status() == Status.SKIPPED
                                    ? HostResult.of(h, Status.SKIPPED, "run_once: ran on " + first.host())
                                    : HostResult.of(h, Status.FAILED, "run_once: failed on " + first.host());
                            results.put(h, copy);
                            told.finished(step, copy);
                            HostState s = states.get(h);
                            if (step.register() != null) {
                                s.registered.put(step.register(), registered(first, step));
                            }
                            s.failed |= copy.status() == Status.FAILED;
                        }
                    }
                    for (String h : active) {
                        HostResult r = results.get(h);
                        if (r == null) { // interrupted before the runner reported it
                            r = HostResult.of(h, Status.FAILED, "interrupted before it started");
                            results.put(h, r);
                            told.finished(step, r);
                        }
                        if (r.status() == Status.FAILED || r.status() == Status.UNREACHABLE) {
                            failedInBatch++;
                        }
                    }
                    if (interrupted && stopped == null) {
                        stopped = "the run was interrupted";
                    } else if (stopped == null && policy.exceeded(failedInBatch, batch.size())) {
                        stopped = reason(policy, failedInBatch, batch.size(), b + 1, step);
                    }
                }
                List<HostResult> ordered = new ArrayList<>();
                batch.forEach(h -> ordered.add(results.get(h)));
                runs.add(new RunbookResult.StepRun(step, b + 1, batches, ordered));
            }
        }
        return new RunbookResult(runbook, hosts, runs, stopped, interrupted,
                Duration.ofNanos(System.nanoTime() - started));
    }

    /**
     * The policy of one step on the active hosts of a batch: the step's retries, and the batch's limits carried
     * into the step, so that no further host starts the step once they are passed (the runner checks after each
     * host). {@code fail_fast}: the first failure. {@code max_fail}: the runner counts the step's failures
     * against its own hosts, so the percentage is scaled to let through exactly the failures the batch has left
     * ({@code max_fail} of the batch, less those of earlier steps); when no whole percentage says that exactly
     * (more than 100 hosts in the step) the nearest one above is taken, and the check after the step stops the run.
     *
     * @param failedBefore hosts of the batch that failed in earlier steps
     * @param batch the batch's size
     * @param hosts how many hosts the step runs on
     */
    static FailurePolicy stepPolicy(Runbook.Step step, FailurePolicy policy, int failedBefore, int batch,
            int hosts) {
        int retries = step.retries() != null ? step.retries() : policy.retries();
        Duration delay = step.retryDelay() != null ? step.retryDelay() : policy.retryDelay();
        Integer maxFail = null;
        if (!policy.failFast() && policy.maxFailPercent() != null && hosts > 0) {
            // failures the batch may still have: the most f with (failedBefore + f) * 100 <= max_fail * batch
            long allowed = ((long) policy.maxFailPercent() * batch) / 100 - failedBefore;
            // the least p with floor(p * hosts / 100) >= allowed: the runner stops at allowed + 1 failures
            maxFail = allowed >= hosts ? 100 : (int) Math.max(0, Math.min(100, (allowed * 100 + hosts - 1) / hosts));
        }
        return new FailurePolicy(0, false, maxFail, policy.failFast(), retries, delay, false);
    }

    /**
     * A host's result of a step in the runbook's terms: a time-out at the step's own {@code timeout} says where it
     * is (-t does not change it); a host the runner left out past the limits names the runbook's key and step, not
     * the per-step percentage {@link #stepPolicy} gave the runner.
     */
    private static HostResult adjusted(Runbook runbook, Runbook.Step step, FailurePolicy policy, int batch,
            HostResult r) {
        String hint = "(host timeout; raise it with -t)";
        if (r.error() == null) {
            return r;
        }
        if (step.timeout() != null && r.error().contains(hint)) {
            return r.with(r.exec(), r.error().replace(hint, "(the step's timeout, " + runbook.file() + ":"
                    + step.timeoutLine() + "; raise it there)"));
        }
        if (r.status() == Status.SKIPPED && r.error().startsWith("not run: ")) {
            return r.with(r.exec(), "not run: " + (policy.failFast() ? "fail_fast, and a host failed"
                    : "more than max_fail " + policy.maxFailPercent() + "% of the batch's hosts failed") + " in step "
                    + (step.index() == 0 ? "gather facts" : step.index() + " (" + step.name() + ")") + " of batch "
                    + batch);
        }
        return r;
    }

    private static io.conduit.api.task.RunListener adjusted(Runbook runbook, Runbook.Step step,
            FailurePolicy policy, int batch, io.conduit.api.task.RunListener to) {
        if (to == null) {
            return null;
        }
        return new io.conduit.api.task.RunListener() {
            @Override
            public void started(int hosts) {
                to.started(hosts);
            }

            @Override
            public void finished(HostResult result) {
                to.finished(adjusted(runbook, step, policy, batch, result));
            }

            @Override
            public void warned(String host, String warning) {
                to.warned(host, warning);
            }

            @Override
            public void trace(String host, int level, String line) {
                to.trace(host, level, line);
            }
        };
    }

    private static String reason(FailurePolicy policy, int failed, int size, int batch, Runbook.Step step) {
        String where = "step " + (step.index() == 0 ? "gather facts" : step.index() + " (" + step.name() + ")")
                + " of batch " + batch;
        if (policy.failFast()) {
            return "not run: fail_fast, and a host failed in " + where;
        }
        return String.format(Locale.ROOT, "not run: %d of %d hosts failed in %s, more than max_fail %d%%", failed,
                size, where, policy.maxFailPercent());
    }

    /** Keeps what a host's result teaches the later steps: facts, the registered result, whether it failed. */
    private static void keep(Runbook.Step step, HostResult r, HostState state) {
        if (state == null) {
            return;
        }
        if (r.status() == Status.FAILED || r.status() == Status.UNREACHABLE) {
            state.failed = true;
        }
        Map<String, Object> facts = r.status().succeeded() && isFactsStep(step) ? facts(r) : null;
        if (facts != null) {
            state.facts = facts;
        }
        if (step.register() != null) {
            state.registered.put(step.register(), registered(r, step));
        }
    }

    private static boolean isFactsStep(Runbook.Step step) {
        return step.gathersFacts();
    }

    /**
     * A step's result as conditions and templates see it under its {@code register} name (Ansible's keys).
     *
     * @param r the host's result
     * @param step the step
     * @return status ({@code ok}, {@code changed}, {@code failed}, {@code unreachable}, {@code skipped}), changed,
     *         failed, skipped, rc ({@code null} when no command ran to its end), stdout, stderr, stdout_lines,
     *         error, and for a facts task facts
     */
    static Map<String, Object> registered(HostResult r, Runbook.Step step) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", r.status().name().toLowerCase(Locale.ROOT));
        m.put("changed", r.status() == Status.CHANGED);
        m.put("failed", r.status() == Status.FAILED || r.status() == Status.UNREACHABLE);
        m.put("skipped", r.status() == Status.SKIPPED);
        m.put("rc", r.exitCode() == null ? null : (long) r.exitCode());
        String out = r.exec().stdoutText();
        m.put("stdout", out);
        m.put("stderr", r.exec().stderrText());
        List<String> lines = out.isEmpty() ? List.of() : List.of(out.split("\r?\n"));
        m.put("stdout_lines", lines);
        m.put("error", r.error());
        if (isFactsStep(step)) {
            Map<String, Object> facts = r.status().succeeded() ? facts(r) : null;
            m.put("facts", facts == null ? Map.of() : facts);
        }
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The JSON object a facts task printed, as plain values; {@code null} when it printed none. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> facts(HostResult r) {
        try {
            JsonElement e = JsonParser.parseString(r.exec().stdoutText());
            return e.isJsonObject() ? (Map<String, Object>) plain(e) : null;
        } catch (JsonParseException | IllegalStateException e) {
            return null;
        }
    }

    private static Object plain(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (e.isJsonObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            e.getAsJsonObject().entrySet().forEach(en -> m.put(en.getKey(), plain(en.getValue())));
            return m;
        }
        if (e.isJsonArray()) {
            List<Object> l = new ArrayList<>();
            e.getAsJsonArray().forEach(x -> l.add(plain(x)));
            return l;
        }
        var p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isNumber()) {
            String t = p.getAsString();
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException x) {
                return p.getAsDouble();
            }
        }
        return p.getAsString();
    }

    /**
     * A step on one host: its condition, its parameters rendered with the host's names, then the task, with the
     * step's escalation and the host's names in its context.
     */
    private record StepTask(Runbook runbook, Runbook.Step step, Map<String, HostState> states, TaskCatalog catalog)
            implements Task {

        @Override
        public HostResult execute(TaskContext context) throws IOException {
            String host = context.host().name();
            HostState state = states.get(host);
            Map<String, Object> names = names(context, state);
            if (step.when() != null) {
                boolean go;
                try {
                    go = step.when().test(names);
                } catch (IllegalArgumentException e) {
                    return HostResult.of(host, Status.FAILED, runbook.file() + ":" + step.whenLine() + ": "
                            + step.path() + ".when: " + e.getMessage());
                }
                if (!go) {
                    return HostResult.of(host, Status.SKIPPED, "when: " + step.when().text() + " was false");
                }
            }
            if (isFactsStep(step) && state != null && state.facts != null) {
                // gathered once per host per run: a later facts step reports what is known
                return HostResult.text(host, Status.OK, GSON.toJson(state.facts));
            }
            Task task;
            try {
                Map<String, Object> params = step.converted();
                if (params == null) {
                    Map<String, Object> rendered = new LinkedHashMap<>();
                    for (Map.Entry<String, Object> e : step.given().entrySet()) {
                        try {
                            rendered.put(e.getKey(), Expressions.renderValue(e.getValue(), step.templates(), names));
                        } catch (IllegalArgumentException x) {
                            throw new IllegalArgumentException(runbook.file() + ":" + step.lines().getOrDefault(
                                    e.getKey(), step.taskLine()) + ": " + step.path() + "." + step.task() + "."
                                    + e.getKey() + ": " + x.getMessage(), x);
                        }
                    }
                    params = converted(rendered);
                }
                task = catalog.task(step.task(), params);
            } catch (IllegalArgumentException e) {
                return HostResult.of(host, Status.FAILED, e.getMessage());
            }
            Map<String, Object> frozen = java.util.Collections.unmodifiableMap(names);
            return new ScopedTask(task, step.become(), h -> frozen).execute(context);
        }

        /**
         * The rendered parameters converted to their types, on this host: a number or duration given as
         * {@code {{ }}} is judged only now. A problem names the parameter's line and says the value was rendered.
         */
        private Map<String, Object> converted(Map<String, Object> rendered) {
            try {
                return catalog.parameters(step.task(), rendered, "");
            } catch (IllegalArgumentException e) {
                List<String> out = new ArrayList<>();
                for (String line : e.getMessage().split("\n")) {
                    String m = line.startsWith(": ") ? line.substring(2) : line;
                    String rest = m.startsWith(step.task() + ": ") ? m.substring(step.task().length() + 2) : m;
                    String key = null;
                    for (String k : step.lines().keySet()) {
                        if (rest.startsWith(k + ":")) {
                            key = k;
                            rest = rest.substring(k.length() + 1).trim();
                            break;
                        }
                    }
                    boolean templated = key != null && step.given().get(key) instanceof String t
                            && Expressions.isTemplate(t);
                    out.add(runbook.file() + ":" + (key == null ? step.taskLine() : step.lines().get(key)) + ": "
                            + step.path() + "." + step.task() + (key == null ? "" : "." + key) + ": " + rest
                            + (templated ? " (as rendered on this host from " + step.given().get(key) + ")" : ""));
                }
                throw new IllegalArgumentException(String.join("\n", out), e);
            }
        }

        private Map<String, Object> names(TaskContext context, HostState state) {
            Map<String, Object> names = new LinkedHashMap<>();
            if (state != null) {
                names.putAll(state.registered);
            }
            names.putAll(context.variables()); // data, inventory_hostname, groups: as every task sees them
            names.put("facts", state == null || state.facts == null ? Map.of() : state.facts);
            names.put("vars", runbook.vars());
            return names;
        }

        @Override
        public String describe() {
            return step.task() + " (" + runbook.file() + " " + step.path() + ")";
        }
    }
}
