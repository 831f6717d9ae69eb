package io.conduit.core.shell;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

import io.conduit.api.connection.ExecResult;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Status;

/**
 * Prints a run's results: each host as soon as it finishes (a block like Ansible's ad-hoc output, one line, or
 * one JSON object per line), then the summary; or, with {@code --json}, one document at the end.
 *
 * <p>The runner calls {@link #finished} from its worker threads at once. Each call renders and writes its host
 * whole under one lock, so blocks never interleave; {@link #end} prints the hosts no worker reported (a worker
 * still stopping after Ctrl-C) and the summary under the same lock and closes the printer: nothing, neither a
 * block nor a progress line, comes after the summary. The lock is held while writing, so a stalled stdout stalls
 * the hosts' reports (never their commands).
 */
final class ResultPrinter implements RunListener {
    /** How results are shown. */
    enum Format {
        /** A header line per host, then its output indented (stderr behind {@code !}). */
        BLOCKS,
        /** One line per host, newlines shown as {@code \n} (Ansible's {@code --one-line}). */
        ONE_LINE,
        /** One JSON document when the run ends. */
        JSON,
        /** One JSON object per line: each host as it finishes, then {@code {"summary": ...}}. */
        JSON_LINES
    }

    static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();
    static final Gson COMPACT = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
    /** With {@code --json} nothing shows until the end: a progress line on stderr after this long without one. */
    private static final long QUIET_NANOS = 2_000_000_000L;

    private final Format format;
    private final boolean raw;
    private final HostFiles files;
    private final PrintStream out;
    private final PrintStream err;
    private final long start = System.nanoTime();
    private final Object lock = new Object();
    // all guarded by lock
    private final Set<String> reported = new HashSet<>();
    private boolean closed;
    private boolean filesFailed;
    private int total;
    private int failed;
    private long lastProgress = start;
    /** Each host's node in a cluster run (filled before the host is reported), or {@code null}: no node shown. */
    private volatile Map<String, String> nodes;

    /**
     * @param format how to show results
     * @param raw write the hosts' output bytes as they are (the block view only), instead of escaped
     * @param files where to keep each host's stdout and stderr, or {@code null}
     * @param out where results go
     * @param err where progress and problems writing files go
     */
    ResultPrinter(Format format, boolean raw, HostFiles files, PrintStream out, PrintStream err) {
        this.format = format;
        this.raw = raw;
        this.files = files;
        this.out = out;
        this.err = err;
    }

    /**
     * Shows each host's node (a cluster run): a {@code node} column in the blocks and one-line views, a
     * {@code "node"} key after {@code "host"} in the JSON views. Without a call the output is as on one node.
     *
     * @param byHost each host's node, filled by the run before it reports the host; a host without one (skipped)
     *        shows {@code -} and {@code null}
     */
    void nodes(Map<String, String> byHost) {
        nodes = byHost;
    }

    @Override
    public void started(int hosts) {
        synchronized (lock) {
            total = hosts;
        }
    }

