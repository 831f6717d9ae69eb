package io.conduit.core.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Connection;
import io.conduit.api.inventory.Host;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.testing.PutFetchScenario;
import io.conduit.core.task.FetchTask;
import io.conduit.core.task.PutTask;

/**
 * The core's {@link PutTask} and {@link FetchTask} over one open connection, as the runner executes them for one
 * host: what {@link PutFetchScenario} drives on every plugin (each plugin module's test-scoped use of core.bundle's
 * test-jar; the plugins' bundles still import only the API).
 */
public final class TaskTransfers implements PutFetchScenario.Transfers {
    private final TaskContext context;
    private final Become become;

    /**
     * @param connection an open connection to the host
     * @param host the host's name (fetch writes into LOCALDIR/HOST)
     */
    public TaskTransfers(Connection connection, String host) {
        this(connection, host, null);
    }

    /**
     * @param connection an open connection to the host
     * @param host the host's name (fetch writes into LOCALDIR/HOST)
     * @param become put and fetch as this user ({@code --become}), or {@code null}
     */
    public TaskTransfers(Connection connection, String host, Become become) {
        this.become = become;
        this.context = new TaskContext() {
            @Override
            public Host host() {
                return new Host(host, null, null);
            }

            @Override
            public Connection connection() {
                return connection;
            }

            @Override
            public Connection connection(String plugin) {
                throw new UnsupportedOperationException("one plugin only");
            }

            @Override
            public Duration remaining() {
                return Duration.ofSeconds(60);
            }

            @Override
            public RunOptions options() {
                return RunOptions.defaults();
            }

            @Override
            public HostResult run(Task task) {
                throw new UnsupportedOperationException("no sub-tasks");
            }
        };
    }

    @Override
    public PutFetchScenario.Outcome put(Path local, String remote, PutFetchScenario.How how) {
        return outcome(new PutTask(local, remote, how.mode(), how.owner(), how.group(), how.recursive(), how.check(),
                become));
    }

    @Override
    public PutFetchScenario.Outcome fetch(String remote, Path localDir, boolean recursive) {
        return outcome(new FetchTask(remote, localDir, recursive, become));
    }

    private PutFetchScenario.Outcome outcome(Task task) {
        try {
            HostResult r = task.execute(context);
            return new PutFetchScenario.Outcome(r.status().name().toLowerCase(java.util.Locale.ROOT), r.stdoutText(),
                    null);
        } catch (IOException e) {
            return new PutFetchScenario.Outcome(null, "", e);
        }
    }
}
