package io.conduit.core.inventory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;
import io.conduit.api.connection.Secret;
import io.conduit.api.inventory.Attributes;
import io.conduit.api.inventory.ConnectionOptions;
import io.conduit.api.inventory.Group;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;

/**
 * Resolves the parameters a plugin opens a connection to a host with, by the inventory's precedence. Each of
 * hostname, port, username, password and platform comes from the first of:
 * <ol>
 * <li>the host's {@code connection_options.PLUGIN}, then the host itself;</li>
 * <li>for each of the host's groups in {@linkplain #groupOrder precedence order}: the group's
 * {@code connection_options.PLUGIN}, then the group itself;</li>
 * <li>{@code defaults.connection_options.PLUGIN}, then {@code defaults};</li>
 * </ol>
 * and the hostname falls back to the host's name. {@code extras} (which only {@code connection_options} have)
 * and {@code data} ({@link #data}) merge in the same order, deeply: mappings key by key at every depth, lists and
 * scalars whole ({@link DeepMerge}).
 *
 * <p>Secret references are whole values: {@code ${env:NAME}} reads an environment variable, {@code ${file:PATH}}
 * a file (one trailing newline stripped; {@code ~/} is the user's home; a relative path is relative to the
 * inventory file's directory). Values read from references never appear in messages. Stateless and thread
 * safe.
 */
public final class ParameterResolver {

    /** A secret reference: the whole value is {@code ${env:NAME}} or {@code ${file:PATH}}. */
    static final Pattern REFERENCE = SecretReference.WELL_FORMED;

    private ParameterResolver() {
    }

    /**
     * @param value a value as the inventory has it
     * @return whether it is a whole {@code ${env:NAME}} or {@code ${file:PATH}} reference (which names where a
     *         secret is read from, and may be shown)
     */
    public static boolean isReference(String value) {
        return value != null && REFERENCE.matcher(value).matches();
    }

    /**
     * One place a value can come from, highest precedence first.
     *
     * @param element {@code host web1}, {@code group core} or {@code defaults}
     * @param origin the element, followed by {@code connection_options.PLUGIN} for plugin overrides
     */
    private record Source(String element, String origin, String hostname, Integer port, String username,
            Secret password, String platform, Map<String, Object> extras) {
    }

    /**
     * Returns the plugin a host connects with by default: the first {@code connection} set on the host, its
     * groups in precedence order, the defaults.
     *
     * @param inventory the inventory
     * @param host one of its hosts
     * @return the plugin name, or {@code null} when none is set anywhere
     */
    public static String pluginFor(Inventory inventory, Host host) {
        if (host.attributes().connection() != null) {
            return host.attributes().connection();
        }
        for (String name : groupOrder(inventory, host)) {
            Group group = inventory.groups().get(name);
            if (group != null && group.attributes().connection() != null) {
                return group.attributes().connection();
            }
        }
        return inventory.defaults().connection();
    }

    /**
     * Tells where {@link #pluginFor} finds the host's plugin (the same walk), for {@code conduit:hosts --origins}.
     *
     * @param inventory the inventory
     * @param host one of its hosts
     * @return {@code host NAME}, {@code group NAME} or {@code defaults}; {@code null} when none sets one
     */
    public static String pluginOrigin(Inventory inventory, Host host) {
        if (host.attributes().connection() != null) {
            return "host " + host.name();
        }
        for (String name : groupOrder(inventory, host)) {
            Group group = inventory.groups().get(name);
            if (group != null && group.attributes().connection() != null) {
                return "group " + name;
            }
        }
        return inventory.defaults().connection() != null ? "defaults" : null;
    }

    /**
     * Returns the host's groups in precedence order: each group the host lists, in its order, followed by
     * that group's parents depth first; a group reached twice counts where it was first reached. Groups the
     * inventory does not define (possible with an {@code InventorySource}) are included, without values.
     *
     * @param inventory the inventory
     * @param host one of its hosts
     * @return group names, first wins
     */
    public static List<String> groupOrder(Inventory inventory, Host host) {
        Set<String> order = new LinkedHashSet<>();
        for (String group : host.groups()) {
            visit(inventory, group, order);
        }
        return List.copyOf(order);
    }

