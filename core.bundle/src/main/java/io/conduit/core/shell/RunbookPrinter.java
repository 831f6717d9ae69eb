package io.conduit.core.shell;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.Status;
import io.conduit.core.runbook.Runbook;
import io.conduit.core.runbook.RunbookListener;
import io.conduit.core.runbook.RunbookResult;

/**
 * Prints a runbook's results: by default a header per step (and batch) with each host's result under it as
 * {@code conduit:run} prints it, then a recap per host (Ansible's PLAY RECAP); {@code --json-lines} each host's
 * result as it comes, with its step, then a summary line; {@code --json} one document at the end.
 */
final class RunbookPrinter implements RunbookListener {
    private final ResultPrinter.Format format;
    private final PrintStream out;
    private final PrintStream err;
    private final Integer verbosity;
    /** The insecure choices hosts' connections were opened with, said once when the runbook ends. */
    private final Map<String, java.util.Set<String>> insecure = new LinkedHashMap<>();
    private ResultPrinter step;

    /**
     * @param format {@link ResultPrinter.Format#BLOCKS}, {@link ResultPrinter.Format#JSON} or
     *        {@link ResultPrinter.Format#JSON_LINES}
     * @param out where results go
     * @param err where problems, {@code -v} trace lines and the insecure choices go
     * @param verbosity the run's {@code -v} count
     */
    RunbookPrinter(ResultPrinter.Format format, PrintStream out, PrintStream err, Integer verbosity) {
        this.format = format;
        this.out = out;
        this.err = err;
        this.verbosity = verbosity;
    }

    @Override
    public RunListener hosts(Runbook.Step s) {
        RunListener results = RunbookListener.super.hosts(s);
        return TracePrinter.around(new RunListener() {
            @Override
            public void finished(HostResult result) {
                results.finished(result);
            }

            @Override
            public void warned(String host, String warning) {
                synchronized (insecure) {
                    insecure.computeIfAbsent(warning, w -> new java.util.TreeSet<>()).add(host);
                }
            }
        }, verbosity, err);
    }

    @Override
    public synchronized void stepStarted(Runbook.Step s, int steps, int batch, int batches, List<String> hosts) {
        if (format != ResultPrinter.Format.BLOCKS) {
            return;
        }
        out.println(header(s, steps, batch, batches));
        step = new ResultPrinter(ResultPrinter.Format.BLOCKS, false, null, out, err);
        step.started(hosts.size());
    }

    @Override
    public synchronized void batchSkipped(int batch, int batches, List<String> hosts, String reason) {
        if (format != ResultPrinter.Format.BLOCKS) {
            return;
        }
        step = null; // each host's skipped steps are in the recap, --json and --json-lines
        out.println("== batch " + batch + "/" + batches + " (" + hosts.size() + (hosts.size() == 1 ? " host" : " hosts")
                + ": " + HostText.escape(String.join(", ", hosts.size() > 5 ? hosts.subList(0, 5) : hosts))
                + (hosts.size() > 5 ? ", ..." : "") + ") " + reason + " ==");
        out.flush();
    }

    static String header(Runbook.Step s, int steps, int batch, int batches) {
        String what = s.index() == 0 ? "gather facts (" + s.task() + ")"
                : "step " + s.index() + "/" + steps + ": " + HostText.escape(s.name()) + " (" + s.task() + ")";
        return "== " + what + (batches > 1 ? ", batch " + batch + "/" + batches : "") + " ==";
    }

    @Override
    public synchronized void finished(Runbook.Step s, HostResult result) {
        if (format == ResultPrinter.Format.BLOCKS && step != null) {
            step.finished(result);
        } else if (format == ResultPrinter.Format.JSON_LINES) {
            out.println(ResultPrinter.COMPACT.toJson(line(s, result)));
            out.flush();
        }
    }