    @Override
    public void finished(HostResult host) {
        // a worker reports with its interrupt still set (a host timeout, Ctrl-C): writing to an interruptible
        // channel then would close it, and every later line, the summary included, would be lost
        boolean interrupted = Thread.interrupted();
        try {
            synchronized (lock) {
                if (closed || !reported.add(host.host())) {
                    return;
                }
                report(host);
                if (format == Format.JSON) {
                    progress();
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Prints what no worker reported and closes: later reports are ignored. Call it once, after the run returned.
     * The summary (or the whole document for {@link Format#JSON}) is returned, not printed: it is the command's
     * value, which the console prints next, so nothing comes after it.
     *
     * @param result the run's result
     * @return the summary line, the summary object ({@link Format#JSON_LINES}) or the document, without a line end
     */
    String end(RunResult result) {
        return end(result, null);
    }

    /**
     * {@link #end(RunResult)} for a run the history recorded: the summary line ends with its ID
     * ({@link RunLog#suffix}), {@code --json} starts with {@code "run": ID}, and {@code --json-lines}' summary record
     * ends with it.
     *
     * @param result the run's result
     * @param run the run's ID in the history, or {@code null} when it was not recorded
     * @return the summary, the summary object or the document, without a line end
     */
    String end(RunResult result, Long run) {
        synchronized (lock) {
            close(result);
            return switch (format) {
                case JSON -> GSON.toJson(withNodes(toJson(result, run)));
                case JSON_LINES -> {
                    Map<String, Object> last = new LinkedHashMap<>();
                    last.put("summary", summary(result));
                    if (run != null) {
                        last.put("run", run);
                    }
                    yield COMPACT.toJson(last);
                }
                default -> summaryLine(result) + (run == null ? "" : RunLog.suffix(run, !result.succeeded()));
            };
        }
    }

    /**
     * Prints what no worker reported and closes, without the summary: after this {@link #filesFailed()} is final.
     * {@link #end} calls it too; calling both is fine.
     *
     * @param result the run's result
     */
    void close(RunResult result) {
        synchronized (lock) {
            if (!closed) {
                for (HostResult host : result.hosts()) {
                    if (reported.add(host.host())) {
                        report(host);
                    }
                }
                out.flush();
                closed = true;
            }
        }
    }

    /** @return whether a host's -o or -e file could not be written (each was said on stderr) */
    boolean filesFailed() {
        synchronized (lock) {
            return filesFailed;
        }
    }

    private void report(HostResult host) {
        if (host.status() == Status.FAILED || host.status() == Status.UNREACHABLE) {
            failed++; // a skipped host did not fail
        }
        if (files != null) {
            String problem = files.save(host);
            if (problem != null) {
                filesFailed = true;
                err.println("conduit: " + problem + "; " + HostText.escape(host.host())
                        + "'s output is only in what is printed here");
            }
        }
        switch (format) {
            case BLOCKS -> block(host);
            case ONE_LINE -> out.println(oneLine(host, node(host)));
            case JSON_LINES -> out.println(COMPACT.toJson(withNode(host(host))));
            case JSON -> {
                return; // printed whole by end()
            }
            default -> throw new IllegalStateException(format.name());
        }
        out.flush();
    }

    private void progress() {
        long now = System.nanoTime();
        if (now - lastProgress >= QUIET_NANOS && reported.size() < total) {
            lastProgress = now;
            err.printf("conduit: %d/%d hosts done, %d failed or unreachable, %d s%n", reported.size(), total, failed,
                    (now - start) / 1_000_000_000L);
        }
    }

    /** @return the host's node in a cluster run ({@code -} for none), or {@code null} outside one */
    private String node(HostResult host) {
        Map<String, String> n = nodes;
        return n == null ? null : n.getOrDefault(host.host(), "-");
    }

    /** A host's JSON object with its node after its name, in a cluster run; as it is otherwise. */
    private Map<String, Object> withNode(Map<String, Object> host) {
        Map<String, String> n = nodes;
        if (n == null) {
            return host;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        host.forEach((k, v) -> {
            m.put(k, v);
            if (k.equals("host")) {
                m.put("node", n.get(String.valueOf(v)));
            }
        });
        return m;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> withNodes(Map<String, Object> doc) {
        if (nodes != null) {
            doc.put("hosts", ((List<Map<String, Object>>) doc.get("hosts")).stream().map(this::withNode).toList());
        }
        return doc;
    }

    private static String header(HostResult host, String node) {
        StringBuilder head = new StringBuilder(HostText.escape(host.host())).append(" | ")
                .append(host.status().name());
        if (host.exitCode() != null) {
            head.append(" | rc=").append(host.exitCode());
        }
        head.append(" | ").append(host.duration().toMillis()).append(" ms");
        if (node != null) {
            head.append(" | node ").append(HostText.escape(node));
        }
        String error = host.error();
        if (error != null && host.exitCode() != null && error.startsWith("exit code " + host.exitCode())) {
            // rc= says it already; what follows it (after how many tries) still shows
            error = error.substring(("exit code " + host.exitCode()).length()).replaceFirst("^[;,]?\\s*", "");
        }
        if (error != null && !error.isEmpty()) {
            head.append(" | ").append(HostText.escape(error));
        }
        return head.toString();
    }

    private void block(HostResult host) {
        out.println(header(host, node(host)));
        stream(host.stdout(), host.stdoutDropped(), "stdout", "  ");
        stream(host.stderr(), host.stderrDropped(), "stderr", "  ! ");
    }

    private void stream(byte[] bytes, long dropped, String name, String prefix) {
        if (raw) {
            // the bytes as they came, only cut into lines to indent them
            int end = bytes.length > 0 && bytes[bytes.length - 1] == '\n' ? bytes.length - 1 : bytes.length;
            for (int from = 0; bytes.length > 0 && from <= end;) {
                int nl = from;
                while (nl < end && bytes[nl] != '\n') {
                    nl++;
                }
                out.print(prefix);
                out.write(bytes, from, nl - from);
                out.println();
                from = nl + 1;
            }
        } else if (bytes.length > 0) {
            String text = HostText.escape(bytes, false);
            String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
            for (String line : body.split("\n", -1)) {
                out.println(prefix + line);
            }
        }
        if (dropped != 0) {
            out.println("  [" + name + " truncated at the output limit: " + dropped(dropped) + "]");
        }
    }

    private static String dropped(long dropped) {
        return dropped == ExecResult.UNCOUNTED ? "the plugin did not say how many bytes were dropped"
                : dropped + (dropped == 1 ? " byte" : " bytes") + " dropped";
    }

    static String oneLine(HostResult host) {
        return oneLine(host, null);
    }

    /** {@link #oneLine(HostResult)} with the host's node after its duration, when it has one. */
    static String oneLine(HostResult host, String node) {
        StringBuilder line = new StringBuilder(header(host, node));
        oneLineStream(line, host.stdout(), host.stdoutDropped(), "stdout");
        oneLineStream(line, host.stderr(), host.stderrDropped(), "stderr");
        return line.toString();
    }

    private static void oneLineStream(StringBuilder line, byte[] bytes, long dropped, String name) {
        if (bytes.length == 0 && dropped == 0) {
            return;
        }
        int end = bytes.length;
        if (end > 0 && bytes[end - 1] == '\n') {
            end -= end > 1 && bytes[end - 2] == '\r' ? 2 : 1; // the last line end, as the block view drops it
        }
        line.append(" | (").append(name).append(") ")
                .append(HostText.escape(Arrays.copyOf(bytes, end), true));
        if (dropped != 0) {
            line.append(" [truncated: ").append(dropped(dropped)).append("]");
        }
    }

    /**
     * @param result a run's result
     * @return {@code N hosts: a ok, b changed, c failed, d unreachable (t s)}, "1 host" for one; {@code , e skipped}
     *         follows the unreachable count when a host was skipped (check mode, a failure policy's limit, run once)
     */
    static String summaryLine(RunResult result) {
        Map<Status, Integer> s = result.summary();
        int n = result.hosts().size();
        int skipped = s.get(Status.SKIPPED);
        return String.format(Locale.ROOT, "%d %s: %d ok, %d changed, %d failed, %d unreachable%s (%.1f s)",
                n, n == 1 ? "host" : "hosts", s.get(Status.OK), s.get(Status.CHANGED), s.get(Status.FAILED),
                s.get(Status.UNREACHABLE), skipped > 0 ? ", " + skipped + " skipped" : "",
                result.duration().toMillis() / 1000.0);
    }

    /**
     * One host as JSON. {@code stdout}/{@code stderr} are the text when the bytes are valid UTF-8; otherwise
     * they are {@code null} and {@code stdout_base64}/{@code stderr_base64} carry the bytes. When a stream was
     * cut, {@code stdout_truncated}, {@code stderr_truncated}, {@code stdout_dropped} and {@code stderr_dropped}
     * (bytes, {@code null} when the plugin did not count them) are added.
     *
     * @param h the host's result
     * @return the object's keys and values, in the documented order
     */
    static Map<String, Object> host(HostResult h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("host", h.host());
        m.put("status", h.status().name().toLowerCase(Locale.ROOT));
        m.put("exit_code", h.exitCode());
        output(m, "stdout", h.stdout());
        output(m, "stderr", h.stderr());
        m.put("error", h.error());
        m.put("duration_ms", h.duration().toMillis());
        if (h.stdoutTruncated() || h.stderrTruncated()) {
            m.put("stdout_truncated", h.stdoutTruncated());
            m.put("stderr_truncated", h.stderrTruncated());
            m.put("stdout_dropped", h.stdoutDropped() == ExecResult.UNCOUNTED ? null : h.stdoutDropped());
            m.put("stderr_dropped", h.stderrDropped() == ExecResult.UNCOUNTED ? null : h.stderrDropped());
        }
        return m;
    }

    private static void output(Map<String, Object> m, String name, byte[] bytes) {
        String text = HostText.utf8OrNull(bytes);
        m.put(name, text);
        if (text == null) {
            m.put(name + "_base64", Base64.getEncoder().encodeToString(bytes));
        }
    }

    private static Map<String, Object> summary(RunResult result) {
        Map<Status, Integer> s = result.summary();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("hosts", result.hosts().size());
        summary.put("ok", s.get(Status.OK));
        summary.put("changed", s.get(Status.CHANGED));
        summary.put("failed", s.get(Status.FAILED));
        summary.put("unreachable", s.get(Status.UNREACHABLE));
        summary.put("skipped", s.get(Status.SKIPPED));
        summary.put("duration_ms", result.duration().toMillis());
        return summary;
    }

    static Map<String, Object> toJson(RunResult result) {
        return toJson(result, null);
    }

    /**
     * @param result the run's result
     * @param run its ID in the history, or {@code null}: then there is no {@code "run"} key
     * @return {@code {"run": ID, "hosts": [...], "summary": {...}}}
     */
    static Map<String, Object> toJson(RunResult result, Long run) {
        List<Map<String, Object>> hosts = new ArrayList<>();
        result.hosts().forEach(h -> hosts.add(host(h)));
        Map<String, Object> doc = new LinkedHashMap<>();
        if (run != null) {
            doc.put("run", run);
        }
        doc.put("hosts", hosts);
        doc.put("summary", summary(result));
        return doc;
    }
}
