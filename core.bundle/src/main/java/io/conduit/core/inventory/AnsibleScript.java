package io.conduit.core.inventory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.conduit.api.inventory.InventoryException;
import io.conduit.core.inventory.Tree.Entry;
import io.conduit.core.inventory.Tree.MapVal;
import io.conduit.core.inventory.Tree.Scalar;
import io.conduit.core.inventory.Tree.Seq;
import io.conduit.core.inventory.Tree.Val;

/**
 * Runs an Ansible dynamic inventory script and reads its JSON into an {@link AnsibleModel} (Ansible's "Developing
 * dynamic inventory"): {@code PATH --list} prints one object whose keys are groups, each a list of host names or
 * an object with {@code hosts}, {@code vars} and {@code children}, and optionally {@code _meta.hostvars}, each
 * host's variables. Without {@code _meta.hostvars}, {@code PATH --host HOST} is run for each host, as Ansible does.
 *
 * <p>The script is run without a shell, from its own directory, with the environment of Conduit, stdin closed.
 * All its runs share one deadline ({@value #DEADLINE_SECONDS} s); past it the script and every process it started
 * are killed. Where util-linux's {@code setsid} is installed (it is on Debian and most Linux systems) each run gets
 * its own process group, so that a process the script left in the background, which is no longer its descendant
 * once the script has exited, can still be found and killed: when such a process keeps the script's output open
 * past the deadline, the run is reported as exited with its output held open, and that group is killed. Without
 * {@code setsid} only the script's descendants are killed, and the message says that a process may be left. Its output may be at most {@value #MAX_OUTPUT_MIB} MiB per run; its error output is shown (the first
 * {@value #STDERR_LINES} lines) when it fails. Nothing is cached: a dynamic inventory is asked on every load.
 * Values carry the script's path and line 0 (JSON output has no file lines). Stateless.
 */
final class AnsibleScript {
    /** How long all the runs of one load may take together, in seconds. */
    static final int DEADLINE_SECONDS = 30;
    /** The most output one run may print, in MiB. */
    static final int MAX_OUTPUT_MIB = 64;
    /** Lines of error output shown when the script fails. */
    static final int STDERR_LINES = 20;
    private static final String SHAPE = "print one JSON object: {\"GROUP\": {\"hosts\": [\"HOST\"], \"vars\": {},"
            + " \"children\": [\"GROUP\"]}, \"_meta\": {\"hostvars\": {\"HOST\": {}}}}";
    private static final List<String> GROUP_KEYS = List.of("hosts", "vars", "children");
    /** util-linux's setsid, which runs a program as the leader of a new session and process group; or null. */
    private static final String SETSID = firstExecutable("/usr/bin/setsid", "/bin/setsid");
    private static final String KILL = firstExecutable("/usr/bin/kill", "/bin/kill");

    private final Path script;
    private final String name;
    private final long deadlineNanos;
    private final long maxBytes;
    private final Duration deadline;

    private AnsibleScript(Path script, Duration deadline, long maxBytes) {
        this.script = script;
        this.name = script.toString();
        this.deadline = deadline;
        this.deadlineNanos = System.nanoTime() + deadline.toNanos();
        this.maxBytes = maxBytes;
    }

    /**
     * Runs a dynamic inventory script and reads what it prints.
     *
     * @param script the executable, absolute
     * @return the model, its source {@code script:PATH}
     * @throws InventoryException the script cannot be run, exits with a status other than 0, passes the deadline,
     *         prints too much, prints no JSON or JSON of another shape; the message names the script and what to do
     */
    static AnsibleModel read(Path script) throws InventoryException {
        return read(script, Duration.ofSeconds(DEADLINE_SECONDS), (long) MAX_OUTPUT_MIB << 20);
    }

    /** {@link #read(Path)} with the deadline and the output limit (bytes per run) given, for tests. */
    static AnsibleModel read(Path script, Duration deadline, long maxBytes) throws InventoryException {
        if (!Files.isRegularFile(script)) {
            throw new InventoryException("no inventory script " + script + "; give the path of an executable"
                    + " dynamic inventory script: -i script:PATH");
        }
        if (!Files.isExecutable(script)) {
            throw new InventoryException("inventory script " + script + " is not executable; make it so (chmod +x "
                    + script + ")");
        }
        return new AnsibleScript(script, deadline, maxBytes).list();
    }

