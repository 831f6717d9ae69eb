package io.conduit.core.inventory;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.Secret;
import io.conduit.api.inventory.Attributes;
import io.conduit.api.inventory.ConnectionOptions;
import io.conduit.api.inventory.Group;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;

/**
 * Maps an Ansible inventory ({@link AnsibleModel}, whatever format it was read from) to Conduit's
 * {@link Inventory}, so that every host gets the values Ansible would give it.
 *
 * <p><b>Groups.</b> Every Ansible group becomes a Conduit group, except {@code all}: its variables become the
 * {@link Inventory#defaults() defaults}, and Conduit's host patterns select every host with {@code all} anyway.
 * {@code ungrouped} is kept as a group holding the hosts that are in no other group (as Ansible fills it), so that
 * {@code -l ungrouped} works as in Ansible.
 *
 * <p><b>Precedence</b> is Ansible's ("How variables are merged"): a host's own variables win over its groups',
 * which win over {@code all}'s; a child group wins over its parents (a group's depth is its longest path of
 * {@code children} links from {@code all}, which is 0); among groups of the same depth the higher
 * {@code ansible_group_priority} wins (default 1), then the name later in alphabetical order. Conduit's resolver
 * takes a host's groups in list order, first wins, each followed by its parents
 * ({@link ParameterResolver#groupOrder}); a parent reached that way would be placed before a deeper group the host
 * is also in (in a diamond or with groups of unequal depth), so the mapping lists on each host <em>every</em> group
 * it is in, ancestors included, winner first, and the Conduit groups have no parents: the host's list is the whole
 * order. (Ansible's {@code children} are thereby kept as membership, not as Conduit group parents.)
 *
 * <p><b>Variables</b>, on hosts, groups and {@code all} alike: {@code ansible_host}, {@code ansible_port},
 * {@code ansible_user}, {@code ansible_password} (and their {@code ansible_ssh_*} forms) become hostname, port,
 * username and password; {@code ansible_connection} the connection plugin ({@link #plugin}); the private key file
 * {@code connection_options.ssh.extras.private_key_file} (a relative path read from the inventory's directory);
 * {@code ansible_become*} the data keys {@code become}, {@code become_user}, {@code become_method} and
 * {@code become_password}; {@code ansible_host_key_checking} (and {@code ansible_ssh_host_key_checking}) the ssh
 * plugin's {@code host_key_checking}: true is {@code strict}, false {@code off} (the operator's file is honoured;
 * the ssh plugin announces {@code off} on every run). {@value #CONNECTION_OPTIONS}, whose value has the shape of a
 * Conduit inventory's {@code connection_options} (PLUGIN to hostname, port, username, password, platform and
 * extras), becomes the connection options, read and checked by {@link InventoryLoader} as in a Conduit inventory
 * (an extra given there wins over one the {@code ansible_*} variables set at the same level). Everything else,
 * other {@code ansible_*} variables included, is kept in {@code data} as written. {@code ansible_group_priority}
 * orders groups and is not kept.
 *
 * <p><b>Refused</b>, never passed on as text, each with {@code FILE:LINE}, the key and what to do: a value
 * encrypted with ansible-vault at any depth ({@code !vault}, the JSON form <code>{"__ansible_vault": ...}</code>
 * that {@code ansible-inventory} and scripts print, or text starting {@code $ANSIBLE_VAULT;}), the variables that
 * hand arguments to OpenSSH's programs ({@link #SSH_PROGRAM_VARIABLES}), a string holding Jinja ({@code {{ }}} or <code>{%</code>), a mapped key of the
 * wrong type, a become method Conduit does not have, cyclic {@code children}. Every problem is reported at once
 * ({@link Problems}). Stateless.
 */
public final class AnsibleMapping {

    /** The data keys the become variables are mapped to: the ones the runner reads. */
    static final String BECOME = ParameterResolver.BECOME;
    static final String BECOME_USER = ParameterResolver.BECOME_USER;
    static final String BECOME_METHOD = ParameterResolver.BECOME_METHOD;
    /** The become methods Conduit has. */
    static final List<String> BECOME_METHODS = List.of("sudo", "su");
    /** Ansible's default {@code ansible_group_priority}. */
    static final int DEFAULT_PRIORITY = 1;
    static final String PRIORITY = "ansible_group_priority";

