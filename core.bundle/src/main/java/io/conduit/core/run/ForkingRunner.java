package io.conduit.core.run;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
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
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventories;
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
import io.conduit.api.support.ConfigCheck;
import io.conduit.api.support.Configured;
import io.conduit.core.inventory.HostPattern;
import io.conduit.core.source.InventoryService;

/**
 * Runs a task over the selected hosts on a bounded pool ({@code forks} threads), each host within its own
 * deadline: a watchdog fails a host whose deadline passes, closes its connections under the call in flight
 * and moves on, so one hung host never holds up the run.
 *
 * <p>No secret of the run leaves it: every host result is masked ({@link RunSecrets}, {@link SecretMasker}) before
 * it is kept or given to the listener, so the table, {@code --json} and progress lines all see {@code ***}
 * where a host printed a password, passphrase, token or become password of the run; the runner's own log
 * lines are masked the same way.
 */
@Component(service = Runner.class, configurationPid = ForkingRunner.PID)
@Designate(ocd = RunnerConfig.class)
public final class ForkingRunner implements Runner {
    /** Configuration PID. */
    public static final String PID = InventoryService.PID;
    private static final Logger LOG = LoggerFactory.getLogger(ForkingRunner.class);
    private static final AtomicInteger RUNS = new AtomicInteger();
    /**
     * How long a host whose deadline passed, or whose run was interrupted, has to stop its command before it
     * is given up (plugins wait up to 5 s for the host to confirm a stop; the wrapper's SIGKILL comes at 2 s).
     */
    static final Duration STOP_GRACE = Duration.ofSeconds(8);

    private final ConnectionManager connections;
    private final Inventories inventories;
    private final ScheduledExecutorService watchdog;
    /**
     * The threads hosts run on, shared by the runs: a run takes at most its forks of them, and a thread idle for
     * {@link #WORKER_IDLE} ends, so a warm run reuses the threads of the run before instead of starting forks new
     * ones. Ended on deactivate.
     */
    private final ExecutorService workers;
    /** How long a worker thread no run uses is kept for the next run. */
    static final Duration WORKER_IDLE = Duration.ofSeconds(60);
    /** What refuses to work while the runner's configuration is invalid. */
    static final String USE = "conduit:run, put, fetch, ping and hosts";
    private volatile Configured<RunSettings> settings;

    /**
     * @param connections the connection pool
     * @param inventories where inventories come from and which plugin a host uses
     * @param config the defaults
     */
    public ForkingRunner(ConnectionManager connections, Inventories inventories, RunnerConfig config) {
        this(connections, inventories, config, Map.of());
    }

