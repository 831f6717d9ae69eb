package io.conduit.core.shell;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;
import io.conduit.api.support.Durations;
import io.conduit.core.connection.ConnectionInfo;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.inventory.HostPattern;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code plugins}, {@code connections}, {@code disconnect}, {@code drain}: the live plugin and connection tables. */
final class PluginCommands {
    private PluginCommands() {
    }

    @picocli.CommandLine.Command(name = "plugins", description = {
        "Lists the connection plugins: name, bundle, version, state (active, shadowed by a higher-ranked"
                + " service of the same name, or gone and draining: an old version whose calls still finish),"
                + " connections open and draining, calls in flight; with a name, that plugin's options."})
    static final class Plugins implements Callable<CommandOutput> {
        private final ShellContext ctx;

        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "a plugin's name")
        String name;

        Plugins(ShellContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public CommandOutput call() {
            PluginRegistry registry = ctx.registry();
            ConnectionManager connections = ctx.connections();
            if (name == null) {
                // connections by the plugin service that opened them: an old version drains beside the new one
                Map<Long, List<ConnectionInfo>> byService = connections.list().stream()
                        .collect(Collectors.groupingBy(ConnectionInfo::serviceId));
                Table table = new Table("NAME", "BUNDLE", "VERSION", "STATE", "CONNECTIONS", "IN FLIGHT",
                        "DESCRIPTION");
                Set<Long> shown = new java.util.HashSet<>();
                registry.all().forEach((n, bindings) -> {
                    for (int i = 0; i < bindings.size(); i++) {
                        PluginBinding b = bindings.get(i);
                        shown.add(b.serviceId());
                        List<ConnectionInfo> own = byService.getOrDefault(b.serviceId(), List.of());
                        table.row(n, b.bundle(), b.version(), i == 0 ? "active" : "shadowed (service "
                                + b.serviceId() + ")", usage(own), inFlight(own), b.plugin().description());
                    }
                });
                // a version that went away (an upgrade, a removal) while its calls finish
                byService.forEach((service, own) -> {
                    if (!shown.contains(service)) {
                        ConnectionInfo first = own.get(0);
                        String[] bundle = first.bundle().split(" ", 2);
                        table.row(first.plugin(), bundle[0], bundle.length > 1 ? bundle[1] : "",
                                "gone (service " + service + "), draining", usage(own), inFlight(own), "");
                    }
                });
                return table;
            }
            PluginBinding b = registry.best(name).orElseThrow(() -> new IllegalArgumentException(
                    "no connection plugin named \"" + name + "\"; installed: "
                            + String.join(", ", registry.all().keySet())));
            List<ConnectionInfo> own = connections.list().stream().filter(c -> c.plugin().equals(b.name())).toList();
            Table table = new Table("OPTION", "TYPE", "DEFAULT", "REQUIRED", "SECRET", "DESCRIPTION")
                    .above(b.name() + ": " + b.plugin().description())
                    .above("bundle " + b.bundle() + " " + b.version() + ", connections: " + usage(own) + ", calls in"
                            + " flight: " + inFlight(own))
                    .above("options (connection_options." + b.name() + ".extras in the inventory):");
            return optionRows(table, b.plugin().options());
        }
    }

    @picocli.CommandLine.Command(name = "connections", description = {
        "Lists the pooled connections: host, plugin, age, idle time, uses, calls in flight; also those draining"
                + " (out of the pool after a disconnect, drain or upgrade, closed when their calls end)."})
    static final class Connections implements Callable<CommandOutput> {
        private final ShellContext ctx;

        Connections(ShellContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public CommandOutput call() {
            List<ConnectionInfo> all = ctx.connections().list();
            Table table = new Table("HOST", "PLUGIN", "BUNDLE", "STATE", "AGE", "IDLE", "USES", "IN FLIGHT");
            Instant now = Instant.now();
            for (ConnectionInfo c : all) {
                table.row(c.host(), c.plugin(), c.bundle(), c.state(),
                        Durations.coarse(Duration.between(c.openedAt(), now)), Durations.coarse(c.idle()), c.uses(),
                        c.inFlight());
            }
            Map<String, Long> byPlugin = all.stream().collect(Collectors.groupingBy(ConnectionInfo::plugin,
                    java.util.TreeMap::new, Collectors.counting()));
            return table.below(all.size() + (all.size() == 1 ? " connection " : " connections ") + byPlugin);
        }
    }

    @picocli.CommandLine.Command(name = "disconnect", description = {
        "Closes pooled connections, chosen from the connection table (see connections): all of them, those of"
                + " the hosts a pattern selects, or those of a plugin. A connection in use leaves the pool at once"
                + " and closes when its calls end."})
    static final class Disconnect implements Callable<CommandOutput> {
        private final ShellContext ctx;

        @picocli.CommandLine.Option(names = "--all", description = "every pooled connection")
        boolean all;

        @picocli.CommandLine.Option(names = {"-p", "--plugin"}, paramLabel = "NAME",
                description = "only the connections of this plugin")
        String plugin;

