package io.conduit.core.shell;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.Secret;
import io.conduit.api.inventory.Group;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;
import io.conduit.core.inventory.HostPattern;
import io.conduit.core.inventory.ParameterResolver;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code hosts} and {@code inventory}: what the inventory says, and what a plugin would get. */
final class InventoryCommands {
    private InventoryCommands() {
    }

    @picocli.CommandLine.Command(name = "hosts", description = {
        "Lists the hosts a pattern selects (default all): hostname, port, user, plugin, groups; with -c, the"
                + " parameters resolved for that plugin, secrets shown as ***. With --origins, each value (data"
                + " merged from the host, its groups and the defaults) and where it came from. --json gives the"
                + " merged data and the origins too."})
    static final class Hosts implements Callable<CommandOutput> {
        private final ShellContext ctx;

        @Mixin
        Options.InventoryOption inventory;

        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Option(names = "--origins", description = "list each value of each host, one a line (KEY VALUE FROM):"
                + " the connection values, and the data merged from the host, its groups and the defaults")
        boolean origins;

        @Option(names = {"-c", "--connection"}, paramLabel = "PLUGIN",
                description = "show the parameters resolved for this plugin (secrets masked)")
        String plugin;

        @Parameters(index = "0", arity = "0..1", paramLabel = "PATTERN", defaultValue = "all",
                description = "host pattern (default: ${DEFAULT-VALUE})")
        String pattern;

        Hosts(ShellContext ctx) {
            this.ctx = ctx;
        }

        @Override
        @SuppressWarnings("unchecked")
        public CommandOutput call() throws Exception {
            Inventory inv = ctx.inventories().load(inventory.spec());
            List<Host> hosts = HostPattern.select(inv, pattern);
            boolean forPlugin = plugin != null && !plugin.isEmpty();
            List<Map<String, Object>> rows = new ArrayList<>();
            Path base = ctx.inventories().baseDirectory(inv).orElse(null); // once: it is looked up in a map
            for (Host host : hosts) {
                String hostPlugin = forPlugin ? plugin : ctx.inventories().pluginOf(inv, host);
                // null when the plugin is not installed: its extras are shown as written, unchecked
                List<OptionDescriptor> options = ctx.registry().best(hostPlugin).map(b -> b.plugin().options())
                        .orElse(null);
                Map<String, Object> row = new LinkedHashMap<>();
                ConnectionParams params;
                try {
                    params = ParameterResolver.resolve(inv, host, hostPlugin, options, false,
                            base);
                } catch (InventoryException e) {
                    // one host's bad option must not hide the others: show the problem on its row
                    params = new ConnectionParams(host.name(), 0, null, null, null, Map.of("error", e.getMessage()));
                }
                row.put("name", host.name());
                row.put("hostname", params.hostname());
                row.put("port", params.port() == 0 ? null : params.port());
                row.put("username", params.username());
                row.put("connection", hostPlugin);
                row.put("groups", ParameterResolver.groupOrder(inv, host));
                if (forPlugin) {
                    row.put("password", params.password() == null ? null : "***");
                    row.put("platform", params.platform());
                    row.put("extras", masked(params.extras(), options));
                }
                if (json || origins) { // the table shows neither: a big inventory's listing does not merge them
                    ParameterResolver.Data data = ParameterResolver.data(inv, host);
                    row.put("data", masked(data.values()));
                    row.put("origins", origins(inv, host, hostPlugin, forPlugin, data));
                }
                rows.add(row);
            }
            if (json) {
                return Text.ok(ResultPrinter.GSON.toJson(Map.of("source", inv.source(), "hosts", rows)));
            }
            if (origins) {
                return originsTable(rows).below(rows.size() + (rows.size() == 1 ? " host" : " hosts") + " from "
                        + inv.source() + (!forPlugin ? "" : " (parameters for plugin \"" + plugin + "\")"));
            }
            Table table = !forPlugin ? new Table("NAME", "HOSTNAME", "PORT", "USER", "CONNECTION", "GROUPS")
                    : new Table("NAME", "HOSTNAME", "PORT", "USER", "PASSWORD", "PLATFORM", "EXTRAS");
            for (Map<String, Object> r : rows) {
                if (!forPlugin) {
                    table.row(r.get("name"), r.get("hostname"), r.get("port"), r.get("username"), r.get("connection"),
                            String.join(",", (List<String>) r.get("groups")));
                } else {
                    table.row(r.get("name"), r.get("hostname"), r.get("port"), r.get("username"), r.get("password"),
                            r.get("platform"), r.get("extras"));
                }
            }
            return table.below(rows.size() + (rows.size() == 1 ? " host" : " hosts") + " from " + inv.source()
                    + (!forPlugin ? "" : " (parameters for plugin \"" + plugin + "\")"));
        }

        /**
         * Key path to the element each shown value came from: hostname, port, username and connection; with -c
         * also password, platform and {@code extras.KEY...}; then {@code data.KEY...}.
         */
        private static Map<String, String> origins(Inventory inv, Host host, String hostPlugin, boolean forPlugin,
                ParameterResolver.Data data) {
            Map<String, String> connection = ParameterResolver.origins(inv, host, hostPlugin);
            Map<String, String> from = new LinkedHashMap<>();
            for (String key : List.of("hostname", "port", "username")) {
                if (connection.containsKey(key)) {
                    from.put(key, connection.get(key));
                }
            }
            String pluginFrom = ParameterResolver.pluginOrigin(inv, host);
            from.put("connection", forPlugin ? "the -c option" : pluginFrom != null ? pluginFrom : "runner default");
            if (forPlugin) {
                connection.forEach(from::putIfAbsent);
            }
            data.origins().forEach((path, element) -> from.put(ParameterResolver.joinPaths("data", path), element));
            return from;
        }