    private static void visit(Inventory inventory, String group, Set<String> order) {
        if (!order.add(group)) {
            return; // already placed, and guards against cycles in inventories that were never loaded by us
        }
        Group g = inventory.groups().get(group);
        if (g != null) {
            for (String parent : g.groups()) {
                visit(inventory, parent, order);
            }
        }
    }

    /**
     * Resolves the parameters for a host and a plugin.
     *
     * @param inventory the inventory
     * @param host one of its hosts
     * @param plugin the plugin's name
     * @param options the options the plugin declares; declared {@code extras} are converted with
     *        {@link OptionDescriptor#convert} (secret options become {@link Secret}, a choice must be one of its
     *        choices, a relative {@code path} is read from {@code base}), required ones must be set,
     *        undeclared ones are refused ("did you mean"); declared defaults are not filled in. {@code null} when
     *        the plugin is not installed: extras then pass through as written
     * @param resolveSecrets {@code true} to replace {@code ${env:NAME}} and {@code ${file:PATH}} in the password
     *        and in {@code extras} values (for connecting); {@code false} to keep them as written (for display)
     * @param base the inventory's directory ({@link io.conduit.api.inventory.Inventories#baseDirectory}), or
     *        {@code null} when it has none (relative references are then read from the working directory)
     * @return the parameters; port 0 when none is set
     * @throws InventoryException a secret reference is malformed or cannot be resolved, an extra is not an option
     *         of the plugin or does not convert, or a required extra is missing; the message names the host, the
     *         key and where the value came from, never a secret
     */
    public static ConnectionParams resolve(Inventory inventory, Host host, String plugin,
            List<OptionDescriptor> options, boolean resolveSecrets, Path base) throws InventoryException {
        return resolve(inventory, host, plugin, options, resolveSecrets, System::getenv, base);
    }

    /** {@link #resolve(Inventory, Host, String, List, boolean, Path)} with the environment given, for tests. */
    static ConnectionParams resolve(Inventory inventory, Host host, String plugin,
            List<OptionDescriptor> options, boolean resolveSecrets, Function<String, String> env, Path base)
            throws InventoryException {
        return resolveWith(inventory, host, plugin, options, resolveSecrets, env, base);
    }

    private static ConnectionParams resolveWith(Inventory inventory, Host host, String plugin,
            List<OptionDescriptor> options, boolean resolveSecrets, Function<String, String> env, Path base)
            throws InventoryException {
        List<Source> sources = sources(inventory, host, plugin);
        String where = inventory.source() + ": hosts." + host.name() + ": ";
        Secrets secrets = new Secrets(env, base);

        Source hostnameFrom = first(sources, s -> s.hostname());
        Source portFrom = first(sources, s -> s.port());
        Source usernameFrom = first(sources, s -> s.username());
        Source passwordFrom = first(sources, s -> s.password());
        Source platformFrom = first(sources, s -> s.platform());

        Secret password = passwordFrom == null ? null : passwordFrom.password();
        if (password != null) {
            String problem = SecretReference.problem(password.reveal());
            if (problem != null) {
                throw new InventoryException(where + "password (from " + passwordFrom.origin() + "): " + problem);
            }
        }
        if (password != null && resolveSecrets) {
            String resolved = secrets.dereference(password.reveal(), where + "password (from " + passwordFrom.origin()
                    + ")");
            password = Secret.of(resolved);
        }

        Map<String, OptionDescriptor> declared = new LinkedHashMap<>();
        for (OptionDescriptor d : options == null ? List.<OptionDescriptor>of() : options) {
            declared.put(d.name(), d);
        }
        Map<String, Object> extras = new LinkedHashMap<>();
        DeepMerge.Result merged = mergeExtras(sources);
        for (Map.Entry<String, Object> e : merged.values().entrySet()) {
            String key = e.getKey();
            Object raw = e.getValue();
            String what = where + "connection_options." + plugin + ".extras." + key + " (from "
                    + origin(merged.origins(), key) + ")";
            if (options != null && !declared.containsKey(key)) {
                throw new InventoryException(what + ": plugin " + plugin + " has no option " + Names.quote(key)
                        + Names.hint(key, declared.keySet(), "see conduit:plugins " + plugin + " for the options it"
                        + " reads"));
            }
            extras.put(key, extra(raw, declared.get(key), what, plugin, resolveSecrets ? secrets : null));
        }
        for (OptionDescriptor d : declared.values()) {
            if (d.required() && !extras.containsKey(d.name())) {
                throw new InventoryException(where + "connection_options." + plugin + ".extras." + d.name()
                        + " is missing; plugin " + plugin + " requires it (" + d.description()
                        + "); set it for this host, one of its groups, or the defaults");
            }
        }

        return new ConnectionParams(
                hostnameFrom == null ? host.name() : hostnameFrom.hostname(),
                portFrom == null ? 0 : portFrom.port(),
                usernameFrom == null ? null : usernameFrom.username(),
                password,
                platformFrom == null ? null : platformFrom.platform(),
                extras);
    }

