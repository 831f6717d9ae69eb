package io.conduit.core.history;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * One run as the history keeps it: who ran what, where, when, and how each host ended. Never the hosts' output,
 * {@code --env} values, {@code --stdin} contents or passwords: {@link #what} is the command as the operator typed
 * it, with a task's secret parameters as {@code ***}, and each host's error is the runner's, already masked.
 *
 * @param id the run's number, 1 or more ({@code 0} before {@link RunHistory#save} gave it one)
 * @param started when the run started (UTC)
 * @param ended when it ended (UTC)
 * @param user the operating system user of the Conduit process ({@code user.name})
 * @param via {@code "shell"} (a Gogo line: the console or {@code bin/conduit -c}) or {@code "cli"}
 *        ({@code bin/conduit COMMAND})
 * @param command the command: {@code run}, {@code put}, {@code fetch}, {@code ping}, {@code task}, {@code runbook}
 * @param what what ran, as typed: {@code run: COMMAND}, {@code put LOCAL REMOTE}, {@code task NAME key=value},
 *        {@code runbook FILE}
 * @param inventory the inventory the hosts came from ({@code -i}, or the configured one)
 * @param pattern the host pattern
 * @param check whether it ran in check mode
 * @param policy the failure policy options as given ({@code --serial 2 --retries 1}), or {@code null}
 * @param rerunOf the run whose failed hosts this one ran again ({@code --rerun-failed}), or {@code null}
 * @param exit the command's exit status: 0 every host ok, 2 a host failed or was unreachable, 130 interrupted
 * @param hosts each host, in the order the run reported them
 */
public record RunRecord(long id, Instant started, Instant ended, String user, String via, String command, String what,
        String inventory, String pattern, boolean check, String policy, Long rerunOf, int exit, List<Host> hosts) {

    /** The statuses a host may end in, as written in the file (the runner's, lower case). */
    public static final List<String> STATUSES = List.of("ok", "changed", "failed", "unreachable", "skipped");
    private static final Set<String> FAILED = Set.of("failed", "unreachable");

    /** Copies the list in. */
    public RunRecord {
        hosts = List.copyOf(hosts);
    }

    /**
     * One host's end.
     *
     * @param host the host's name
     * @param status one of {@link RunRecord#STATUSES}
     * @param exitCode the command's exit code, or {@code null} when there was none (a transfer, unreachable)
     * @param error why it failed or was skipped (masked by the runner), or {@code null}
     * @param durationMs how long it took, in milliseconds
     */
    public record Host(String host, String status, Integer exitCode, String error, long durationMs) {
        /** @return whether it failed or was unreachable: what {@code --rerun-failed} runs again */
        public boolean failed() {
            return FAILED.contains(status);
        }
    }

    /** @return how long the run took, in milliseconds */
    public long durationMs() {
        return Duration.between(started, ended).toMillis();
    }

    /**
     * @param newId the number {@link RunHistory} gave it
     * @return a copy with that id
     */
    public RunRecord withId(long newId) {
        return new RunRecord(newId, started, ended, user, via, command, what, inventory, pattern, check, policy,
                rerunOf, exit, hosts);
    }

    /** @return the hosts that failed or were unreachable, in the record's order */
    public List<String> failedHosts() {
        return hosts.stream().filter(Host::failed).map(Host::host).toList();
    }

    /** @return how many hosts ended in each of {@link #STATUSES}, every status present */
    public Map<String, Integer> counts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        STATUSES.forEach(s -> counts.put(s, 0));
        hosts.forEach(h -> counts.merge(h.status(), 1, Integer::sum));
        return counts;
    }

    /** @return the record as the file and {@code runs --json} write it: snake_case keys, times in ISO-8601 UTC */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("started", started.toString());
        m.put("ended", ended.toString());
        m.put("duration_ms", durationMs());
        m.put("user", user);
        m.put("via", via);
        m.put("command", command);
        m.put("what", what);
        m.put("inventory", inventory);
        m.put("pattern", pattern);
        m.put("check", check);
        m.put("policy", policy);
        m.put("rerun_of", rerunOf);
        m.put("exit", exit);
        m.put("summary", counts());
        List<Map<String, Object>> list = new ArrayList<>();
        for (Host h : hosts) {
            Map<String, Object> host = new LinkedHashMap<>();
            host.put("host", h.host());
            host.put("status", h.status());
            host.put("exit_code", h.exitCode());
            host.put("error", h.error());
            host.put("duration_ms", h.durationMs());
            list.add(host);
        }
        m.put("hosts", list);
        return m;
    }

    /**
     * Reads a record written by {@link #toJson}.
     *
     * @param json the file's text
     * @return the record
     * @throws IllegalArgumentException it is not JSON, or a required key ({@code id}, {@code started},
     *         {@code ended}, {@code command}, {@code exit}, {@code hosts}) is missing or of another type; the
     *         message names the key
     */
    public static RunRecord fromJson(String json) {
        JsonObject o;
        try {
            JsonElement e = JsonParser.parseString(json);
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            o = e.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("not JSON (" + e.getMessage() + ")");
        }
        try {
            List<Host> hosts = new ArrayList<>();
            for (JsonElement h : required(o, "hosts").getAsJsonArray()) {
                JsonObject x = h.getAsJsonObject();
                String status = required(x, "status").getAsString();
                if (!STATUSES.contains(status)) {
                    throw new IllegalArgumentException("hosts: status \"" + status + "\" is not one of "
                            + String.join(", ", STATUSES));
                }
                hosts.add(new Host(required(x, "host").getAsString(), status,
                        isNull(x, "exit_code") ? null : x.get("exit_code").getAsInt(), text(x, "error"),
                        isNull(x, "duration_ms") ? 0 : x.get("duration_ms").getAsLong()));
            }
            long id = required(o, "id").getAsLong();
            if (id < 1) {
                throw new IllegalArgumentException("id: " + id + " is not 1 or more");
            }
            return new RunRecord(id, Instant.parse(required(o, "started").getAsString()),
                    Instant.parse(required(o, "ended").getAsString()), text(o, "user"), text(o, "via"),
                    required(o, "command").getAsString(), text(o, "what"), text(o, "inventory"), text(o, "pattern"),
                    !isNull(o, "check") && o.get("check").getAsBoolean(), text(o, "policy"),
                    isNull(o, "rerun_of") ? null : o.get("rerun_of").getAsLong(), required(o, "exit").getAsInt(),
                    hosts);
        } catch (IllegalStateException | UnsupportedOperationException | NumberFormatException
                | DateTimeParseException e) {
            throw new IllegalArgumentException("a value has the wrong type (" + e.getMessage() + ")");
        }
    }

    private static JsonElement required(JsonObject o, String key) {
        if (isNull(o, key)) {
            throw new IllegalArgumentException("\"" + key + "\" is missing");
        }
        return o.get(key);
    }

    private static boolean isNull(JsonObject o, String key) {
        return !o.has(key) || o.get(key).isJsonNull();
    }

    private static String text(JsonObject o, String key) {
        return isNull(o, key) ? null : o.get(key).getAsString();
    }
}
