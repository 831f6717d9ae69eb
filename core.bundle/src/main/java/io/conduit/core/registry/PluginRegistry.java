package io.conduit.core.registry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;

import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.ConnectionPlugin;
import io.conduit.api.connection.PluginGoneException;

/**
 * The one place that tracks {@link ConnectionPlugin} services (the whiteboard). Each name maps to its best
 * service (highest ranking, then oldest: {@link RankedServices}); the others of that name are kept as shadowed so
 * the shell can show them. Entries are immutable and keyed by {@code service.id}; callers that need a plugin ask here, possibly
 * waiting a bounded time for one of that name to (re)appear during an upgrade.
 */
@Component(service = PluginRegistry.class)
public final class PluginRegistry {
    /**
     * Service property ({@code Boolean} or {@code "true"}) of a marker service (any object) that says the
     * distribution's plugins have started: {@code bin/conduit} registers one once FileInstall has started every
     * jar of {@code deploy/}. From then on a name no plugin serves fails at once (only a name that went away, an
     * upgrade, is waited for); without it the registry gives plugins that may still be starting its start-up grace.
     */
    public static final String PLUGINS_STARTED = "conduit.plugins.started";
    private static final Logger LOG = LoggerFactory.getLogger(PluginRegistry.class);
    private static final Pattern VALID_NAME = Pattern.compile("[a-z][a-z0-9_-]*");

    private final RankedServices<PluginBinding> bindings = new RankedServices<>();
    private final List<PluginListener> listeners = new CopyOnWriteArrayList<>();
    private final Object changed = new Object();
    private final Map<String, Long> goneAtNanos = new ConcurrentHashMap<>();
    private final long startedNanos = System.nanoTime();
    private volatile boolean pluginsStarted;

    /** The launcher says the distribution's plugins have started (DS: optional, dynamic). */
    @Reference(service = Object.class, target = "(" + PLUGINS_STARTED + "=true)",
            cardinality = ReferenceCardinality.OPTIONAL, policy = ReferencePolicy.DYNAMIC, unbind = "pluginsStopping")
    void pluginsStarted(Object marker) {
        pluginsStarted = true;
        signal();
    }

    /** The marker went (the framework stops): no start-up grace comes back. */
    void pluginsStopping(Object marker) {
        // nothing: once started, a name never seen stays unknown
    }

    /**
     * Ends the start-up grace, as the launcher's marker does. Public for tests and programs that embed the core.
     */
    public void markPluginsStarted() {
        pluginsStarted(null);
    }

    /** Binds a plugin service (DS: multiple, dynamic, greedy). */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removed", updated = "updated")
    void added(ConnectionPlugin plugin, ServiceReference<ConnectionPlugin> ref) {
        PluginBinding binding = bindingOf(plugin, ref);
        if (binding != null) {
            add(binding);
        }
    }

    /** Rebinds when service properties change (name or ranking). */
    void updated(ConnectionPlugin plugin, ServiceReference<ConnectionPlugin> ref) {
        removed(plugin, ref);
        added(plugin, ref);
    }

    /**
     * Unbinds a plugin service. Runs on the thread unregistering it (often the one stopping its bundle):
     * listeners drain its connections within their bounded grace period before this returns, so calls in
     * flight finish on the old code and nothing uses the service after it is gone; a plugin whose connections
     * outlive its service ({@link ConnectionPlugin#BACKGROUND_DRAIN}) is drained in the background instead, so
     * its bundle's stop, and an upgrade's start of the new version, are not held.
     */
    void removed(ConnectionPlugin plugin, ServiceReference<ConnectionPlugin> ref) {
        remove((Long) ref.getProperty(Constants.SERVICE_ID));
    }

    /**
     * Tracks a plugin service; when it becomes the best of its name, the one it replaces is retired.
     * Public for tests and for programs that embed the core without a service registry.
     *
     * @param binding the plugin service
     */
    public void add(PluginBinding binding) {
        Optional<PluginBinding> shadowed = bindings.add(binding);
        signal();
        LOG.info("connection plugin \"{}\" added: {} {} (service {})", binding.name(), binding.bundle(),
                binding.version(), binding.serviceId());
        shadowed.ifPresent(old -> {
                    LOG.info("connection plugin \"{}\": service {} now shadowed by service {}", old.name(),
                            old.serviceId(), binding.serviceId());
                    notifyRetired(old, false);
                });
    }