    private AnsibleModel list() throws InventoryException {
        AnsibleModel model = new AnsibleModel("script:" + name);
        String what = name + " --list";
        MapVal top = object(parse(run("--list"), what), what, "the output");
        MapVal hostvars = null;
        boolean meta = false;
        for (Entry e : top.entries().values()) {
            if ("_meta".equals(e.key())) {
                MapVal m = object(e.value(), what, "_meta");
                Entry hv = m.entries().get("hostvars");
                if (hv != null) {
                    meta = true;
                    hostvars = object(hv.value(), what, "_meta.hostvars");
                }
                continue;
            }
            group(model, e.key(), e.value(), what);
        }
        for (String host : new ArrayList<>(model.hostVars.keySet())) {
            Val vars;
            String from;
            if (meta) {
                Entry hv = hostvars.entries().get(host);
                vars = hv == null ? null : hv.value();
                from = "_meta.hostvars." + host;
            } else {
                from = name + " --host " + host;
                vars = parse(run("--host", host), from);
                from = "the output";
            }
            if (vars == null || vars instanceof Scalar s && s.isNull()) {
                continue;
            }
            String cmd = meta ? what : name + " --host " + host;
            MapVal m = object(vars, cmd, from);
            m.entries().forEach((k, v) -> model.host(host, name).put(k, value(v.value())));
        }
        return model;
    }

    private void group(AnsibleModel model, String name, Val val, String what) throws InventoryException {
        AnsibleModel.Group g = model.group(name, this.name);
        if (val instanceof Seq seq) {
            hosts(model, g, seq, what, name);
            return;
        }
        MapVal m = object(val, what, name);
        for (Entry e : m.entries().values()) {
            String path = name + "." + e.key();
            switch (e.key()) {
                case "hosts" -> hosts(model, g, seq(e.value(), what, path), what, path);
                case "vars" -> object(e.value(), what, path).entries()
                        .forEach((k, v) -> g.vars.put(k, value(v.value())));
                case "children" -> {
                    for (String child : names(seq(e.value(), what, path), what, path)) {
                        g.children.add(child);
                        model.group(child, this.name);
                    }
                }
                default -> throw new InventoryException(what + ": " + path + ": unknown key" + Names.hint(e.key(),
                        GROUP_KEYS, "a group takes hosts, vars and children") + "; " + SHAPE);
            }
        }
    }

    private void hosts(AnsibleModel model, AnsibleModel.Group g, Seq seq, String what, String path)
            throws InventoryException {
        for (String host : names(seq, what, path)) {
            g.hosts.add(host);
            model.host(host, name);
        }
    }

    private List<String> names(Seq seq, String what, String path) throws InventoryException {
        List<String> out = new ArrayList<>();
        for (Val item : seq.items()) {
            if (!(item instanceof Scalar s) || !(s.value() instanceof String t) || t.isBlank()) {
                throw new InventoryException(what + ": " + path + ": an item is " + item.kind()
                        + ", not a name; list names as JSON strings");
            }
            out.add(t);
        }
        return out;
    }

    private AnsibleModel.Value value(Val v) {
        return new AnsibleModel.Value(Tree.toJava(v, new java.util.IdentityHashMap<>()), name, 0);
    }

    private static MapVal object(Val val, String what, String path) throws InventoryException {
        if (val instanceof MapVal m) {
            return m;
        }
        throw new InventoryException(what + ": " + path + " is " + (val == null ? "empty" : val.kind())
                + ", not a JSON object; " + SHAPE);
    }

    private static Seq seq(Val val, String what, String path) throws InventoryException {
        if (val instanceof Seq s) {
            return s;
        }
        throw new InventoryException(what + ": " + path + " is " + val.kind() + ", not a JSON list; " + SHAPE);
    }

    private static Val parse(String output, String what) throws InventoryException {
        Problems problems = new Problems();
        Val root;
        try {
            root = JsonTree.parse(output, what, problems);
        } catch (InventoryException e) {
            throw new InventoryException(e.getMessage() + "; the script must " + SHAPE, e);
        }
        if (root == null) {
            throw new InventoryException(what + " printed nothing; it must " + SHAPE);
        }
        problems.throwIfAny(); // duplicate keys
        return root;
    }

    // ---------------------------------------------------------------- running

