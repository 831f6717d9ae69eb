package io.conduit.core.shell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.Secret;
import io.conduit.api.inventory.Group;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;
import io.conduit.api.task.RunOptions;
import io.conduit.core.inventory.HostPattern;
import io.conduit.core.inventory.ParameterResolver;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.source.InventoryCatalog;

/** {@code conduit:hosts} and {@code conduit:inventory}: what the inventory says, and what a plugin would get. */
@Component(service = InventoryCommands.class)
@GogoCommand(scope = "conduit", function = {"hosts", "inventory"})
public final class InventoryCommands {
    private final ForkingRunner runner;
    private final PluginRegistry registry;
    private final InventoryCatalog catalog;

    /**
     * @param runner knows the default inventory and plugin
     * @param registry knows the plugins' options
     * @param catalog knows the inventory sources
     */
    @Activate
    public InventoryCommands(@Reference ForkingRunner runner, @Reference PluginRegistry registry,
            @Reference InventoryCatalog catalog) {
        this.runner = runner;
        this.registry = registry;
        this.catalog = catalog;
    }

    /** Lists hosts, or shows what a plugin would be given for each. */
    @Descriptor("list the hosts a pattern selects (default all)")
    public void hosts(CommandSession session,
            @Descriptor("inventory file, directory or SOURCE:ARG") @Parameter(names = {"-i", "--inventory"}, absentValue = "") String inventory,
            @Descriptor("print JSON") @Parameter(names = {"--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("show the parameters resolved for this plugin (secrets masked)")
            @Parameter(names = {"-c", "--connection"}, absentValue = "") String plugin,
            @Descriptor("host pattern") String... pattern) throws Exception {
        if (pattern.length > 1) {
            throw new IllegalArgumentException("hosts: one pattern at most; join patterns with ':' (a:b)");
        }
        String selector = pattern.length == 0 ? "all" : pattern[0];
        Args.refuseOption(selector, "hosts");
        Inventory inv = runner.inventory(new RunOptions(inventory.isEmpty() ? null : inventory, null, null, null));
        List<Host> hosts = HostPattern.select(inv, selector);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Host host : hosts) {
            String hostPlugin = plugin.isEmpty() ? pluginOf(inv, host) : plugin;
            // null when the plugin is not installed: its extras are shown as written, unchecked
            List<OptionDescriptor> options = registry.best(hostPlugin).map(b -> b.plugin().options()).orElse(null);
            Map<String, Object> row = new LinkedHashMap<>();
            ConnectionParams params;
            try {
                params = ParameterResolver.resolve(inv, host, hostPlugin, options, false);
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
            if (!plugin.isEmpty()) {
                row.put("password", params.password() == null ? null : "***");
                row.put("platform", params.platform());
                row.put("extras", masked(params.extras(), options));
            } else {
                row.put("data", masked(host.attributes().data()));
            }
            rows.add(row);
        }
        if (json) {
            System.out.println(ResultPrinter.GSON.toJson(Map.of("source", inv.source(), "hosts", rows)));
            return;
        }
        Table table = plugin.isEmpty() ? new Table("NAME", "HOSTNAME", "PORT", "USER", "CONNECTION", "GROUPS")
                : new Table("NAME", "HOSTNAME", "PORT", "USER", "PASSWORD", "PLATFORM", "EXTRAS");
        for (Map<String, Object> r : rows) {
            if (plugin.isEmpty()) {
                table.row(r.get("name"), r.get("hostname"), r.get("port"), r.get("username"), r.get("connection"),
                        String.join(",", (List<String>) r.get("groups")));
            } else {
                table.row(r.get("name"), r.get("hostname"), r.get("port"), r.get("username"), r.get("password"),
                        r.get("platform"), r.get("extras"));
            }
        }
        table.print(System.out);
        System.out.println(rows.size() + " hosts from " + inv.source()
                + (plugin.isEmpty() ? "" : " (parameters for plugin \"" + plugin + "\")"));
    }

    /** Summarizes the inventory and the sources it can come from. */
    @Descriptor("summarize the inventory: source, groups, hosts, and the inventory sources installed")
    public void inventory(CommandSession session,
            @Descriptor("inventory file, directory or SOURCE:ARG") @Parameter(names = {"-i", "--inventory"}, absentValue = "") String inventory)
            throws Exception {
        Inventory inv = runner.inventory(new RunOptions(inventory.isEmpty() ? null : inventory, null, null, null));
        System.out.println("source:  " + inv.source());
        System.out.println("hosts:   " + inv.hosts().size());
        System.out.println("default connection: " + (inv.defaults().connection() != null ? inv.defaults().connection()
                : runner.defaultConnection() + " (runner default)"));
        Table groups = new Table("GROUP", "PARENTS", "HOSTS", "CONNECTION");
        for (Group g : inv.groups().values()) {
            long members = inv.hosts().values().stream()
                    .filter(h -> ParameterResolver.groupOrder(inv, h).contains(g.name())).count();
            groups.row(g.name(), String.join(",", g.groups()), members, g.attributes().connection());
        }
        groups.print(System.out);
        Map<String, String> sources = catalog.sources();
        System.out.println("inventory sources: " + (sources.isEmpty() ? "none installed" : ""));
        sources.forEach((name, description) -> System.out.println("  " + name + ":  " + description));
    }

    private String pluginOf(Inventory inv, Host host) {
        String named = ParameterResolver.pluginFor(inv, host);
        return named != null ? named : runner.defaultConnection();
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
    private static java.util.Map<String, Object> masked(java.util.Map<String, Object> data) {
        if (!data.containsKey(io.conduit.core.inventory.ParameterResolver.BECOME_PASSWORD)) {
            return data;
        }
        java.util.Map<String, Object> copy = new java.util.LinkedHashMap<>(data);
        copy.put(io.conduit.core.inventory.ParameterResolver.BECOME_PASSWORD, "***");
        return copy;
    }
}
