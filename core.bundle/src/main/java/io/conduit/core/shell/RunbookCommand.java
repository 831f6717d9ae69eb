package io.conduit.core.shell;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import io.conduit.api.inventory.InventoryException;
import io.conduit.api.task.FailurePolicy;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Task;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.runbook.Runbook;
import io.conduit.core.runbook.RunbookEngine;
import io.conduit.core.runbook.RunbookException;
import io.conduit.core.runbook.RunbookParser;
import io.conduit.core.runbook.RunbookResult;
import io.conduit.core.runbook.StepRunner;
import io.conduit.core.task.TaskCatalog;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runbook FILE PATTERN}: checks a runbook whole, then runs its steps on the hosts, batch by batch. */
@picocli.CommandLine.Command(name = "runbook", description = {
    "Runs a runbook (a YAML file of steps, each a task) on the hosts the pattern selects, Ansible's linear way:"
            + " each step on every host of a batch before the next step; a host that fails a step skips the rest."
            + " The whole file is checked first: any problem (named FILE:LINE: KEY) and nothing runs.",
    "The failure policy options override the runbook's serial, max_fail, fail_fast, retries and retry_delay;"
            + " fail_fast and max_fail also stop a step: a host not yet started in it does not start.",
    "-t bounds each step on each host (not the whole runbook); a step's own timeout replaces it for that step."},
        footer = {"", "Exit status: 0 every host ok, 2 a host failed or was unreachable, 64 bad runbook or options"
                + " (nothing ran), 130 interrupted (the run stops after the current step).", ""})
final class RunbookCommand implements Callable<CommandOutput> {
    private final ShellContext ctx;
    private final Supplier<TaskCatalog> catalog;

    @Mixin
    Options.RunOptionsMixin run;

    @Option(names = "--json", description = "print one JSON document when the runbook ends")
    boolean json;

    @Option(names = "--json-lines", description = "print one JSON object per line: each host's result of each"
            + " step as it finishes (with step, step_name, task), then {\"summary\": ...}")
    boolean jsonLines;

    @Option(names = {"-e", "--extra-vars"}, paramLabel = "KEY=VALUE", description = "set a runbook variable (vars.KEY"
            + " in conditions and templates), over the runbook's own; repeatable; read as YAML reads a value: 3, 0.5,"
            + " true/false are a number or boolean, the rest text")
    Map<String, String> extraVars = new LinkedHashMap<>();

    @Mixin
    Options.PolicyMixin policy;

    @Mixin
    Options.CheckMixin checks;

    @Mixin
    Options.RerunMixin rerun;

    @Parameters(index = "0", paramLabel = "FILE", description = "the runbook (YAML)")
    String file;

    @Parameters(index = "1", paramLabel = "PATTERN", description = "host pattern: all, names, globs, groups,"
            + " a:b, a:&b, a:!b")
    String pattern;

    RunbookCommand(ShellContext ctx, Supplier<TaskCatalog> catalog) {
        this.ctx = ctx;
        this.catalog = catalog;
    }

    @Override
    public CommandOutput call() throws Exception {
        if (json && jsonLines) {
            throw new IllegalArgumentException("--json and --json-lines each choose how results are printed; give"
                    + " one of them");
        }
        Runbook.PolicyText overrides = policy.given(); // a bad option is refused first, before the file is read
        TaskCatalog tasks = catalog.get();
        if (tasks == null) {
            throw new IllegalArgumentException("no task registry is running, so no task can be named; check that"
                    + " the core bundle is active (felix:lb); nothing ran");
        }
        if (!(ctx.runner() instanceof ForkingRunner forking)) {
            throw new IllegalArgumentException("the runner service is not the core's; runbooks need it");
        }
        RunOptions options = checks.withCheck(run.runOptions());
        Runbook runbook;
        try {
            runbook = new RunbookParser(tasks).read(Args.localPath(file), new LinkedHashMap<>(extraVars));
        } catch (RunbookException e) {
            e.problems().forEach(p -> ctx.err().println("conduit: " + p));
            ctx.err().println("conduit: runbook: " + e.problems().size() + (e.problems().size() == 1 ? " problem"
                    : " problems") + " in " + file + "; nothing ran");
            return Text.failed(Args.EXIT_USAGE);
        }
        runbook.policy().with(overrides).toPolicy(); // out of range: refused before anything runs
        ResultPrinter.Format format = json ? ResultPrinter.Format.JSON : jsonLines ? ResultPrinter.Format.JSON_LINES
                : ResultPrinter.Format.BLOCKS;
        RunLog log = new RunLog(ctx, "runbook", "runbook " + file, pattern, options, policy.describe(),
                checks.check);
        StepRunner steps = StepRunner.of(forking);
        if (rerun.run != null) {
            // the engine selects the hosts that failed in that run among those the pattern selects, and no other
            List<String> hosts = log.rerun(rerun.run, forking::select);
            if (hosts.isEmpty()) {
                return Text.ok(""); // nothing to rerun, said on stderr
            }
            steps = only(steps, hosts);
            options = log.options(); // run ID's inventory when no -i was given
        }
        log.start(); // the ID is claimed now: runs shows the run in progress, and a killed one as interrupted
        RunbookPrinter printer = new RunbookPrinter(format, ctx.out(), ctx.err(), options.verbosity());
        RunbookResult result;
        try {
            result = new RunbookEngine(steps, tasks).run(runbook, pattern, options, overrides, printer);
        } catch (Exception e) {
            log.abandon(); // nothing ran (the inventory, the pattern): no record, as before IDs were claimed early
            throw e;
        }
        String text = printer.end(result, log.finish(result));
        if (result.interrupted()) {
            ctx.err().println("interrupted: the run stopped after the step in flight; the steps after it did not"
                    + " run");
        }
        return new RunReport(null, text, result.exitStatus());
    }

    /** @return a step runner whose selection is the given hosts (already the pattern's, in inventory order) */
    private static StepRunner only(StepRunner runner, List<String> hosts) {
        return new StepRunner() {
            @Override
            public List<String> select(String pattern, RunOptions options) {
                return hosts;
            }

            @Override
            public RunResult runOn(List<String> names, Task task, RunOptions options, FailurePolicy policy,
                    RunListener listener) throws InventoryException, InterruptedException {
                return runner.runOn(names, task, options, policy, listener);
            }

            @Override
            public StepRunner session(RunOptions options) throws InventoryException {
                return only(runner.session(options), hosts);
            }
        };
    }
}
