package io.conduit.core.cluster;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.Secret;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.Status;

/**
 * The JSON the core writes for the cluster: works ({@link ClusterWork}), host records and answers
 * ({@link HostRecord}) and run summaries. Bytes (a command's input, a host's output) are base64; durations are
 * milliseconds. The same codec on every node reads what any node wrote; a field it does not know is ignored, one it
 * misses takes its empty value.
 */
public final class WorkCodec {
    private WorkCodec() {
    }

    /**
     * @param work a work
     * @return its JSON, UTF-8
     */
    public static byte[] work(ClusterWork work) {
        JsonObject o = new JsonObject();
        o.addProperty("run", work.run());
        o.addProperty("origin", work.origin());
        o.addProperty("kind", work.kind().name().toLowerCase(java.util.Locale.ROOT));
        if (work.command() != null) {
            o.add("command", command(work.command()));
        }
        o.addProperty("task", work.task());
        o.add("params", strings(work.params()));
        o.add("become", become(work.become()));
        RunOptions r = work.options();
        JsonObject opts = new JsonObject();
        opts.addProperty("inventory", r.inventory());
        opts.addProperty("forks", r.forks());
        opts.addProperty("host_timeout_ms", r.hostTimeout() == null ? null : r.hostTimeout().toMillis());
        opts.addProperty("output_limit", r.outputLimit());
        opts.addProperty("verbosity", r.verbosity());
        opts.addProperty("check", r.check());
        opts.addProperty("diff", r.diff());
        o.add("options", opts);
        o.addProperty("retries", work.retries());
        o.addProperty("retry_delay_ms", work.retryDelay().toMillis());
        JsonArray hosts = new JsonArray();
        work.hosts().forEach(hosts::add);
        o.add("hosts", hosts);
        o.addProperty("rerun_interrupted", work.rerunInterrupted());
        return bytes(o);
    }

    /**
     * @param bytes what {@link #work(ClusterWork)} wrote
     * @return the work
     * @throws IllegalArgumentException not a work (the message says what is wrong, never a value)
     */
    public static ClusterWork work(byte[] bytes) {
        try {
            JsonObject o = parse(bytes);
            JsonObject opts = o.getAsJsonObject("options");
            RunOptions options = new RunOptions(str(opts, "inventory"), integer(opts, "forks"),
                    opts.has("host_timeout_ms") && !opts.get("host_timeout_ms").isJsonNull()
                            ? Duration.ofMillis(opts.get("host_timeout_ms").getAsLong()) : null,
                    opts.has("output_limit") && !opts.get("output_limit").isJsonNull()
                            ? opts.get("output_limit").getAsLong() : null,
                    integer(opts, "verbosity"), bool(opts, "check"), bool(opts, "diff"));
            List<String> hosts = new ArrayList<>();
            o.getAsJsonArray("hosts").forEach(h -> hosts.add(h.getAsString()));
            return new ClusterWork(str(o, "run"), str(o, "origin"),
                    ClusterWork.Kind.valueOf(str(o, "kind").toUpperCase(java.util.Locale.ROOT)),
                    o.has("command") ? command(o.getAsJsonObject("command")) : null, str(o, "task"),
                    stringMap(o.get("params")), become(o.get("become")), options, o.get("retries").getAsInt(),
                    Duration.ofMillis(o.get("retry_delay_ms").getAsLong()), hosts,
                    o.get("rerun_interrupted").getAsBoolean());
        } catch (RuntimeException e) {
            // never the message of the parser: it may quote a part of the work
            throw new IllegalArgumentException("the work is not one this node can read (a node of another"
                    + " Conduit version?)");
        }
    }

    /**
     * @param record a host's record
     * @return its JSON, UTF-8
     */
    public static byte[] record(HostRecord record) {
        return bytes(recordJson(record));
    }

    /**
     * @param bytes what {@link #record(HostRecord)} wrote
     * @return the record
     * @throws IllegalArgumentException not a record
     */
    public static HostRecord record(byte[] bytes) {
        try {
            return recordOf(parse(bytes));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("a host record is not one this node can read");
        }
    }

    /**
     * @param results a batch's answer: one done record per host
     * @return its JSON, UTF-8
     */
    public static byte[] answer(List<HostRecord> results) {
        JsonArray a = new JsonArray();
        results.forEach(r -> a.add(recordJson(r)));
        JsonObject o = new JsonObject();
        o.add("results", a);
        return bytes(o);
    }

    /**
     * @param bytes what {@link #answer(List)} wrote
     * @return the records
     * @throws IllegalArgumentException not an answer
     */
    public static List<HostRecord> answer(byte[] bytes) {
        try {
            List<HostRecord> out = new ArrayList<>();
            parse(bytes).getAsJsonArray("results").forEach(e -> out.add(recordOf(e.getAsJsonObject())));
            return out;
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("an answer is not one this node can read");
        }
    }

