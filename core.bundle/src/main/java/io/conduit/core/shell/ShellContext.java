package io.conduit.core.shell;

import java.io.PrintStream;

import org.apache.felix.service.command.CommandSession;

import io.conduit.api.inventory.Inventories;
import io.conduit.api.task.Runner;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.history.RunHistory;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.task.TaskCatalog;

/**
 * What one invocation of a Conduit command works with: the services, the Gogo session (null when the command
 * comes from {@code bin/conduit}'s own command line) and the streams it prints to while it works (its value is
 * printed by whoever called it).
 *
 * @param runner runs tasks
 * @param inventories loads inventories and knows which plugin a host uses
 * @param registry the connection plugins
 * @param connections the connection pool
 * @param session the Gogo session, or {@code null}
 * @param out where results stream to (each host as it finishes)
 * @param err where messages and progress go
 * @param tasks the task plugins ({@code tasks}, {@code task}, runbooks)
 * @param history where runs are recorded ({@code runs}, {@code --rerun-failed}), or {@code null} when none is kept
 */
record ShellContext(Runner runner, Inventories inventories, PluginRegistry registry, ConnectionManager connections,
        CommandSession session, PrintStream out, PrintStream err, TaskCatalog tasks, RunHistory history) {

    /** A context that keeps no run history. */
    ShellContext(Runner runner, Inventories inventories, PluginRegistry registry, ConnectionManager connections,
            CommandSession session, PrintStream out, PrintStream err, TaskCatalog tasks) {
        this(runner, inventories, registry, connections, session, out, err, tasks, null);
    }

    /** A context without task plugins, for commands that need none. */
    ShellContext(Runner runner, Inventories inventories, PluginRegistry registry, ConnectionManager connections,
            CommandSession session, PrintStream out, PrintStream err) {
        this(runner, inventories, registry, connections, session, out, err, null, null);
    }
}