        @Mixin
        Options.InventoryOption inventory;

        @Parameters(index = "0", arity = "0..1", paramLabel = "PATTERN", description = "host pattern, matched against"
                + " the hosts in the connection table (group names through the inventory, -i); default: all")
        String pattern;

        Disconnect(ShellContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public CommandOutput call() throws Exception {
            if (all && (pattern != null || plugin != null)) {
                throw new IllegalArgumentException("--all closes every connection; give it alone, or a PATTERN"
                        + " and/or --plugin NAME");
            }
            Set<String> hosts = all || pattern == null || pattern.equals("all") ? null : hosts(pattern);
            ConnectionManager.Closing closing = ctx.connections().disconnect(k -> (hosts == null
                    || hosts.contains(k.host())) && (plugin == null || plugin.equals(k.plugin())));
            return Text.ok("closed " + closing.closed() + (closing.closed() == 1 ? " connection" : " connections")
                    + (closing.draining() > 0 ? "; " + closing.draining() + " in use close when their calls end"
                            + " (see connections)" : ""));
        }

        /**
         * The hosts a pattern selects among those with a connection (no inventory needed: a host the inventory
         * no longer has, or an inventory that does not load, can still be disconnected); a pattern that selects
         * none of them (a group name) is read with the inventory ({@code -i} or the configured one).
         */
        private Set<String> hosts(String p) throws InventoryException {
            Map<String, Host> pooled = new java.util.LinkedHashMap<>();
            for (ConnectionInfo c : ctx.connections().list()) {
                pooled.put(c.host(), new Host(c.host(), List.of(), io.conduit.api.inventory.Attributes.NONE));
            }
            if (!pooled.isEmpty()) {
                try {
                    return HostPattern.select(new Inventory("the connection table",
                            io.conduit.api.inventory.Attributes.NONE, Map.of(), pooled), p)
                            .stream().map(Host::name).collect(Collectors.toSet());
                } catch (InventoryException e) {
                    // names no host with a connection: perhaps a group, which only the inventory knows
                }
            }
            try {
                Inventory inv = ctx.inventories().load(inventory.spec());
                return HostPattern.select(inv, p).stream().map(Host::name).collect(Collectors.toSet());
            } catch (InventoryException e) {
                throw new InventoryException("disconnect: \"" + p + "\" names no host with a connection ("
                        + (pooled.isEmpty() ? "there are none" : String.join(", ", pooled.keySet()))
                        + "), and the inventory does not resolve it: " + e.getMessage());
            }
        }
    }

    @picocli.CommandLine.Command(name = "drain", description = {
        "Drains a plugin's pooled connections: new calls open new connections at once, idle connections close"
                + " now, busy ones when their calls end; calls still running after drain_grace"
                + " (etc/io.conduit.connections.cfg) are cut. Waits until done."})
    static final class Drain implements Callable<CommandOutput> {
        private final ShellContext ctx;

        @Parameters(index = "0", paramLabel = "PLUGIN", description = "the plugin's name (see plugins)")
        String plugin;

        Drain(ShellContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public CommandOutput call() throws Exception {
            if (ctx.registry().best(plugin).isEmpty() && ctx.connections().list().stream()
                    .noneMatch(c -> c.plugin().equals(plugin))) {
                throw new IllegalArgumentException("no connection plugin named \"" + plugin + "\" and no connection"
                        + " of that name; installed: " + String.join(", ", ctx.registry().all().keySet()));
            }
            ConnectionManager.Drained d = ctx.connections().drain(plugin);
            return Text.ok("drained " + d.connections() + (d.connections() == 1 ? " connection" : " connections")
                    + " of plugin \"" + plugin + "\": " + d.finished() + " finished their calls"
                    + (d.cut() > 0 ? ", " + d.cut() + " closed under calls still running after drain_grace" : ""));
        }
    }

    /**
     * Documents declared options (a connection plugin's, a task's parameters) as rows of a table with the columns
     * name, type, default, required, secret, description.
     *
     * @return the table
     */
    static Table optionRows(Table table, List<OptionDescriptor> options) {
        for (OptionDescriptor o : options) {
            // a choice shows its words where the type goes: "strict|accept-new|off"
            table.row(o.name(), o.choices().isEmpty() ? o.type().name().toLowerCase(Locale.ROOT)
                    : String.join("|", o.choices()), o.defaultValue(),
                    o.required() ? "yes" : "", o.secret() ? "yes" : "", o.description());
        }
        return table;
    }

    /** @return e.g. {@code 3 open, 1 draining} */
    private static String usage(List<ConnectionInfo> connections) {
        long draining = connections.stream().filter(c -> c.state().equals("draining")).count();
        long open = connections.size() - draining;
        return open + " open" + (draining > 0 ? ", " + draining + " draining" : "");
    }

    private static int inFlight(List<ConnectionInfo> connections) {
        return connections.stream().mapToInt(ConnectionInfo::inFlight).sum();
    }

}