    /** The environment variable a run's become password is read from (never passed on to local commands). */
    public static final String BECOME_PASSWORD_ENV = "CONDUIT_BECOME_PASSWORD";

    /** The {@code data} key that holds a host's become password (Ansible's {@code ansible_become_password}). */
    public static final String BECOME_PASSWORD = "become_password";

    /** The {@code data} key that makes a host's commands run with become (Ansible's {@code ansible_become}). */
    public static final String BECOME = "become";

    /** The {@code data} key naming the become method, {@code sudo} (the default) or {@code su}. */
    public static final String BECOME_METHOD = "become_method";

    /** The {@code data} key naming the user to become, {@code root} by default. */
    public static final String BECOME_USER = "become_user";

    /**
     * A host's data merged from every level, and where each leaf came from.
     *
     * @param values the merged data, nested mappings merged too; unmodifiable at every depth. It still holds
     *        {@code become_password} as the inventory writes it (possibly a {@link Secret}): whoever shows or hands
     *        it on removes or masks it
     * @param origins leaf key path ({@code site}, {@code ntp.servers}, {@code app.limits.cpu}) to the element it came
     *        from ({@code host web1}, {@code group core}, {@code defaults}), in the order of {@code values}
     */
    public record Data(Map<String, Object> values, Map<String, String> origins) {

        /**
         * @param path a key path, a leaf's or a mapping's
         * @return the element it came from; for a mapping merged from several levels, each of theirs, joined with
         *         {@code ", "}; empty when the path is not set
         */
        public String origin(String path) {
            return ParameterResolver.origin(origins, path);
        }
    }

    /**
     * Returns a host's {@code data} merged with its groups' (in {@linkplain #groupOrder precedence order}) and the
     * defaults', the precedence of the connection values, by {@link DeepMerge}'s rule: mappings merge key by key
     * at every depth, lists and scalars replace as a whole, and an explicit {@code null} is a value (a host can
     * clear what a group sets, as in Ansible and Nornir). What tasks, runbooks, {@code conduit:hosts} and the
     * become settings read.
     *
     * @param inventory the inventory
     * @param host one of its hosts
     * @return the merged data and the origin of each leaf
     */
    public static Data data(Inventory inventory, Host host) {
        List<DeepMerge.Level> levels = new ArrayList<>();
        levels.add(new DeepMerge.Level("host " + host.name(), host.attributes().data()));
        for (String name : groupOrder(inventory, host)) {
            Group group = inventory.groups().get(name);
            if (group != null && !group.attributes().data().isEmpty()) {
                levels.add(new DeepMerge.Level("group " + name, group.attributes().data()));
            }
        }
        levels.add(new DeepMerge.Level("defaults", inventory.defaults().data()));
        DeepMerge.Result merged = DeepMerge.merge(levels, false);
        return new Data(merged.values(), merged.origins());
    }