    private static final Set<String> HOSTNAME = Set.of("ansible_host", "ansible_ssh_host");
    private static final Set<String> PORT = Set.of("ansible_port", "ansible_ssh_port");
    private static final Set<String> USERNAME = Set.of("ansible_user", "ansible_ssh_user");
    private static final Set<String> PASSWORD = Set.of("ansible_password", "ansible_ssh_pass", "ansible_ssh_password");
    private static final Set<String> KEY_FILE = Set.of("ansible_private_key_file", "ansible_ssh_private_key_file");
    private static final Set<String> BECOME_PASS = Set.of("ansible_become_password", "ansible_become_pass");
    private static final Map<String, String> CONNECTIONS = Map.ofEntries(
            Map.entry("ssh", "ssh"), Map.entry("paramiko", "ssh"), Map.entry("smart", "ssh"),
            Map.entry("ansible.builtin.ssh", "ssh"), Map.entry("ansible.builtin.paramiko_ssh", "ssh"),
            Map.entry("paramiko_ssh", "ssh"),
            Map.entry("docker", "docker"), Map.entry("community.docker.docker", "docker"),
            Map.entry("community.docker.docker_api", "docker"),
            Map.entry("local", "local"), Map.entry("ansible.builtin.local", "local"));
    /** The variable whose value is Conduit's {@code connection_options}, as in a Conduit inventory. */
    static final String CONNECTION_OPTIONS = "conduit_connection_options";
    /** Ansible's host key checking variables, mapped to the ssh plugin's {@code host_key_checking}. */
    static final Set<String> HOST_KEY_CHECKING = Set.of("ansible_host_key_checking", "ansible_ssh_host_key_checking");
    /**
     * Ansible variables that change how a host is reached by handing arguments to OpenSSH programs, which Conduit
     * does not run: refused, as ignoring them would reach the host another way (or not at all).
     */
    static final List<String> SSH_PROGRAM_VARIABLES = List.of("ansible_ssh_common_args", "ansible_ssh_extra_args",
            "ansible_ssh_args", "ansible_ssh_executable", "ansible_sftp_extra_args", "ansible_scp_extra_args");

    private static final Set<String> MAPPED = mapped();
    /** How ansible-vault's text starts, and the key of its JSON form. */
    private static final String VAULT_HEADER = "$ANSIBLE_VAULT;";
    private static final String VAULT_KEY = "__ansible_vault";
    private static final Set<String> TRUE = Set.of("yes", "y", "on", "true", "t", "1");
    private static final Set<String> FALSE = Set.of("no", "n", "off", "false", "f", "0");

    private final AnsibleModel model;
    private final Path base;
    private final Function<String, List<OptionDescriptor>> declared;
    private final Problems problems = new Problems();

    private AnsibleMapping(AnsibleModel model, Path base, Function<String, List<OptionDescriptor>> declared) {
        this.model = model;
        this.base = base;
        this.declared = declared;
    }

    /**
     * Maps a model whose relative paths ({@code ansible_private_key_file}) are read from the working directory.
     *
     * @param model the inventory as read
     * @return the inventory, its {@link Inventory#source()} the model's ({@code ansible:PATH}, {@code script:PATH})
     * @throws InventoryException as {@link #toInventory(AnsibleModel, Path)}
     */
    static Inventory toInventory(AnsibleModel model) throws InventoryException {
        return toInventory(model, null);
    }

    /**
     * Maps a model.
     *
     * @param model the inventory as read
     * @param base the inventory's directory, which a relative {@code ansible_private_key_file} is read from (as
     *        {@code ${file:...}} references are, later); {@code null} to keep such paths as written
     * @return the inventory
     * @throws InventoryException a value cannot be mapped: every problem at once, the first 20 shown, each as
     *         {@code FILE:LINE: KEY (host|group NAME): what is wrong; what to do}
     */
    static Inventory toInventory(AnsibleModel model, Path base) throws InventoryException {
        return toInventory(model, base, plugin -> null);
    }

    /**
     * Maps a model, checking the {@code extras} of {@value #CONNECTION_OPTIONS} against the options of installed
     * plugins as {@link InventoryLoader} does.
     *
     * @param model the inventory as read
     * @param base as {@link #toInventory(AnsibleModel, Path)}
     * @param declared plugin name to its declared options, {@code null} when not installed
     * @return the inventory
     * @throws InventoryException as {@link #toInventory(AnsibleModel, Path)}, and for an extras key the plugin
     *         does not declare ("did you mean") or a value of the wrong type
     */
    static Inventory toInventory(AnsibleModel model, Path base, Function<String, List<OptionDescriptor>> declared)
            throws InventoryException {
        return new AnsibleMapping(model, base, declared).map();
    }

