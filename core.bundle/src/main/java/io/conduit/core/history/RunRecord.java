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
 * @param ended when it ended (UTC), or {@code null} while it runs (or when its process ended without
 *        finishing the record: see {@link #state})
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
 * @param pid the operating system process that ran it, or {@code null} (records written before it was kept)
 * @param processStart when that process started, as {@link ProcessHandle.Info#startInstant} says, or
 *        {@code null}: with {@code pid} it tells the process from a later one given the same pid
 */
public record RunRecord(long id, Instant started, Instant ended, String user, String via, String command, String what,
        String inventory, String pattern, boolean check, String policy, Long rerunOf, int exit, List<Host> hosts,
        Long pid, Instant processStart) {

    /** {@link #state}: the record is whole. */
    public static final String FINISHED = "finished";
    /** {@link #state}: no end yet, and the process that runs it is alive. */
    public static final String RUNNING = "running";
    /** {@link #state}: no end, and the process that ran it is gone (killed, out of memory, power lost). */
    public static final String INTERRUPTED = "interrupted";

    /** The statuses a host may end in, as written in the file (the runner's, lower case). */
    public static final List<String> STATUSES = List.of("ok", "changed", "failed", "unreachable", "skipped");
    private static final Set<String> FAILED = Set.of("failed", "unreachable");

    /** Copies the list in. */
    public RunRecord {
        hosts = List.copyOf(hosts);
    }

    /**
     * A record without a process (tests, tools, records written before the process was kept).
     */
    public RunRecord(long id, Instant started, Instant ended, String user, String via, String command, String what,
            String inventory, String pattern, boolean check, String policy, Long rerunOf, int exit,
            List<Host> hosts) {
        this(id, started, ended, user, via, command, what, inventory, pattern, check, policy, rerunOf, exit, hosts,
                null, null);
    }

    /** @return this process's pid */
    public static long currentPid() {
        return ProcessHandle.current().pid();
    }

    /** @return when this process started, or {@code null} when the system does not say */
    public static Instant currentProcessStart() {
        return ProcessHandle.current().info().startInstant().orElse(null);
    }

    /**
     * Whether the run is whole, still running, or was cut off: a record without {@code ended} is running while
     * the process {@code pid} that started at {@code processStart} is alive, else interrupted (its process ended
     * without finishing the record: {@code kill -9}, out of memory, power lost).
     *
     * @return {@link #FINISHED}, {@link #RUNNING} or {@link #INTERRUPTED}
     */
    public String state() {
        if (ended != null) {
            return FINISHED;
        }
        return pid != null && alive(pid, processStart) ? RUNNING : INTERRUPTED;
    }

    /**
     * @param pid a process id
     * @param start when it started, or {@code null} (then any live process of that pid counts)
     * @return whether that process, and not a later one with the same pid, is alive
     */
    static boolean alive(long pid, Instant start) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(p -> start == null || p.info().startInstant().map(start::equals).orElse(true)).isPresent();
    }

    /** @return when the run ended, or when it started when it has no end: what {@code max_age} counts from */
    public Instant last() {
        return ended != null ? ended : started;
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

    /** @return how long the run took, in milliseconds; so far when it has no end */
    public long durationMs() {
        return Duration.between(started, ended != null ? ended : Instant.now()).toMillis();
    }

    /**
     * @param newId the number {@link RunHistory} gave it
     * @return a copy with that id
     */
    public RunRecord withId(long newId) {
        return new RunRecord(newId, started, ended, user, via, command, what, inventory, pattern, check, policy,
                rerunOf, exit, hosts, pid, processStart);
    }

    /**
     * @param end when it ended
     * @param exitStatus the command's exit status
     * @param ends each host's end
     * @return the whole record of this started one
     */
    public RunRecord finished(Instant end, int exitStatus, List<Host> ends) {
        return new RunRecord(id, started, end, user, via, command, what, inventory, pattern, check, policy, rerunOf,
                exitStatus, ends, pid, processStart);
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

    /**
     * @return the record as the file and {@code runs --json} write it: snake_case keys, times in ISO-8601 UTC;
     *         {@code status} is {@link #state} when written ({@code ended}, {@code duration_ms} and {@code exit}
     *         are {@code null} without an end)
     */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("status", state());
        m.put("started", started.toString());
        m.put("ended", ended == null ? null : ended.toString());
        m.put("duration_ms", ended == null ? null : durationMs());
        m.put("pid", pid);
        m.put("process_start", processStart == null ? null : processStart.toString());
        m.put("user", user);
        m.put("via", via);
        m.put("command", command);
        m.put("what", what);
        m.put("inventory", inventory);
        m.put("pattern", pattern);
        m.put("check", check);
        m.put("policy", policy);
        m.put("rerun_of", rerunOf);
        m.put("exit", ended == null ? null : exit);
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
     * The first keys of a record's file, which say whether it is a record, how old it is and whether its run is
     * still going: what pruning needs, read without the hosts (a record of 5,000 hosts is about half a MB).
     *
     * @param started when the run started
     * @param ended when it ended, or {@code null}
     * @param pid the process that started it, or {@code null}
     * @param processStart when that process started, or {@code null}
     */
    record Head(Instant started, Instant ended, Long pid, Instant processStart) {
        /** @return as {@link RunRecord#state()} */
        String state() {
            return ended != null ? FINISHED : pid != null && alive(pid, processStart) ? RUNNING : INTERRUPTED;
        }

        /** @return as {@link RunRecord#last()} */
        Instant last() {
            return ended != null ? ended : started;
        }
    }

    /**
     * Reads the head of a record's file ({@link #toJson} writes {@code id}, {@code status}, {@code started},
     * {@code ended}, {@code duration_ms}, {@code pid}, {@code process_start} first), stopping at the first other key.
     *
     * @param file the file, a regular one (links are not followed)
     * @param id the ID its name gives
     * @return the head, or {@code null} when the file is not a record of that ID (not JSON, another shape, another
     *         id, a key of the wrong type) or cannot be read
     */
    static Head head(java.nio.file.Path file, long id) {
        try (com.google.gson.stream.JsonReader in = new com.google.gson.stream.JsonReader(new java.io.InputStreamReader(
                java.nio.file.Files.newInputStream(file, java.nio.file.LinkOption.NOFOLLOW_LINKS),
                java.nio.charset.StandardCharsets.UTF_8))) {
            in.beginObject();
            Long found = null;
            Instant started = null;
            Instant ended = null;
            Long pid = null;
            Instant processStart = null;
            while (in.hasNext()) {
                String key = in.nextName();
                if (in.peek() == com.google.gson.stream.JsonToken.NULL) {
                    in.nextNull();
                    continue;
                }
                switch (key) {
                    case "id" -> found = in.nextLong();
                    case "started" -> started = Instant.parse(in.nextString());
                    case "ended" -> ended = Instant.parse(in.nextString());
                    case "pid" -> pid = in.nextLong();
                    case "process_start" -> processStart = Instant.parse(in.nextString());
                    case "status", "duration_ms" -> in.skipValue();
                    default -> {
                        return found != null && found == id && started != null
                                ? new Head(started, ended, pid, processStart) : null;
                    }
                }
            }
            return null; // a record has hosts after its head
        } catch (java.io.IOException | RuntimeException e) {
            return null; // not JSON, a key of another type, unreadable: not a record to count
        }
    }

    /**
     * Reads a record written by {@link #toJson}.
     *
     * @param json the file's text
     * @return the record
     * @throws IllegalArgumentException it is not JSON, or a required key ({@code id}, {@code started},
     *         {@code command}, {@code hosts}; {@code exit} when {@code ended} is there) is missing or of another
     *         type; the message names the key
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
            throw new IllegalArgumentException("not JSON"); // Gson's text is many lines and names its classes
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
            Instant ended = isNull(o, "ended") ? null : Instant.parse(o.get("ended").getAsString());
            return new RunRecord(id, Instant.parse(required(o, "started").getAsString()), ended, text(o, "user"),
                    text(o, "via"), required(o, "command").getAsString(), text(o, "what"), text(o, "inventory"),
                    text(o, "pattern"), !isNull(o, "check") && o.get("check").getAsBoolean(), text(o, "policy"),
                    isNull(o, "rerun_of") ? null : o.get("rerun_of").getAsLong(),
                    ended == null ? -1 : required(o, "exit").getAsInt(), hosts,
                    isNull(o, "pid") ? null : o.get("pid").getAsLong(),
                    isNull(o, "process_start") ? null : Instant.parse(o.get("process_start").getAsString()));
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