    /**
     * Stops tracking a plugin service and drains its connections (bounded) before returning.
     *
     * @param serviceId the service's id
     */
    public void remove(long serviceId) {
        PluginBinding binding = bindings.remove(serviceId).orElse(null);
        if (binding == null) {
            return;
        }
        if (best(binding.name()).isEmpty()) {
            goneAtNanos.put(binding.name(), System.nanoTime());
        }
        signal();
        LOG.info("connection plugin \"{}\" removed: {} {} (service {})", binding.name(), binding.bundle(),
                binding.version(), binding.serviceId());
        notifyRetired(binding, true);
    }

    /**
     * Tells whether a binding still serves new connections for its name: registered and the best of its name.
     *
     * @param binding a binding {@link #await} returned
     * @return {@code true} while it is the one to use
     */
    public boolean serves(PluginBinding binding) {
        return bindings.serves(binding);
    }

    /**
     * Returns the service that serves a name now.
     *
     * @param name the plugin name
     * @return the best binding, or empty
     */
    public Optional<PluginBinding> best(String name) {
        return bindings.best(name);
    }

    /**
     * Returns the service that serves a name, waiting up to {@code wait} for one to appear when one may: the
     * name was served until less than {@code wait} ago (a plugin being upgraded is briefly absent), or the
     * registry itself started less than {@code wait} ago and no one said the distribution's plugins have started
     * ({@link #PLUGINS_STARTED}; plugins in deploy/ may still be starting). A name never seen fails at once, so a
     * typo in the inventory costs no wait.
     *
     * @param name the plugin name
     * @param wait how long to wait at most
     * @return the best binding
     * @throws PluginGoneException none appeared in time; the message names the plugin and what to do
     * @throws InterruptedException the caller was interrupted
     */
    public PluginBinding await(String name, Duration wait) throws PluginGoneException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        synchronized (changed) {
            while (true) {
                Optional<PluginBinding> found = best(name);
                if (found.isPresent()) {
                    return found.get();
                }
                long now = System.nanoTime();
                long left = deadline - now;
                Long goneAt = goneAtNanos.get(name);
                boolean mayComeBack = (!pluginsStarted && now - startedNanos < wait.toNanos())
                        || (goneAt != null && now - goneAt < wait.toNanos());
                if (left <= 0 || !mayComeBack) {
                    throw new PluginGoneException("no connection plugin named \"" + name + "\""
                            + (goneAt != null ? " (it went away and did not come back within " + wait.toSeconds()
                                    + " s)" : "")
                            + " (installed: " + String.join(", ", all().keySet())
                            + "); install its bundle (drop the jar into deploy/) or see conduit:plugins");
                }
                changed.wait(Math.max(1, left / 1_000_000), 0);
            }
        }
    }

    /** @return every tracked binding by name, best first within a name */
    public Map<String, List<PluginBinding>> all() {
        return bindings.all();
    }

    /** @param listener told of retired services */
    public void addListener(PluginListener listener) {
        listeners.add(listener);
    }

    /** @param listener no longer told */
    public void removeListener(PluginListener listener) {
        listeners.remove(listener);
    }

    private void notifyRetired(PluginBinding binding, boolean unregistering) {
        for (PluginListener listener : listeners) {
            try {
                listener.retired(binding, unregistering);
            } catch (RuntimeException e) {
                LOG.warn("draining connections of plugin \"{}\" failed", binding.name(), e);
            }
        }
    }

    private void signal() {
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    private static PluginBinding bindingOf(ConnectionPlugin plugin, ServiceReference<ConnectionPlugin> ref) {
        Object name = ref.getProperty(ConnectionPlugin.NAME);
        String bundle = ref.getBundle() == null ? "?" : ref.getBundle().getSymbolicName();
        if (!(name instanceof String s) || !VALID_NAME.matcher(s).matches()) {
            LOG.warn("ignoring a ConnectionPlugin service of bundle {}: its property {} is {} ; set it to a name"
                    + " like \"ssh\" (lower case letters, digits, - and _), e.g. with @ConnectionName",
                    bundle, ConnectionPlugin.NAME, name == null ? "missing" : "\"" + name + "\"");
            return null;
        }
        Object ranking = ref.getProperty(Constants.SERVICE_RANKING);
        String version = ref.getBundle() == null ? "?" : ref.getBundle().getVersion().toString();
        Object background = ref.getProperty(ConnectionPlugin.BACKGROUND_DRAIN);
        return new PluginBinding(s, (Long) ref.getProperty(Constants.SERVICE_ID),
                ranking instanceof Integer r ? r : 0, bundle, version, plugin,
                Boolean.TRUE.equals(background) || "true".equals(background));
    }
}
