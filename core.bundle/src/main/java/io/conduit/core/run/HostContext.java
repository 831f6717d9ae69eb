package io.conduit.core.run;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.StaleConnectionException;
import io.conduit.api.connection.Trace;
import io.conduit.api.inventory.Host;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.connection.Lease;
import io.conduit.core.inventory.BaseField;
import io.conduit.core.inventory.ParameterResolver;

/**
 * The {@link TaskContext} of one host in one run: its deadline, its values (resolved once for the run, handed to
 * the pool) and the connections it has borrowed.
 */
final class HostContext implements TaskContext {
    private final Host host;
    private final HostValues values;
    private final ConnectionManager connections;
    private final RunOptions options;
    private final String plugin;
    /** The run's snapshot of each plugin's options ({@code null}: not installed when the run began). */
    private final Map<String, List<OptionDescriptor>> declared;
    /** Plugins whose values were traced: once per host, plugin and run. */
    private final java.util.Set<String> traced = ConcurrentHashMap.newKeySet();
    private final long deadlineNanos;
    private final RunListener events;
    private final Trace trace;
    private final Map<String, Lease> leases = new ConcurrentHashMap<>();
    private volatile boolean deadlinePassed;
    /** Connections being opened for this host now: while above 0 nothing of the task has been sent through them. */
    private final AtomicInteger connecting = new AtomicInteger();
    /** A call found its connection dead and is sent again: the task had begun (an earlier call may have been sent). */
    private volatile boolean renewed;
    private final RunSecrets secrets;

    /**
     * @param values the host's values for the run
     * @param plugin the plugin the host connects with ({@link io.conduit.api.inventory.Inventories#pluginOf})
     * @param declared the run's snapshot of plugin options, by name; a name it lacks is asked of the pool
     */
    HostContext(HostValues values, String plugin, Map<String, List<OptionDescriptor>> declared,
            ConnectionManager connections, RunOptions options, long deadlineNanos, RunSecrets secrets,
            RunListener events, Trace trace) {
        this.host = values.host();
        this.values = values;
        this.plugin = plugin;
        this.declared = declared;
        this.connections = connections;
        this.options = options;
        this.deadlineNanos = deadlineNanos;
        this.secrets = secrets;
        this.events = events;
        this.trace = trace;
    }

    /**
     * The host's names in the shape a runbook step sees them, so that a template renders the same under
     * {@code conduit:task} as in a runbook: {@code data}, {@code inventory_hostname}, {@code groups}, and empty
     * {@code facts} and {@code vars} (a runbook fills those).
     */
    @Override
    public java.util.Map<String, Object> variables() {
        java.util.Map<String, Object> names = new java.util.LinkedHashMap<>();
        names.put("data", values.data());
        names.put("facts", java.util.Map.of());
        names.put("vars", java.util.Map.of());
        names.put("inventory_hostname", host.name());
        names.put("groups", host.groups());
        return java.util.Collections.unmodifiableMap(names);
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
        return plugin;
    }

    @Override
    public Connection connection(String plugin) throws IOException {
        Lease lease = lease(plugin);
        return new BorrowedConnection(lease.connection(), (stale, e) -> renew(plugin, stale, e),
                this::becomePassword, values::become, secrets, trace);
    }

    private Lease lease(String plugin) throws IOException {
        Lease lease = leases.get(plugin);
        if (lease == null) {
            connecting.incrementAndGet();
            try {
                List<OptionDescriptor> typedBy = declared.get(plugin);
                if (typedBy == null) {
                    // not installed when the run began (an upgrade, a plugin still starting): wait for it as
                    // the pool would, so that its options type the values
                    typedBy = connections.declaredOptions(plugin, deadlineNanos);
                }
                ConnectionParams params = values.params(plugin, typedBy);
                if (trace.on(Trace.DETAIL) && traced.add(plugin)) {
                    traceOrigins(plugin, typedBy);
                }
                lease = connections.acquire(new ConnectionKey(host.name(), plugin), params, deadlineNanos, trace);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while connecting to " + host.name());
            } finally {
                connecting.decrementAndGet();
            }
            if (deadlinePassed) {
                // the host was reported unreachable when its deadline passed mid-connect: send it nothing now
                lease.close();
                throw new InterruptedIOException("the host's deadline passed while connecting to " + host.name());
            }
            leases.put(plugin, lease);
            // once per host, plugin and run: the shell prints the run's insecure choices in one line
            for (String warning : warnings(lease.connection())) {
                events.warned(host.name(), warning);
            }
        }
        return lease;
    }

