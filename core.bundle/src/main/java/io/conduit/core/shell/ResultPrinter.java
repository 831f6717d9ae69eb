package io.conduit.core.shell;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Status;

/** Prints run results: per host blocks by default (like Ansible's ad-hoc output), or one JSON document. */
final class ResultPrinter {
    static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();

    private ResultPrinter() {
    }

    static void print(RunResult result, boolean json, PrintStream out) {
        if (json) {
            out.println(GSON.toJson(toJson(result)));
            return;
        }
        for (HostResult host : result.hosts()) {
            StringBuilder head = new StringBuilder(host.host()).append(" | ")
                    .append(host.status().name());
            if (host.exitCode() != null) {
                head.append(" | rc=").append(host.exitCode());
            }
            head.append(" | ").append(host.duration().toMillis()).append(" ms");
            if (host.error() != null && !(host.exitCode() != null && host.error().startsWith("exit code"))) {
                head.append(" | ").append(host.error());
            }
            out.println(head);
            block(out, host.stdoutText(), host.stdoutTruncated(), "stdout");
            block(out, host.stderrText(), host.stderrTruncated(), "stderr");
        }
        out.println(summaryLine(result));
    }

    private static void block(PrintStream out, String text, boolean truncated, String stream) {
        if (text.isEmpty()) {
            return;
        }
        boolean stderr = stream.equals("stderr");
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        for (String line : body.split("\n", -1)) {
            out.println(stderr ? "  ! " + line : "  " + line);
        }
        if (truncated) {
            out.println("  [" + stream + " truncated at the output limit]");
        }
    }

    static String summaryLine(RunResult result) {
        Map<Status, Integer> s = result.summary();
        return String.format(Locale.ROOT, "%d hosts: %d ok, %d changed, %d failed, %d unreachable (%.1f s)",
                result.hosts().size(), s.get(Status.OK), s.get(Status.CHANGED), s.get(Status.FAILED),
                s.get(Status.UNREACHABLE), result.duration().toMillis() / 1000.0);
    }

    static Map<String, Object> toJson(RunResult result) {
        List<Map<String, Object>> hosts = result.hosts().stream().map(h -> {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("host", h.host());
            m.put("status", h.status().name().toLowerCase(Locale.ROOT));
            m.put("exit_code", h.exitCode());
            m.put("stdout", h.stdoutText());
            m.put("stderr", h.stderrText());
            m.put("error", h.error());
            m.put("duration_ms", h.duration().toMillis());
            if (h.stdoutTruncated() || h.stderrTruncated()) {
                m.put("stdout_truncated", h.stdoutTruncated());
                m.put("stderr_truncated", h.stderrTruncated());
            }
            return m;
        }).toList();
        Map<Status, Integer> s = result.summary();
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("ok", s.get(Status.OK));
        summary.put("changed", s.get(Status.CHANGED));
        summary.put("failed", s.get(Status.FAILED));
        summary.put("unreachable", s.get(Status.UNREACHABLE));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("hosts", hosts);
        doc.put("summary", summary);
        return doc;
    }
}