    /**
     * Returns the escalation a host's commands get when they ask for none of their own: {@code data.become} true
     * (Ansible's {@code ansible_become}) makes them run as {@code data.become_user} (default {@code root}) through
     * {@code data.become_method} ({@code sudo}, the default, or {@code su}), each read from the merged data
     * ({@link #data}). The password is not in it: the host's {@code become_password} is added where a command is
     * sent ({@link #becomePassword}).
     *
     * @param inventory the inventory
     * @param host one of its hosts
     * @return the escalation, or {@code null} when {@code become} is false or not set
     * @throws InventoryException {@code become} is not a boolean as Ansible reads one ({@link #flag}), or, with
     *         {@code become} true,
     *         {@code become_method} is not {@code sudo} or {@code su} or {@code become_user} is not a non-empty text;
     *         the message names the host, the key, the value and where it came from
     */
    public static Become become(Inventory inventory, Host host) throws InventoryException {
        Data data = data(inventory, host);
        Object flag = data.values().get(BECOME);
        String where = inventory.source() + ": hosts." + host.name() + ": data.";
        Boolean on = flag == null ? Boolean.FALSE : flag(flag);
        if (on == null) {
            throw new InventoryException(where + BECOME + " (from " + data.origin(BECOME) + ") is " + shown(flag)
                    + "; it must be true or false (yes/no, on/off and 1/0 are read too)");
        }
        if (!on) {
            return null; // become_method and become_user are read only when used (an -b of a command brings its own)
        }
        Object method = data.values().get(BECOME_METHOD);
        Become.Method m = Become.Method.SUDO;
        if (method != null) {
            String name = method instanceof String text ? text.trim().toLowerCase(Locale.ROOT) : "";
            if (name.equals("su")) {
                m = Become.Method.SU;
            } else if (!name.equals("sudo")) {
                throw new InventoryException(where + BECOME_METHOD + " (from " + data.origin(BECOME_METHOD) + ") is "
                        + shown(method) + "; Conduit becomes with sudo or su: set one of them, or remove the key"
                        + " for sudo");
            }
        }
        Object user = data.values().get(BECOME_USER);
        if (user != null && !(user instanceof String text && !text.isBlank())) {
            throw new InventoryException(where + BECOME_USER + " (from " + data.origin(BECOME_USER) + ") is "
                    + shown(user) + "; set a user name, or remove the key for root");
        }
        return new Become(m, (String) user, null);
    }

    /**
     * Reads {@code data.become} as Ansible reads a boolean such as {@code ansible_become}: {@code true} or
     * {@code false}, the numbers 1 and 0, or the text {@code true}, {@code yes}, {@code y}, {@code on}, {@code t},
     * {@code 1} and {@code false}, {@code no}, {@code n}, {@code off}, {@code f}, {@code 0} in any case (an INI
     * inventory has only text).
     *
     * @param value the value, not {@code null}
     * @return the flag, or {@code null} when it is none of those
     */
    static Boolean flag(Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        String text = value instanceof String s ? s.trim().toLowerCase(Locale.ROOT)
                : value instanceof Long || value instanceof Integer ? value.toString() : "";
        return switch (text) {
            case "true", "yes", "y", "on", "t", "1" -> Boolean.TRUE;
            case "false", "no", "n", "off", "f", "0" -> Boolean.FALSE;
            default -> null;
        };
    }

    /** A value in a message: text quoted, a mapping or list by its kind (it may be long). */
    private static String shown(Object value) {
        return value instanceof String text ? Names.quote(text) : value instanceof Map<?, ?> ? "a mapping"
                : value instanceof Collection<?> ? "a list" : String.valueOf(value);
    }

    /**
     * Returns a host's become password: {@code data.become_password} of the merged data ({@link #data}: of the
     * host, then of its groups in precedence order, then of the defaults; an explicit {@code null} means none); a
     * whole-value {@code ${env:NAME}} or {@code ${file:PATH}} reference
     * is read now.
     *
     * @param inventory the inventory
     * @param host one of its hosts
     * @param base the inventory's directory (a relative {@code ${file:...}} is read from it), or {@code null}
     * @return the password, or {@code null} when none is set
     * @throws InventoryException the value is not text, is empty, is a malformed reference ({@code ${env:}}) or
     *         a reference that cannot be read; the message names the host and where the value came from, never
     *         the value
     */
    public static Secret becomePassword(Inventory inventory, Host host, Path base) throws InventoryException {
        return becomePassword(inventory, host, System::getenv, base);
    }