        /**
         * One line per value of each host, in the order of its row's origins: {@code HOST KEY VALUE FROM}; a
         * mapping's leaves by their key paths ({@code data.ntp.servers}), lists and mappings as JSON.
         */
        @SuppressWarnings("unchecked")
        private static Table originsTable(List<Map<String, Object>> rows) {
            Table table = new Table("HOST", "KEY", "VALUE", "FROM");
            for (Map<String, Object> r : rows) {
                if (r.get("extras") instanceof Map<?, ?> extras && extras.get("error") instanceof String error) {
                    table.row(r.get("name"), "error", error, "");
                }
                ((Map<String, String>) r.get("origins")).forEach((path, element) -> {
                    Object value = at(r, path);
                    table.row(r.get("name"), HostText.escape(path), cell(value), element);
                });
            }
            return table;
        }

        /**
         * A value in one line of the table: {@code null} and {@code ""} as written (both would be an empty cell),
         * text with control characters and newlines escaped as host text is ({@link HostText}), lists and mappings
         * as JSON.
         */
        static String cell(Object value) {
            if (value == null) {
                return "null";
            }
            if (value instanceof String s) {
                return s.isEmpty() ? "\"\"" : HostText.escape(s);
            }
            if (value instanceof Number || value instanceof Boolean) {
                return value.toString();
            }
            return HostText.escape(ResultPrinter.COMPACT.toJson(value));
        }

        /**
         * The value at a key path of a row ({@code port}, {@code data.ntp.servers}, {@code data["a.b"]}), as
         * {@link ParameterResolver#keyPath} writes them.
         */
        private static Object at(Map<String, Object> row, String path) {
            Object value = row;
            for (String key : ParameterResolver.keys(path)) {
                if (!(value instanceof Map<?, ?> map)) {
                    return null;
                }
                value = map.get(key);
            }
            return value;
        }
    }

    @picocli.CommandLine.Command(name = "inventory", description = {
        "Summarizes the inventory: its source, groups with parents and member counts, and the inventory sources"
                + " installed."})
    static final class Summary implements Callable<CommandOutput> {
        private final ShellContext ctx;

        @Mixin
        Options.InventoryOption inventory;

        Summary(ShellContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public CommandOutput call() throws Exception {
            Inventory inv = ctx.inventories().load(inventory.spec());
            // a host of no group that names no plugin gets the inventory's default, else the runner's
            Host plain = new Host("", List.of(), io.conduit.api.inventory.Attributes.NONE);
            Table groups = new Table("GROUP", "PARENTS", "HOSTS", "CONNECTION")
                    .above("source:  " + inv.source())
                    .above("hosts:   " + inv.hosts().size())
                    .above("default connection: " + (inv.defaults().connection() != null
                            ? inv.defaults().connection() : ctx.inventories().pluginOf(inv, plain) + " (runner default)"));
            Map<String, Long> members = memberCounts(inv);
            for (Group g : inv.groups().values()) {
                groups.row(g.name(), String.join(",", g.groups()), members.getOrDefault(g.name(), 0L),
                        g.attributes().connection());
            }
            Map<String, String> sources = ctx.inventories().sources();
            groups.below("inventory sources: " + (sources.isEmpty() ? "none installed" : ""));
            sources.forEach((name, description) -> groups.below("  " + name + ":  " + description));
            return groups;
        }
    }

    /**
     * Counts each group's hosts, child groups' hosts included: one pass over the hosts (asking every group
     * about every host made 1,000 groups of 100,000 hosts take minutes).
     *
     * @param inv the inventory
     * @return group name to its number of hosts; a group without hosts is absent
     */
    static Map<String, Long> memberCounts(Inventory inv) {
        Map<String, Long> counts = new java.util.HashMap<>();
        for (Host h : inv.hosts().values()) {
            for (String group : ParameterResolver.groupOrder(inv, h)) {
                counts.merge(group, 1L, Long::sum);
            }
        }
        return counts;
    }

    private static Map<String, Object> masked(Map<String, Object> extras, List<OptionDescriptor> options) {
        Map<String, Object> out = new LinkedHashMap<>();
        extras.forEach((k, v) -> {
            boolean secret = v instanceof Secret
                    || options != null && options.stream().anyMatch(o -> o.name().equals(k) && o.secret())
                    || (v instanceof String s && s.startsWith("${"));
            out.put(k, secret ? "***" : v);
        });
        return out;
    }


    /** The host's data as shown: the become password as {@code ***}, like every other secret. */
    private static Map<String, Object> masked(Map<String, Object> data) {
        if (data.get(ParameterResolver.BECOME_PASSWORD) == null) {
            return data;
        }
        Map<String, Object> copy = new LinkedHashMap<>(data);
        copy.put(ParameterResolver.BECOME_PASSWORD, "***");
        return copy;
    }
}
