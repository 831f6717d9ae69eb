package io.conduit.core.runbook;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.OptionType;
import io.conduit.api.support.Suggestions;
import io.conduit.api.task.TaskPlugin;
import io.conduit.core.task.TaskCatalog;
import io.pebbletemplates.pebble.template.PebbleTemplate;

/**
 * Reads and checks a runbook before anything runs: the YAML (SnakeYAML's node tree, which keeps each value's
 * line and constructs no object from a tag), the keys, the task names and their parameters (against the installed
 * tasks, {@link TaskCatalog#parameters}), durations, conditions and templates (compiled). Every problem of the file
 * is collected, each naming the file, the line and the key, and what to do; one problem means nothing runs.
 */
public final class RunbookParser {
    /** Runbooks are small; a bigger file is a mistake (a log given by error). */
    static final long MAX_FILE_BYTES = 4L << 20;
    /** The keys a runbook has besides its steps. */
    static final Set<String> TOP_KEYS = Set.of("name", "vars", "gather_facts", "serial", "max_fail", "fail_fast",
            "retries", "retry_delay", "steps");
    /** The keys of a step besides its one task key. */
    static final Set<String> STEP_KEYS = Set.of("name", "become", "timeout", "retries", "retry_delay", "when",
            "register", "run_once");
    /** Names a step cannot register under: they are the names conditions and templates already have. */
    static final Set<String> RESERVED = Set.of("facts", "data", "vars", "inventory_hostname", "groups", "true",
            "false", "null", "none", "and", "or", "not", "is", "contains");
    /** The names every step's conditions and templates have, before any register (the engine's, per host). */
    static final List<String> HOST_NAMES = List.of("data", "facts", "vars", "inventory_hostname", "groups");
    /** The name of the task {@code gather_facts: true} runs. */
    static final String FACTS_TASK = "facts";
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** How the registry names a parameter it refuses whole: {@code has no parameter "KEY"}. */
    private static final Pattern QUOTED_PARAMETER = Pattern.compile("has no parameter \"([^\"]+)\"");

    private final TaskCatalog catalog;
    private final List<String> problems = new ArrayList<>();
    /** The names a condition or template can use at the step being read: the host's names and earlier registers. */
    private final List<String> known = new ArrayList<>();
    private String file;
    /** The runbook's directory, which relative local paths are read from; {@code null} for text given whole. */
    private Path base;

    /** @param catalog the installed tasks, which step keys name */
    public RunbookParser(TaskCatalog catalog) {
        this.catalog = catalog;
    }

