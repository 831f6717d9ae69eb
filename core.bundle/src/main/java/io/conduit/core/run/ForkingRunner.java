package io.conduit.core.run;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Runner;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.connection.OpenFailedException;
import io.conduit.core.inventory.HostPattern;
import io.conduit.core.source.InventoryCatalog;

/**
 * Runs a task over the selected hosts on a bounded pool ({@code forks} threads), each host within its own
 * deadline: a watchdog fails a host whose deadline passes, closes its connections under the call in flight
 * and moves on, so one hung host never holds up the run.
 */
@Component(service = {Runner.class, ForkingRunner.class}, configurationPid = ForkingRunner.PID)
@Designate(ocd = RunnerConfig.class)
public final class ForkingRunner implements Runner {
    /** Configuration PID. */
    public static final String PID = "io.conduit.runner";
    private static final Logger LOG = LoggerFactory.getLogger(ForkingRunner.class);
    private static final AtomicInteger RUNS = new AtomicInteger();
    /**
     * How long a host whose deadline passed, or whose run was interrupted, has to stop its command before it
     * is given up (plugins wait up to 5 s for the host to confirm a stop; the wrapper's SIGKILL comes at 2 s).
     */
    static final Duration STOP_GRACE = Duration.ofSeconds(8);

    private final ConnectionManager connections;
    private final InventoryCatalog inventories;
    private final ScheduledExecutorService watchdog;
    private volatile RunSettings settings;

