package io.conduit.core.task;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.osgi.framework.Constants;
import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.support.Suggestions;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.task.TaskPlugin;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.connection.ConnectionsConfig;
import io.conduit.core.registry.RankedServices;

/**
 * The one place that tracks {@link TaskPlugin} services (the whiteboard), as {@code PluginRegistry} tracks
 * connection plugins: each name is served by its best service ({@link RankedServices}: highest ranking, then
 * oldest), the others of that name are kept as shadowed.
 *
 * <p>Upgrades lose no result. Each host's call of a task holds a lease on the service it started with until the
 * host's result is made; the unbind of a service (on the thread stopping its bundle) first stops new leases, then
 * waits for the leases held to end, bounded by {@code drain_grace}, so that calls in flight finish on the old
 * code before the old bundle stops. A host that starts while its name has no service because that name went away
 * less than {@code plugin_wait} ago waits (bounded by that and its own deadline) for a new one; a name never seen
 * fails at once, naming the installed tasks and the closest one. Both settings are the connection pool's
 * ({@code etc/io.conduit.connections.cfg}): one upgrade grace for every kind of plugin.
 */
@Component(service = {TaskRegistry.class, TaskCatalog.class}, configurationPid = ConnectionManager.PID)
public final class TaskRegistry implements TaskCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(TaskRegistry.class);
    /** The names {@link io.conduit.api.task.TaskName} allows. */
    private static final Pattern VALID_NAME = Pattern.compile("[a-z][a-z0-9_-]*");

    /** How long a name that went away is waited for, and how long an unbind waits for leases. */
    record Settings(Duration pluginWait, Duration drainGrace) {
        static Settings from(ConnectionsConfig config) {
            // ConnectionManager validates these keys and refuses every run while they are invalid; clamp here so
            // an unbind never waits a negative time meanwhile
            return new Settings(Duration.ofSeconds(Math.max(0, config.plugin__wait())),
                    Duration.ofSeconds(Math.max(0, config.drain__grace())));
        }
    }

    private final RankedServices<TaskBinding> bindings = new RankedServices<>();
    /** The leases of each tracked service, by service id; present from before it serves until its unbind ends. */
    private final Map<Long, Leases> leases = new ConcurrentHashMap<>();
    private final Map<String, Long> goneAtNanos = new ConcurrentHashMap<>();
    private final Object changed = new Object();
    private volatile Settings settings;

    /**
     * @param config the pool's settings: {@code plugin_wait} (seconds a host waits for a task that went away) and
     *        {@code drain_grace} (seconds an unbind waits for the calls in flight)
     */
    @Activate
    public TaskRegistry(ConnectionsConfig config) {
        this(Settings.from(config));
    }

    /**
     * A registry for tests and programs that embed the core.
     *
     * @param wait how long a host waits for a name that went away to come back; not negative
     * @param drainGrace how long the removal of a service waits for the calls in flight; not negative
     */
    public TaskRegistry(Duration wait, Duration drainGrace) {
        this(new Settings(wait, drainGrace));
    }

    private TaskRegistry(Settings settings) {
        this.settings = settings;
    }

    /** Takes new settings; hosts waiting and unbinds draining keep the ones they started with. */
    @Modified
    void modified(ConnectionsConfig config) {
        settings = Settings.from(config);
    }

    /** Binds a task plugin service (DS: multiple, dynamic, greedy). */
    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removed", updated = "updated")
    void added(TaskPlugin plugin, ServiceReference<TaskPlugin> ref) {
        TaskBinding binding = bindingOf(plugin, ref);
        if (binding != null) {
            add(binding);
        }
    }

    /** Rebinds when service properties change (name or ranking). */
    void updated(TaskPlugin plugin, ServiceReference<TaskPlugin> ref) {
        removed(plugin, ref);
        added(plugin, ref);
    }

    /** Unbinds a task plugin service; returns once its calls in flight ended (bounded by drain_grace). */
    void removed(TaskPlugin plugin, ServiceReference<TaskPlugin> ref) {
        remove((Long) ref.getProperty(Constants.SERVICE_ID));
    }

    /**
     * Tracks a task plugin service. Public for tests and programs that embed the core without a service registry.
     *
     * @param binding the service
     */
    public void add(TaskBinding binding) {
        leases.putIfAbsent(binding.serviceId(), new Leases());
        Optional<TaskBinding> shadowed = bindings.add(binding);
        signal();
        LOG.info("task plugin \"{}\" added: {} {} (service {})", binding.name(), binding.bundle(), binding.version(),
                binding.serviceId());
        shadowed.ifPresent(old -> LOG.info("task plugin \"{}\": service {} now shadowed by service {}", old.name(),
                old.serviceId(), binding.serviceId()));
    }

    /**
     * Stops tracking a task plugin service: new hosts no longer start on it, and this returns once the hosts
     * running it have their results, or after {@code drain_grace} (logged: those calls then run on code whose
     * bundle may stop under them).
     *
     * @param serviceId the service's id
     */
    public void remove(long serviceId) {
        TaskBinding binding = bindings.remove(serviceId).orElse(null);
        if (binding == null) {
            return;
        }
        if (bindings.best(binding.name()).isEmpty()) {
            goneAtNanos.put(binding.name(), System.nanoTime());
        }
        signal();
        Leases held = leases.get(serviceId);
        // unbind runs on the thread stopping the plugin's bundle: bound the drain so upgrades never hang
        int left = held == null ? 0 : held.retireAndAwait(settings.drainGrace());
        leases.remove(serviceId);
        if (left > 0) {
            LOG.warn("task plugin \"{}\" removed: {} {} (service {}) while {} host(s) still ran it after the drain"
                    + " grace of {} s (drain_grace in etc/io.conduit.connections.cfg); their results may be"
                    + " failures", binding.name(), binding.bundle(), binding.version(), serviceId, left,
                    settings.drainGrace().toSeconds());
        } else {
            LOG.info("task plugin \"{}\" removed: {} {} (service {})", binding.name(), binding.bundle(),
                    binding.version(), serviceId);
        }
    }

    @Override
    public Set<String> names() {
        return Collections.unmodifiableSet(new TreeSet<>(bindings.served().keySet()));
    }

    @Override
    public Optional<TaskPlugin> plugin(String name) {
        return bindings.best(name).map(TaskBinding::plugin);
    }

    /**
     * @param name a task name
     * @return the service that serves it now, or empty
     */
    public Optional<TaskBinding> best(String name) {
        return bindings.best(name);
    }

    @Override
    public List<Service> services() {
        List<Service> out = new ArrayList<>();
        bindings.all().forEach((name, all) -> {
            for (int i = 0; i < all.size(); i++) {
                TaskBinding b = all.get(i);
                Leases l = leases.get(b.serviceId());
                out.add(new Service(name, b.bundle(), b.version(), i == 0, l == null ? 0 : l.held(), b.plugin()));
            }
        });
        return out;
    }

    /**
     * @param serviceId a service's id
     * @return how many hosts run a task of that service now
     */
    public int inFlight(long serviceId) {
        Leases l = leases.get(serviceId);
        return l == null ? 0 : l.held();
    }

    @Override
    public Map<String, Object> parameters(String name, Map<String, ?> given, String where) {
        String at = where == null || where.isEmpty() ? "" : where + ": ";
        TaskPlugin plugin = serving(name, at).plugin();
        List<OptionDescriptor> declared = plugin.parameters();
        Map<String, OptionDescriptor> byName = new LinkedHashMap<>();
        declared.forEach(d -> byName.put(d.name(), d));
        List<String> problems = new ArrayList<>();
        Map<String, Object> converted = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : given.entrySet()) {
            String key = e.getKey();
            OptionDescriptor d = byName.get(key);
            if (d == null) {
                String closest = Suggestions.closest(key, byName.keySet());
                problems.add(at + name + " has no parameter \"" + key + "\""
                        + (closest == null ? "" : "; did you mean \"" + closest + "\"?")
                        + (byName.isEmpty() ? " (it takes none)" : " (its parameters: "
                                + String.join(", ", byName.keySet()) + ")"));
            } else if (e.getValue() == null) {
                problems.add(at + name + ": " + key + " has no value; give one (" + d.description() + ")");
            } else {
                try {
                    converted.put(key, d.convert(e.getValue()));
                } catch (IllegalArgumentException x) {
                    // the type's own message quotes the value: never for a secret
                    problems.add(at + name + ": " + (d.secret() ? key + ": the value given is not a valid "
                            + typeWord(d) + " (a secret: not shown)" : x.getMessage())
                            + "; see conduit:tasks " + name);
                }
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (OptionDescriptor d : declared) {
            if (converted.containsKey(d.name())) {
                out.put(d.name(), converted.get(d.name()));
            } else if (given.containsKey(d.name())) {
                continue; // refused above
            } else if (d.required()) {
                problems.add(at + name + " needs the parameter \"" + d.name() + "\" (" + typeWord(d) + ": "
                        + d.description() + ")");
            } else if (d.defaultValue() != null) {
                try {
                    out.put(d.name(), d.convert(d.defaultValue()));
                } catch (IllegalArgumentException x) {
                    // the plugin's own declaration is wrong: say whose, so the operator can report it
                    problems.add(at + name + ": the default of " + d.name() + " declared by "
                            + serving(name, at).bundle() + " does not fit its type (" + typeWord(d)
                            + "); give " + d.name() + " explicitly and report it to the task's author");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
        return Collections.unmodifiableMap(out);
    }

    @Override
    public Task task(String name, Map<String, Object> parameters) {
        TaskBinding now = serving(name, "");
        Map<String, Object> values = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        RegistryTask task = new RegistryTask(name, values);
        // made now, so that values the plugin refuses fail the command before any host starts
        Task first;
        try {
            first = task.made(now);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage(), e);
        }
        task.description = first.describe();
        return task;
    }

    /**
     * Takes a lease on the service serving a name, waiting for one when the name went away less than
     * {@code wait} ago.
     *
     * @param name the task name
     * @param wait the most to wait
     * @return the lease, to be released when the host's call ends
     * @throws IllegalArgumentException no service appeared in time; the message names the task and what to do
     * @throws InterruptedException the caller was interrupted
     */
    Lease lease(String name, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            TaskBinding b = await(name, deadline, wait, "");
            Leases l = leases.get(b.serviceId());
            if (l != null && l.acquire()) {
                return new Lease(b, l);
            }
            // removed between the lookup and the lease (it left the bindings before its leases were refused):
            // look again, for the next best or, bounded by the deadline, for the new one
        }
    }

    private TaskBinding serving(String name, String at) {
        try {
            Duration wait = settings.pluginWait();
            return await(name, System.nanoTime() + wait.toNanos(), wait, at);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalArgumentException(at + "interrupted while waiting for task \"" + name + "\"");
        }
    }

    private TaskBinding await(String name, long deadline, Duration wait, String at) throws InterruptedException {
        synchronized (changed) {
            while (true) {
                Optional<TaskBinding> found = bindings.best(name);
                if (found.isPresent()) {
                    return found.get();
                }
                long now = System.nanoTime();
                long left = deadline - now;
                Long goneAt = goneAtNanos.get(name);
                boolean mayComeBack = goneAt != null && now - goneAt < wait.toNanos();
                if (left <= 0 || !mayComeBack) {
                    throw new IllegalArgumentException(at + unknown(name, goneAt != null ? wait : null));
                }
                changed.wait(Math.max(1, left / 1_000_000));
            }
        }
    }

    /** The message for a name no service serves: what is installed, the closest name, what to do. */
    private String unknown(String name, Duration waited) {
        Set<String> installed = names();
        String closest = Suggestions.closest(name, installed);
        return "no task named \"" + name + "\""
                + (waited != null ? " (it went away and did not come back within " + waited.toSeconds() + " s)" : "")
                + (closest == null ? "" : "; did you mean \"" + closest + "\"?")
                + " (installed: " + (installed.isEmpty() ? "none" : String.join(", ", installed)) + ");"
                + " install its bundle (drop the jar into deploy/) or see conduit:tasks";
    }

    private void signal() {
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    private static String typeWord(OptionDescriptor d) {
        return d.choices().isEmpty() ? d.type().name().toLowerCase(java.util.Locale.ROOT)
                : "one of " + String.join(", ", d.choices());
    }

    private static TaskBinding bindingOf(TaskPlugin plugin, ServiceReference<TaskPlugin> ref) {
        Object name = ref.getProperty(Task.NAME);
        String bundle = ref.getBundle() == null ? "?" : ref.getBundle().getSymbolicName();
        if (!(name instanceof String s) || !VALID_NAME.matcher(s).matches()) {
            LOG.warn("ignoring a TaskPlugin service of bundle {}: its property {} is {}; set it to a name like"
                    + " \"file\" (lower case letters, digits, - and _), e.g. with @TaskName", bundle, Task.NAME,
                    name == null ? "missing" : "\"" + name + "\"");
            return null;
        }
        Object ranking = ref.getProperty(Constants.SERVICE_RANKING);
        String version = ref.getBundle() == null ? "?" : ref.getBundle().getVersion().toString();
        return new TaskBinding(s, (Long) ref.getProperty(Constants.SERVICE_ID), ranking instanceof Integer r ? r : 0,
                bundle, version, plugin);
    }

    /** The calls in flight on one service: counted while it serves, awaited (bounded) when it goes. */
    static final class Leases {
        private int held;
        private boolean retired;

        synchronized boolean acquire() {
            if (retired) {
                return false;
            }
            held++;
            return true;
        }

        synchronized void release() {
            held--;
            if (held == 0) {
                notifyAll();
            }
        }

        synchronized int held() {
            return held;
        }

        /** Refuses new leases and waits, bounded, for those held; @return how many are still held */
        synchronized int retireAndAwait(Duration grace) {
            retired = true;
            long deadline = System.nanoTime() + grace.toNanos();
            try {
                while (held > 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    wait(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                // the framework gave up on this stop: keep the flag and let it go on
                Thread.currentThread().interrupt();
            }
            return held;
        }
    }

    /**
     * One host's hold on a service.
     *
     * @param binding the service
     * @param leases its count
     */
    record Lease(TaskBinding binding, Leases leases) implements AutoCloseable {
        @Override
        public void close() {
            leases.release();
        }
    }

    /** The task {@link #task} returns: per host, the service serving the name when the host starts. */
    private final class RegistryTask implements Task {
        private final String name;
        private final Map<String, Object> parameters;
        /** The plugin's task per service: create() is per run, and a new version after an upgrade gets its own. */
        private final Map<Long, Made> made = new ConcurrentHashMap<>();
        private volatile String description;

        RegistryTask(String name, Map<String, Object> parameters) {
            this.name = name;
            this.parameters = parameters;
        }

        Task made(TaskBinding binding) {
            return made.computeIfAbsent(binding.serviceId(), id -> new Made()).get(binding.plugin(), parameters);
        }

        @Override
        public HostResult execute(TaskContext context) throws IOException {
            String host = context.host().name();
            Duration remaining = context.remaining();
            Duration wait = settings.pluginWait().compareTo(remaining) < 0 ? settings.pluginWait() : remaining;
            Lease lease;
            try {
                lease = lease(name, wait.isNegative() ? Duration.ZERO : wait);
            } catch (IllegalArgumentException e) {
                return HostResult.of(host, Status.FAILED, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return HostResult.of(host, Status.FAILED, "interrupted while waiting for task \"" + name
                        + "\" to come back; it was not run");
            }
            try (lease) {
                TaskBinding b = lease.binding();
                if (context.options().checkMode() && !b.plugin().supportsCheckMode()) {
                    // as Ansible skips a module without check_mode support
                    return HostResult.of(host, Status.SKIPPED, "check mode: task " + name
                            + " cannot tell what it would change; it was not run");
                }
                Task task;
                try {
                    task = made(b);
                } catch (IllegalArgumentException e) {
                    // a new version refused values the old one took
                    return HostResult.of(host, Status.FAILED, "task " + name + " (" + b.bundle() + " "
                            + b.version() + "): " + e.getMessage() + "; it was not run");
                }
                return task.execute(context);
            }
        }

        @Override
        public String describe() {
            return description == null ? name : description;
        }
    }

    /**
     * One plugin's task for a run, made once on first use: the hosts that start together wait for that one
     * create() (no I/O, by its contract) rather than each making its own.
     */
    private static final class Made {
        private Task task;
        private IllegalArgumentException refused;

        synchronized Task get(TaskPlugin plugin, Map<String, Object> parameters) {
            if (task == null && refused == null) {
                try {
                    task = plugin.create(parameters);
                } catch (IllegalArgumentException e) {
                    refused = e;
                }
            }
            if (refused != null) {
                throw refused;
            }
            return task;
        }
    }
}