    /** {@link #becomePassword(Inventory, Host, Path)} with the environment given, for tests. */
    static Secret becomePassword(Inventory inventory, Host host, Function<String, String> env, Path base)
            throws InventoryException {
        Data data = data(inventory, host);
        Object raw = data.values().get(BECOME_PASSWORD);
        String element = data.origin(BECOME_PASSWORD);
        if (raw == null) {
            return null;
        }
        String what = inventory.source() + ": hosts." + host.name() + ": data." + BECOME_PASSWORD + " (from " + element
                + ")";
        String text = raw instanceof Secret secret ? secret.reveal() : raw instanceof String str ? str : null;
        if (text == null) {
            throw new InventoryException(what + " must be text (a password or a ${env:NAME} / ${file:PATH}"
                    + " reference)");
        }
        String problem = SecretReference.problem(text);
        if (problem != null) {
            throw new InventoryException(what + ": " + problem);
        }
        String value = new Secrets(env, base).dereference(text, what);
        if (value.isEmpty()) {
            throw new InventoryException(what + " is empty; set the password, or remove the key for hosts that"
                    + " need none");
        }
        return Secret.of(value);
    }

    /**
     * Tells where each resolved value comes from, for the shell's {@code conduit:hosts -c PLUGIN}.
     *
     * @param inventory the inventory
     * @param host one of its hosts
     * @param plugin the plugin's name
     * @return for {@code hostname}, {@code port}, {@code username}, {@code password}, {@code platform} (those
     *         set) and {@code extras.KEY}: {@code "host web1"}, {@code "group core connection_options.ssh"},
     *         {@code "defaults"} and the like; {@code hostname} is {@code "host name"} when it falls back to the
     *         host's inventory name
     */
    public static Map<String, String> origins(Inventory inventory, Host host, String plugin) {
        List<Source> sources = sources(inventory, host, plugin);
        Map<String, String> out = new LinkedHashMap<>();
        Source s = first(sources, Source::hostname);
        out.put(BaseField.HOSTNAME.key(), s == null ? "host name" : s.origin());
        putOrigin(out, BaseField.PORT.key(), first(sources, Source::port));
        putOrigin(out, BaseField.USERNAME.key(), first(sources, Source::username));
        putOrigin(out, BaseField.PASSWORD.key(), first(sources, Source::password));
        putOrigin(out, BaseField.PLATFORM.key(), first(sources, Source::platform));
        mergeExtras(sources).origins().forEach((path, element) -> out.put(joinPaths("extras", path), element));
        return out;
    }

    private static void putOrigin(Map<String, String> out, String key, Source source) {
        if (source != null) {
            out.put(key, source.origin());
        }
    }

    // ---------------------------------------------------------------- precedence

    private static List<Source> sources(Inventory inventory, Host host, String plugin) {
        List<Source> out = new ArrayList<>();
        add(out, "host " + host.name(), host.attributes(), plugin);
        for (String name : groupOrder(inventory, host)) {
            Group group = inventory.groups().get(name);
            if (group != null) {
                add(out, "group " + name, group.attributes(), plugin);
            }
        }
        add(out, "defaults", inventory.defaults(), plugin);
        return out;
    }

    private static void add(List<Source> out, String element, Attributes attributes, String plugin) {
        ConnectionOptions o = attributes.optionsFor(plugin);
        out.add(new Source(element, element + " connection_options." + plugin, o.hostname(), o.port(), o.username(),
                o.password(), o.platform(), o.extras()));
        out.add(new Source(element, element, attributes.hostname(), attributes.port(), attributes.username(),
                attributes.password(), attributes.platform(), Map.of()));
    }

    private static Source first(List<Source> sources, Function<Source, Object> field) {
        for (Source s : sources) {
            if (field.apply(s) != null) {
                return s;
            }
        }
        return null;
    }

