package io.conduit.core.inventory;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.Secret;
import io.conduit.api.inventory.Attributes;
import io.conduit.api.inventory.ConnectionOptions;
import io.conduit.api.inventory.Group;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;
import io.conduit.core.inventory.Tree.Entry;
import io.conduit.core.inventory.Tree.MapVal;
import io.conduit.core.inventory.Tree.Scalar;
import io.conduit.core.inventory.Tree.Seq;
import io.conduit.core.inventory.Tree.Val;

/**
 * Loads an inventory file ({@code .yaml}, {@code .yml}, {@code .json}, with the top-level keys
 * {@code defaults}, {@code groups} and {@code hosts}) or a directory in Nornir's layout ({@code hosts.yaml},
 * optional {@code groups.yaml} and {@code defaults.yaml}).
 *
 * <p>Everything is checked before anything is returned: syntax, types, unknown keys, unknown and cyclic
 * groups, duplicate keys, plugin names. All problems found are reported together in one
 * {@link InventoryException}, one per line, each as {@code FILE:LINE: KEY.PATH: what is wrong; what to do}.
 * Secrets ({@code ${env:NAME}}, {@code ${file:PATH}}) are kept as written (a malformed one is refused, see
 * {@link SecretReference}); {@link ParameterResolver} resolves them when a connection opens. The keys under
 * {@code connection_options.PLUGIN.extras} are checked against the options the plugin declares when it is
 * installed (an unknown key is refused with "did you mean"); those of a plugin that is not installed are
 * checked by nobody until it is, and its hosts fail alone, naming it.
 *
 * <p>Files must keep the {@link Limits}: size, YAML line length, nesting, expanded aliases. Stateless and
 * thread safe.
 */
public final class InventoryLoader {

    static final List<String> TOP_KEYS = List.of("defaults", "groups", "hosts");
    static final List<String> HOST_KEYS = BaseField.keysAnd("groups", "data", "connection", "connection_options");
    static final List<String> DEFAULTS_KEYS = BaseField.keysAnd("data", "connection", "connection_options");
    static final List<String> OPTION_KEYS = BaseField.keysAnd("extras");
    private static final String PLUGIN_RULE = "use lowercase letters, digits, '-' and '_', starting with a letter";

    private final Problems problems;
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final Map<String, Host> hosts = new LinkedHashMap<>();
    /** Every place a group is named (host groups and group parents), checked once all groups are known. */
    private final List<GroupRef> refs = new ArrayList<>();
    private Attributes defaults = Attributes.NONE;
    private final Map<Val, Object> javaValues = new IdentityHashMap<>();
    /** Plugin name to its declared options, {@code null} when not installed; asked once per name. */
    private final Function<String, List<OptionDescriptor>> declared;
    private final Map<String, List<OptionDescriptor>> declaredCache = new HashMap<>();

    /** Where a group name was written. */
    private record GroupRef(String file, int line, String path, String name, String fromGroup) {
    }

    private record Element(List<String> groups, Attributes attributes) {
    }

    private InventoryLoader(Function<String, List<OptionDescriptor>> declared) {
        this(declared, new Problems());
    }

    private InventoryLoader(Function<String, List<OptionDescriptor>> declared, Problems problems) {
        this.declared = declared;
        this.problems = problems;
    }

    /**
     * Reads a {@code connection_options} value written outside a Conduit inventory file (an Ansible inventory's
     * {@code conduit_connection_options} variable, see {@link AnsibleMapping}) with the same checks as in one:
     * plugin names, the keys of each plugin's options ("did you mean"), ports, secret references, and the
     * {@code extras} against the options the plugin declares when {@code declared} knows it.
     *
     * @param value the value as plain Java: a {@link Map} of plugin name to a map of options ({@link String},
     *        {@link Long}, {@link Double}, {@link Boolean}, {@code null}, {@link List} and {@link Map} values)
     * @param file the file it was written in, for messages
     * @param line its line, 0 when not known
     * @param path the key path shown before each problem's key (e.g. {@code host web1: conduit_connection_options})
     * @param declared plugin name to its declared options, {@code null} when not installed
     * @param problems each problem goes here
     * @return the options by plugin name, those with problems left out
     */
    static Map<String, ConnectionOptions> connectionOptions(Object value, String file, int line, String path,
            Function<String, List<OptionDescriptor>> declared, Problems problems) {
        return new InventoryLoader(declared, problems).connectionOptions(file, path, tree(value, line));
    }