    private Inventory map() throws InventoryException {
        Map<String, Set<String>> parents = parents();
        Map<String, Integer> depth = depths(parents);
        Map<String, Integer> priority = new HashMap<>();
        Map<String, Group> groups = new LinkedHashMap<>();
        Attributes defaults = Attributes.NONE;
        for (AnsibleModel.Group g : model.groups.values()) {
            priority.put(g.name, priority(g));
            Attributes a = attributes(g.vars, "group " + g.name);
            if ("all".equals(g.name)) {
                defaults = a;
            } else {
                groups.put(g.name, new Group(g.name, List.of(), a));
            }
        }
        groups.computeIfAbsent("ungrouped", n -> new Group(n, List.of(), Attributes.NONE));
        depth.putIfAbsent("ungrouped", 1);

        Map<String, Set<String>> direct = new HashMap<>();
        for (AnsibleModel.Group g : model.groups.values()) {
            for (String h : g.hosts) {
                direct.computeIfAbsent(h, k -> new LinkedHashSet<>()).add(g.name);
            }
        }
        Comparator<String> winnerFirst = Comparator.<String>comparingInt(n -> depth.getOrDefault(n, 1))
                .thenComparingInt(n -> priority.getOrDefault(n, DEFAULT_PRIORITY))
                .thenComparing(Comparator.naturalOrder()).reversed();
        Map<String, Host> hosts = new LinkedHashMap<>();
        Set<String> ungroupedUsed = new LinkedHashSet<>();
        for (Map.Entry<String, Map<String, AnsibleModel.Value>> e : model.hostVars.entrySet()) {
            String name = e.getKey();
            Set<String> member = new LinkedHashSet<>();
            for (String g : direct.getOrDefault(name, Set.of())) {
                ancestry(g, parents, member);
            }
            member.remove("all");
            if (member.isEmpty() || member.equals(Set.of("ungrouped"))) {
                member.add("ungrouped");
                ungroupedUsed.add(name);
            } else {
                member.remove("ungrouped"); // Ansible takes a host out of ungrouped once it is in another group
            }
            List<String> order = new ArrayList<>(member);
            order.sort(winnerFirst);
            hosts.put(name, new Host(name, order, attributes(e.getValue(), "host " + name)));
        }
        if (ungroupedUsed.isEmpty()) {
            groups.remove("ungrouped"); // no host to select: not listed as an empty group
        }
        problems.throwIfAny();
        return new Inventory(model.source, defaults, groups, hosts);
    }

    // ---------------------------------------------------------------- groups

    /** Each group's parents (the groups listing it under {@code children}), {@code all} left out. */
    private Map<String, Set<String>> parents() {
        Map<String, Set<String>> parents = new HashMap<>();
        for (AnsibleModel.Group g : model.groups.values()) {
            for (String child : g.children) {
                if ("all".equals(child)) {
                    problems.add(file(g.where), line(g.where), "children (group " + g.name + ")",
                            "lists group all as a child; every group is already in all, remove it");
                    continue;
                }
                Set<String> p = parents.computeIfAbsent(child, k -> new LinkedHashSet<>());
                if (!"all".equals(g.name)) {
                    p.add(g.name);
                }
            }
        }
        return parents;
    }

    /** Each group's depth: 1 plus its deepest parent's, {@code all} 0, a group without parents 1. */
    private Map<String, Integer> depths(Map<String, Set<String>> parents) {
        Map<String, Integer> depth = new HashMap<>();
        depth.put("all", 0);
        Set<String> names = new LinkedHashSet<>(model.groups.keySet());
        names.addAll(parents.keySet());
        for (String g : names) {
            depth(g, parents, depth, new ArrayList<>());
        }
        return depth;
    }

