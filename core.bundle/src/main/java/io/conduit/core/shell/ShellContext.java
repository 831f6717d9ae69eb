package io.conduit.core.shell;

import java.io.PrintStream;

import org.apache.felix.service.command.CommandSession;

import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.source.InventoryCatalog;

/**
 * What one invocation of a Conduit command works with: the services, the Gogo session (null when the command
 * comes from {@code bin/conduit}'s own command line) and the streams it prints to.
 *
 * @param runner runs tasks and loads inventories
 * @param registry the connection plugins
 * @param catalog the inventory sources
 * @param connections the connection pool
 * @param session the Gogo session, or {@code null}
 * @param out where results go
 * @param err where messages and progress go
 */
record ShellContext(ForkingRunner runner, PluginRegistry registry, InventoryCatalog catalog,
        ConnectionManager connections, CommandSession session, PrintStream out, PrintStream err) {
}
