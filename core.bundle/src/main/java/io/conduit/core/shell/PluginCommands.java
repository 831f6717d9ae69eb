package io.conduit.core.shell;

import java.io.PrintStream;
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
import io.conduit.core.connection.ConnectionInfo;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.inventory.HostPattern;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code plugins}, {@code connections}, {@code disconnect}: the live plugin and connection tables. */
final class PluginCommands {
    private PluginCommands() {
    }

    @picocli.CommandLine.Command(name = "plugins", description = {
        "Lists the connection plugins: name, bundle, version, state (active, or shadowed by a higher-ranked"
                + " service of the same name), open connections; with a name, that plugin's options."})
    static final class Plugins implements Callable<Integer> {
        private final ShellContext ctx;

        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "a plugin's name")
        String name;

        Plugins(ShellContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            PrintStream out = ctx.out();
            PluginRegistry registry = ctx.registry();
            ConnectionManager connections = ctx.connections();
            if (name == null) {
                Table table = new Table("NAME", "BUNDLE", "VERSION", "STATE", "CONNECTIONS", "DESCRIPTION");
                registry.all().forEach((n, bindings) -> {
                    for (int i = 0; i < bindings.size(); i++) {
                        PluginBinding b = bindings.get(i);
                        table.row(n, b.bundle(), b.version(), i == 0 ? "active" : "shadowed (service "
                                + b.serviceId() + ")", i == 0 ? connections.count(n) : "", b.plugin().description());
                    }
                });
                table.print(out);
                return Args.EXIT_OK;
            }
            PluginBinding b = registry.best(name).orElseThrow(() -> new IllegalArgumentException(
                    "no connection plugin named \"" + name + "\"; installed: "
                            + String.join(", ", registry.all().keySet())));
            out.println(b.name() + ": " + b.plugin().description());
            out.println("bundle " + b.bundle() + " " + b.version() + ", " + connections.count(b.name())
                    + " open connections");
            out.println("options (connection_options." + b.name() + ".extras in the inventory):");
            Table table = new Table("OPTION", "TYPE", "DEFAULT", "REQUIRED", "SECRET", "DESCRIPTION");
            for (OptionDescriptor o : b.plugin().options()) {
                table.row(o.name(), o.type().name().toLowerCase(Locale.ROOT), o.defaultValue(),
                        o.required() ? "yes" : "", o.secret() ? "yes" : "", o.description());
            }
            table.print(out);
            return Args.EXIT_OK;
        }
    }

    @picocli.CommandLine.Command(name = "connections", description = {
        "Lists the pooled connections: host, plugin, age, idle time, uses, calls in flight."})
    static final class Connections implements Callable<Integer> {
        private final ShellContext ctx;

        Connections(ShellContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() {
            List<ConnectionInfo> all = ctx.connections().list();
            Table table = new Table("HOST", "PLUGIN", "BUNDLE", "STATE", "AGE", "IDLE", "USES", "IN FLIGHT");
            Instant now = Instant.now();
            for (ConnectionInfo c : all) {
                table.row(c.host(), c.plugin(), c.bundle(), c.state(), human(Duration.between(c.openedAt(), now)),
                        human(c.idle()), c.uses(), c.inFlight());
            }
            table.print(ctx.out());
            Map<String, Long> byPlugin = all.stream().collect(Collectors.groupingBy(ConnectionInfo::plugin,
                    java.util.TreeMap::new, Collectors.counting()));
            ctx.out().println(all.size() + (all.size() == 1 ? " connection " : " connections ") + byPlugin);
            return Args.EXIT_OK;
        }
    }

    @picocli.CommandLine.Command(name = "disconnect", description = {
        "Closes the pooled connections of the hosts a pattern selects (all without one); a connection in use"
                + " closes when its calls end."})
    static final class Disconnect implements Callable<Integer> {
        private final ShellContext ctx;

        @Mixin
        Options.InventoryOption inventory;

        @Parameters(index = "0", arity = "0..1", paramLabel = "PATTERN", description = "host pattern (default: all)")
        String pattern;

        Disconnect(ShellContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Integer call() throws Exception {
            int closed;
            if (pattern == null || pattern.equals("all")) {
                closed = ctx.connections().disconnect(k -> true);
            } else {
                Inventory inv = ctx.runner().inventory(inventory.runOptions());
                Set<String> hosts = HostPattern.select(inv, pattern).stream().map(Host::name)
                        .collect(Collectors.toSet());
                closed = ctx.connections().disconnect(k -> hosts.contains(k.host()));
            }
            ctx.out().println("closed " + closed + (closed == 1 ? " connection" : " connections"));
            return Args.EXIT_OK;
        }
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        return s < 120 ? s + "s" : s < 7200 ? (s / 60) + "m" : (s / 3600) + "h";
    }
}