    /**
     * Reads a runbook file.
     *
     * @param path the file
     * @param extraVars {@code -e KEY=VALUE} values, over the runbook's {@code vars}
     * @return the checked runbook
     * @throws RunbookException the file cannot be read, or has problems (all of them)
     */
    public Runbook read(Path path, Map<String, Object> extraVars) throws RunbookException {
        String name = path.toString();
        try {
            if (!Files.isRegularFile(path)) {
                throw new RunbookException(List.of(name + ": " + (Files.exists(path) ? "is not a regular file"
                        : "no such file") + "; give the path of a runbook (YAML)"));
            }
            if (Files.size(path) > MAX_FILE_BYTES) {
                throw new RunbookException(List.of(name + ": " + Files.size(path) + " bytes, more than the "
                        + MAX_FILE_BYTES + " a runbook may have; is it the right file?"));
            }
            String text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(
                    Files.readAllBytes(path))).toString();
            Path dir = path.toAbsolutePath().getParent();
            Runbook rb;
            base = dir;
            try {
                rb = parse(text, name, extraVars);
            } finally {
                base = null;
            }
            return rb;
        } catch (CharacterCodingException e) {
            throw new RunbookException(List.of(name + ": not UTF-8 text; save the runbook as UTF-8"));
        } catch (IOException e) {
            throw new RunbookException(List.of(name + ": cannot be read (" + e.getMessage() + ")"));
        }
    }

    /**
     * Parses a runbook's text.
     *
     * @param text the YAML
     * @param fileName the file, for messages
     * @param extraVars values over the runbook's {@code vars}
     * @return the checked runbook
     * @throws RunbookException every problem found
     */
    public Runbook parse(String text, String fileName, Map<String, Object> extraVars) throws RunbookException {
        this.file = fileName;
        problems.clear();
        known.clear();
        known.addAll(HOST_NAMES);
        Node root;
        try {
            LoaderOptions options = new LoaderOptions();
            options.setMaxAliasesForCollections(20);
            options.setNestingDepthLimit(30);
            root = new Yaml(new SafeConstructor(options)).compose(new StringReader(text));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1 : 1;
            throw new RunbookException(List.of(fileName + ":" + line + ": YAML syntax error: "
                    + String.valueOf(e.getProblem()).trim() + "; check the indentation, colons and quoting there"));
        } catch (YAMLException e) {
            throw new RunbookException(List.of(fileName + ":1: YAML cannot be read: " + e.getMessage()));
        }
        if (!(root instanceof MappingNode top)) {
            throw new RunbookException(List.of(fileName + ":" + (root == null ? 1 : line(root))
                    + ": a runbook is a mapping with steps: [...]; see the README's Runbooks section"));
        }
        Map<String, NodeTuple> keys = keys(top, "");
        String name = fileName;
        Map<String, Object> vars = new LinkedHashMap<>();
        boolean gather = false;
        String serial = null;
        Integer maxFail = null;
        Boolean failFast = null;
        Integer retries = null;
        Duration retryDelay = null;
        List<Runbook.Step> steps = new ArrayList<>();
        for (Map.Entry<String, NodeTuple> e : keys.entrySet()) {
            String key = e.getKey();
            Node value = e.getValue().getValueNode();
            switch (key) {
                case "name" -> name = text(value, key, name);
                case "vars" -> {
                    if (value instanceof MappingNode m) {
                        keys(m, "vars").forEach((k, t) -> {
                            if (!IDENTIFIER.matcher(k).matches()) {
                                problem(t.getKeyNode(), "vars." + k, "not a name a condition or template can use;"
                                        + " use letters, digits and _");
                            }
                            vars.put(k, plain(t.getValueNode()));
                        });
                    } else {
                        problem(value, key, "must be a mapping of names to values, e.g. vars: {port: 8080}");
                    }
                }
                case "gather_facts" -> {
                    Boolean b = bool(value, key);
                    gather = Boolean.TRUE.equals(b);
                    if (gather && catalog.plugin(FACTS_TASK).isEmpty()) {
                        problem(value, key, "needs the \"" + FACTS_TASK + "\" task, which is not installed; the"
                                + " installed tasks are " + installed());
                    }
                }
                case "serial" -> serial = serial(value);
                case "max_fail" -> maxFail = percent(value, key);
                case "fail_fast" -> failFast = bool(value, key);
                case "retries" -> retries = retries(value, key);
                case "retry_delay" -> retryDelay = duration(value, key);
                case "steps" -> {
                    if (value instanceof SequenceNode seq && !seq.getValue().isEmpty()) {
                        int i = 0;
                        for (Node step : seq.getValue()) {
                            Runbook.Step s = step(step, ++i);
                            if (s != null) {
                                steps.add(s);
                            }
                        }
                    } else {
                        problem(value, key, "must be a list of one or more steps (- name: ...)");
                    }
                }
                default -> unknown(e.getValue().getKeyNode(), "", key, TOP_KEYS);
            }
        }
        if (!keys.containsKey("steps")) {
            problems.add(fileName + ":" + line(top) + ": no steps: a runbook needs steps: [...], one task each");
        }
        if (extraVars != null) {
            extraVars.forEach((k, v) -> {
                if (!IDENTIFIER.matcher(k).matches()) {
                    problems.add("-e " + k + ": not a name a condition or template can use; use letters, digits"
                            + " and _");
                }
                vars.put(k, v instanceof String t ? scalar(t) : v);
            });
        }
        if (!problems.isEmpty()) {
            throw new RunbookException(problems);
        }
        return new Runbook(fileName, name, vars, gather,
                new Runbook.PolicyText(serial, maxFail, failFast, retries, retryDelay), steps);
    }

    /**
     * An {@code -e} value read as the same text would be in {@code vars}: a YAML integer, decimal or true/false
     * becomes one (so {@code -e n=1} compares with {@code vars.n > 2}, as Ansible's {@code -e} reads values); the
     * rest, and anything that is not one plain scalar (a list, a mapping, a quoted or octal number), stays text.
     */
    static Object scalar(String text) {
        try {
            Node n = new Yaml(new SafeConstructor(new LoaderOptions())).compose(new StringReader(text));
            if (n instanceof ScalarNode s && s.getScalarStyle() == org.yaml.snakeyaml.DumperOptions.ScalarStyle.PLAIN
                    && (s.getTag().equals(Tag.INT) || s.getTag().equals(Tag.FLOAT) || s.getTag().equals(Tag.BOOL))) {
                return plain(s);
            }
        } catch (YAMLException e) {
            // not YAML: text
        }
        return text;
    }

    private Runbook.Step step(Node node, int index) {
        String path = "steps[" + (index - 1) + "]";
        if (!(node instanceof MappingNode m)) {
            problem(node, path, "a step is a mapping: a task key with its parameters, and name, when, register...");
            return null;
        }
        int before = problems.size();
        Map<String, NodeTuple> keys = keys(m, path);
        List<NodeTuple> taskKeys = new ArrayList<>();
        for (Map.Entry<String, NodeTuple> e : keys.entrySet()) {
            if (!STEP_KEYS.contains(e.getKey())) {
                taskKeys.add(e.getValue());
            }
        }
        // a key that is no step key and no installed task: a typo of a step key, or of a task name
        List<NodeTuple> tasks = new ArrayList<>();
        for (NodeTuple t : taskKeys) {
            String k = ((ScalarNode) t.getKeyNode()).getValue();
            if (catalog.plugin(k).isPresent()) {
                tasks.add(t);
            } else {
                String nearKey = Suggestions.closest(k, STEP_KEYS);
                String nearTask = Suggestions.closest(k, catalog.names());
                problem(t.getKeyNode(), path + "." + k, nearKey != null && nearTask == null
                        ? "unknown step key; did you mean \"" + nearKey + "\"?"
                        : "no task \"" + k + "\" is installed" + (nearTask != null ? "; did you mean \"" + nearTask
                                + "\"?" : "") + " (installed: " + installed() + "; step keys: "
                                + String.join(", ", new java.util.TreeSet<>(STEP_KEYS)) + ")");
            }
        }
        if (tasks.size() > 1) {
            problem(tasks.get(1).getKeyNode(), path, "two tasks, \"" + key(tasks.get(0)) + "\" and \""
                    + key(tasks.get(1)) + "\"; a step runs one task: split it into two steps");
        }
        if (tasks.isEmpty() && taskKeys.isEmpty()) {
            problem(node, path, "no task: give one task key with its parameters, e.g. command: {cmd: uptime}"
                    + " (installed: " + installed() + ")");
        }
        String name = keys.containsKey("name") ? text(keys.get("name").getValueNode(), path + ".name", null) : null;
        Become become = keys.containsKey("become") ? become(keys.get("become").getValueNode(), path + ".become")
                : null;
        Duration timeout = keys.containsKey("timeout") ? duration(keys.get("timeout").getValueNode(),
                path + ".timeout") : null;
        Integer retries = keys.containsKey("retries") ? retries(keys.get("retries").getValueNode(),
                path + ".retries") : null;
        Duration retryDelay = keys.containsKey("retry_delay") ? duration(keys.get("retry_delay").getValueNode(),
                path + ".retry_delay") : null;
        Boolean runOnce = keys.containsKey("run_once") ? bool(keys.get("run_once").getValueNode(),
                path + ".run_once") : null;
        Expressions.Condition when = null;
        int whenLine = 0;
        if (keys.containsKey("when")) {
            Node w = keys.get("when").getValueNode();
            whenLine = line(w);
            Object v = plain(w);
            if (v instanceof String || v instanceof Boolean) {
                try {
                    when = Expressions.condition(String.valueOf(v));
                    undefined(w, path + ".when", Expressions.undefinedRoot(when.template(), known));
                } catch (IllegalArgumentException e) {
                    problem(w, path + ".when", e.getMessage());
                }
            } else {
                problem(w, path + ".when", "must be an expression, e.g. when: data.role == \"web\"");
            }
        }
        String register = null;
        if (keys.containsKey("register")) {
            Node r = keys.get("register").getValueNode();
            register = text(r, path + ".register", null);
            if (register != null && (!IDENTIFIER.matcher(register).matches()
                    || RESERVED.contains(register.toLowerCase(Locale.ROOT)))) {
                problem(r, path + ".register", "\"" + register + "\" cannot name a result: "
                        + (IDENTIFIER.matcher(register).matches() ? "it is a name conditions already have"
                                : "use letters, digits and _, not starting with a digit") + "; e.g. register: conf");
                register = null;
            }
        }
        String task = null;
        int taskLine = 0;
        Map<String, Object> given = new LinkedHashMap<>();
        Map<String, PebbleTemplate> templates = new LinkedHashMap<>();
        Map<String, Object> converted = null;
        Map<String, Integer> lines = new LinkedHashMap<>();
        if (tasks.size() == 1) {
            NodeTuple t = tasks.get(0);
            task = key(t);
            taskLine = line(t.getKeyNode());
            String taskPath = path + "." + task;
            Node params = t.getValueNode();
            if (params instanceof MappingNode pm) {
                keys(pm, taskPath).forEach((k, kt) -> {
                    given.put(k, plain(kt.getValueNode()));
                    lines.put(k, line(kt.getKeyNode()));
                    compileTemplates(kt.getValueNode(), taskPath + "." + k, templates);
                });
            } else if (!(params instanceof ScalarNode s && s.getTag().equals(Tag.NULL))) {
                problem(params, taskPath, "the parameters are a mapping, e.g. " + task + ": {name: value};"
                        + " 'tasks " + task + "' lists them");
            }
            localPaths(task, given);
            try {
                Map<String, Object> checked = catalog.parameters(task, given, "");
                converted = templates.isEmpty() ? checked : null;
                if (converted != null) {
                    catalog.plugin(task).ifPresent(p -> p.create(checked)); // values that do not go together
                }
            } catch (IllegalArgumentException e) {
                Set<String> templated = new java.util.HashSet<>();
                given.forEach((k, v) -> {
                    if (v instanceof String x && Expressions.isTemplate(x)) {
                        templated.add(k);
                    }
                });
                parameterProblem(e.getMessage(), task, taskPath, taskLine, lines, templated);
            }
        }
        if (register != null) {
            known.add(register); // for the later steps only: a step's own when and parameters run before it
        }
        if (problems.size() > before) {
            return null;
        }
        TaskPlugin plugin = catalog.plugin(task).orElse(null);
        String label = name != null ? name : task;
        return new Runbook.Step(index, line(node), label, task, taskLine, given, converted, templates, become,
                timeout, retries, retryDelay, when, whenLine, register, Boolean.TRUE.equals(runOnce),
                lines, plugin != null && plugin.gathersFacts(),
                keys.containsKey("timeout") ? line(keys.get("timeout").getValueNode()) : 0);
    }

    /**
     * The catalog's problems (one a line), each at its parameter's line when it names one it was given, else at
     * the task key's line. The registry writes {@code TASK has no parameter "KEY"...}, {@code TASK: KEY: ...} and
     * {@code TASK needs the parameter "KEY"}. A problem of a templated parameter ({@code templated}) is left to
     * each host, where the rendered value is converted.
     */
    private void parameterProblem(String message, String task, String taskPath, int taskLine,
            Map<String, Integer> lines, Set<String> templated) {
        for (String line : message.split("\n")) {
            String m = line.startsWith(": ") ? line.substring(2) : line;
            String rest = m.startsWith(task + ": ") ? m.substring(task.length() + 2) : m;
            String key = null;
            java.util.regex.Matcher quoted = QUOTED_PARAMETER.matcher(m);
            if (quoted.find() && lines.containsKey(quoted.group(1))) {
                key = quoted.group(1);
            } else {
                for (String k : lines.keySet()) {
                    if (rest.startsWith(k + ":") || rest.startsWith(k + " ")) {
                        key = k;
                        rest = rest.substring(k.length()).replaceFirst("^:\\s*", "").trim();
                        break;
                    }
                }
            }
            if (key != null && templated.contains(key)) {
                // a number, duration or choice given as {{ }}: its value is known per host only, and is converted
                // (and checked) on each host after rendering, with this file and line in the host's error
                continue;
            }
            problems.add(file + ":" + (key == null ? taskLine : lines.get(key)) + ": " + taskPath
                    + (key == null ? "" : "." + key) + ": " + rest);
        }
    }

    /**
     * Reads a relative local path (a parameter declared {@link OptionType#PATH}, such as a template's {@code src})
     * from the runbook's directory, not from wherever Conduit was started: the runbook and its files travel
     * together, as Ansible reads a playbook's files next to it. Templated values are left as written.
     */
    private void localPaths(String task, Map<String, Object> given) {
        if (base == null) {
            return;
        }
        for (io.conduit.api.connection.OptionDescriptor d : catalog.plugin(task).map(TaskPlugin::parameters)
                .orElse(List.of())) {
            if (d.type() == OptionType.PATH && given.get(d.name()) instanceof String v && !v.isEmpty()
                    && !v.startsWith("~") && !Expressions.isTemplate(v)) {
                try {
                    if (!Path.of(v).isAbsolute()) {
                        given.put(d.name(), base.resolve(v).normalize().toString());
                    }
                } catch (java.nio.file.InvalidPathException e) {
                    // left as written: the task says what is wrong with it
                }
            }
        }
    }

    private void compileTemplates(Node node, String path, Map<String, PebbleTemplate> into) {
        if (node instanceof ScalarNode s && s.getTag().equals(Tag.STR) && Expressions.isTemplate(s.getValue())) {
            try {
                PebbleTemplate t = Expressions.template(s.getValue());
                into.put(s.getValue(), t);
                undefined(node, path, Expressions.undefinedRoot(t, known));
            } catch (IllegalArgumentException e) {
                problem(node, path, "template: " + e.getMessage());
            }
        } else if (node instanceof SequenceNode seq) {
            int i = 0;
            for (Node item : seq.getValue()) {
                compileTemplates(item, path + "[" + i++ + "]", into);
            }
        } else if (node instanceof MappingNode m) {
            for (NodeTuple t : m.getValue()) {
                compileTemplates(t.getValueNode(), path + "." + key(t), into);
            }
        }
    }

    /**
     * A name no step can have given yet is a typo or a step out of order: refused before anything runs, as the
     * issue asks of a bad runbook (a typo found on the hosts after steps 1 and 2 ran would leave them half done).
     */
    private void undefined(Node node, String path, String name) {
        if (name == null) {
            return;
        }
        String near = Suggestions.closest(name, known);
        problem(node, path, "\"" + name + "\" is not defined at this step" + (near != null ? "; did you mean \""
                + near + "\"?" : "") + " (names: " + String.join(", ", known) + "; a register name is defined"
                + " from the step after its own)");
    }

    private Become become(Node node, String path) {
        Object v = plain(node);
        if (v instanceof Boolean b) {
            return b ? new Become(Become.Method.SUDO, null, null) : null;
        }
        if (!(node instanceof MappingNode m)) {
            problem(node, path, "must be true, false or {user: NAME, method: sudo|su}");
            return null;
        }
        String user = null;
        Become.Method method = Become.Method.SUDO;
        for (Map.Entry<String, NodeTuple> e : keys(m, path).entrySet()) {
            Node value = e.getValue().getValueNode();
            switch (e.getKey()) {
                case "user" -> user = text(value, path + ".user", null);
                case "method" -> {
                    String t = text(value, path + ".method", "sudo");
                    switch (t) {
                        case "sudo" -> method = Become.Method.SUDO;
                        case "su" -> method = Become.Method.SU;
                        default -> problem(value, path + ".method", "\"" + t + "\" is not known; use sudo or su");
                    }
                }
                case "password" -> problem(e.getValue().getKeyNode(), path + ".password", "a runbook holds no"
                        + " password; give the host's data.become_password in the inventory (a secret reference"
                        + " such as ${env:NAME} or ${file:PATH}): a runbook's become reads it from there only");
                default -> unknown(e.getValue().getKeyNode(), path, e.getKey(), Set.of("user", "method"));
            }
        }
        return new Become(method, user, null);
    }

    private String serial(Node node) {
        Object v = plain(node);
        String text = v instanceof Long || v instanceof String ? String.valueOf(v).trim() : null;
        if (text == null) {
            problem(node, "serial", "give a number of hosts (3) or a percentage of them (25%)");
            return null;
        }
        try {
            if (new Runbook.PolicyText(text, null, null, null, null).toPolicy().serial() == 0) {
                // as --serial 0 is refused: no batch of no hosts, and no silent "all at once" either
                problem(node, "serial", "\"" + text + "\" makes empty batches; give 1 or more hosts, or 1% to 100%,"
                        + " or drop serial to run all the hosts as one batch");
                return null;
            }
            return text;
        } catch (IllegalArgumentException e) {
            problem(node, "serial", e.getMessage().replaceFirst("^--serial: ", "").replaceFirst("^serial: ", ""));
            return null;
        }
    }

    private Integer percent(Node node, String path) {
        Object v = plain(node);
        String text = v == null ? "" : String.valueOf(v).trim();
        if (text.endsWith("%")) {
            text = text.substring(0, text.length() - 1).trim();
        }
        try {
            int p = Integer.parseInt(text);
            if (p >= 0 && p <= 100) {
                return p;
            }
        } catch (NumberFormatException e) {
            // said below
        }
        problem(node, path, "\"" + v + "\" is not a percentage; give 0% to 100%, e.g. max_fail: 10%");
        return null;
    }

    private Integer retries(Node node, String path) {
        Object v = plain(node);
        if (v instanceof Long n && n >= 0 && n <= 100) {
            return n.intValue();
        }
        problem(node, path, "\"" + v + "\" is not a count of retries; give 0 to 100");
        return null;
    }

    private Duration duration(Node node, String path) {
        Object v = plain(node);
        try {
            Duration d = v instanceof Long n ? Duration.ofSeconds(n)
                    : OptionType.DURATION.convert(path, String.valueOf(v));
            if (d.isNegative() || (d.isZero() && !path.endsWith("retry_delay"))) {
                throw new IllegalArgumentException(path + ": must be more than 0");
            }
            return d;
        } catch (IllegalArgumentException e) {
            String m = e.getMessage().startsWith(path + ": ") ? e.getMessage().substring(path.length() + 2)
                    : e.getMessage();
            problem(node, path, m + "; write a duration such as 30s, 5m or 500ms");
            return null;
        }
    }

    private Boolean bool(Node node, String path) {
        Object v = plain(node);
        if (v instanceof Boolean b) {
            return b;
        }
        problem(node, path, "\"" + v + "\" is not true or false");
        return null;
    }

    private String text(Node node, String path, String otherwise) {
        Object v = plain(node);
        if (v instanceof String || v instanceof Long || v instanceof Double) {
            return String.valueOf(v);
        }
        problem(node, path, "must be text");
        return otherwise;
    }

    private void unknown(Node keyNode, String path, String key, Set<String> known) {
        String near = Suggestions.closest(key, known);
        problem(keyNode, path.isEmpty() ? key : path + "." + key, "unknown key" + (near != null ? "; did you mean \""
                + near + "\"?" : "; the keys are " + String.join(", ", new java.util.TreeSet<>(known))));
    }

    /** The keys of a mapping by name, in order; a duplicate or non-text key is a problem. */
    private Map<String, NodeTuple> keys(MappingNode m, String path) {
        Map<String, NodeTuple> keys = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                problem(t.getKeyNode(), path, "a key must be text");
                continue;
            }
            NodeTuple first = keys.putIfAbsent(k.getValue(), t);
            if (first != null) {
                problem(k, path.isEmpty() ? k.getValue() : path + "." + k.getValue(), "duplicate key (first at line "
                        + line(first.getKeyNode()) + "); give each key once");
            }
        }
        return keys;
    }

    /** A YAML value as plain Java: String, Long, Double, Boolean, null, List, Map. */
    static Object plain(Node node) {
        if (node instanceof ScalarNode s) {
            Tag tag = s.getTag();
            String v = s.getValue();
            if (tag.equals(Tag.NULL)) {
                return null;
            }
            if (tag.equals(Tag.BOOL)) {
                return switch (v.toLowerCase(Locale.ROOT)) {
                    case "true", "yes", "on", "y" -> Boolean.TRUE;
                    default -> Boolean.FALSE;
                };
            }
            if (tag.equals(Tag.INT)) {
                if (v.length() > 1 && v.startsWith("0")) {
                    return v; // octal and hex as written: a mode such as 0644 stays 0644, not 644
                }
                try {
                    return Long.parseLong(v.replace("_", ""));
                } catch (NumberFormatException e) {
                    return v; // 1_000:00 and the like: kept as written
                }
            }
            if (tag.equals(Tag.FLOAT)) {
                try {
                    return Double.parseDouble(v.replace("_", ""));
                } catch (NumberFormatException e) {
                    return v;
                }
            }
            return v;
        }
        if (node instanceof SequenceNode seq) {
            List<Object> list = new ArrayList<>();
            seq.getValue().forEach(n -> list.add(plain(n)));
            return list;
        }
        Map<String, Object> map = new LinkedHashMap<>();
        for (NodeTuple t : ((MappingNode) node).getValue()) {
            map.put(t.getKeyNode() instanceof ScalarNode k ? k.getValue() : "?", plain(t.getValueNode()));
        }
        return map;
    }

    private String installed() {
        Set<String> names = new LinkedHashSet<>(catalog.names());
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    private static String key(NodeTuple t) {
        return ((ScalarNode) t.getKeyNode()).getValue();
    }

    private static int line(Node node) {
        return node.getStartMark() == null ? 1 : node.getStartMark().getLine() + 1;
    }

    private void problem(Node node, String path, String message) {
        problems.add(file + ":" + line(node) + ": " + path + ": " + message);
    }
}