    private int depth(String g, Map<String, Set<String>> parents, Map<String, Integer> depth, List<String> path) {
        Integer known = depth.get(g);
        if (known != null) {
            return known;
        }
        if (path.contains(g)) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(g), path.size()));
            cycle.add(g);
            AnsibleModel.Group at = model.groups.get(g);
            String where = at == null ? model.source : at.where;
            problems.add(file(where), line(where), "children (group " + g + ")", "cyclic children "
                    + String.join(" <- ", cycle) + " (each a child of the next); remove one of these links");
            depth.put(g, 1);
            return 1;
        }
        path.add(g);
        int d = 1;
        for (String p : parents.getOrDefault(g, Set.of())) {
            d = Math.max(d, depth(p, parents, depth, path) + 1);
        }
        path.remove(path.size() - 1);
        depth.putIfAbsent(g, d);
        return depth.get(g);
    }

    private static void ancestry(String g, Map<String, Set<String>> parents, Set<String> into) {
        if (into.add(g)) {
            for (String p : parents.getOrDefault(g, Set.of())) {
                ancestry(p, parents, into);
            }
        }
    }

    private int priority(AnsibleModel.Group g) {
        AnsibleModel.Value v = g.vars.get(PRIORITY);
        if (v == null || v.value() == null) {
            return DEFAULT_PRIORITY;
        }
        Long n = integer(v.value());
        if (n == null || n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            problem(v, PRIORITY, "group " + g.name, shown(v.value()) + " is not a whole number; write"
                    + " ansible_group_priority as a number (higher wins among groups of the same depth)");
            return DEFAULT_PRIORITY;
        }
        return n.intValue();
    }

    // ---------------------------------------------------------------- variables

    private Attributes attributes(Map<String, AnsibleModel.Value> vars, String element) {
        String hostname = null;
        Integer port = null;
        String username = null;
        Secret password = null;
        String connection = null;
        List<String> keyFiles = null;
        String hostKeyChecking = null;
        Map<String, ConnectionOptions> options = null;
        Map<String, Object> data = new LinkedHashMap<>();
        for (Map.Entry<String, AnsibleModel.Value> e : vars.entrySet()) {
            String key = e.getKey();
            AnsibleModel.Value v = e.getValue();
            Object value = v.value();
            if (!acceptable(v, value, key, element) || PRIORITY.equals(key)) {
                continue;
            }
            if (SSH_PROGRAM_VARIABLES.contains(key)) {
                problem(v, key, element, "hands arguments to OpenSSH's programs, which Conduit does not run (its"
                        + " ssh plugin connects by itself); remove it and set what it did with "
                        + CONNECTION_OPTIONS + ": {ssh: {extras: {...}}}: proxy_jump for -J or ProxyJump,"
                        + " known_hosts_file, host_key_checking (see conduit:plugins ssh)");
                continue;
            }
            if (value == null) {
                if (!MAPPED.contains(key)) {
                    data.put(key, null); // kept as written; a mapped key left empty is not set
                }
                continue;
            }
            if (HOSTNAME.contains(key)) {
                hostname = text(v, key, element, true);
            } else if (PORT.contains(key)) {
                port = port(v, key, element);
            } else if (USERNAME.contains(key)) {
                username = text(v, key, element, true);
            } else if (PASSWORD.contains(key)) {
                password = secret(v, key, element);
            } else if ("ansible_connection".equals(key)) {
                String t = text(v, key, element, true);
                connection = t == null ? null : plugin(v, key, element, t);
            } else if (KEY_FILE.contains(key)) {
                String t = text(v, key, element, true);
                keyFiles = t == null ? null : List.of(keyFile(v, key, element, t));
            } else if (CONNECTION_OPTIONS.equals(key)) {
                options = InventoryLoader.connectionOptions(value, v.file(), v.line(), element + ": " + key,
                        declared, problems);
            } else if (HOST_KEY_CHECKING.contains(key)) {
                Boolean b = bool(value);
                if (b == null) {
                    problem(v, key, element, shown(value) + " is not a boolean; write true (host keys are checked"
                            + " against known_hosts) or false (they are not)");
                } else {
                    hostKeyChecking = b ? "strict" : "off";
                }
            } else if ("ansible_become".equals(key)) {
                Boolean b = bool(value);
                if (b == null) {
                    problem(v, key, element, shown(value) + " is not a boolean; write true or false (yes/no, 1/0)");
                } else {
                    data.put(BECOME, b);
                }
            } else if ("ansible_become_user".equals(key)) {
                putIfSet(data, BECOME_USER, text(v, key, element, true));
            } else if ("ansible_become_method".equals(key)) {
                String m = text(v, key, element, true);
                if (m != null && !BECOME_METHODS.contains(m)) {
                    problem(v, key, element, "become method " + Names.quote(m) + " is not one Conduit has; use "
                            + String.join(" or ", BECOME_METHODS) + ", or remove the key (sudo is the default)");
                } else {
                    putIfSet(data, BECOME_METHOD, m);
                }
            } else if (BECOME_PASS.contains(key)) {
                Secret s = secret(v, key, element);
                if (s != null) {
                    data.put(ParameterResolver.BECOME_PASSWORD, s);
                }
            } else {
                data.put(key, value);
            }
        }
        return new Attributes(hostname, port, username, password, null, connection, data,
                withSsh(options, keyFiles, hostKeyChecking));
    }

    /**
     * The connection options with the ssh extras the {@code ansible_*} variables set added; an extra set in
     * {@value #CONNECTION_OPTIONS} at the same level wins (it is Conduit's own, and the more precise).
     */
    private static Map<String, ConnectionOptions> withSsh(Map<String, ConnectionOptions> options,
            List<String> keyFiles, String hostKeyChecking) {
        if (keyFiles == null && hostKeyChecking == null) {
            return options;
        }
        Map<String, Object> extras = new LinkedHashMap<>();
        if (keyFiles != null) {
            extras.put("private_key_file", keyFiles);
        }
        if (hostKeyChecking != null) {
            extras.put("host_key_checking", hostKeyChecking);
        }
        Map<String, ConnectionOptions> out = options == null ? new LinkedHashMap<>() : new LinkedHashMap<>(options);
        ConnectionOptions ssh = out.get("ssh");
        if (ssh == null) {
            out.put("ssh", new ConnectionOptions(null, null, null, null, null, extras));
        } else {
            extras.putAll(ssh.extras());
            out.put("ssh", new ConnectionOptions(ssh.hostname(), ssh.port(), ssh.username(), ssh.password(),
                    ssh.platform(), extras));
        }
        return out;
    }

    private static Set<String> mapped() {
        Set<String> all = new java.util.HashSet<>();
        List.of(HOSTNAME, PORT, USERNAME, PASSWORD, KEY_FILE, BECOME_PASS).forEach(all::addAll);
        all.addAll(List.of("ansible_connection", "ansible_become", "ansible_become_user", "ansible_become_method",
                CONNECTION_OPTIONS));
        all.addAll(HOST_KEY_CHECKING);
        return Set.copyOf(all);
    }

    /**
     * Maps an {@code ansible_connection} value to a Conduit plugin name: Ansible's ssh, paramiko and smart are
     * {@code ssh}, its docker plugins {@code docker}, local {@code local}; any other is its last dotted segment
     * ({@code ansible.builtin.winrm} is {@code winrm}), so that its hosts fail alone, naming a plugin that is not
     * installed, as with any plugin Conduit does not have.
     *
     * @param connection the value as written, not {@code null}
     * @return the plugin name, not checked against the plugin name rule
     */
    static String plugin(String connection) {
        String c = connection.trim();
        String mapped = CONNECTIONS.get(c);
        return mapped != null ? mapped : c.substring(c.lastIndexOf('.') + 1);
    }

    private String plugin(AnsibleModel.Value v, String key, String element, String connection) {
        String name = plugin(connection);
        if (!Names.PLUGIN_NAME.matcher(name).matches()) {
            problem(v, key, element, Names.quote(connection) + " names no connection plugin Conduit could have"
                    + " (plugin names use lowercase letters, digits, '-' and '_', starting with a letter); write"
                    + " ssh, docker or local, or the name of an installed plugin");
            return null;
        }
        return name;
    }

    private String keyFile(AnsibleModel.Value v, String key, String element, String path) {
        try {
            return LocalPaths.inInventory(path, base).normalize().toString();
        } catch (InvalidPathException e) {
            problem(v, key, element, Names.quote(path) + " is no path on this system; write the key file's path");
            return path;
        }
    }

    /**
     * Whether a value may be passed on: no vaulted value and no Jinja anywhere in it (nested values included);
     * each problem is added.
     */
    private boolean acceptable(AnsibleModel.Value v, Object value, String key, String element) {
        if (vaulted(value)) {
            problem(v, key, element, "is encrypted with ansible-vault: Conduit cannot decrypt it; put the secret in"
                    + " a file and write ${file:PATH}, or in an environment variable and write ${env:NAME}");
            return false;
        }
        if (value instanceof String s && jinja(s)) {
            boolean secret = PASSWORD.contains(key) || BECOME_PASS.contains(key);
            problem(v, key, element, "holds a Jinja template" + (secret ? "" : " (" + Names.quote(s) + ")")
                    + ": Conduit does not evaluate"
                    + " Jinja in inventories; write the value, or move it to a runbook's vars");
            return false;
        }
        boolean ok = true;
        if (value instanceof Map<?, ?> m) {
            for (Object item : m.values()) {
                ok &= acceptable(v, item, key, element);
            }
        } else if (value instanceof List<?> l) {
            for (Object item : l) {
                ok &= acceptable(v, item, key, element);
            }
        }
        return ok;
    }

    /**
     * Whether a value is encrypted with ansible-vault, in any of the forms Ansible writes it: {@code !vault} in
     * YAML ({@link AnsibleModel.Vaulted}), the JSON form of {@code ansible-inventory --list} and of scripts
     * (<code>{"__ansible_vault": "$ANSIBLE_VAULT;1.1;AES256\n..."}</code>), or the vault text itself
     * ({@code $ANSIBLE_VAULT;...}). Nested values are not looked into here.
     *
     * @param value a variable's value or part of one
     * @return true when it is one encrypted value
     */
    static boolean vaulted(Object value) {
        if (value instanceof AnsibleModel.Vaulted) {
            return true;
        }
        if (value instanceof String s) {
            return s.stripLeading().startsWith(VAULT_HEADER);
        }
        return value instanceof Map<?, ?> m && m.containsKey(VAULT_KEY);
    }

    static boolean jinja(String s) {
        int open = s.indexOf("{{");
        return (open >= 0 && s.indexOf("}}", open + 2) >= 0) || s.contains("{%");
    }

    private String text(AnsibleModel.Value v, String key, String element, boolean notBlank) {
        Object value = v.value();
        if (value instanceof Map || value instanceof List) {
            problem(v, key, element, "is " + (value instanceof Map ? "a mapping" : "a list")
                    + ", not text; write a single value");
            return null;
        }
        String t = value instanceof Double d && d == Math.rint(d) && !d.isInfinite() ? Long.toString(d.longValue())
                : String.valueOf(value);
        if (notBlank && t.isBlank()) {
            problem(v, key, element, "is empty; give a value or remove the key");
            return null;
        }
        return t.trim();
    }

    private Integer port(AnsibleModel.Value v, String key, String element) {
        Long n = integer(v.value());
        if (n == null || n < 1 || n > 65535) {
            problem(v, key, element, shown(v.value()) + " is not a port; use a number 1-65535");
            return null;
        }
        return n.intValue();
    }

    private Secret secret(AnsibleModel.Value v, String key, String element) {
        Object value = v.value() instanceof Long n ? n.toString() : v.value(); // YAML reads 1234 as a number
        if (!(value instanceof String s)) {
            problem(v, key, element, "is not text; write the password, or ${file:PATH} or ${env:NAME}");
            return null;
        }
        String problem = SecretReference.problem(s);
        if (problem != null) {
            problem(v, key, element, problem);
            return null;
        }
        return Secret.of(s);
    }

    /** A whole number: a {@link Long}, an integral {@link Double} (JSON), or text of digits. */
    private static Long integer(Object value) {
        if (value instanceof Long l) {
            return l;
        }
        if (value instanceof Integer i) {
            return i.longValue();
        }
        if (value instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) {
            return d.longValue();
        }
        if (value instanceof String s && s.trim().matches("-?\\d{1,15}")) {
            return Long.parseLong(s.trim());
        }
        return null;
    }

    /** Ansible's booleans: true/false, yes/no, on/off, y/n, t/f, 1/0 (any case), or a boolean or 0/1 number. */
    static Boolean bool(Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        Long n = value instanceof String ? null : integer(value);
        if (n != null) {
            return n == 1 ? Boolean.TRUE : n == 0 ? Boolean.FALSE : null;
        }
        if (value instanceof String s) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            return TRUE.contains(t) ? Boolean.TRUE : FALSE.contains(t) ? Boolean.FALSE : null;
        }
        return null;
    }

    private static void putIfSet(Map<String, Object> data, String key, Object value) {
        if (value != null) {
            data.put(key, value);
        }
    }

    private static String shown(Object value) {
        return value instanceof String s ? Names.quote(s) : String.valueOf(value);
    }

    private void problem(AnsibleModel.Value v, String key, String element, String what) {
        problems.add(v.file(), v.line(), key + " (" + element + ")", what);
    }

    private static String file(String where) {
        int colon = where.lastIndexOf(':');
        return colon > 0 && where.substring(colon + 1).matches("\\d+") ? where.substring(0, colon) : where;
    }

    private static int line(String where) {
        int colon = where.lastIndexOf(':');
        return colon > 0 && where.substring(colon + 1).matches("\\d+") ? Integer.parseInt(where.substring(colon + 1))
                : 0;
    }
}