    /**
     * The extras of every level merged deeply ({@link DeepMerge}); a {@code null} extra means "not set here" (an
     * option has no null value), so a lower level's shows through.
     */
    private static DeepMerge.Result mergeExtras(List<Source> sources) {
        List<DeepMerge.Level> levels = new ArrayList<>();
        for (Source s : sources) {
            if (!s.extras().isEmpty()) {
                levels.add(new DeepMerge.Level(s.element(), s.extras()));
            }
        }
        return DeepMerge.merge(levels, true);
    }

    /**
     * Tells where a merged value came from.
     *
     * @param origins leaf key path to element, as {@link #origins} and {@link Data#origins()} give them
     * @param path a key path: a leaf's, or a mapping's whose leaves are in {@code origins}
     * @return the element of the path, or of every leaf beneath it, in order and joined with {@code ", "}, when it
     *         is a mapping merged from several levels ({@code "host web1, group core"}); empty when none is known
     */
    public static String origin(Map<String, String> origins, String path) {
        // (a key path as keyPath writes it)
        String exact = origins.get(path);
        if (exact != null) {
            return exact;
        }
        Set<String> elements = new LinkedHashSet<>();
        origins.forEach((p, element) -> {
            if (p.startsWith(path + ".") || p.startsWith(path + "[")) {
                elements.add(element);
            }
        });
        return String.join(", ", elements);
    }

