package io.conduit.core.inventory;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An Ansible inventory as read, before it becomes Conduit's {@link io.conduit.api.inventory.Inventory}: the groups
 * with their hosts, children and variables, and each host's own variables, every value with the place it was
 * written. The readers of Ansible's formats fill it (INI and YAML files with {@code host_vars/} and
 * {@code group_vars/} beside them, a dynamic inventory script's JSON); {@link AnsibleMapping} maps it, so that the
 * rules of Ansible's variables exist once whatever the format. Groups {@code all} and {@code ungrouped} are ordinary
 * entries here, as in Ansible. Not thread safe: one reader fills it, then it is only read.
 */
final class AnsibleModel {

    /**
     * A variable's value and where it was written.
     *
     * @param value the value: {@link String}, {@link Long}, {@link Double}, {@link Boolean}, {@code null}, a
     *        {@link java.util.List} or {@link Map} of such, or {@link Vaulted} for a {@code !vault} value
     * @param file the file it was read from, as shown to the operator (or the script's path)
     * @param line its 1-based line, 0 when the format has none (a script's JSON)
     */
    record Value(Object value, String file, int line) {
        /** @return {@code FILE:LINE}, or {@code FILE} without a line */
        String where() {
            return line > 0 ? file + ":" + line : file;
        }
    }

    /** A value Ansible would decrypt with a vault password ({@code !vault |}); Conduit refuses it by name. */
    record Vaulted() {
    }

    /** One group: its hosts, child groups and variables, in the order written. */
    static final class Group {
        final String name;
        /** Where the group was first named, {@code FILE:LINE}. */
        final String where;
        final Set<String> hosts = new LinkedHashSet<>();
        final Set<String> children = new LinkedHashSet<>();
        /** The group's variables; a later definition of a key wins it, mappings merged ({@link #set}). */
        final Map<String, Value> vars = new LinkedHashMap<>();

        Group(String name, String where) {
            this.name = name;
            this.where = where;
        }
    }

    /** Where the inventory came from ({@code ansible:/path/hosts.ini}, {@code script:/path/inv.py}), for messages. */
    final String source;
    /** Every group by name, in the order first named. */
    final Map<String, Group> groups = new LinkedHashMap<>();
    /** Every host by name, in the order first named, with its own variables (inline, host_vars, _meta). */
    final Map<String, Map<String, Value>> hostVars = new LinkedHashMap<>();
    /** Where each host was first named, {@code FILE:LINE}. */
    final Map<String, String> hostWhere = new LinkedHashMap<>();

    AnsibleModel(String source) {
        this.source = source;
    }

    /**
     * Sets a variable again for the same group or host: a later definition wins the key, except that when both
     * the earlier and the later value are mappings they merge key by key at every depth, by {@link DeepMerge}'s
     * rule (Ansible's {@code hash_behaviour = merge}, which Conduit follows everywhere: lists and scalars replace
     * whole, and so does a mapping meeting a list or scalar). The merged value keeps the later definition's file
     * and line: a {@link Value} holds one place.
     *
     * @param vars a group's or host's variables, changed in place
     * @param key the variable
     * @param later its new definition
     */
    static void set(Map<String, Value> vars, String key, Value later) {
        Value earlier = vars.get(key);
        if (earlier != null && earlier.value() instanceof Map<?, ?> before
                && later.value() instanceof Map<?, ?> after) {
            Map<String, Object> merged = DeepMerge.merge(List.of(new DeepMerge.Level(later.where(), strings(after)),
                    new DeepMerge.Level(earlier.where(), strings(before))), false).values();
            vars.put(key, new Value(merged, later.file(), later.line()));
        } else {
            vars.put(key, later);
        }
    }

    /**
     * {@link #set Sets} every variable of a later definition, in its order.
     *
     * @param vars a group's or host's variables, changed in place
     * @param later the variables defined again (a {@code group_vars} file, a later inventory file)
     */
    static void setAll(Map<String, Value> vars, Map<String, Value> later) {
        later.forEach((key, value) -> set(vars, key, value));
    }

    /**
     * Adds another model's groups, hosts and variables to this one, as Ansible adds each file of an inventory
     * directory to one inventory: hosts and children join a group's, and a variable set again is {@link #set}.
     *
     * @param later the model of a file read after those already here
     */
    void add(AnsibleModel later) {
        for (Group g : later.groups.values()) {
            Group into = group(g.name, g.where);
            into.hosts.addAll(g.hosts);
            into.children.addAll(g.children);
            setAll(into.vars, g.vars);
        }
        later.hostVars.forEach((host, vars) -> setAll(host(host, later.hostWhere.get(host)), vars));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, ?> strings(Map<?, ?> map) {
        return (Map<String, ?>) map; // YAML and JSON mappings of variables have string keys (Tree.toJava)
    }

    /**
     * @param name a group name
     * @param where where it is named now, kept if this is the first time
     * @return the group, created (empty) when first named
     */
    Group group(String name, String where) {
        return groups.computeIfAbsent(name, n -> new Group(n, where));
    }

    /**
     * @param name a host name (a range such as {@code web[01:20]} already expanded)
     * @param where where it is named now, kept if this is the first time
     * @return the host's own variables, created empty when first named
     */
    Map<String, Value> host(String name, String where) {
        hostWhere.putIfAbsent(name, where);
        return hostVars.computeIfAbsent(name, n -> new LinkedHashMap<>());
    }
}