    /** A plain Java value as a tree, every node on {@code line}. */
    private static Val tree(Object value, int line) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Entry> entries = new LinkedHashMap<>();
            m.forEach((k, v) -> entries.put(String.valueOf(k), new Entry(String.valueOf(k), line, tree(v, line))));
            return new MapVal(entries, line);
        }
        if (value instanceof List<?> l) {
            List<Val> items = new ArrayList<>();
            l.forEach(v -> items.add(tree(v, line)));
            return new Seq(items, line);
        }
        return new Scalar(value, value == null ? "" : String.valueOf(value), line);
    }

    /**
     * Loads and checks an inventory.
     *
     * @param path a {@code .yaml}, {@code .yml} or {@code .json} file, or a directory holding {@code hosts.yaml}
     *        and optionally {@code groups.yaml} and {@code defaults.yaml} (each may also be {@code .yml} or
     *        {@code .json})
     * @return the inventory, its {@link Inventory#source()} being {@code path} as given
     * @throws InventoryException the path cannot be read or the content is wrong; the message lists every
     *         problem as {@code FILE:LINE: KEY.PATH: what is wrong; what to do}
     */
    public static Inventory load(Path path) throws InventoryException {
        return load(path, plugin -> null);
    }

    /**
     * Loads and checks an inventory, and the {@code extras} keys of every installed plugin against its options.
     *
     * @param path as for {@link #load(Path)}
     * @param declared plugin name to the options it declares ({@code ConnectionPlugin.options()}), or
     *        {@code null} when no such plugin is installed (its extras are then not checked); asked once per name
     * @return the inventory
     * @throws InventoryException as for {@link #load(Path)}, and for an extras key the plugin does not declare
     *         ("did you mean") or a value that does not convert to the declared type
     */
    public static Inventory load(Path path, Function<String, List<OptionDescriptor>> declared)
            throws InventoryException {
        return loadChecked(path, declared).inventory();
    }

    /**
     * An inventory with the options it was checked against, so that {@link InventoryCache} can tell whether it
     * still holds when plugins come and go.
     *
     * @param inventory the inventory
     * @param plugins each plugin name the inventory's extras were checked for, with what it declared then
     *        ({@code null}: not installed)
     */
    record Checked(Inventory inventory, Map<String, List<OptionDescriptor>> plugins) {
    }

    /** {@link #load(Path, Function)}, telling which plugins' options the inventory was checked against. */
    static Checked loadChecked(Path path, Function<String, List<OptionDescriptor>> declared)
            throws InventoryException {
        if (path == null) {
            throw new InventoryException("no inventory given; pass -i FILE or configure an inventory file");
        }
        InventoryLoader loader = new InventoryLoader(declared);
        if (Files.isDirectory(path)) {
            loader.loadDirectory(path);
        } else {
            loader.loadFile(path);
        }
        loader.checkGroups();
        loader.problems.throwIfAny();
        return new Checked(new Inventory(path.toString(), loader.defaults, loader.groups, loader.hosts),
                new HashMap<>(loader.declaredCache));
    }

    // ---------------------------------------------------------------- files

    private void loadFile(Path path) throws InventoryException {
        String file = path.toString();
        Val root = parse(path, file);
        if (root == null || isNull(root)) {
            return; // an empty file is an empty inventory; selecting hosts from it says so
        }
        if (!(root instanceof MapVal top)) {
            throw new InventoryException(file + ":" + root.line() + ": the top level is " + root.kind()
                    + ", not a mapping; write defaults:, groups: and hosts: at the top level");
        }
        for (Entry e : top.entries().values()) {
            switch (e.key()) {
                case "defaults" -> defaults(file, "defaults", e.value());
                case "groups" -> groupsMap(file, "groups", e.value());
                case "hosts" -> hostsMap(file, "hosts", e.value());
                // Ansible's YAML inventories start with group all (or other groups): point at the reader of those
                default -> problems.add(file, e.line(), e.key(), "unknown key" + Names.hint(e.key(), TOP_KEYS,
                        "the top level takes only defaults, groups and hosts" + (e.key().equals("all")
                                ? " (an Ansible inventory? read it with -i ansible:" + file + ")" : "")));
            }
        }
    }

    private void loadDirectory(Path dir) throws InventoryException {
        Path hostsFile = layoutFile(dir, "hosts");
        if (hostsFile == null) {
            throw new InventoryException(dir + ": no hosts.yaml in this directory; an inventory directory holds"
                    + " hosts.yaml and optionally groups.yaml and defaults.yaml (Nornir's layout)");
        }
        Path groupsFile = layoutFile(dir, "groups");
        if (groupsFile != null) {
            String file = groupsFile.toString();
            Val root = parse(groupsFile, file);
            if (root != null) {
                groupsMap(file, "", root);
            }
        }
        Path defaultsFile = layoutFile(dir, "defaults");
        if (defaultsFile != null) {
            String file = defaultsFile.toString();
            Val root = parse(defaultsFile, file);
            if (root != null) {
                defaults(file, "", root);
            }
        }
        String file = hostsFile.toString();
        Val root = parse(hostsFile, file);
        if (root != null) {
            hostsMap(file, "", root);
        }
    }

    private static Path layoutFile(Path dir, String base) throws InventoryException {
        Path found = null;
        for (String ext : List.of(".yaml", ".yml", ".json")) {
            Path candidate = dir.resolve(base + ext);
            if (Files.exists(candidate)) {
                if (found != null) {
                    throw new InventoryException(candidate + ": both " + found.getFileName() + " and "
                            + candidate.getFileName() + " exist; keep only one of them");
                }
                found = candidate;
            }
        }
        return found;
    }

    private Val parse(Path path, String file) throws InventoryException {
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        boolean json = name.endsWith(".json");
        if (!json && !name.endsWith(".yaml") && !name.endsWith(".yml")) {
            if (!Files.exists(path)) {
                throw new InventoryException(file + ": no such file or directory; check the inventory path (-i)");
            }
            throw new InventoryException(file + ": not an inventory file; use a .yaml, .yml or .json file, or a"
                    + " directory holding hosts.yaml" + (Files.isExecutable(path) && !Files.isDirectory(path)
                    ? " (a dynamic inventory script? run it with -i script:" + file + ")"
                    : " (an Ansible inventory? read it with -i ansible:" + file + ")"));
        }
        String text = readText(path, file, "split it into a directory (hosts.yaml, groups.yaml, defaults.yaml)");
        if (!json) {
            checkLines(text, file);
        }
        Val root = json ? JsonTree.parse(text, file, problems) : YamlTree.parse(text, file, problems);
        return root;
    }

    /**
     * Reads an inventory file whole, after checking its size against {@link Limits#MAX_FILE_BYTES} (so that a
     * bigger file costs nothing), without the byte order mark some editors write. One reader for every inventory
     * format, so that each failure reads the same whatever the file.
     *
     * @param path the file
     * @param file the file as shown in messages
     * @param split what to do with a file over the limit ({@code split it into ...})
     * @return its text
     * @throws InventoryException it is too large, missing, unreadable or not UTF-8; the message says what to do
     */
    static String readText(Path path, String file, String split) throws InventoryException {
        try {
            long size = Files.size(path);
            if (size > Limits.MAX_FILE_BYTES) {
                throw new InventoryException(file + ": is " + mebibytes(size) + ", more than the "
                        + mebibytes(Limits.MAX_FILE_BYTES) + " an inventory file may have; " + split
                        + ", or check that -i names the inventory");
            }
            String text = Files.readString(path, StandardCharsets.UTF_8);
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (InventoryException e) {
            throw e;
        } catch (NoSuchFileException e) {
            throw new InventoryException(file + ": no such file; check the inventory path (-i)", e);
        } catch (AccessDeniedException e) {
            throw new InventoryException(file + ": cannot be read (permission denied); make it readable by the"
                    + " user running Conduit", e);
        } catch (CharacterCodingException e) {
            throw new InventoryException(file + ": is not UTF-8 text; save it as UTF-8", e);
        } catch (FileSystemException e) {
            throw new InventoryException(file + ": cannot be read (" + reason(e) + "); check the inventory path (-i)",
                    e);
        } catch (IOException e) {
            throw new InventoryException(file + ": cannot be read (" + reason(e) + "); check the file", e);
        }
    }

    /** @return what the file system said went wrong, without the path it names again */
    static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        return e.getMessage() != null ? e.getMessage() : "an input/output error";
    }

    /** Refuses a YAML line longer than {@link Limits#MAX_YAML_LINE} before SnakeYAML sees it (see there why). */
    static void checkLines(String text, String file) throws InventoryException {
        int line = 1;
        int start = 0;
        int length = text.length();
        for (int i = 0; i <= length; i++) {
            if (i == length || text.charAt(i) == '\n') {
                if (i - start > Limits.MAX_YAML_LINE) {
                    throw new InventoryException(file + ":" + line + ": the line is " + Limits.count(i - start)
                            + " characters long, more than the " + Limits.count(Limits.MAX_YAML_LINE) + " a YAML"
                            + " inventory line may have; break it up (block style, one key per line), or write"
                            + " the inventory as .json");
                }
                line++;
                start = i + 1;
            }
        }
    }

    private static String mebibytes(long bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB"
                : String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
    }

    // ---------------------------------------------------------------- sections

    private void defaults(String file, String path, Val val) {
        Element element = element(file, path, val, DEFAULTS_KEYS, "defaults", null);
        if (element != null) {
            defaults = element.attributes();
        }
    }

    private void groupsMap(String file, String path, Val val) {
        elements(file, path, val, "group", "groups", (name, element) ->
                groups.put(name, new Group(name, element.groups(), element.attributes())));
    }

    private void hostsMap(String file, String path, Val val) {
        elements(file, path, val, "host", "hosts", (name, element) ->
                hosts.put(name, new Host(name, element.groups(), element.attributes())));
    }

    /** Reads a mapping of named hosts or groups, handing each one that reads cleanly to {@code add}. */
    private void elements(String file, String path, Val val, String what, String section,
            BiConsumer<String, Element> add) {
        if (isNull(val)) {
            return;
        }
        if (!(val instanceof MapVal map)) {
            problems.add(file, val.line(), label(path, section), "is " + val.kind()
                    + ", not a mapping; write each " + what + " as NAME: followed by its keys");
            return;
        }
        for (Entry e : map.entries().values()) {
            if (e.key().isBlank()) {
                problems.add(file, e.line(), label(path, section), "a " + what + " has an empty name; name it");
                continue;
            }
            Element element = element(file, join(path, e.key()), e.value(), HOST_KEYS, what,
                    what.equals("group") ? e.key() : null);
            if (element != null) {
                add.accept(e.key(), element);
            }
        }
    }

    // ---------------------------------------------------------------- one host, group or the defaults

    /** Reads a host, a group ({@code groupName} set, its groups being parents) or the defaults. */
    private Element element(String file, String path, Val val, List<String> allowed, String what, String groupName) {
        if (isNull(val)) {
            return new Element(List.of(), Attributes.NONE);
        }
        if (!(val instanceof MapVal map)) {
            problems.add(file, val.line(), label(path, what), "is " + val.kind() + ", not a mapping; write the "
                    + what + "'s keys (" + String.join(", ", allowed) + ") under it, or leave it empty");
            return null;
        }
        String hostname = null;
        Integer port = null;
        String username = null;
        Secret password = null;
        String platform = null;
        String connection = null;
        List<String> memberOf = List.of();
        Map<String, Object> data = Map.of();
        Map<String, ConnectionOptions> options = Map.of();
        for (Entry e : map.entries().values()) {
            String keyPath = join(path, e.key());
            Val v = e.value();
            switch (allowed.contains(e.key()) ? e.key() : "") {
                case "hostname" -> hostname = hostname(file, keyPath, v);
                case "port" -> port = port(file, keyPath, v);
                case "username" -> username = text(file, keyPath, v);
                case "password" -> password = password(file, keyPath, v);
                case "platform" -> platform = text(file, keyPath, v);
                case "connection" -> connection = pluginName(file, keyPath, v);
                case "groups" -> memberOf = groupList(file, keyPath, v, groupName);
                case "data" -> {
                    data = map(file, keyPath, v, "data");
                    checkBecomePassword(file, keyPath, v);
                    checkBecome(file, keyPath, v);
                }
                case "connection_options" -> options = connectionOptions(file, keyPath, v);
                default -> {
                    if (!problems.isFull()) { // past the problems shown, only the count grows
                        problems.add(file, e.line(), keyPath, "unknown key"
                                + ("groups".equals(e.key()) ? "; defaults apply to every host and have no groups"
                                : Names.hint(e.key(), allowed, "a " + what + " takes " + String.join(", ", allowed))));
                    } else {
                        problems.add(file, e.line(), keyPath, "");
                    }
                }
            }
        }
        return new Element(memberOf, new Attributes(hostname, port, username, password, platform, connection, data,
                options));
    }

    private Map<String, ConnectionOptions> connectionOptions(String file, String path, Val val) {
        if (isNull(val)) {
            return Map.of();
        }
        if (!(val instanceof MapVal map)) {
            problems.add(file, val.line(), path, "is " + val.kind()
                    + ", not a mapping; write PLUGIN: followed by " + String.join(", ", OPTION_KEYS));
            return Map.of();
        }
        Map<String, ConnectionOptions> out = new LinkedHashMap<>();
        for (Entry e : map.entries().values()) {
            String pluginPath = join(path, e.key());
            if (!Names.PLUGIN_NAME.matcher(e.key()).matches()) {
                problems.add(file, e.line(), pluginPath, Names.quote(e.key()) + " is not a valid plugin name; "
                        + PLUGIN_RULE);
                continue;
            }
            ConnectionOptions options = options(file, pluginPath, e.key(), e.value());
            if (options != null) {
                out.put(e.key(), options);
            }
        }
        return out;
    }

    private ConnectionOptions options(String file, String path, String plugin, Val val) {
        if (isNull(val)) {
            return ConnectionOptions.NONE;
        }
        if (!(val instanceof MapVal map)) {
            problems.add(file, val.line(), path, "is " + val.kind()
                    + ", not a mapping; write " + String.join(", ", BaseField.keysAnd()) + " or extras under it");
            return null;
        }
        String hostname = null;
        Integer port = null;
        String username = null;
        Secret password = null;
        String platform = null;
        Map<String, Object> extras = Map.of();
        for (Entry e : map.entries().values()) {
            String keyPath = join(path, e.key());
            Val v = e.value();
            switch (e.key()) {
                case "hostname" -> hostname = hostname(file, keyPath, v);
                case "port" -> port = port(file, keyPath, v);
                case "username" -> username = text(file, keyPath, v);
                case "password" -> password = password(file, keyPath, v);
                case "platform" -> platform = text(file, keyPath, v);
                case "extras" -> {
                    Map<String, Object> m = map(file, keyPath, v, "extras");
                    checkExtras(file, keyPath, plugin, v);
                    // a null extra means "not set here": dropping it lets a lower level's value through
                    extras = new LinkedHashMap<>(m);
                    extras.values().removeIf(x -> x == null);
                }
                default -> problems.add(file, e.line(), keyPath, "unknown key" + Names.hint(e.key(), OPTION_KEYS,
                        "connection options take " + String.join(", ", OPTION_KEYS)
                        + " (plugin specific options go under extras)"));
            }
        }
        return new ConnectionOptions(hostname, port, username, password, platform, extras);
    }

    // ---------------------------------------------------------------- secrets and plugin options

    private Secret password(String file, String path, Val val) {
        String p = text(file, path, val);
        if (p == null) {
            return null;
        }
        String problem = SecretReference.problem(p);
        if (problem != null) {
            problems.add(file, val.line(), path, problem);
            return null;
        }
        return Secret.of(p);
    }

    /** {@code data.become_password} is read like a password (ParameterResolver.becomePassword). */
    private void checkBecomePassword(String file, String path, Val data) {
        if (data instanceof MapVal map) {
            Entry e = map.entries().get(ParameterResolver.BECOME_PASSWORD);
            if (e != null && e.value() instanceof Scalar s && s.value() instanceof String text) {
                String problem = SecretReference.problem(text);
                if (problem != null) {
                    problems.add(file, s.line(), join(path, e.key()), problem);
                }
            }
        }
    }

    /**
     * {@code data.become} must be true or false wherever it is set (ParameterResolver.become reads the merged value;
     * a wrong one here is wrong for every host it reaches). become_method and become_user are checked where used.
     */
    private void checkBecome(String file, String path, Val data) {
        if (data instanceof MapVal map) {
            Entry e = map.entries().get(ParameterResolver.BECOME);
            if (e != null && !(e.value() instanceof Scalar s && (s.value() == null
                    || ParameterResolver.flag(s.value()) != null))) {
                problems.add(file, e.line(), join(path, e.key()), (e.value() instanceof Scalar s ? Names.quote(s.text())
                        + " is not true or false (yes/no, on/off and 1/0 are read too)"
                        : "must be true or false, not a mapping or list")
                        + "; write become: true to run the hosts' commands with become, or become: false");
            }
        }
    }

    /**
     * Checks each extras key against the options the plugin declares (when it is installed), each value's type,
     * and secret references; every problem with its line.
     */
    private void checkExtras(String file, String path, String plugin, Val val) {
        if (!(val instanceof MapVal map)) {
            return; // map() said so
        }
        List<OptionDescriptor> options = declaredOptions(plugin);
        Map<String, OptionDescriptor> byName = new HashMap<>();
        if (options != null) {
            options.forEach(d -> byName.put(d.name(), d));
        }
        for (Entry e : map.entries().values()) {
            String keyPath = join(path, e.key());
            OptionDescriptor d = byName.get(e.key());
            if (options != null && d == null) {
                String advice = "see conduit:plugins " + plugin + " for the options it reads";
                problems.add(file, e.line(), keyPath, "plugin " + plugin + " has no option " + Names.quote(e.key())
                        + (problems.isFull() ? "; " + advice : Names.hint(e.key(), byName.keySet(), advice)));
                continue;
            }
            Val v = e.value();
            List<Scalar> texts = new ArrayList<>();
            if (v instanceof Scalar s) {
                texts.add(s);
            } else if (v instanceof Seq seq) {
                seq.items().stream().filter(Scalar.class::isInstance).map(Scalar.class::cast).forEach(texts::add);
            }
            boolean reference = false;
            for (Scalar s : texts) {
                if (s.value() instanceof String text && text.startsWith("${")) {
                    reference = true;
                    String problem = SecretReference.problem(text);
                    if (problem != null) {
                        problems.add(file, s.line(), keyPath, problem);
                    }
                }
            }
            if (d != null && !reference && !(v instanceof Scalar s && s.isNull())) {
                try {
                    d.convert(Tree.toJava(v, javaValues)); // checks a choice against its choices too
                } catch (IllegalArgumentException ex) {
                    String m = ex.getMessage() == null ? "invalid value" : ex.getMessage();
                    problems.add(file, v.line(), keyPath, (m.startsWith(d.name() + ": ")
                            ? m.substring(d.name().length() + 2) : m) + "; fix the value (see conduit:plugins "
                            + plugin + ")");
                }
            }
        }
    }

    private List<OptionDescriptor> declaredOptions(String plugin) {
        if (declaredCache.containsKey(plugin)) {
            return declaredCache.get(plugin);
        }
        List<OptionDescriptor> options;
        try {
            options = declared.apply(plugin);
        } catch (RuntimeException e) {
            // a plugin that cannot say (its configuration is invalid): the run refuses it with its own message
            options = null;
        }
        declaredCache.put(plugin, options);
        return options;
    }

    // ---------------------------------------------------------------- values

    private String text(String file, String path, Val val) {
        if (val instanceof Scalar s) {
            return s.isNull() ? null : s.text();
        }
        problems.add(file, val.line(), path, "is " + val.kind() + ", not text; write a single value");
        return null;
    }

    private String hostname(String file, String path, Val val) {
        String text = text(file, path, val);
        if (text != null && text.isBlank()) {
            problems.add(file, val.line(), path, "is empty; give an address or remove the key (the host's name is"
                    + " used then)");
            return null;
        }
        return text == null ? null : text.trim();
    }

    private Integer port(String file, String path, Val val) {
        if (!(val instanceof Scalar s)) {
            problems.add(file, val.line(), path, "is " + val.kind() + ", not a port; use a number 1-65535");
            return null;
        }
        if (s.isNull()) {
            return null;
        }
        Object v = s.value();
        long port = -1;
        if (v instanceof Long l) {
            port = l;
        } else if (v instanceof String str && str.trim().matches("\\d{1,9}")) {
            port = Long.parseLong(str.trim());
        }
        if (port < 1 || port > 65535) {
            String shown = v instanceof String ? Names.quote(s.text()) : s.text();
            problems.add(file, s.line(), path, shown + " is not a port; use a number 1-65535");
            return null;
        }
        return (int) port;
    }

    private String pluginName(String file, String path, Val val) {
        String name = text(file, path, val);
        if (name != null && !Names.PLUGIN_NAME.matcher(name).matches()) {
            problems.add(file, val.line(), path, Names.quote(name) + " is not a valid plugin name; " + PLUGIN_RULE);
            return null;
        }
        return name;
    }

    private List<String> groupList(String file, String path, Val val, String fromGroup) {
        if (isNull(val)) {
            return List.of();
        }
        if (!(val instanceof Seq seq)) {
            String hint = val instanceof Scalar s ? "; write groups: [" + s.text() + "]" : "; write groups: [a, b]";
            problems.add(file, val.line(), path, "is " + val.kind() + ", not a list" + hint);
            return List.of();
        }
        Set<String> names = new LinkedHashSet<>();
        for (Val item : seq.items()) {
            if (!(item instanceof Scalar s) || s.isNull() || s.text().isBlank()) {
                problems.add(file, item.line(), path, "an item is " + item.kind()
                        + ", not a group name; list group names");
                continue;
            }
            if (names.add(s.text())) {
                refs.add(new GroupRef(file, s.line(), path, s.text(), fromGroup));
            }
        }
        return List.copyOf(names);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> map(String file, String path, Val val, String what) {
        if (isNull(val)) {
            return Map.of();
        }
        if (!(val instanceof MapVal)) {
            problems.add(file, val.line(), path, "is " + val.kind() + ", not a mapping; write " + what
                    + " as KEY: VALUE lines");
            return Map.of();
        }
        return (Map<String, Object>) Tree.toJava(val, javaValues);
    }

    // ---------------------------------------------------------------- cross references

    private void checkGroups() {
        Map<String, List<GroupRef>> parents = new HashMap<>();
        for (GroupRef ref : refs) {
            if (!groups.containsKey(ref.name())) {
                // past the problems shown, a hint against every group would only cost time
                String advice = "define it under groups or fix the name";
                problems.add(ref.file(), ref.line(), ref.path(), "unknown group " + Names.quote(ref.name())
                        + (problems.isFull() ? "; " + advice : Names.hint(ref.name(), groups.keySet(), advice)));
            } else if (ref.fromGroup() != null) {
                parents.computeIfAbsent(ref.fromGroup(), k -> new ArrayList<>()).add(ref);
            }
        }
        Set<String> done = new HashSet<>();
        Set<Set<String>> reported = new HashSet<>();
        for (String group : groups.keySet()) {
            findCycles(group, new ArrayList<>(), done, parents, reported);
        }
    }

    /** Depth first over parent links; a group met again on the current path closes a cycle. */
    private void findCycles(String group, List<String> stack, Set<String> done, Map<String, List<GroupRef>> parents,
            Set<Set<String>> reported) {
        if (done.contains(group)) {
            return;
        }
        stack.add(group);
        for (GroupRef ref : parents.getOrDefault(group, List.of())) {
            int at = stack.indexOf(ref.name());
            if (at >= 0) {
                List<String> cycle = new ArrayList<>(stack.subList(at, stack.size()));
                if (reported.add(new HashSet<>(cycle))) {
                    cycle.add(ref.name());
                    problems.add(ref.file(), ref.line(), ref.path(), "cyclic group parents "
                            + String.join(" -> ", cycle) + "; remove one of these parent links");
                }
            } else {
                findCycles(ref.name(), stack, done, parents, reported);
            }
        }
        stack.remove(stack.size() - 1);
        done.add(group);
    }

    // ---------------------------------------------------------------- helpers

    private static boolean isNull(Val val) {
        return val instanceof Scalar s && s.isNull();
    }

    private static String join(String path, String key) {
        return path == null || path.isEmpty() ? key : path + "." + key;
    }

    private static String label(String path, String fallback) {
        return path == null || path.isEmpty() ? fallback : path;
    }
}