    /**
     * Activates even with an invalid configuration: the problem is logged once, as one line, and every run is
     * refused with it until {@code etc/io.conduit.runner.cfg} is fixed (a component that failed to activate
     * would make the shell commands vanish, with a stack trace per command).
     *
     * @param connections the connection pool
     * @param inventories where inventories come from and which plugin a host uses
     * @param config the defaults
     * @param properties the same configuration as ConfigAdmin gave it, to check the values' types
     */
    @Activate
    public ForkingRunner(@Reference ConnectionManager connections, @Reference Inventories inventories,
            RunnerConfig config, Map<String, Object> properties) {
        this.connections = connections;
        this.inventories = inventories;
        this.settings = configure(config, properties);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "conduit-run-watchdog");
            t.setDaemon(true);
            return t;
        });
        AtomicInteger workerNo = new AtomicInteger();
        this.workers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, WORKER_IDLE.toSeconds(), TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "conduit-worker-" + workerNo.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
    }

    @Modified
    void modified(RunnerConfig config, Map<String, Object> properties) {
        settings = configure(config, properties);
    }

    private static Configured<RunSettings> configure(RunnerConfig config, Map<String, Object> properties) {
        Configured<RunSettings> c = ConfigCheck.validate(PID, RunnerConfig.class, properties,
                () -> RunSettings.from(config));
        if (!c.valid()) {
            LOG.error("{} ({} refuse to work until then)", c.problem(), USE);
        }
        return c;
    }

    @Deactivate
    void deactivate() {
        watchdog.shutdownNow();
        workers.shutdownNow();
    }

    /**
     * Fills unset options with the configured defaults.
     *
     * @param options the caller's options
     * @return every field set
     */
    public RunOptions effective(RunOptions options) {
        return settings.get(USE).apply(options, inventories.defaultInventory());
    }

    @Override
    public RunOptions defaults() {
        return effective(RunOptions.defaults());
    }

    @Override
    public RunResult run(String pattern, Task task, RunOptions options, RunListener listener)
            throws InventoryException, InterruptedException {
        RunSettings s = settings.get(USE);
        connections.checkConfiguration();
        RunOptions effective = s.apply(options, inventories.defaultInventory());
        Inventory inventory = inventories.load(effective.inventory());
        Path base = inventories.baseDirectory(inventory).orElse(null);
        List<Host> hosts = HostPattern.select(inventory, pattern);
        // before any I/O: a plugin whose configuration is invalid refuses the run with its one line; the options
        // read here type every host's values for the whole run
        Map<String, List<OptionDescriptor>> declared = new HashMap<>();
        for (Host h : hosts) {
            String plugin = inventories.pluginOf(inventory, h);
            if (!declared.containsKey(plugin)) {
                declared.put(plugin, connections.declaredOptions(plugin));
            }
        }
        RunListener caller = listener == null ? RunListener.NONE : listener;
        // told on this thread, whichever worker the event comes from (see CallerThreadEvents)
        CallerThreadEvents events = new CallerThreadEvents(caller);
        RunSecrets secrets = new RunSecrets();
        Map<String, HostValues> values = gather(inventory, base, declared, secrets);
        int run = RUNS.incrementAndGet();
        long started = System.nanoTime();
        LOG.info("run {}: {} on {} hosts ({}), forks {}", run, secrets.masker().mask(task.describe()), hosts.size(),
                pattern, effective.forks());
        caller.started(hosts.size());

        AtomicReferenceArray<HostResult> results = new AtomicReferenceArray<>(hosts.size());
        AtomicIntegerArray begun = new AtomicIntegerArray(hosts.size());
        CountDownLatch done = new CountDownLatch(hosts.size());
        HostValues[] work = new HostValues[hosts.size()];
        String[] plugins = new String[hosts.size()];
        for (int i = 0; i < work.length; i++) {
            work[i] = values.get(hosts.get(i).name());
            plugins[i] = inventories.pluginOf(inventory, work[i].host());
        }
        // forks loops on the shared workers, each taking the next host until none is left: at most forks hosts at
        // once, in the inventory's order, on threads earlier runs started
        AtomicInteger next = new AtomicInteger();
        AtomicBoolean stopping = new AtomicBoolean();
        List<Future<?>> loops = new ArrayList<>();
        boolean interrupted = false;
        try {
            int forks = Math.max(1, Math.min(effective.forks(), hosts.size()));
            for (int w = 1; w <= forks; w++) {
                String name = "conduit-run-" + run + "-" + w;
                loops.add(workers.submit(() -> {
                    Thread self = Thread.currentThread();
                    String idle = self.getName();
                    self.setName(name); // thread dumps and log lines tell the run and the fork
                    try {
                        for (int i = next.getAndIncrement(); i < work.length && !stopping.get();
                                i = next.getAndIncrement()) {
                            try {
                                runHost(i, work[i], plugins[i], declared, task, effective, secrets, results, begun,
                                        done, events);
                            } catch (RuntimeException | Error e) {
                                // a listener's fault: the loop goes on with the next host, as a new thread would
                                LOG.error("run {}: reporting {} failed", run, work[i].host().name(), e);
                            }
                        }
                    } finally {
                        self.setName(idle);
                    }
                }));
            }
            events.deliverUntil(done);
        } catch (InterruptedException e) {
            // Ctrl-C or an interrupted caller: every host stops its command (the plugins end the remote work
            // and say whether the host confirmed it); hosts that do not answer within the grace are reported
            interrupted = true;
            stop(stopping, loops);
            events.deliverQuietly(done, STOP_GRACE);
            for (int i = 0; i < hosts.size(); i++) {
                finish(i, HostResult.of(hosts.get(i).name(), Status.FAILED, begun.get(i) == 1
                        ? "interrupted; " + StopOutcome.UNCONFIRMED.description() : "interrupted before it started"),
                        secrets, results, done, events);
            }
        } finally {
            // a worker still on a host the watchdog gave up is interrupted, and no loop takes another host
            stop(stopping, loops);
            events.deliverQueued();
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

    @Override
    public RunResult run(String pattern, Task task, RunOptions options, io.conduit.api.task.FailurePolicy policy,
            RunListener listener) throws InventoryException, InterruptedException {
        if (policy == null || policy.equals(io.conduit.api.task.FailurePolicy.NONE)) {
            return run(pattern, task, options, listener);
        }
        throw new UnsupportedOperationException("failure policies are not implemented yet");
    }

    /**
     * Resolves a host pattern once, for callers that run several tasks on the same hosts (a runbook's steps).
     *
     * @param pattern an Ansible host pattern
     * @param options the run's options ({@code null} fields take the defaults); their inventory is the one read
     * @return the selected hosts' names, in inventory order
     * @throws InventoryException the inventory cannot be loaded, or the pattern matches no host
     */
    public List<String> select(String pattern, RunOptions options) throws InventoryException {
        RunOptions effective = settings.get(USE).apply(options, inventories.defaultInventory());
        Inventory inventory = inventories.load(effective.inventory());
        return HostPattern.select(inventory, pattern).stream().map(Host::name).toList();
    }

    /**
     * Runs a task on hosts named one by one (a runbook step on the hosts of a batch that are still going), under a
     * policy, as {@link #run(String, Task, RunOptions, io.conduit.api.task.FailurePolicy, RunListener)} does.
     *
     * @param hosts names of hosts of the options' inventory, in the order to run them
     * @param task what to do on each host
     * @param options how to run; {@code null} fields take the configured defaults
     * @param policy batches, limits and retries; {@code null} for none
     * @param listener told of each host's result as it comes, or {@code null}
     * @return one result per host, in the order given
     * @throws InventoryException the inventory cannot be loaded, or a name is not in it
     * @throws InterruptedException the calling thread was interrupted
     */
    public RunResult runOn(List<String> hosts, Task task, RunOptions options, io.conduit.api.task.FailurePolicy policy,
            RunListener listener) throws InventoryException, InterruptedException {
        // TEMPORARY, runbook branch only: a minimal stand-in (the names as a union pattern, retries of the failed
        // hosts) until the failure-policy branch's runOn replaces it at the merge
        RunResult result = run(String.join(":", hosts), task, options,
                policy == null || policy.retries() == 0 ? listener : null);
        for (int i = 0; policy != null && i < policy.retries() && !result.succeeded(); i++) {
            Thread.sleep(policy.retryDelay().toMillis()); // the policy's delay between tries, not a race
            List<String> again = result.hosts().stream().filter(h -> !h.status().succeeded()
                    && h.status() != Status.SKIPPED).map(HostResult::host).toList();
            RunResult retried = run(String.join(":", again), task, options, null);
            Map<String, HostResult> by = new HashMap<>();
            retried.hosts().forEach(h -> by.put(h.host(), h));
            result = new RunResult(result.hosts().stream().map(h -> by.getOrDefault(h.host(), h)).toList(),
                    result.duration().plus(retried.duration()));
        }
        if (policy != null && policy.retries() > 0 && listener != null) {
            result.hosts().forEach(listener::finished);
        }
        return result;
    }

    /**
     * Resolves the values of every host of the inventory before any host starts, the selected ones and the others
     * (a host may print another's password: a shared file, a reused value), so that their secrets mask every
     * result: each host's parameters for its plugin (typed by the plugin's options where it is installed, so that
     * inline secret options count) and its become password. A host whose values cannot be resolved fails later
     * with the resolver's message, if it runs; here it is skipped. The selected hosts keep these values for the
     * run: nothing is read twice.
     *
     * @param declared the options of the selected hosts' plugins; those of the others' are added
     */
    private Map<String, HostValues> gather(Inventory inventory, Path base, Map<String, List<OptionDescriptor>> declared,
            RunSecrets secrets) {
        Map<String, HostValues> values = new HashMap<>();
        for (Host host : inventory.hosts().values()) {
            HostValues v = new HostValues(inventory, host, base, secrets);
            values.put(host.name(), v);
            String plugin = inventories.pluginOf(inventory, host);
            try {
                if (!declared.containsKey(plugin)) {
                    declared.put(plugin, connections.declaredOptions(plugin));
                }
                v.params(plugin, declared.get(plugin));
            } catch (InventoryException | RuntimeException e) {
                // reported when the host connects (a plugin whose options() fails included)
            }
            try {
                v.becomePassword();
            } catch (InventoryException e) {
                // reported when a command needs it
            }
        }
        return values;
    }

    private void runHost(int index, HostValues values, String plugin, Map<String, List<OptionDescriptor>> declared,
            Task task, RunOptions options, RunSecrets secrets, AtomicReferenceArray<HostResult> results,
            AtomicIntegerArray begun, CountDownLatch done, CallerThreadEvents events) {
        long start = System.nanoTime();
        long deadline = start + options.hostTimeout().toNanos();
        Host host = values.host();
        HostContext context = new HostContext(values, plugin, declared, connections, options, deadline, secrets,
                events, HostTrace.of(host.name(), options.verbosity(), events, secrets::masker));
        begun.set(index, 1);
        Thread worker = Thread.currentThread();
        // the watchdog interrupts the worker only while it still works on this host, never the next one
        java.util.concurrent.atomic.AtomicBoolean onThisHost = new java.util.concurrent.atomic.AtomicBoolean(true);
        String timedOut = "timed out after " + seconds(options.hostTimeout()) + " (host timeout; raise it with -t)";
        ScheduledFuture<?> timer = watchdog.schedule(() -> {
            // first the plugin stops the command on its own connection (it can confirm that); only a host that
            // does not answer within the grace is given up: its connections are closed under the call
            context.deadlinePassed();
            if (context.isConnecting()) {
                // nothing was sent: the host is unreachable whatever the deadline, and a connect that never
                // completes is abandoned (the worker is interrupted below; its late result is dropped)
                finish(index, HostResult.of(host.name(), Status.UNREACHABLE, connectTimedOut(options))
                        .withDuration(Duration.ofNanos(System.nanoTime() - start)), secrets, results, done, events);
            }
            synchronized (onThisHost) {
                if (onThisHost.get()) {
                    worker.interrupt();
                }
            }
            watchdog.schedule(() -> {
                HostResult late = HostResult.of(host.name(), Status.FAILED, timedOut + "; "
                        + StopOutcome.UNCONFIRMED.description())
                        .withDuration(Duration.ofNanos(System.nanoTime() - start));
                if (finish(index, late, secrets, results, done, events)) {
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
            boolean unreachable = cause instanceof ConnectFailedException || cause instanceof TimedOutException
                    || context.isDeadlinePassed();
            result = HostResult.of(host.name(), unreachable ? Status.UNREACHABLE : Status.FAILED,
                    context.isDeadlinePassed() ? connectTimedOut(options) : describe(cause));
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
            // the exception's message may quote a secret: log a masked copy with the same stack
            RuntimeException logged = new RuntimeException(secrets.masker().mask(e.toString()));
            logged.setStackTrace(e.getStackTrace());
            LOG.warn("task {} failed on {}", secrets.masker().mask(task.describe()), host.name(), logged);
            result = HostResult.of(host.name(), Status.FAILED, ErrorText.unexpected(e));
        } catch (OutOfMemoryError e) {
            // this host fails, and says why, instead of never reporting and leaving the run waiting for it
            result = HostResult.of(host.name(), Status.FAILED, "Conduit ran out of memory on this host's task (a"
                    + " large --stdin or output limit times many forks?); give it less, fewer forks, or more heap"
                    + " (CONDUIT_JAVA_OPTS=-Xmx2g)");
        } catch (LinkageError | StackOverflowError e) {
            // a task or plugin whose classes went away (a bundle refreshed or uninstalled under the run) or that
            // recursed without end: this host fails; the run goes on and ends
            LOG.warn("task {} failed on {}", secrets.masker().mask(task.describe()), host.name(), e);
            result = HostResult.of(host.name(), Status.FAILED, "internal error: " + e.getClass().getSimpleName()
                    .replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT) + " in the task or its"
                    + " plugin (was a bundle updated or removed during the run?); the log file (data/log/conduit.log)"
                    + " has the details");
        } finally {
            timer.cancel(false);
            context.release(healthy);
        }
        finish(index, result.withDuration(Duration.ofNanos(System.nanoTime() - start)), secrets, results, done,
                events);
        synchronized (onThisHost) {
            onThisHost.set(false);
            Thread.interrupted(); // a watchdog interrupt that came late must not leak into the next host
        }
    }

    /**
     * Waits until no worker works on a run, bounded by 30 s: for tests that check which threads a run used.
     *
     * @throws InterruptedException interrupted while waiting
     */
    void awaitWorkersIdle() throws InterruptedException {
        ThreadPoolExecutor pool = (ThreadPoolExecutor) workers;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pool.getActiveCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    /** Ends a run's loops: none takes another host, and the workers still on one are interrupted. */
    private static void stop(AtomicBoolean stopping, List<Future<?>> loops) {
        stopping.set(true);
        loops.forEach(loop -> loop.cancel(true));
    }

    /** A host whose deadline passed before its connection opened: nothing was sent to it. */
    private static String connectTimedOut(RunOptions options) {
        return "timed out after " + seconds(options.hostTimeout()) + " while connecting (host timeout; raise it with"
                + " -t); nothing was sent to the host";
    }

    private static String describe(IOException e) {
        return ErrorText.of(e);
    }

    /** Keeps a host's first result, masked, and tells the listener; later results of the host are dropped. */
    private static boolean finish(int index, HostResult result, RunSecrets secrets,
            AtomicReferenceArray<HostResult> results, CountDownLatch done, CallerThreadEvents events) {
        // every host's line passes here: secrets masked, and the last guard against Java names reaching an
        // operator
        HostResult masked = secrets.mask(ErrorText.clean(result));
        if (!results.compareAndSet(index, null, masked)) {
            return false;
        }
        try {
            events.finished(masked);
        } finally {
            done.countDown();
            if (done.getCount() == 0) {
                events.wake(); // the caller learns at once that the run is over, not at its next poll
            }
        }
        return true;
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