    private static Map<String, Object> line(Runbook.Step s, HostResult result) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("step", s.index());
        m.put("step_name", s.name());
        m.put("task", s.task());
        m.putAll(ResultPrinter.host(result));
        return m;
    }

    /**
     * @param result the runbook's result
     * @return what is left to print: the recap (default), the summary line ({@code --json-lines}) or the document
     */
    String end(RunbookResult result) {
        return end(result, null);
    }

    /**
     * @param result the runbook's result
     * @param run its ID in the run history, or {@code null} when it was not recorded: named at the end of the
     *        recap's last line, first in the {@code --json} document, last in the {@code --json-lines} summary record
     * @return what is left to print: the recap (default), the summary line ({@code --json-lines}) or the document
     */
    synchronized String end(RunbookResult result, Long run) {
        synchronized (insecure) {
            if (!insecure.isEmpty()) {
                err.println(InsecureNotice.line(insecure));
            }
        }
        return switch (format) {
            case JSON -> {
                Map<String, Object> doc = new LinkedHashMap<>();
                if (run != null) {
                    doc.put("run", run);
                }
                doc.putAll(document(result));
                yield ResultPrinter.GSON.toJson(doc);
            }
            case JSON_LINES -> {
                Map<String, Object> last = new LinkedHashMap<>();
                last.put("summary", summary(result));
                if (run != null) {
                    last.put("run", run);
                }
                yield ResultPrinter.COMPACT.toJson(last);
            }
            default -> recap(result) + (run == null ? "" : RunLog.suffix(run, !result.succeeded()));
        };
    }

    private static String recap(RunbookResult result) {
        Table table = new Table("HOST", "OK", "CHANGED", "FAILED", "UNREACHABLE", "SKIPPED")
                .above("== recap: " + HostText.escape(result.runbook().name()) + " ==");
        result.recap().forEach((host, c) -> table.row(HostText.escape(host), c.get(Status.OK),
                c.get(Status.CHANGED), c.get(Status.FAILED), c.get(Status.UNREACHABLE), c.get(Status.SKIPPED)));
        if (result.stopped() != null) {
            table.below("stopped: " + result.stopped().replaceFirst("^not run: ", ""));
        }
        table.below(String.format(Locale.ROOT, "%d %s, %d %s (%.1f s)", result.hosts().size(),
                result.hosts().size() == 1 ? "host" : "hosts", result.runbook().steps().size(),
                result.runbook().steps().size() == 1 ? "step" : "steps", result.duration().toMillis() / 1000.0));
        return table.text();
    }

    private static Map<String, Object> summary(RunbookResult result) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runbook", result.runbook().name());
        m.put("hosts", result.hosts().size());
        m.put("recap", recapJson(result));
        m.put("stopped", result.stopped());
        m.put("duration_ms", result.duration().toMillis());
        return m;
    }

    private static Map<String, Object> recapJson(RunbookResult result) {
        Map<String, Object> recap = new LinkedHashMap<>();
        result.recap().forEach((host, c) -> {
            Map<String, Object> counts = new LinkedHashMap<>();
            for (Status s : List.of(Status.OK, Status.CHANGED, Status.FAILED, Status.UNREACHABLE, Status.SKIPPED)) {
                counts.put(s.name().toLowerCase(Locale.ROOT), c.get(s));
            }
            recap.put(host, counts);
        });
        return recap;
    }

    static Map<String, Object> document(RunbookResult result) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("runbook", result.runbook().name());
        doc.put("file", result.runbook().file());
        List<Map<String, Object>> steps = new ArrayList<>();
        for (RunbookResult.StepRun run : result.steps()) {
            Map<String, Object> s = new LinkedHashMap<>();
            s.put("index", run.step().index());
            s.put("name", run.step().name());
            s.put("task", run.step().task());
            s.put("batch", run.batch());
            List<Map<String, Object>> hosts = new ArrayList<>();
            run.results().forEach(h -> hosts.add(ResultPrinter.host(h)));
            s.put("hosts", hosts);
            steps.add(s);
        }
        doc.put("steps", steps);
        doc.put("recap", recapJson(result));
        doc.put("stopped", result.stopped());
        doc.put("duration_ms", result.duration().toMillis());
        return doc;
    }
}
