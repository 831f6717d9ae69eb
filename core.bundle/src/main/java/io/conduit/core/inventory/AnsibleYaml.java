package io.conduit.core.inventory;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.conduit.core.inventory.AnsibleModel.Value;
import io.conduit.core.inventory.Tree.Entry;
import io.conduit.core.inventory.Tree.MapVal;
import io.conduit.core.inventory.Tree.Scalar;
import io.conduit.core.inventory.Tree.Seq;
import io.conduit.core.inventory.Tree.Val;

/**
 * Reads a parsed YAML (or JSON) inventory in the format of Ansible's {@code yaml} inventory plugin into an
 * {@link AnsibleModel}. The rules, from that plugin's documentation: every top-level key is a group (usually
 * {@code all}); a group is empty or a mapping of {@code hosts:} (host pattern to its variables, or empty),
 * {@code vars:} (the group's variables) and {@code children:} (child group name to a group, to any depth, a
 * child group being the same group wherever it is named). As Ansible does, {@code hosts:} and {@code children:}
 * may be one name written as text. Host patterns are read by {@link AnsibleHostPattern} (ranges, {@code :PORT}).
 * Where Ansible only warns and skips (an unknown key in a group, a group that is a list), this is a problem:
 * such a typo would otherwise lose hosts or variables without a word.
 */
final class AnsibleYaml {
    private static final List<String> GROUP_KEYS = List.of("hosts", "vars", "children");

    private final String file;
    private final AnsibleModel model;
    private final Problems problems;
    private final AnsibleHostPattern patterns = new AnsibleHostPattern();
    private final Map<Val, Object> cache = new IdentityHashMap<>();

    private AnsibleYaml(String file, AnsibleModel model, Problems problems) {
        this.file = file;
        this.model = model;
        this.problems = problems;
    }

    /**
     * Reads a YAML inventory's document into {@code model}.
     *
     * @param root the document ({@link YamlTree#parse(String, String, Problems, boolean)} or {@link JsonTree}),
     *        {@code null} when empty: an empty inventory
     * @param file the file, for messages and {@link Value#file()}
     * @param model what is read goes here
     * @param problems every malformed entry goes here, as {@code FILE:LINE: KEY.PATH: what; what to do}
     */
    static void read(Val root, String file, AnsibleModel model, Problems problems) {
        if (root == null || root instanceof Scalar s && s.isNull()) {
            return;
        }
        AnsibleYaml yaml = new AnsibleYaml(file, model, problems);
        if (!(root instanceof MapVal top)) {
            problems.add(file, root.line(), "", "the top level is " + root.kind() + ", not a mapping of groups; an"
                    + " Ansible YAML inventory starts with all: and its hosts:, vars: and children:");
            return;
        }
        Entry plugin = top.entries().get("plugin");
        if (plugin != null) {
            problems.add(file, plugin.line(), "plugin", "this file configures an Ansible inventory plugin, it is not"
                    + " an inventory; write the inventory it makes to a file with ansible-inventory -i " + file
                    + " --list --yaml > inventory.yml, and give that file");
            return;
        }
        for (Entry e : top.entries().values()) {
            yaml.group(e, null, e.key());
        }
    }

    /**
     * Converts the variables of a mapping, each value with the line of its key.
     *
     * @param vars the mapping
     * @param file the file it was read from
     * @param cache values converted so far ({@link Tree#toJava})
     * @return the variables in the order written
     */
    static Map<String, Value> values(MapVal vars, String file, Map<Val, Object> cache) {
        Map<String, Value> out = new LinkedHashMap<>();
        for (Entry e : vars.entries().values()) {
            out.put(e.key(), new Value(Tree.toJava(e.value(), cache), file, e.line()));
        }
        return out;
    }