    /**
     * A key path of the origins: keys joined with {@code .} ({@code ntp.servers}); a key that holds {@code .},
     * {@code [}, {@code ]} or {@code "}, or is empty, is written quoted in brackets ({@code data["a.b"]}, with
     * {@code \} and {@code "} escaped by {@code \}), so {@code {"a.b": x}} and {@code {a: {b: x}}} never share a path.
     *
     * @param parent the path so far ({@code ""} at the top)
     * @param key the next key, as the mapping has it
     * @return the joined path
     */
    public static String keyPath(String parent, String key) {
        String segment = !key.isEmpty() && key.chars().noneMatch(c -> c == '.' || c == '[' || c == ']' || c == '"')
                ? key : "[\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"]";
        return joinPaths(parent, segment);
    }

    /**
     * @param parent a key path {@link #keyPath} wrote, or {@code ""}
     * @param path another, to go beneath it
     * @return the two joined ({@code data} and {@code ["a.b"]} make {@code data["a.b"]})
     */
    public static String joinPaths(String parent, String path) {
        return parent.isEmpty() || path.startsWith("[\"") ? parent + path : parent + "." + path;
    }

    /**
     * Splits a key path {@link #keyPath} wrote into its keys.
     *
     * @param path the path ({@code data.app["a.b"].x})
     * @return its keys ({@code data}, {@code app}, {@code a.b}, {@code x})
     */
    public static List<String> keys(String path) {
        List<String> keys = new java.util.ArrayList<>();
        StringBuilder key = new StringBuilder();
        int i = 0;
        while (i < path.length()) {
            char c = path.charAt(i);
            if (c == '[' && path.startsWith("[\"", i)) {
                if (key.length() > 0) {
                    keys.add(key.toString());
                    key.setLength(0);
                }
                i += 2;
                while (i < path.length() && path.charAt(i) != '"') {
                    if (path.charAt(i) == '\\' && i + 1 < path.length()) {
                        i++;
                    }
                    key.append(path.charAt(i++));
                }
                keys.add(key.toString());
                key.setLength(0);
                i += 2; // "]
                if (i < path.length() && path.charAt(i) == '.') {
                    i++;
                }
            } else if (c == '.') {
                keys.add(key.toString());
                key.setLength(0);
                i++;
            } else {
                key.append(c);
                i++;
            }
        }
        if (key.length() > 0) {
            keys.add(key.toString());
        }
        return keys;
    }

    // ---------------------------------------------------------------- values

    /** @param secrets {@code null} to leave references as written */
    private static Object extra(Object raw, OptionDescriptor descriptor, String what, String plugin,
            Secrets secrets) throws InventoryException {
        String reference = raw instanceof String s && REFERENCE.matcher(s).matches() ? s : null;
        String problem = raw instanceof String s ? SecretReference.problem(s) : null;
        if (problem != null) {
            throw new InventoryException(what + ": " + problem);
        }
        Object value = raw;
        if (secrets != null) {
            value = secrets.dereferenceAll(raw, what);
        } else if (reference != null) {
            return raw; // shown as written: the reference tells where the value will come from, never the value
        }
        if (descriptor == null) {
            // values read from the environment or a file are treated as secrets: they must never print
            return reference != null ? Secret.of((String) value) : value;
        }
        Object converted;
        try {
            converted = descriptor.convert(value); // once, here: plugins read the typed value
        } catch (IllegalArgumentException e) {
            String why = reference != null
                    ? reference + " gives a value that is not a valid " + descriptor.type().name().toLowerCase(Locale.ROOT)
                    : stripName(descriptor.name(), e.getMessage());
            throw new InventoryException(what + ": " + why + "; fix the value (see conduit:plugins " + plugin
                    + ")", e);
        }
        if (descriptor.secret() && converted instanceof String s) {
            return Secret.of(s);
        }
        if (descriptor.type() == OptionType.PATH && converted instanceof String path && secrets != null) {
            // a key or CA file named in an inventory is found beside it, as ${file:...} is, wherever Conduit runs
            return LocalPaths.inInventory(path, secrets.base()).toString();
        }
        return converted;
    }

    private static String stripName(String name, String message) {
        String m = message == null ? "invalid value" : message;
        return m.startsWith(name + ": ") ? m.substring(name.length() + 2) : m;
    }

    /** Where {@code ${env:...}} and relative {@code ${file:...}} references are read from. */
    private record Secrets(Function<String, String> env, Path base) {

        Object dereferenceAll(Object raw, String what) throws InventoryException {
            if (raw instanceof String s) {
                return dereference(s, what);
            }
            if (raw instanceof Collection<?> list) {
                List<Object> out = new ArrayList<>(list.size());
                for (Object item : list) {
                    out.add(item instanceof String s ? dereference(s, what) : item);
                }
                return List.copyOf(out);
            }
            return raw;
        }

        /**
         * Replaces a whole-value secret reference; other text comes back unchanged.
         *
         * @param what {@code SOURCE: hosts.HOST: KEY (from ...)}, for the message
         */
        String dereference(String value, String what) throws InventoryException {
            Matcher m = REFERENCE.matcher(value);
            if (!m.matches()) {
                return value;
            }
            String name = m.group(2).trim();
            if ("env".equals(m.group(1))) {
                String v = env.apply(name);
                if (v == null) {
                    throw new InventoryException(what + ": " + value + " is not set; set the environment variable "
                            + name + " where Conduit runs, or change the reference");
                }
                if (v.isEmpty()) {
                    throw new InventoryException(what + ": " + value + " is set but empty; export the secret in "
                            + name + " where Conduit runs, or change the reference");
                }
                return v;
            }
            Path path = LocalPaths.inInventory(name, base); // relative to the inventory, not the working directory
            try {
                String content = Files.readString(path, StandardCharsets.UTF_8);
                if (content.endsWith("\r\n")) {
                    return content.substring(0, content.length() - 2);
                }
                return content.endsWith("\n") ? content.substring(0, content.length() - 1) : content;
            } catch (NoSuchFileException e) {
                throw new InventoryException(what + ": " + value + " cannot be read: " + path
                        + " does not exist; create it or fix the path", e);
            } catch (AccessDeniedException e) {
                throw new InventoryException(what + ": " + value + " cannot be read: permission denied on " + path
                        + "; make it readable by the user running Conduit", e);
            } catch (IOException e) {
                // the exception's own message could quote content (a malformed byte sequence): say only what
                throw new InventoryException(what + ": " + value + " cannot be read (" + (e instanceof
                        java.nio.charset.CharacterCodingException ? "not UTF-8 text" : e instanceof
                        java.nio.file.FileSystemException f && f.getReason() != null ? f.getReason()
                        : "an I/O error") + "); check " + path, e);
            }
        }
    }
}
