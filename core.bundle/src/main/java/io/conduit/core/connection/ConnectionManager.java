package io.conduit.core.connection;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ConnectionPlugin;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.PluginGoneException;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.connection.Trace;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginListener;
import io.conduit.api.support.ConfigCheck;
import io.conduit.api.support.Configured;
import io.conduit.core.registry.PluginRegistry;

/**
 * Keeps one open connection per (host, plugin) and lends it out: Ansible's ControlPersist, in process.
 * A pooled connection is checked with {@code isAlive()} before an idle one is reused (unless its last call
 * succeeded within {@code alive_check_after}) and reopened once when dead, reopened when its resolved parameters changed, closed after the idle timeout, and drained when its
 * plugin service goes away (calls in flight get the grace period, then it is closed).
 *
 * <p>Locking: the pool is a concurrent map; a connection is opened by the first caller outside any lock,
 * and later callers for the same key wait on its future. No lock is held while calling a plugin.
 */
@Component(service = ConnectionManager.class, configurationPid = ConnectionManager.PID)
@Designate(ocd = ConnectionsConfig.class)
public final class ConnectionManager implements PluginListener {
    /** Configuration PID. */
    public static final String PID = "io.conduit.connections";
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionManager.class);
    /**
     * How long closing many connections at once (drain, shutdown) may take in all: plugins wait up to 5 s for
     * hosts to confirm the stop of their commands, and the launcher gives the whole framework 10 s to stop.
     */
    static final java.time.Duration CLOSE_ALL_BOUND = java.time.Duration.ofSeconds(7);

    /** Settings validated from {@link ConnectionsConfig}. */
    record Settings(Duration idleTimeout, Duration drainGrace, Duration pluginWait, Duration aliveCheckAfter) {
        static Settings from(ConnectionsConfig config) {
            if (!(config.alive__check__after() >= 0)) {
                throw new IllegalArgumentException(PID + ": alive_check_after: " + config.alive__check__after()
                        + " is not valid; use seconds, 0 or more");
            }
            return new Settings(seconds("idle_timeout", config.idle__timeout(), 1),
                    seconds("drain_grace", config.drain__grace(), 0), seconds("plugin_wait", config.plugin__wait(), 0),
                    Duration.ofMillis(Math.round(config.alive__check__after() * 1000)));
        }

        private static Duration seconds(String key, long value, long min) {
            if (value < min) {
                throw new IllegalArgumentException(PID + ": " + key + ": " + value + " is too small; use at least "
                        + min + " (seconds)");
            }
            return Duration.ofSeconds(value);
        }
    }

    private final PluginRegistry registry;
    private final ConcurrentHashMap<ConnectionKey, PooledConnection> pool = new ConcurrentHashMap<>();
    /** Retired connections whose calls still run (or that still open): shown by connections and plugins. */
    private final java.util.Set<PooledConnection> draining = ConcurrentHashMap.newKeySet();
    private final Object drained = new Object();
    private final ScheduledExecutorService sweeper;
    /** Built-in defaults, for the pool's own housekeeping while the configuration is invalid (nothing connects). */
    private static final Settings FALLBACK = new Settings(Duration.ofSeconds(600), Duration.ofSeconds(30),
            Duration.ofSeconds(15), Duration.ofSeconds(2));
    private static final String USE = "connections, and so every run,";
    private volatile Configured<Settings> configured;
    private volatile Settings settings;
    /** A test seam: runs once the plugin serving a key is chosen, before its connection is pooled. */
    volatile java.util.function.Consumer<PluginBinding> chosen = b -> { };

    /**
     * @param registry where plugins are found
     * @param config the pool settings
     */
    public ConnectionManager(PluginRegistry registry, ConnectionsConfig config) {
        this(registry, config, Map.of());
    }

    /**
     * Activates even with an invalid configuration: logged once as one line, and every connection (so every
     * run) is refused with it until {@code etc/io.conduit.connections.cfg} is fixed.
     *
     * @param registry where plugins are found
     * @param config the pool settings
     * @param properties the same configuration as ConfigAdmin gave it, to check the values' types
     */
    @Activate
    public ConnectionManager(@Reference PluginRegistry registry, ConnectionsConfig config,
            Map<String, Object> properties) {
        this.registry = registry;
        configure(config, properties);
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "conduit-connection-sweeper");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleWithFixedDelay(this::closeIdle, 1, 1, TimeUnit.SECONDS);
        registry.addListener(this);
    }

    @Modified
    void modified(ConnectionsConfig config, Map<String, Object> properties) {
        configure(config, properties);
    }

    private void configure(ConnectionsConfig config, Map<String, Object> properties) {
        Configured<Settings> c = ConfigCheck.validate(PID, ConnectionsConfig.class, properties,
                () -> Settings.from(config));
        if (!c.valid()) {
            LOG.error("{} (no connection opens until then)", c.problem());
        }
        configured = c;
        settings = c.valid() ? c.settings() : FALLBACK;
    }

    /**
     * Refuses when the pool's configuration is invalid.
     *
     * @throws IllegalStateException {@code configuration io.conduit.connections is invalid: ...}
     */
    public void checkConfiguration() {
        configured.get(USE);
    }

    /** Closes every connection, those still draining included, and stops the idle sweeper. */
    @Deactivate
    public void deactivate() {
        registry.removeListener(this);
        sweeper.shutdownNow();
        java.util.Set<PooledConnection> all = new java.util.LinkedHashSet<>(pool.values());
        pool.clear();
        // and those a plugin that went away left draining here: their plugins wait for us to close them
        all.addAll(draining);
        all.forEach(e -> e.retired = true);
        closeSideBySide(all);
        LOG.info("closed {} connections", all.size());
    }

    /**
     * Tells the options the plugin of a name declares now, for checking an inventory before anything runs.
     *
     * @param plugin the plugin's name
     * @return its {@code options()}, or {@code null} when no plugin of that name is installed
     */
    public List<OptionDescriptor> declaredOptions(String plugin) {
        return registry.best(plugin).map(b -> b.plugin().options()).orElse(null);
    }

    /**
     * Tells the options of the plugin that serves a name, waiting for one as {@link #acquire} does (a plugin being
     * upgraded, or still starting): for typing a host's parameters before its connection is acquired.
     *
     * @param plugin the plugin's name
     * @param deadlineNanos {@link System#nanoTime()} by which to give up
     * @return its {@code options()}
     * @throws IOException the pool's configuration is invalid, no plugin of that name appeared within
     *         {@code plugin_wait} ({@link io.conduit.api.connection.PluginGoneException}), or the deadline passed
     *         ({@link TimedOutException})
     * @throws InterruptedException the caller was interrupted
     */
    public List<OptionDescriptor> declaredOptions(String plugin, long deadlineNanos)
            throws IOException, InterruptedException {
        checkValid();
        return registry.await(plugin, pluginWait(new ConnectionKey("?", plugin), deadlineNanos)).plugin().options();
    }

    private void checkValid() throws IOException {
        Configured<Settings> config = configured;
        if (!config.valid()) {
            throw new IOException("configuration " + PID + " is invalid: " + config.problem());
        }
    }

    /** How long to wait for a plugin of the key's name: {@code plugin_wait}, at most until the deadline. */
    private Duration pluginWait(ConnectionKey key, long deadlineNanos) throws TimedOutException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            throw new TimedOutException("no connection to " + key.host() + " through \"" + key.plugin()
                    + "\" before the host's deadline", null);
        }
        return settings.pluginWait().compareTo(Duration.ofNanos(left)) < 0 ? settings.pluginWait()
                : Duration.ofNanos(left);
    }

    /** @return the current settings */
    public Settings settings() {
        return settings;
    }

    /**
     * Lends the connection for a key, opening it if needed. The caller must close the lease when done; until
     * then the connection counts as in flight and is not drained under it (within the grace period).
     *
     * @param key the host and plugin
     * @param params the parameters to open it with, resolved by the caller (a pooled connection opened with
     *        other parameters is not reused)
     * @param deadlineNanos {@link System#nanoTime()} by which to give up
     * @return the lease
     * @throws OpenFailedException opening failed (the plugin's exception is the cause)
     * @throws IOException no plugin of that name, or the deadline passed
     * @throws InterruptedException the caller was interrupted
     */
    public Lease acquire(ConnectionKey key, ConnectionParams params, long deadlineNanos)
            throws IOException, InterruptedException {
        return acquire(key, params, deadlineNanos, Trace.OFF);
    }

    /**
     * Lends the connection for a key as {@link #acquire(ConnectionKey, ConnectionParams, long)}, telling
     * {@code trace} whether it was opened (and the plugin's own open lines) or reused. The pool knows nothing of
     * inventories: the caller resolved the parameters once, for the host and its run.
     *
     * @param key the host and plugin
     * @param params the parameters to open it with (a pooled connection opened with other ones is not reused)
     * @param deadlineNanos {@link System#nanoTime()} by which to give up
     * @param trace the borrowing run's trace for this host
     * @return the lease
     * @throws OpenFailedException opening failed (the plugin's exception is the cause)
     * @throws IOException the pool's configuration is invalid, no plugin of that name, or the deadline passed
     * @throws InterruptedException the caller was interrupted
     */
    public Lease acquire(ConnectionKey key, ConnectionParams params, long deadlineNanos, Trace trace)
            throws IOException, InterruptedException {
        java.util.Objects.requireNonNull(params, "params");
        checkValid();
        boolean checkedAlive = false;
        while (true) {
            long left = deadlineNanos - System.nanoTime();
            PluginBinding binding = registry.await(key.plugin(), pluginWait(key, deadlineNanos));
            chosen.accept(binding);
            ConnectionParams resolved = params;
            PooledConnection entry = pool.get(key);
            if (entry != null && (entry.retired || entry.binding.serviceId() != binding.serviceId()
                    || !entry.params.equals(resolved))) {
                String why = entry.retired ? "retired"
                        : entry.binding.serviceId() != binding.serviceId() ? "plugin replaced" : "parameters changed";
                LOG.debug("replacing connection {}: {}", key, why);
                if (trace.on(Trace.CONNECTION)) {
                    trace.line(Trace.CONNECTION, key.plugin() + ": not reusing the pooled connection: " + why);
                }
                retire(entry);
                continue;
            }
            if (entry == null) {
                PooledConnection fresh = new PooledConnection(key, binding, resolved);
                if (pool.putIfAbsent(key, fresh) != null) {
                    continue;
                }
                fresh.inFlight.incrementAndGet(); // the opener holds it: closed by whoever releases it last
                // The binding may have stopped serving between await() and the insert, and the drain that
                // followed may have missed this entry. The registry changes before it drains, so checking
                // after the insert is enough: either the drain sees the entry, or this check sees the change.
                if (!registry.serves(binding)) {
                    fresh.retired = true;
                    pool.remove(key, fresh);
                    fresh.opened.completeExceptionally(new PluginGoneException("plugin \"" + key.plugin()
                            + "\" changed while connecting; trying again"));
                    release(fresh, false);
                    continue;
                }
                try {
                    open(fresh, trace);
                } catch (OpenFailedException e) {
                    if (fresh.retired && !registry.serves(binding)) {
                        continue; // its plugin went away under the open: the next one (or its absence) decides
                    }
                    throw e;
                }
                if (fresh.retired) {
                    // retired while it opened (its plugin went away, or a disconnect): drains do not wait for
                    // opens, which send nothing, so it is closed here, not lent out
                    release(fresh, false);
                    continue;
                }
                fresh.uses.incrementAndGet();
                return new Lease(this, fresh, false);
            }
            if (!entry.opened.isDone() && trace.on(Trace.DETAIL)) {
                trace.line(Trace.DETAIL, key.plugin() + ": waiting for the connection another task is opening");
            }
            Connection connection = awaitOpen(entry, left);
            if (connection == null) {
                continue; // its opener gave way to a newer plugin
            }
            entry.inFlight.incrementAndGet();
            if (entry.retired) {
                release(entry, false);
                continue;
            }
            boolean provenRecently = System.nanoTime() - entry.lastHealthyNanos < settings.aliveCheckAfter().toNanos();
            boolean probe = !checkedAlive && !provenRecently && entry.inFlight.get() == 1;
            boolean alive = !probe || connection.isAlive();
            if (probe && trace.on(Trace.PROTOCOL)) {
                trace.line(Trace.PROTOCOL, key.plugin() + ": liveness probe: " + (alive ? "alive" : "dead"));
            }
            if (!alive) {
                LOG.debug("connection {} is dead; reopening once", key);
                if (trace.on(Trace.CONNECTION)) {
                    trace.line(Trace.CONNECTION, key.plugin() + ": the pooled connection is dead; reopening");
                }
                checkedAlive = true;
                retire(entry);
                release(entry, false);
                continue;
            }
            long uses = entry.uses.incrementAndGet();
            if (trace.on(Trace.CONNECTION)) {
                trace.line(Trace.CONNECTION, key.plugin() + ": reusing the connection opened "
                        + Duration.between(entry.openedAt, java.time.Instant.now()).toSeconds() + " s ago ("
                        + entry.binding.bundle() + " " + entry.binding.version() + ", use " + uses + ")");
            }
            return new Lease(this, entry, true);
        }
    }

    private void open(PooledConnection entry, Trace trace) throws OpenFailedException {
        Connection connection = null;
        long start = System.nanoTime();
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, entry.key.plugin() + ": opening a new connection (" + entry.binding.bundle()
                    + " " + entry.binding.version() + ")");
        }
        try {
            connection = entry.binding.plugin().create(entry.key);
            connection.open(entry.params, trace);
            entry.opened.complete(connection);
            LOG.debug("opened {} with {} {}", entry.key, entry.binding.bundle(), entry.binding.version());
            if (trace.on(Trace.CONNECTION)) {
                trace.line(Trace.CONNECTION, entry.key.plugin() + ": opened in " + (System.nanoTime() - start)
                        / 1_000_000 + " ms");
            }
        } catch (IOException | RuntimeException e) {
            if (trace.on(Trace.CONNECTION)) {
                trace.line(Trace.CONNECTION, entry.key.plugin() + ": open failed after " + (System.nanoTime()
                        - start) / 1_000_000 + " ms: " + e.getMessage());
            }
            if (connection != null) {
                connection.close();
            }
            if (e instanceof RuntimeException) {
                LOG.error("plugin {} failed to open {}", entry.key.plugin(), entry.key, e);
            }
            // a plugin's fault: in words, the whole exception in the log
            IOException failure = e instanceof IOException io ? io
                    : new ConnectionException("plugin \"" + entry.key.plugin() + "\" failed to open the connection"
                            + " (a fault in the plugin, " + entry.binding.bundle() + "); the log file has the details", e);
            entry.opened.completeExceptionally(failure);
            pool.remove(entry.key, entry);
            entry.retired = true;
            release(entry, false);
            throw new OpenFailedException(failure);
        }
    }

    /** @return the opened connection, or {@code null} when its opener gave way and the caller should retry */
    private static Connection awaitOpen(PooledConnection entry, long leftNanos)
            throws IOException, InterruptedException {
        try {
            return entry.opened.get(leftNanos, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            if (entry.retired && e.getCause() instanceof PluginGoneException) {
                return null;
            }
            // the opener failed; the same host would fail the same way for us
            throw new OpenFailedException((IOException) e.getCause());
        } catch (TimeoutException e) {
            throw new TimedOutException("connection to " + entry.key.host() + " still opening at the host's deadline",
                    null);
        }
    }

    void release(PooledConnection entry, boolean healthy) {
        entry.lastUsedNanos = System.nanoTime();
        // a call that failed voids the proof: the next borrower probes
        entry.lastHealthyNanos = healthy ? entry.lastUsedNanos : Long.MIN_VALUE / 2;
        if (entry.inFlight.decrementAndGet() == 0 && entry.retired) {
            closeOnce(entry);
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    /** A borrower found the connection dead: out of the pool, and closed once its other calls end. */
    void discard(PooledConnection entry) {
        LOG.debug("connection {} was found dead by a call; closing it", entry.key);
        retire(entry);
        release(entry, false);
    }

    /**
     * Closes a connection now, even under a call in flight (which then fails): for a host whose deadline passed.
     *
     * @param key the connection
     */
    public void abort(ConnectionKey key) {
        PooledConnection entry = pool.get(key);
        if (entry != null) {
            retire(entry);
            closeOnce(entry);
        }
    }

    /**
     * What a disconnect or drain did.
     *
     * @param closed connections closed at once (idle)
     * @param draining connections with calls in flight, closed when those end
     */
    public record Closing(int closed, int draining) {
        /** @return all the connections it applied to */
        public int total() {
            return closed + draining;
        }
    }

    /**
     * Closes the matching connections: at once when idle, else when their calls finish (they leave the pool at
     * once, so new calls open new connections).
     *
     * @param which selects connections
     * @return how many were closed, and how many close when their calls end
     */
    public Closing disconnect(Predicate<ConnectionKey> which) {
        List<PooledConnection> affected = new ArrayList<>();
        for (PooledConnection entry : pool.values()) {
            if (which.test(entry.key)) {
                affected.add(entry);
            }
        }
        retireAll(affected);
        int busy = (int) affected.stream().filter(ConnectionManager::busy).count();
        return new Closing(affected.size() - busy, busy);
    }

    /**
     * What {@link #drain} did.
     *
     * @param connections the plugin's connections it took out of the pool
     * @param finished of those with calls in flight, how many ended within the grace
     * @param cut how many were closed under calls still running when the grace ran out
     */
    public record Drained(int connections, int finished, int cut) {
    }

    /**
     * Drains a plugin's pooled connections: they leave the pool at once (new calls open new connections), idle
     * ones close now, busy ones when their calls end, and those still busy after {@code drain_grace} are closed
     * under their calls. Blocks the caller until then.
     *
     * @param plugin the plugin name
     * @return what happened
     * @throws InterruptedException interrupted while waiting; the connections still close when their calls end
     */
    public Drained drain(String plugin) throws InterruptedException {
        List<PooledConnection> affected = new ArrayList<>();
        for (PooledConnection entry : pool.values()) {
            if (entry.key.plugin().equals(plugin)) {
                affected.add(entry);
            }
        }
        retireAll(affected);
        long busyBefore = affected.stream().filter(ConnectionManager::busy).count();
        List<PooledConnection> left = awaitCalls(affected, settings.drainGrace());
        if (Thread.currentThread().isInterrupted()) {
            throw new InterruptedException("drain interrupted");
        }
        closeSideBySide(left);
        LOG.info("drained {} connections of plugin \"{}\" ({} closed under calls after {} s)", affected.size(),
                plugin, left.size(), settings.drainGrace().toSeconds());
        return new Drained(affected.size(), (int) busyBefore - left.size(), left.size());
    }

    /**
     * Waits, bounded, until none of the connections has a call in flight.
     *
     * @return those still busy when the grace ran out (or the thread was interrupted, its flag set again)
     */
    private List<PooledConnection> awaitCalls(List<PooledConnection> entries, Duration grace) {
        long deadline = System.nanoTime() + grace.toNanos();
        synchronized (drained) {
            while (entries.stream().anyMatch(ConnectionManager::busy)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                try {
                    drained.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        return entries.stream().filter(ConnectionManager::busy).toList();
    }

    /** @return snapshots of the pooled connections and those draining, by host then plugin */
    public List<ConnectionInfo> list() {
        long now = System.nanoTime();
        java.util.Set<PooledConnection> all = new java.util.LinkedHashSet<>(pool.values());
        all.addAll(draining);
        return all.stream()
                .map(e -> new ConnectionInfo(e.key.host(), e.key.plugin(), e.binding.bundle() + " "
                        + e.binding.version(), e.openedAt, Duration.ofNanos(now - e.lastUsedNanos), e.uses.get(),
                        e.inFlight.get(), e.retired ? "draining" : e.opened.isDone() ? "open" : "opening",
                        e.binding.serviceId()))
                .sorted(Comparator.comparing(ConnectionInfo::host).thenComparing(ConnectionInfo::plugin)
                        .thenComparing(ConnectionInfo::state))
                .toList();
    }

    /** @param plugin a plugin name @return how many connections it has open in the pool (not draining) */
    public long count(String plugin) {
        return pool.keySet().stream().filter(k -> k.plugin().equals(plugin)).count();
    }

    @Override
    public void retired(PluginBinding binding, boolean unregistering) {
        List<PooledConnection> affected = new ArrayList<>();
        for (PooledConnection entry : pool.values()) {
            if (entry.binding.serviceId() == binding.serviceId()) {
                affected.add(entry);
            }
        }
        // the idle ones close here, side by side: on Conduit's exit this is where every idle connection of the
        // plugin closes (its service goes first), and one by one 500 of them took seconds
        retireAll(affected);
        if (unregistering && binding.backgroundDrain()) {
            // before its deactivation (DS unregisters first): it then leaves these connections to us
            try {
                binding.plugin().draining(settings.drainGrace());
            } catch (RuntimeException e) {
                LOG.warn("plugin \"{}\" ({} {}) failed when told it is drained", binding.name(), binding.bundle(),
                        binding.version(), e);
            }
        }
        if (!unregistering || affected.isEmpty()) {
            return;
        }
        if (binding.backgroundDrain()) {
            // its connections outlive its service: the stop (an upgrade's swap) goes on, and hosts that start now
            // get the new version as soon as it registers, while the calls in flight finish here on the old one
            Thread t = new Thread(() -> drainAfterRemoval(binding, affected), "conduit-drain-" + binding.name() + "-"
                    + binding.version());
            t.setDaemon(true);
            t.start();
            return;
        }
        // runs on the thread stopping the plugin's bundle: bound the drain so upgrades never hang
        drainAfterRemoval(binding, affected);
    }

    private void drainAfterRemoval(PluginBinding binding, List<PooledConnection> affected) {
        long busy = awaitCalls(affected, settings.drainGrace()).size();
        if (busy > 0) {
            LOG.warn("plugin \"{}\" ({} {}) went away with {} calls still running after {} s; closing their"
                    + " connections", binding.name(), binding.bundle(), binding.version(), busy,
                    settings.drainGrace().toSeconds());
        }
        closeSideBySide(affected);
        LOG.info("drained {} connections of plugin \"{}\" ({} {})", affected.size(), binding.name(),
                binding.bundle(), binding.version());
    }

    /**
     * A call may be running on it. A connection still opening has sent nothing: a drain does not wait for it (a
     * connect to a host that never answers would hold an upgrade or Conduit's exit); its opener closes it.
     */
    private static boolean busy(PooledConnection entry) {
        return entry.inFlight.get() > 0 && entry.opened.isDone();
    }

    private void retire(PooledConnection entry) {
        if (retireLeavingClose(entry)) {
            closeOnce(entry);
        }
    }

    /** @return whether it is idle now: the caller closes it (calls in flight close it when they end) */
    private boolean retireLeavingClose(PooledConnection entry) {
        entry.retired = true;
        pool.remove(entry.key, entry);
        draining.add(entry); // before the check: a release in between then finds it and closes it
        return entry.inFlight.get() == 0;
    }

    /**
     * Retires many connections and closes the idle ones side by side ({@link #closeSideBySide}): a graceful
     * close waits for the host's answer, which one by one adds up to seconds over hundreds of hosts.
     */
    private void retireAll(List<PooledConnection> entries) {
        List<PooledConnection> idle = new ArrayList<>();
        for (PooledConnection entry : entries) {
            if (retireLeavingClose(entry)) {
                idle.add(entry);
            }
        }
        // a call that began in between closes it itself when it ends (release); closeOnce runs once either way
        idle.removeIf(e -> e.inFlight.get() > 0);
        closeSideBySide(idle);
    }

    /**
     * Closes connections side by side: a plugin's close stops the commands still running on it and may wait a
     * few seconds for the host to confirm, which one by one would add up over hundreds of hosts. Bounded by
     * {@link #CLOSE_ALL_BOUND}; connections not closed by then are left to their plugin's own shutdown.
     */
    private void closeSideBySide(java.util.Collection<PooledConnection> entries) {
        if (entries.size() <= 1) {
            entries.forEach(this::closeOnce);
            return;
        }
        java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.ExecutorService closer = java.util.concurrent.Executors.newFixedThreadPool(
                Math.min(entries.size(), 128), r -> {
                    Thread t = new Thread(r, "conduit-close-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        entries.forEach(e -> closer.execute(() -> closeOnce(e)));
        closer.shutdown();
        try {
            if (!closer.awaitTermination(CLOSE_ALL_BOUND.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)) {
                LOG.warn("{} connections still closing after {} s; going on", entries.size(),
                        CLOSE_ALL_BOUND.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeOnce(PooledConnection entry) {
        if (!entry.opened.isDone()) {
            return; // still opening: the opener sees it retired and closes it (acquire)
        }
        draining.remove(entry);
        if (entry.closed.compareAndSet(false, true)) {
            try {
                entry.closeQuietly();
            } catch (RuntimeException e) {
                LOG.warn("closing {} failed", entry.key, e);
            }
        }
    }

    private void closeIdle() {
        long limit = settings.idleTimeout().toNanos();
        long now = System.nanoTime();
        List<PooledConnection> idle = new ArrayList<>();
        for (PooledConnection entry : pool.values()) {
            if (entry.inFlight.get() == 0 && entry.opened.isDone() && now - entry.lastUsedNanos > limit) {
                LOG.debug("closing idle connection {}", entry.key);
                idle.add(entry);
            }
        }
        retireAll(idle); // the hosts of one run go idle together
    }
}