    private void group(Entry entry, AnsibleModel.Group parent, String path) {
        String name = entry.key();
        AnsibleModel.Group group = model.group(name, file + ":" + entry.line());
        if (parent != null) {
            if (parent.name.equals(name)) {
                problems.add(file, entry.line(), path, "group " + Names.quote(name) + " cannot be its own child;"
                        + " remove it from its children:");
                return;
            }
            parent.children.add(name);
        }
        Val val = entry.value();
        if (val instanceof Scalar s && s.isNull()) {
            return;
        }
        if (!(val instanceof MapVal data)) {
            problems.add(file, val.line(), path, "group " + Names.quote(name) + " is " + val.kind() + ", not a"
                    + " mapping; write its hosts:, vars: and children: under it, indented (or leave it empty)");
            return;
        }
        for (Entry e : data.entries().values()) {
            String keyPath = path + "." + e.key();
            Val v = e.value();
            if (!GROUP_KEYS.contains(e.key())) {
                problems.add(file, e.line(), keyPath, "unknown key in group " + Names.quote(name) + Names.hint(
                        e.key(), GROUP_KEYS, "a group takes hosts:, vars: and children:; a child group goes under"
                        + " children:"));
                continue;
            }
            if (v instanceof Scalar s && s.isNull()) {
                continue;
            }
            switch (e.key()) {
                case "hosts" -> hosts(group, e, keyPath);
                case "vars" -> {
                    if (v instanceof MapVal vars) {
                        AnsibleModel.setAll(group.vars, values(vars, file, cache));
                    } else {
                        problems.add(file, v.line(), keyPath, "vars is " + v.kind() + ", not a mapping; write one"
                                + " KEY: VALUE a line under vars:, indented");
                    }
                }
                default -> children(group, e, keyPath);
            }
        }
    }

    private void hosts(AnsibleModel.Group group, Entry hosts, String path) {
        Val v = hosts.value();
        if (v instanceof Scalar s && s.value() instanceof String one) {
            host(group, one, null, s.line(), path);
            return;
        }
        if (!(v instanceof MapVal map)) {
            problems.add(file, v.line(), path, "hosts is " + v.kind() + ", not a mapping; write each host followed"
                    + " by ':' on its own line under hosts:, indented (a list with '-' is not read)");
            return;
        }
        for (Entry e : map.entries().values()) {
            host(group, e.key(), e.value(), e.line(), path + "." + e.key());
        }
    }

    private void host(AnsibleModel.Group group, String pattern, Val vars, int line, String path) {
        AnsibleHostPattern.Expanded expanded;
        try {
            expanded = patterns.read(pattern);
        } catch (AnsibleHostPattern.Malformed e) {
            problems.add(file, line, path, e.getMessage());
            return;
        }
        Map<String, Value> values = new LinkedHashMap<>();
        if (expanded.port() != null) {
            values.put("ansible_port", new Value(expanded.port(), file, line));
        }
        if (vars instanceof MapVal map) {
            values.putAll(values(map, file, cache));
        } else if (vars != null && !(vars instanceof Scalar s && s.isNull())) {
            problems.add(file, vars.line(), path, "the host's variables are " + vars.kind() + ", not a mapping;"
                    + " write one KEY: VALUE a line under the host, indented (or nothing after the ':')");
        }
        String where = file + ":" + line;
        for (String host : expanded.hosts()) {
            group.hosts.add(host);
            AnsibleModel.setAll(model.host(host, where), values);
        }
    }

    private void children(AnsibleModel.Group group, Entry children, String path) {
        Val v = children.value();
        if (v instanceof Scalar s && s.value() instanceof String one) {
            group(new Entry(one, s.line(), new Scalar(null, "", s.line())), group, path + "." + one);
            return;
        }
        if (!(v instanceof MapVal map)) {
            problems.add(file, v.line(), path, "children is " + v.kind() + ", not a mapping; write each child group"
                    + " followed by ':' on its own line under children:, indented (a list with '-' is not read)");
            return;
        }
        for (Entry e : map.entries().values()) {
            group(e, group, path + "." + e.key());
        }
    }
}
