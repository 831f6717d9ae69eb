package io.conduit.core.shell;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.task.RunOptions;
import io.conduit.core.connection.ConnectionInfo;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.inventory.HostPattern;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.run.ForkingRunner;

/** {@code conduit:plugins}, {@code connections}, {@code disconnect}: the live plugin and connection tables. */
@Component(service = PluginCommands.class)
@GogoCommand(scope = "conduit", function = {"plugins", "connections", "disconnect"})
public final class PluginCommands {
    private final PluginRegistry registry;
    private final ConnectionManager connections;
    private final ForkingRunner runner;

    /**
     * @param registry the plugins
     * @param connections the pool
     * @param runner knows the default inventory
     */
    @Activate
    public PluginCommands(@Reference PluginRegistry registry, @Reference ConnectionManager connections,
            @Reference ForkingRunner runner) {
        this.registry = registry;
        this.connections = connections;
        this.runner = runner;
    }

    /** Lists the connection plugins, or one plugin's options. */
    @Descriptor("list connection plugins; with a name, describe its options")
    public void plugins(CommandSession session, @Descriptor("plugin name") String... name) {
        if (name.length == 0) {
            Table table = new Table("NAME", "BUNDLE", "VERSION", "STATE", "CONNECTIONS", "DESCRIPTION");
            registry.all().forEach((n, bindings) -> {
                for (int i = 0; i < bindings.size(); i++) {
                    PluginBinding b = bindings.get(i);
                    table.row(n, b.bundle(), b.version(), i == 0 ? "active" : "shadowed (service " + b.serviceId() + ")",
                            i == 0 ? connections.count(n) : "", b.plugin().description());
                }
            });
            table.print(System.out);
            return;
        }
        Args.refuseOption(name[0], "plugins");
        PluginBinding b = registry.best(name[0]).orElseThrow(() -> new IllegalArgumentException(
                "no connection plugin named \"" + name[0] + "\"; installed: " + registry.all().keySet()));
        System.out.println(b.name() + ": " + b.plugin().description());
        System.out.println("bundle " + b.bundle() + " " + b.version() + ", " + connections.count(b.name())
                + " open connections");
        System.out.println("options (connection_options." + b.name() + ".extras in the inventory):");
        Table table = new Table("OPTION", "TYPE", "DEFAULT", "REQUIRED", "SECRET", "DESCRIPTION");
        for (OptionDescriptor o : b.plugin().options()) {
            table.row(o.name(), o.type().name().toLowerCase(), o.defaultValue(), o.required() ? "yes" : "",
                    o.secret() ? "yes" : "", o.description());
        }
        table.print(System.out);
    }

    /** Lists the pooled connections. */
    @Descriptor("list open connections: host, plugin, age, idle time, uses, calls in flight")
    public void connections(CommandSession session) {
        List<ConnectionInfo> all = connections.list();
        Table table = new Table("HOST", "PLUGIN", "BUNDLE", "STATE", "AGE", "IDLE", "USES", "IN FLIGHT");
        Instant now = Instant.now();
        for (ConnectionInfo c : all) {
            table.row(c.host(), c.plugin(), c.bundle(), c.state(), human(Duration.between(c.openedAt(), now)),
                    human(c.idle()), c.uses(), c.inFlight());
        }
        table.print(System.out);
        Map<String, Long> byPlugin = all.stream().collect(Collectors.groupingBy(ConnectionInfo::plugin,
                java.util.TreeMap::new, Collectors.counting()));
        System.out.println(all.size() + " connections " + byPlugin);
    }

    /** Closes pooled connections. */
    @Descriptor("close the open connections of the hosts a pattern selects (default all)")
    public void disconnect(CommandSession session,
            @Descriptor("inventory file, directory or SOURCE:ARG") @Parameter(names = {"-i", "--inventory"}, absentValue = "") String inventory,
            @Descriptor("host pattern") String... pattern) throws Exception {
        if (pattern.length > 1) {
            Args.refuseSplitPattern("disconnect", pattern[0], pattern[1]);
            throw new IllegalArgumentException("disconnect: one pattern at most; join patterns with ':' (a:b)");
        }
        int closed;
        if (pattern.length == 0 || pattern[0].equals("all")) {
            closed = connections.disconnect(k -> true);
        } else {
            Args.refuseOption(pattern[0], "disconnect");
            Inventory inv = runner.inventory(new RunOptions(inventory.isEmpty() ? null : inventory, null, null, null));
            Set<String> hosts = HostPattern.select(inv, pattern[0]).stream().map(Host::name).collect(Collectors.toSet());
            closed = connections.disconnect(k -> hosts.contains(k.host()));
        }
        System.out.println("closed " + closed + " connections");
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        return s < 120 ? s + "s" : s < 7200 ? (s / 60) + "m" : (s / 3600) + "h";
    }
}