    /**
     * @param summary a run's summary, plain values only (strings, numbers, booleans, lists and maps of them)
     * @return its JSON, UTF-8
     */
    public static byte[] summary(Map<String, Object> summary) {
        return new com.google.gson.GsonBuilder().serializeNulls().create()
                .toJson(summary).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param bytes what {@link #summary(Map)} wrote
     * @return the summary; numbers are doubles, as Gson reads them
     * @throws IllegalArgumentException not a summary
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> summary(byte[] bytes) {
        try {
            return new com.google.gson.Gson().fromJson(new String(bytes, StandardCharsets.UTF_8), LinkedHashMap.class);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("a run summary is not one this node can read");
        }
    }

    private static JsonObject recordJson(HostRecord r) {
        JsonObject o = new JsonObject();
        o.addProperty("state", r.state());
        o.addProperty("node", r.node());
        o.addProperty("interrupted", r.interrupted());
        if (r.result() != null) {
            HostResult h = r.result();
            JsonObject j = new JsonObject();
            j.addProperty("host", h.host());
            j.addProperty("status", h.status().name());
            j.addProperty("exited", h.exited());
            j.addProperty("exit_code", h.exec().exitCode());
            j.addProperty("stdout", Base64.getEncoder().encodeToString(h.exec().stdout()));
            j.addProperty("stderr", Base64.getEncoder().encodeToString(h.exec().stderr()));
            j.addProperty("stdout_truncated", h.exec().stdoutTruncated());
            j.addProperty("stderr_truncated", h.exec().stderrTruncated());
            j.addProperty("stdout_dropped", h.exec().stdoutDropped());
            j.addProperty("stderr_dropped", h.exec().stderrDropped());
            j.addProperty("error", h.error());
            j.addProperty("duration_ms", h.duration().toMillis());
            o.add("result", j);
        }
        return o;
    }

    private static HostRecord recordOf(JsonObject o) {
        HostResult result = null;
        if (o.has("result") && o.get("result").isJsonObject()) {
            JsonObject j = o.getAsJsonObject("result");
            Duration took = Duration.ofMillis(j.get("duration_ms").getAsLong());
            ExecResult exec = new ExecResult(j.get("exit_code").getAsInt(),
                    Base64.getDecoder().decode(j.get("stdout").getAsString()),
                    Base64.getDecoder().decode(j.get("stderr").getAsString()), took,
                    j.get("stdout_truncated").getAsBoolean(), j.get("stderr_truncated").getAsBoolean(),
                    j.get("stdout_dropped").getAsLong(), j.get("stderr_dropped").getAsLong());
            result = new HostResult(j.get("host").getAsString(), Status.valueOf(j.get("status").getAsString()), exec,
                    j.get("exited").getAsBoolean(), str(j, "error"), took);
        }
        return new HostRecord(str(o, "state"), str(o, "node"), o.has("interrupted")
                && o.get("interrupted").getAsBoolean(), result);
    }

    private static JsonObject command(Command c) {
        JsonObject o = new JsonObject();
        o.addProperty("line", c.line());
        if (c.argv() != null) {
            JsonArray argv = new JsonArray();
            c.argv().forEach(argv::add);
            o.add("argv", argv);
        }
        o.addProperty("stdin", Base64.getEncoder().encodeToString(c.stdin()));
        o.add("env", strings(c.env()));
        o.addProperty("cwd", c.cwd());
        o.addProperty("timeout_ms", c.timeout() == null ? null : c.timeout().toMillis());
        o.addProperty("pty", c.pty());
        o.add("become", become(c.become()));
        JsonArray codes = new JsonArray();
        c.successCodes().stream().sorted().forEach(codes::add);
        o.add("success_codes", codes);
        o.addProperty("output_limit", c.outputLimit());
        return o;
    }

    private static Command command(JsonObject o) {
        List<String> argv = null;
        if (o.has("argv") && o.get("argv").isJsonArray()) {
            argv = new ArrayList<>();
            for (JsonElement e : o.getAsJsonArray("argv")) {
                argv.add(e.getAsString());
            }
        }
        java.util.Set<Integer> codes = new java.util.HashSet<>();
        o.getAsJsonArray("success_codes").forEach(e -> codes.add(e.getAsInt()));
        return new Command(str(o, "line"), argv, Base64.getDecoder().decode(o.get("stdin").getAsString()),
                stringMap(o.get("env")), str(o, "cwd"), o.get("timeout_ms").isJsonNull() ? null
                        : Duration.ofMillis(o.get("timeout_ms").getAsLong()), o.get("pty").getAsBoolean(),
                become(o.get("become")), codes, o.get("output_limit").getAsLong());
    }

    private static JsonElement become(Become b) {
        if (b == null) {
            return JsonNull.INSTANCE;
        }
        JsonObject o = new JsonObject();
        o.addProperty("method", b.method().name());
        o.addProperty("user", b.user());
        o.addProperty("password", b.password() == null ? null : b.password().reveal());
        return o;
    }

    private static Become become(JsonElement e) {
        if (e == null || !e.isJsonObject()) {
            return null;
        }
        JsonObject o = e.getAsJsonObject();
        String password = str(o, "password");
        return new Become(Become.Method.valueOf(str(o, "method")), str(o, "user"),
                password == null ? null : Secret.of(password));
    }

    private static JsonObject strings(Map<String, String> map) {
        JsonObject o = new JsonObject();
        map.forEach(o::addProperty);
        return o;
    }

    private static Map<String, String> stringMap(JsonElement e) {
        Map<String, String> out = new LinkedHashMap<>();
        if (e != null && e.isJsonObject()) {
            e.getAsJsonObject().entrySet().forEach(x -> out.put(x.getKey(), x.getValue().getAsString()));
        }
        return out;
    }

    private static String str(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsString() : null;
    }

    private static Integer integer(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsInt() : null;
    }

    private static Boolean bool(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull() ? o.get(key).getAsBoolean() : null;
    }

    private static JsonObject parse(byte[] bytes) {
        return JsonParser.parseString(new String(bytes, StandardCharsets.UTF_8)).getAsJsonObject();
    }

    private static byte[] bytes(JsonObject o) {
        return o.toString().getBytes(StandardCharsets.UTF_8);
    }
}
