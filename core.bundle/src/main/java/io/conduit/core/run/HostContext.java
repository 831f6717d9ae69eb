package io.conduit.core.run;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.Secret;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.connection.Lease;
import io.conduit.core.inventory.ParameterResolver;

/** The {@link TaskContext} of one host in one run: its deadline and the connections it has borrowed. */
final class HostContext implements TaskContext {
    private final Host host;
    private final Inventory inventory;
    private final ConnectionManager connections;
    private final RunOptions options;
    private final String defaultConnection;
    private final long deadlineNanos;
    private final RunListener events;
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private volatile boolean deadlinePassed;
    private final RunSecrets secrets;
    private volatile Secret[] becomePassword;

    HostContext(Host host, Inventory inventory, ConnectionManager connections, RunOptions options,
            String defaultConnection, long deadlineNanos, RunSecrets secrets, RunListener events) {
        this.host = host;
        this.inventory = inventory;
        this.connections = connections;
        this.options = options;
        this.defaultConnection = defaultConnection;
        this.deadlineNanos = deadlineNanos;
        this.secrets = secrets;
        this.events = events;
    }

    @Override
    public Host host() {
        return host;
    }

    @Override
    public Connection connection() throws IOException {
        return connection(pluginName());
    }

    String pluginName() {
        String named = ParameterResolver.pluginFor(inventory, host);
        return named != null ? named : defaultConnection;
    }

    @Override
    public Connection connection(String plugin) throws IOException {
        Lease lease = leases.get(plugin);
        if (lease == null) {
            try {
                lease = connections.acquire(new ConnectionKey(host.name(), plugin),
                        p -> {
                            ConnectionParams params = ParameterResolver.resolve(inventory, host, plugin, p.options(),
                                    true);
                            secrets.addAll(params); // before the plugin sends any of them
                            return params;
                        }, deadlineNanos);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while connecting to " + host.name());
            }
            leases.put(plugin, lease);
            // once per host, plugin and run: the shell prints the run's insecure choices in one line
            for (String warning : warnings(lease.connection())) {
                events.warned(host.name(), warning);
            }
        }
        return new BorrowedConnection(lease.connection(), this::becomePassword, secrets);
    }

    private static List<String> warnings(Connection connection) {
        try {
            List<String> said = connection.warnings();
            return said == null ? List.of() : said;
        } catch (RuntimeException e) {
            return List.of(); // a plugin's fault in a courtesy must not fail the host
        }
    }

    private Secret becomePassword() throws IOException {
        Secret[] known = becomePassword;
        if (known == null) {
            known = new Secret[] {ParameterResolver.becomePassword(inventory, host)};
            secrets.add(known[0]);
            becomePassword = known;
        }
        return known[0];
    }

    @Override
    public Duration remaining() {
        return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime()));
    }

    @Override
    public RunOptions options() {
        return options;
    }

    @Override
    public HostResult run(Task task) {
        try {
            return task.execute(this);
        } catch (IOException e) {
            return HostResult.of(host.name(), Status.FAILED, ErrorText.of(e));
        }
    }

    /** Notes that the host's deadline passed (the worker is interrupted next and reports it as such). */
    void deadlinePassed() {
        deadlinePassed = true;
    }

    /** @return whether the host's deadline passed */
    boolean isDeadlinePassed() {
        return deadlinePassed;
    }

    /** Closes the connections of this host under any call in flight: its deadline passed. */
    void abort() {
        leases.values().forEach(l -> connections.abort(l.key()));
    }

    /**
     * Gives the borrowed connections back to the pool.
     *
     * @param healthy whether the task ended without a connection failure
     */
    void release(boolean healthy) {
        leases.values().forEach(lease -> lease.close(healthy));
        leases.clear();
    }
}
