package io.conduit.api.support;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import org.osgi.framework.Bundle;
import org.osgi.framework.FrameworkUtil;
import org.osgi.framework.wiring.BundleWiring;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open connections of one plugin instance and what they share (a client, its threads, executors), for a
 * plugin registered with {@link io.conduit.api.connection.ConnectionPlugin#BACKGROUND_DRAIN}: its deactivation
 * must not close connections the core still drains, and must free the shared parts only once the last of them has
 * closed. Thread safe.
 *
 * <p>Use: {@link #add} in {@code create}, {@link #remove} when a connection closes, {@link #draining} from
 * {@code ConnectionPlugin.draining}, and {@link #release} from {@code @Deactivate}.
 *
 * @param <C> the plugin's connection type
 */
public final class SharedResources<C> {
    /**
     * What closing the drained connections may take beyond {@code drain_grace}: the core closes a retired plugin's
     * connections side by side within 7 s, each stopping its commands first.
     */
    public static final Duration CLOSE_MARGIN = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(SharedResources.class);

    private final String plugin;
    private final Class<?> owner;
    private final Set<C> open = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean loading = new AtomicBoolean();
    private volatile Thread loader;
    private final Object changed = new Object();
    private final AtomicBoolean released = new AtomicBoolean();
    private volatile Duration drainGrace;

    /**
     * @param plugin the plugin's name, for thread names and the log
     * @param owner a class of the plugin's bundle: the bundle whose classes calls in flight may need after it
     *        stopped; {@code null} for a plugin without {@code BACKGROUND_DRAIN}, whose stop the core holds until
     *        its calls end (nothing is loaded ahead)
     */
    public SharedResources(String plugin, Class<?> owner) {
        this.plugin = plugin;
        this.owner = owner;
    }

    /**
     * Counts a connection. The first one also starts loading every class of the plugin's bundle on a daemon
     * thread of low priority ({@code conduit-PLUGIN-classes}), so that a later stop with calls in flight finds
     * them loaded: Felix closes an updated bundle's old jar right after its stop, and those calls still run its
     * code. A plugin never used pays nothing.
     *
     * @param connection a connection just made; counted until {@link #remove}
     */
    public void add(C connection) {
        open.add(connection);
        if (owner != null && loading.compareAndSet(false, true)) {
            Thread t = new Thread(() -> {
                long start = System.nanoTime();
                try {
                    int n = loadClasses(owner);
                    LOG.debug("{} plugin: {} classes loaded in {} ms", plugin, n, (System.nanoTime() - start) / 1_000_000);
                } catch (RuntimeException | LinkageError e) {
                    LOG.warn("{} plugin: its classes could not be loaded ahead: {}", plugin, e.toString());
                }
            }, "conduit-" + plugin + "-classes");
            t.setDaemon(true);
            t.setPriority(Thread.MIN_PRIORITY);
            loader = t;
            t.start();
        }
    }

    /** @param connection a connection that closed (again is harmless) */
    public void remove(C connection) {
        if (open.remove(connection)) {
            synchronized (changed) {
                changed.notifyAll();
            }
        }
    }

    /** @return the connections open now (a copy) */
    public List<C> open() {
        return List.copyOf(open);
    }

    /** @return how many connections are open */
    public int size() {
        return open.size();
    }

    /**
     * The core drains this plugin's connections: {@link #release} then leaves them open.
     *
     * @param grace the pool's {@code drain_grace}, zero or more
     */
    public void draining(Duration grace) {
        drainGrace = grace;
    }

    /**
     * Frees the shared parts, once: at once when the core does not drain the connections (it never called
     * {@link #draining}) or none is open, after {@code closeNow} closed those still open; otherwise it waits
     * for the loading of the bundle's classes that {@link #add} began (done long before in practice; calls in
     * flight still run the bundle's code after Felix closed its jar), then returns, and a daemon thread
     * {@code conduit-PLUGIN-release} frees them
     * when the last connection has closed or, at the latest, after {@code drain_grace} plus {@link #CLOSE_MARGIN},
     * closing with {@code closeNow} any the core left open.
     *
     * @param closeNow closes the given connections at once (commands on them are stopped)
     * @param free frees the shared parts; runs once, on this thread or the release thread
     * @return {@code true} when freed now, {@code false} when left to the release thread
     */
    public boolean release(Consumer<List<C>> closeNow, Runnable free) {
        Duration grace = drainGrace;
        if (grace == null || open.isEmpty()) {
            closeNow.accept(open());
            freeOnce(free);
            return true;
        }
        long start = System.nanoTime();
        Thread t0 = loader;
        if (t0 != null) {
            try {
                t0.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        LOG.info("{} plugin stopped with {} connection(s) the core still drains; what they share is freed when the"
                + " last closes, at the latest in {} s (waited {} ms for its classes)", plugin, open.size(),
                grace.plus(CLOSE_MARGIN).toSeconds(), (System.nanoTime() - start) / 1_000_000);
        long deadline = System.nanoTime() + grace.plus(CLOSE_MARGIN).toNanos();
        Thread t = new Thread(() -> {
            synchronized (changed) {
                long left;
                while (!open.isEmpty() && (left = deadline - System.nanoTime()) > 0) {
                    try {
                        changed.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        break;
                    }
                }
            }
            List<C> left = open();
            if (!left.isEmpty()) {
                LOG.warn("{} plugin: {} connection(s) still open {} s after it stopped; closing them", plugin,
                        left.size(), grace.plus(CLOSE_MARGIN).toSeconds());
                closeNow.accept(left);
            }
            freeOnce(free);
        }, "conduit-" + plugin + "-release");
        t.setDaemon(true);
        t.start();
        return false;
    }

    private void freeOnce(Runnable free) {
        if (released.compareAndSet(false, true)) {
            free.run();
        }
    }

    /**
     * Loads (without initializing) every class of the bundle that holds {@code owner}, its embedded libraries
     * included, and every class they name from other bundles, through the bundle's class loader; nothing outside
     * OSGi. After Felix has refreshed an updated bundle, its old class loader refuses every class it has not
     * loaded yet, its imports included ("the bundle wiring is no longer valid"); a class loaded through it once
     * stays resolvable. A class that cannot load (an optional dependency absent) is skipped.
     *
     * @param owner a class of the bundle
     * @return how many classes were loaded
     */
    public static int loadClasses(Class<?> owner) {
        Bundle bundle = FrameworkUtil.getBundle(owner);
        BundleWiring wiring = bundle == null ? null : bundle.adapt(BundleWiring.class);
        if (wiring == null) {
            return 0;
        }
        ClassLoader loader = owner.getClassLoader();
        Set<String> named = new java.util.HashSet<>();
        int n = 0;
        for (String resource : wiring.listResources("/", "*.class",
                BundleWiring.LISTRESOURCES_RECURSE | BundleWiring.LISTRESOURCES_LOCAL)) {
            String name = resource.substring(0, resource.length() - ".class".length()).replace('/', '.');
            if (name.endsWith("module-info") || name.endsWith("package-info") || name.startsWith("META-INF")) {
                continue;
            }
            try (java.io.InputStream in = loader.getResourceAsStream(resource)) {
                if (in != null) {
                    named.addAll(ClassNames.referenced(in));
                }
                Class.forName(name, false, loader);
                n++;
            } catch (ClassNotFoundException | LinkageError | RuntimeException | java.io.IOException e) {
                LOG.debug("{}: class {} not loadable: {}", bundle.getSymbolicName(), name, e.toString());
            }
        }
        for (String name : named) {
            if (name.startsWith("java.")) {
                continue; // the boot loader's, never refused
            }
            try {
                Class.forName(name, false, loader);
                n++;
            } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
                LOG.trace("{}: named class {} not loadable: {}", bundle.getSymbolicName(), name, e.toString());
            }
        }
        return n;
    }
}