    /**
     * A call found its pooled connection dead before sending anything: once per host and plugin, when the
     * connection was reused (it may have died in the pool), a new one is opened for the call to be sent again.
     * A connection opened for this host that dies at once fails the call, as it always did.
     */
    private Connection renew(String plugin, Connection stale, StaleConnectionException e) throws IOException {
        Lease lease = leases.get(plugin);
        if (lease != null && lease.connection() != stale) {
            return lease.connection(); // another borrower of this host renewed it already
        }
        if (lease == null || !lease.reused()) {
            throw e;
        }
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, plugin + ": the pooled connection was found closed before the call was"
                    + " sent (" + e.getMessage() + "); opening a new one and sending the call once more");
        }
        renewed = true;
        leases.remove(plugin, lease);
        lease.discard();
        return lease(plugin).connection();
    }

    private static List<String> warnings(Connection connection) {
        try {
            List<String> said = connection.warnings();
            return said == null ? List.of() : said;
        } catch (RuntimeException e) {
            return List.of(); // a plugin's fault in a courtesy must not fail the host
        }
    }

    /**
     * Tells where each connection value comes from: the inventory element, and the {@code ${env:}} or
     * {@code ${file:}} reference a secret is read from (its name, never its value). Secrets show as {@code ***}.
     */
    private void traceOrigins(String plugin, List<OptionDescriptor> typedBy) {
        ConnectionParams shown;
        try {
            shown = values.shown(plugin, typedBy);
        } catch (IOException e) {
            return; // the resolve for connecting reports the problem
        }
        Map<String, String> origins = values.origins(plugin);
        StringBuilder line = new StringBuilder(plugin).append(": values:");
        for (BaseField field : BaseField.values()) {
            Object v = field.of(shown);
            value(line, field.key(), v instanceof Secret secret ? "***" + reference(secret.reveal()) : v, origins);
        }
        shown.extras().forEach((key, v) -> value(line, "extras." + key, v instanceof Secret ? "***"
                : v instanceof String text && ParameterResolver.isReference(text) ? "***" + reference(text) : v,
                origins));
        line.setLength(line.length() - 1); // the last value's ';'
        trace.line(Trace.DETAIL, line.toString());
    }

    private static String reference(String raw) {
        return ParameterResolver.isReference(raw) ? " from " + raw : "";
    }

    private static void value(StringBuilder line, String key, Object value, Map<String, String> origins) {
        line.append(' ').append(key).append('=');
        if (value == null) {
            line.append("(unset: the plugin's default);");
        } else {
            String from = ParameterResolver.origin(origins, key); // a merged mapping: each level it came from
            line.append(value).append(" (").append(from.isEmpty() ? "?" : from).append(");");
        }
    }

    /**
     * The escalation of the host's inventory data ({@code become: true}, {@link HostValues#become}) where the
     * caller asks none: the put and fetch tasks then carry their files as the become user, as with {@code -b}.
     * {@code null} when the inventory asks none, or when its become keys are wrong: the host's first command or
     * file access then fails with the inventory's message.
     */
    @Override
    public io.conduit.api.connection.Become become() {
        try {
            return values.become();
        } catch (IOException e) {
            return null; // BorrowedConnection reports it on the first call
        }
    }

    private Secret becomePassword() throws IOException {
        return values.becomePassword();
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

    /**
     * @return whether the task waits for its first connection to open (a plugin's connect, or another task's): then
     *         nothing of it has been sent to the host
     */
    boolean isConnecting() {
        return connecting.get() > 0 && leases.isEmpty() && !renewed;
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
