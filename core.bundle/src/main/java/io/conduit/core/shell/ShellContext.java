package io.conduit.core.shell;

import java.io.PrintStream;

import org.apache.felix.service.command.CommandSession;

import io.conduit.api.inventory.Inventories;
import io.conduit.api.task.Runner;
import io.conduit.core.cluster.ClusterRuns;
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
 * @param cluster the cluster's runs ({@code run}, {@code ping} and {@code task} spread over it while
 *        {@link ClusterRuns#clustered()}), or {@code null}: this node runs alone
 */
record ShellContext(Runner runner, Inventories inventories, PluginRegistry registry, ConnectionManager connections,
        CommandSession session, PrintStream out, PrintStream err, TaskCatalog tasks, RunHistory history,
        ClusterRuns cluster) {

    /** A context without a cluster: this node runs alone. */
    ShellContext(Runner runner, Inventories inventories, PluginRegistry registry, ConnectionManager connections,
            CommandSession session, PrintStream out, PrintStream err, TaskCatalog tasks, RunHistory history) {
        this(runner, inventories, registry, connections, session, out, err, tasks, history, null);
    }

    /** @return the cluster's runs while this node is in a cluster, else {@code null} */
    ClusterRuns clustered() {
        return cluster != null && cluster.clustered() ? cluster : null;
    }

    /** A context that keeps no run history. */
    ShellContext(Runner runner, Inventories inventories, PluginRegistry registry, ConnectionManager connections,
            CommandSession session, PrintStream out, PrintStream err, TaskCatalog tasks) {
        this(runner, inventories, registry, connections, session, out, err, tasks, null, null);
    }

    /** A context without task plugins, for commands that need none. */
    ShellContext(Runner runner, Inventories inventories, PluginRegistry registry, ConnectionManager connections,
            CommandSession session, PrintStream out, PrintStream err) {
        this(runner, inventories, registry, connections, session, out, err, null, null, null);
    }
}
