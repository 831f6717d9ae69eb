package io.conduit.core.run;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;
import io.conduit.api.connection.Secret;
import io.conduit.core.inventory.ParameterResolver;

/**
 * One host's values for one run, each resolved once (secret files and variables read once): its parameters for
 * each plugin it connects with, typed by that plugin's options, and its become password. The run resolves them
 * for every host of the inventory before any starts (their secrets mask every host's output), and the host's
 * context hands them to the pool. A value that cannot be resolved fails with the same message each time asked.
 * Thread safe.
 */
final class HostValues {
    private final Inventory inventory;
    private final Host host;
    private final Path base;
    private final RunSecrets secrets;
    private final Map<String, Resolved> params = new ConcurrentHashMap<>();
    private volatile Resolved become;
    private volatile Resolved escalation;
    private volatile Map<String, Object> data;

    /** A value, or why there is none, for the options it was typed with. */
    private record Resolved(List<OptionDescriptor> options, Object value, InventoryException failure) {
        Object get() throws InventoryException {
            if (failure != null) {
                throw failure;
            }
            return value;
        }
    }

    /**
     * @param inventory the run's inventory
     * @param host one of its hosts
     * @param base the inventory's directory ({@code ${file:}} references), or {@code null}
     * @param secrets told of every secret resolved, before any plugin sends it
     */
    HostValues(Inventory inventory, Host host, Path base, RunSecrets secrets) {
        this.inventory = inventory;
        this.host = host;
        this.base = base;
        this.secrets = secrets;
    }

    Host host() {
        return host;
    }

    /**
     * The host's {@code data} merged deeply with its groups' and the defaults' ({@link ParameterResolver#data}), as
     * {@link io.conduit.api.task.TaskContext#variables()} promises; without {@code become_password}, which is a
     * secret. Merged once for the run.
     *
     * @return the merged data, unmodifiable
     */
    Map<String, Object> data() {
        Map<String, Object> known = data;
        if (known == null) {
            Map<String, Object> merged = new LinkedHashMap<>(ParameterResolver.data(inventory, host).values());
            merged.remove(ParameterResolver.BECOME_PASSWORD);
            known = Collections.unmodifiableMap(merged);
            data = known;
        }
        return known;
    }

    /**
     * The parameters for a plugin, resolved on first use and kept for the run; resolved again only when asked
     * with other options (the plugin was installed or replaced meanwhile).
     *
     * @param plugin the plugin's name
     * @param options its declared options, {@code null} when it is not installed
     * @return the parameters
     * @throws InventoryException a reference cannot be read, an extra is wrong or missing (the resolver's message)
     */
    ConnectionParams params(String plugin, List<OptionDescriptor> options) throws InventoryException {
        Resolved known = params.get(plugin);
        if (known == null || !Objects.equals(known.options(), options)) {
            try {
                ConnectionParams p = ParameterResolver.resolve(inventory, host, plugin, options, true, base);
                secrets.addAll(p); // before the plugin sends any of them
                known = new Resolved(options, p, null);
            } catch (InventoryException e) {
                known = new Resolved(options, null, e);
            }
            params.put(plugin, known);
        }
        return (ConnectionParams) known.get();
    }

    /**
     * The parameters as the inventory writes them, references unread, for the trace.
     *
     * @throws InventoryException as {@link #params}
     */
    ConnectionParams shown(String plugin, List<OptionDescriptor> options) throws InventoryException {
        return ParameterResolver.resolve(inventory, host, plugin, options, false, base);
    }

    /** @return where each value comes from ({@link ParameterResolver#origins}) */
    Map<String, String> origins(String plugin) {
        return ParameterResolver.origins(inventory, host, plugin);
    }

    /**
     * @return the host's become password, or {@code null} when none is set
     * @throws InventoryException it cannot be read (the resolver's message)
     */
    Secret becomePassword() throws InventoryException {
        Resolved known = become;
        if (known == null) {
            try {
                Secret s = ParameterResolver.becomePassword(inventory, host, base);
                secrets.add(s);
                known = new Resolved(null, s, null);
            } catch (InventoryException e) {
                known = new Resolved(null, null, e);
            }
            become = known;
        }
        return (Secret) known.get();
    }

    /**
     * The escalation the host's commands get when they ask for none ({@code data.become: true},
     * {@link ParameterResolver#become}), with the host's become password where it has one. Resolved once.
     *
     * @return the escalation, or {@code null} when the inventory asks for none
     * @throws InventoryException a become key has a wrong value, or the password cannot be read (the resolver's
     *         message)
     */
    Become become() throws InventoryException {
        Resolved known = escalation;
        if (known == null) {
            try {
                Become b = ParameterResolver.become(inventory, host);
                known = new Resolved(null, b == null ? null : new Become(b.method(), b.user(), becomePassword()),
                        null);
            } catch (InventoryException e) {
                known = new Resolved(null, null, e);
            }
            escalation = known;
        }
        return (Become) known.get();
    }
}