    /** Runs the script once with the arguments; returns its standard output. */
    private String run(String... args) throws InventoryException {
        List<String> command = new ArrayList<>();
        boolean grouped = SETSID != null && KILL != null;
        if (grouped) {
            command.add(SETSID); // execs the script with the same pid, which is then its process group's id
        }
        command.add(name);
        command.addAll(List.of(args));
        String shown = name + " " + String.join(" ", args);
        ProcessBuilder pb = new ProcessBuilder(command).directory(script.getParent().toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new InventoryException("cannot run inventory script " + shown + ": " + e.getMessage()
                    + "; check that it is an executable with a #! line naming an installed interpreter", e);
        }
        try {
            p.getOutputStream().close(); // stdin: nothing to read
        } catch (IOException e) {
            // it exited already; its status says what happened
        }
        AtomicBoolean tooLarge = new AtomicBoolean();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> errLines = new ArrayList<>();
        Thread outReader = reader(() -> copy(p.getInputStream(), out, maxBytes, () -> {
            tooLarge.set(true);
            kill(p, grouped);
        }), "stdout");
        Thread errReader = reader(() -> firstLines(p.getErrorStream(), errLines), "stderr");
        boolean exited;
        boolean finished;
        try {
            exited = p.waitFor(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
            finished = exited && join(outReader) && join(errReader);
        } catch (InterruptedException e) {
            kill(p, grouped);
            Thread.currentThread().interrupt();
            throw new InventoryException("inventory script " + shown + " was interrupted", e);
        }
        if (tooLarge.get()) {
            throw new InventoryException("inventory script " + shown + " printed more than " + size(maxBytes)
                    + "; it was stopped. An inventory that large is not read: print less (one run's"
                    + " output may be at most " + MAX_OUTPUT_MIB + " MiB)");
        }
        if (!finished && exited) {
            // the script is gone; what holds its output is a process it left, no longer its descendant
            kill(p, grouped);
            throw new InventoryException("inventory script " + shown + " exited, but its output stayed open for "
                    + seconds() + ": a process it left in the background holds it. Conduit stopped waiting"
                    + (grouped ? " and stopped the processes the script left (those still in its process group)"
                    : "; that process may still run") + ". Make the script not leave one (or redirect that"
                    + " process's output: COMMAND >/dev/null 2>&1 &)");
        }
        if (!finished) {
            kill(p, grouped);
            throw new InventoryException("inventory script " + shown + " did not finish within " + seconds()
                    + "; it was stopped, with every process it started. Make it answer faster (cache what it asks"
                    + " for), or load the inventory once into a file");
        }
        if (grouped && (p.exitValue() == 126 || p.exitValue() == 127)) {
            String first;
            synchronized (errLines) {
                first = errLines.isEmpty() ? "" : errLines.get(0);
            }
            if (first.startsWith("setsid: failed to execute ")) { // the script itself could not be started
                throw new InventoryException("cannot run inventory script " + shown + ": "
                        + first.substring("setsid: ".length()) + "; check that it is an executable with a #! line"
                        + " naming an installed interpreter");
            }
        }
        if (p.exitValue() != 0) {
            StringBuilder text = new StringBuilder("inventory script " + shown + " exited with status "
                    + p.exitValue());
            synchronized (errLines) {
                if (errLines.isEmpty()) {
                    text.append(" and printed no error output");
                } else {
                    text.append("; its error output:");
                    errLines.forEach(l -> text.append("\n  ").append(l));
                }
            }
            throw new InventoryException(text.append("\nFix the script; run it by hand to see: ").append(shown)
                    .toString());
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String size(long bytes) {
        return bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }

    private String seconds() {
        long ms = deadline.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : ms + " ms";
    }

    private boolean join(Thread t) throws InterruptedException {
        t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime())));
        return !t.isAlive();
    }

    /**
     * Kills the process and every process it started (they would otherwise keep running, or keep its pipes): its
     * descendants, and when it was started by {@code setsid} its whole process group, which also holds the
     * processes it left behind when it exited. Only processes the script started are in that group (setsid made
     * it new); a process that made a group of its own is out of reach once orphaned.
     *
     * @param p the script's process
     * @param grouped whether the script leads its own process group (its pid is the group's id)
     */
    static void kill(Process p, boolean grouped) {
        List<ProcessHandle> descendants = p.descendants().toList(); // before they are orphaned
        descendants.forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        if (grouped) {
            killGroup(p.pid());
        }
    }

    /** {@code kill -KILL -- -PGID}; a group with no process left is no error worth reporting. */
    private static void killGroup(long pgid) {
        try {
            Process k = new ProcessBuilder(KILL, "-KILL", "--", "-" + pgid).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!k.waitFor(5, TimeUnit.SECONDS)) {
                k.destroyForcibly();
            }
        } catch (IOException e) {
            // kill could not be run: the descendants were killed already, the message says what was done
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String firstExecutable(String... paths) {
        for (String path : paths) {
            if (Files.isExecutable(Path.of(path))) {
                return path;
            }
        }
        return null;
    }

    private interface Work {
        void run() throws IOException;
    }

    private static Thread reader(Work work, String what) {
        Thread t = new Thread(() -> {
            try {
                work.run();
            } catch (IOException e) {
                // the process was killed or closed the stream: its status says what happened
            }
        }, "inventory-script-" + what);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void copy(InputStream in, ByteArrayOutputStream out, long max, Runnable onTooLarge)
            throws IOException {
        byte[] buf = new byte[65536];
        long total = 0;
        for (int n; (n = in.read(buf)) >= 0;) {
            total += n;
            if (total > max) {
                onTooLarge.run();
                in.transferTo(java.io.OutputStream.nullOutputStream()); // drain until the pipe closes
                return;
            }
            out.write(buf, 0, n);
        }
    }

    /** Keeps the first {@value #STDERR_LINES} lines (each cut at 300 characters), reading the rest away. */
    private static void firstLines(InputStream in, List<String> lines) throws IOException {
        java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(in,
                StandardCharsets.UTF_8));
        for (String line; (line = r.readLine()) != null;) {
            synchronized (lines) {
                if (lines.size() < STDERR_LINES) {
                    lines.add(line.length() > 300 ? line.substring(0, 297) + "..." : line);
                } else if (lines.size() == STDERR_LINES) {
                    lines.add("...");
                }
            }
        }
    }
}