    /**
     * @param connections the connection pool
     * @param inventories loads inventories
     * @param config the defaults
     */
    @Activate
    public ForkingRunner(@Reference ConnectionManager connections, @Reference InventoryCatalog inventories,
            RunnerConfig config) {
        this.connections = connections;
        this.inventories = inventories;
        this.settings = RunSettings.from(config);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "conduit-run-watchdog");
            t.setDaemon(true);
            return t;
        });
    }

    @Modified
    void modified(RunnerConfig config) {
        settings = RunSettings.from(config);
    }

    @Deactivate
    void deactivate() {
        watchdog.shutdownNow();
    }

    /**
     * Fills unset options with the configured defaults.
     *
     * @param options the caller's options
     * @return every field set
     */
    public RunOptions effective(RunOptions options) {
        return settings.apply(options);
    }

    /**
     * Loads the inventory the options name (or the configured one).
     *
     * @param options the options
     * @return the inventory
     * @throws InventoryException it cannot be loaded
     */
    public Inventory inventory(RunOptions options) throws InventoryException {
        return inventories.load(effective(options).inventory());
    }

    /** @return the plugin of hosts that name none */
    public String defaultConnection() {
        return settings.defaultConnection();
    }

    @Override
    public RunResult run(String pattern, Task task, RunOptions options, RunListener listener)
            throws InventoryException, InterruptedException {
        RunSettings s = settings;
        RunOptions effective = s.apply(options);
        Inventory inventory = inventories.load(effective.inventory());
        List<Host> hosts = HostPattern.select(inventory, pattern);
        RunListener events = listener == null ? RunListener.NONE : listener;
        int run = RUNS.incrementAndGet();
        long started = System.nanoTime();
        LOG.info("run {}: {} on {} hosts ({}), forks {}", run, task.describe(), hosts.size(), pattern,
                effective.forks());
        events.started(hosts.size());

        AtomicReferenceArray<HostResult> results = new AtomicReferenceArray<>(hosts.size());
        AtomicIntegerArray begun = new AtomicIntegerArray(hosts.size());
        CountDownLatch done = new CountDownLatch(hosts.size());
        AtomicInteger threadNo = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(effective.forks(), hosts.size())),
                r -> {
                    Thread t = new Thread(r, "conduit-run-" + run + "-" + threadNo.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        boolean interrupted = false;
        try {
            for (int i = 0; i < hosts.size(); i++) {
                int index = i;
                pool.execute(() -> runHost(index, hosts.get(index), inventory, task, effective, s, results, begun,
                        done, events));
            }
            done.await();
        } catch (InterruptedException e) {
            // Ctrl-C or an interrupted caller: every host stops its command (the plugins end the remote work
            // and say whether the host confirmed it); hosts that do not answer within the grace are reported
            interrupted = true;
            pool.shutdownNow();
            awaitQuietly(done, STOP_GRACE);
            for (int i = 0; i < hosts.size(); i++) {
                finish(i, HostResult.of(hosts.get(i).name(), Status.FAILED, begun.get(i) == 1
                        ? "interrupted; " + StopOutcome.UNCONFIRMED.description() : "interrupted before it started"),
                        results, done, events);
            }
        } finally {
            pool.shutdownNow();
        }
        if (interrupted) {
            Thread.currentThread().interrupt(); // the caller learns it was interrupted, with every host's result
        }
        List<HostResult> ordered = new ArrayList<>(hosts.size());
        for (int i = 0; i < hosts.size(); i++) {
            ordered.add(results.get(i));
        }
        RunResult result = new RunResult(ordered, Duration.ofNanos(System.nanoTime() - started));
        LOG.info("run {} finished in {} ms: {}", run, result.duration().toMillis(), result.summary());
        return result;
    }

    private void runHost(int index, Host host, Inventory inventory, Task task, RunOptions options, RunSettings s,
            AtomicReferenceArray<HostResult> results, AtomicIntegerArray begun, CountDownLatch done,
            RunListener events) {
        long start = System.nanoTime();
        long deadline = start + options.hostTimeout().toNanos();
        HostContext context = new HostContext(host, inventory, connections, options, s.defaultConnection(), deadline,
                HostTrace.of(host.name(), options.verbosity(), events));
        begun.set(index, 1);
        Thread worker = Thread.currentThread();
        // the watchdog interrupts the worker only while it still works on this host, never the next one
        java.util.concurrent.atomic.AtomicBoolean onThisHost = new java.util.concurrent.atomic.AtomicBoolean(true);
        String timedOut = "timed out after " + seconds(options.hostTimeout()) + " (host timeout; raise it with -t)";
        ScheduledFuture<?> timer = watchdog.schedule(() -> {
            // first the plugin stops the command on its own connection (it can confirm that); only a host that
            // does not answer within the grace is given up: its connections are closed under the call
            context.deadlinePassed();
            synchronized (onThisHost) {
                if (onThisHost.get()) {
                    worker.interrupt();
                }
            }
            watchdog.schedule(() -> {
                HostResult late = HostResult.of(host.name(), Status.FAILED, timedOut + "; "
                        + StopOutcome.UNCONFIRMED.description())
                        .withDuration(Duration.ofNanos(System.nanoTime() - start));
                if (finish(index, late, results, done, events)) {
                    // closing may wait seconds for the host: never on the watchdog, which serves every host
                    java.util.concurrent.CompletableFuture.runAsync(context::abort);
                }
            }, STOP_GRACE.toNanos(), TimeUnit.NANOSECONDS);
        }, options.hostTimeout().toNanos(), TimeUnit.NANOSECONDS);
        HostResult result;
        boolean healthy = false;
        try {
            result = task.execute(context);
            healthy = true;
        } catch (OpenFailedException e) {
            IOException cause = e.getCause();
            boolean unreachable = cause instanceof ConnectFailedException || cause instanceof TimedOutException;
            result = HostResult.of(host.name(), unreachable ? Status.UNREACHABLE : Status.FAILED,
                    context.isDeadlinePassed() ? timedOut + " while connecting" : describe(cause));
        } catch (CommandStoppedException e) {
            result = HostResult.failed(host.name(), (context.isDeadlinePassed() ? timedOut
                    : worker.isInterrupted() ? "interrupted" : e.getMessage()) + "; " + e.outcome().description(),
                    e.partial());
        } catch (InterruptedIOException e) {
            result = HostResult.of(host.name(), Status.FAILED, context.isDeadlinePassed() ? timedOut : "interrupted");
        } catch (IOException e) {
            result = HostResult.of(host.name(), Status.FAILED,
                    context.isDeadlinePassed() ? timedOut + " (" + describe(e) + ")" : describe(e));
        } catch (RuntimeException e) {
            LOG.warn("task {} failed on {}", task.describe(), host.name(), e);
            result = HostResult.of(host.name(), Status.FAILED, "task error: " + e);
        } finally {
            timer.cancel(false);
            context.release(healthy);
        }
        finish(index, result.withDuration(Duration.ofNanos(System.nanoTime() - start)), results, done, events);
        synchronized (onThisHost) {
            onThisHost.set(false);
            Thread.interrupted(); // a watchdog interrupt that came late must not leak into the next host
        }
    }

    private static void awaitQuietly(CountDownLatch done, Duration grace) {
        try {
            done.await(grace.toNanos(), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            // a second Ctrl-C: report now what is known
        }
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static boolean finish(int index, HostResult result, AtomicReferenceArray<HostResult> results,
            CountDownLatch done, RunListener events) {
        if (!results.compareAndSet(index, null, result)) {
            return false;
        }
        try {
            events.finished(result);
        } finally {
            done.countDown();
        }
        return true;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
