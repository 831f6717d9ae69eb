package io.conduit.core.run;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
import io.conduit.api.task.FailurePolicy;
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
 * <p>Under a {@link FailurePolicy} the hosts go in batches, one batch after the other; a host that fails is tried
 * again (each try with a fresh deadline); once the policy's limit is passed no further host starts and the rest are
 * reported skipped. A plain run is the same path with {@link FailurePolicy#NONE}: one batch, one try.
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
        return run(pattern, task, options, FailurePolicy.NONE, listener);
    }

    @Override
    public RunResult run(String pattern, Task task, RunOptions options, FailurePolicy policy, RunListener listener)
            throws InventoryException, InterruptedException {
        Session session = session(options);
        return session.execute(session.plan, HostPattern.select(session.plan.inventory(), pattern), pattern, task,
                policy, listener);
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
     * policy, as {@link #run(String, Task, RunOptions, FailurePolicy, RunListener)} does: the same fan-out,
     * deadlines, batches, retries and masking. The inventory is read again and its values gathered again (a
     * {@link #session} of one run), so a host removed since {@link #select} is refused rather than run with stale
     * values; a caller that makes several runs on one inventory (a runbook's steps) opens one {@link #session}
     * instead. A caller that makes the batches itself (a runbook runs every step on a batch before the next batch)
     * passes the hosts of one batch and a policy without {@code serial}; the limits then apply to those hosts, step
     * by step.
     *
     * @param hosts names of hosts of the options' inventory, in the order to run them, each once; an empty list
     *        runs nothing and returns an empty result
     * @param task what to do on each host
     * @param options how to run; {@code null} fields take the configured defaults
     * @param policy batches, limits and retries; {@code null} for none
     * @param listener told of each host's result as it comes (skipped hosts too), or {@code null}
     * @return one result per host, in the order given
     * @throws InventoryException the inventory cannot be loaded, a name is not in it (the message names it), or a
     *         name is given twice; nothing ran
     * @throws InterruptedException the calling thread was interrupted
     */
    public RunResult runOn(List<String> hosts, Task task, RunOptions options, FailurePolicy policy,
            RunListener listener) throws InventoryException, InterruptedException {
        return session(options).runOn(hosts, task, options, policy, listener);
    }

    /**
     * Opens a session: the inventory read once, and its hosts' values and secrets gathered once (on the session's
     * first run, before any host starts) for every run made through it. A runbook takes one for its whole run
     * (through {@link io.conduit.core.runbook.StepRunner#session}), so that ten steps over four batches read the
     * inventory's {@code ${env:}}/{@code ${file:}} references once, not forty times; a plain run is a session
     * of one run.
     *
     * @param options the session's options ({@code null} fields take the configured defaults); their inventory is
     *        the session's
     * @return the session
     * @throws InventoryException the inventory cannot be loaded
     * @throws IllegalStateException the runner's or the pool's configuration is invalid (its one line)
     */
    public Session session(RunOptions options) throws InventoryException {
        return new Session(plan(options));
    }

    /** What every run needs before it selects hosts: the options with defaults filled in, and the inventory. */
    private record Plan(RunOptions effective, Inventory inventory, Path base) {
    }

    private Plan plan(RunOptions options) throws InventoryException {
        RunSettings s = settings.get(USE);
        connections.checkConfiguration();
        RunOptions effective = s.apply(options, inventories.defaultInventory());
        Inventory inventory = inventories.load(effective.inventory());
        return new Plan(effective, inventory, inventories.baseDirectory(inventory).orElse(null));
    }

    /**
     * Runs on one inventory that share its hosts' values: the inventory as read when the session was opened, every
     * host's parameters and become password resolved once (on the first run, before any host starts: a value that
     * cannot be resolved fails each host that runs with the resolver's message, every time), and one set of
     * secrets that masks every host's output in every run of the session. A plugin installed, replaced or
     * reconfigured between two runs still types its hosts' values: when a plugin's declared options differ from
     * those its hosts' values were typed with, those hosts' values are resolved again (and their secrets added).
     * The inventory is not read again: a file changed during the session is read by the next session. Runs of one
     * session are made one after the other (a runbook's steps); each run's hosts run in parallel as any run's do.
     */
    public final class Session {
        private final Plan plan;
        private final RunSecrets secrets = new RunSecrets();
        /** Every host's values, by name; {@code null} until the session's first run gathers them. */
        private Map<String, HostValues> values;
        /** The hosts of each plugin, and the options their values were typed with ({@code null}: not installed). */
        private final Map<String, List<HostValues>> hostsOf = new HashMap<>();
        private final Map<String, List<OptionDescriptor>> typedWith = new HashMap<>();
        /** Each run's start and end logged at DEBUG, not INFO (see {@link #perHost()}). */
        private volatile boolean perHost;

        private Session(Plan plan) {
            this.plan = plan;
        }

        /**
         * Logs each run's start and end at DEBUG instead of INFO: for a caller that makes one run per host (a
         * cluster node runs each host of its batches as it takes it from its queue) and logs the whole itself, so
         * that a run of many hosts costs no two log lines per host.
         *
         * @return this session
         */
        public Session perHost() {
            perHost = true;
            return this;
        }

        /** A run's start or end: at INFO, or at DEBUG for a {@link #perHost()} session. */
        private void log(String format, Object... args) {
            if (perHost) {
                LOG.debug(format, args);
            } else {
                LOG.info(format, args);
            }
        }

        /**
         * @param pattern an Ansible host pattern
         * @return the names of the hosts it selects in the session's inventory, in inventory order
         * @throws InventoryException the pattern matches no host, or is malformed
         */
        public List<String> select(String pattern) throws InventoryException {
            return HostPattern.select(plan.inventory(), pattern).stream().map(Host::name).toList();
        }

        /**
         * Runs a task on hosts named one by one, as {@link ForkingRunner#runOn} does, with the session's inventory
         * and values.
         *
         * @param hosts names of hosts of the session's inventory, in the order to run them, each once; an empty
         *        list runs nothing and returns an empty result
         * @param task what to do on each host
         * @param options how to run this time (forks, host timeout, output limit, ...; {@code null} fields take
         *        the configured defaults); their inventory must be the session's
         * @param policy batches, limits and retries; {@code null} for none
         * @param listener told of each host's result as it comes (skipped hosts too), or {@code null}
         * @return one result per host, in the order given
         * @throws InventoryException a name is not in the inventory (the message names it), or is given twice;
         *         nothing ran
         * @throws IllegalArgumentException the options name another inventory than the session's
         * @throws IllegalStateException the runner's or the pool's configuration is invalid (its one line)
         * @throws InterruptedException the calling thread was interrupted
         */
        public RunResult runOn(List<String> hosts, Task task, RunOptions options, FailurePolicy policy,
                RunListener listener) throws InventoryException, InterruptedException {
            RunSettings s = settings.get(USE);
            connections.checkConfiguration();
            RunOptions effective = s.apply(options, inventories.defaultInventory());
            if (!Objects.equals(effective.inventory(), plan.effective().inventory())) {
                throw new IllegalArgumentException("a run of this session names the inventory "
                        + effective.inventory() + ", not the session's " + plan.effective().inventory());
            }
            List<Host> named = new ArrayList<>(hosts.size());
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (String name : hosts) {
                Host host = plan.inventory().hosts().get(name);
                if (host == null) {
                    throw new InventoryException("host \"" + name + "\" is not in the inventory "
                            + plan.inventory().source() + "; was it renamed or removed since the hosts were"
                            + " selected?");
                }
                if (!seen.add(name)) {
                    throw new InventoryException("host \"" + name + "\" is named twice; name each host once");
                }
                named.add(host);
            }
            return execute(new Plan(effective, plan.inventory(), plan.base()), named, named.size() + " named hosts",
                    task, policy, listener);
        }

        /** The one path of every run: the session's values and secrets, then the hosts in batches. */
        private RunResult execute(Plan plan, List<Host> hosts, String selection, Task task, FailurePolicy policy,
                RunListener listener) throws InventoryException, InterruptedException {
            RunOptions effective = plan.effective();
            Inventory inventory = plan.inventory();
            FailurePolicy rules = policy == null ? FailurePolicy.NONE : policy;
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
            Map<String, HostValues> values = prepare(declared);
            int run = RUNS.incrementAndGet();
            long started = System.nanoTime();
            log("run {}: {} on {} hosts ({}), forks {}{}", run, secrets.masker().mask(task.describe()), hosts.size(),
                    selection, effective.forks(), describe(rules));
            caller.started(hosts.size());

            HostValues[] work = new HostValues[hosts.size()];
            String[] plugins = new String[hosts.size()];
            for (int i = 0; i < work.length; i++) {
                work[i] = values.get(hosts.get(i).name());
                plugins[i] = inventories.pluginOf(inventory, work[i].host());
            }
            Fanout fanout = new Fanout(run, work, plugins, declared, task, effective, rules, secrets, events);
            if (fanout.runBatches()) {
                Thread.currentThread().interrupt(); // the caller learns it was interrupted, with every host's result
            }
            RunResult result = new RunResult(fanout.results(), Duration.ofNanos(System.nanoTime() - started));
            log("run {} finished in {} ms: {}", run, result.duration().toMillis(), result.summary());
            return result;
        }

        /**
         * The session's values for a run: gathered on its first run, typed with the options read for it; on a
         * later run, the hosts of each plugin whose declared options changed since are typed again.
         *
         * @param declared the options of the run's hosts' plugins, read for this run; those of the others' are added
         */
        private synchronized Map<String, HostValues> prepare(Map<String, List<OptionDescriptor>> declared) {
            if (values == null) {
                values = gather(plan.inventory(), plan.base(), declared, secrets, hostsOf);
                hostsOf.keySet().stream().filter(declared::containsKey).forEach(p -> typedWith.put(p, declared.get(p)));
                return values;
            }
            for (Map.Entry<String, List<HostValues>> e : hostsOf.entrySet()) {
                String plugin = e.getKey();
                List<OptionDescriptor> now;
                try {
                    now = declared.containsKey(plugin) ? declared.get(plugin) : connections.declaredOptions(plugin);
                } catch (RuntimeException ex) {
                    continue; // reported when one of its hosts connects
                }
                declared.putIfAbsent(plugin, now);
                if (!typedWith.containsKey(plugin) || !Objects.equals(typedWith.get(plugin), now)) {
                    for (HostValues v : e.getValue()) {
                        try {
                            v.params(plugin, now); // resolved again only when the options differ
                        } catch (InventoryException | RuntimeException ex) {
                            // reported when the host connects
                        }
                    }
                    typedWith.put(plugin, now);
                }
            }
            return values;
        }
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
     * @param hostsOf filled with the hosts of each plugin
     */
    private Map<String, HostValues> gather(Inventory inventory, Path base, Map<String, List<OptionDescriptor>> declared,
            RunSecrets secrets, Map<String, List<HostValues>> hostsOf) {
        Map<String, HostValues> values = new HashMap<>();
        for (Host host : inventory.hosts().values()) {
            HostValues v = new HostValues(inventory, host, base, secrets);
            values.put(host.name(), v);
            String plugin = inventories.pluginOf(inventory, host);
            hostsOf.computeIfAbsent(plugin, p -> new ArrayList<>()).add(v);
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

    /**
     * One run's hosts on the shared workers: the policy's batches one after the other, at most forks hosts of a
     * batch at once in inventory order, each host tried as often as the policy allows, and no host started once
     * the policy's failure limit is passed.
     */
    private final class Fanout {
        private final int run;
        private final HostValues[] work;
        private final String[] plugins;
        private final Map<String, List<OptionDescriptor>> declared;
        private final Task task;
        private final RunOptions options;
        private final FailurePolicy policy;
        private final RunSecrets secrets;
        private final CallerThreadEvents events;
        private final AtomicReferenceArray<HostResult> results;
        private final AtomicIntegerArray begun;
        /** Hosts per batch: host {@code i} is in batch {@code i / size}. */
        private final int size;
        /** Counted down once per host of each batch. */
        private final CountDownLatch[] done;
        /** Hosts of each batch that failed or were unreachable; guarded by itself. */
        private final int[] failed;
        /** Why no further host starts once the policy's limit is passed; {@code null} while the run goes on. */
        private volatile String halted;
        /** Set on an interrupt: no loop takes another host, no host is tried again, no further batch starts. */
        private final AtomicBoolean stopping = new AtomicBoolean();

        Fanout(int run, HostValues[] work, String[] plugins, Map<String, List<OptionDescriptor>> declared, Task task,
                RunOptions options, FailurePolicy policy, RunSecrets secrets, CallerThreadEvents events) {
            this.run = run;
            this.work = work;
            this.plugins = plugins;
            this.declared = declared;
            this.task = task;
            this.options = options;
            this.policy = policy;
            this.secrets = secrets;
            this.events = events;
            this.results = new AtomicReferenceArray<>(work.length);
            this.begun = new AtomicIntegerArray(work.length);
            this.size = policy.batchSize(work.length);
            int batches = (work.length + size - 1) / size;
            this.done = new CountDownLatch[batches];
            this.failed = new int[batches];
            for (int b = 0; b < batches; b++) {
                done[b] = new CountDownLatch(hostsOf(b));
            }
        }

        private int hostsOf(int batch) {
            return Math.min(work.length, (batch + 1) * size) - batch * size;
        }

        private String name(int index) {
            return work[index].host().name();
        }

        /** @return the results in the hosts' order */
        List<HostResult> results() {
            List<HostResult> ordered = new ArrayList<>(work.length);
            for (int i = 0; i < work.length; i++) {
                ordered.add(results.get(i));
            }
            return ordered;
        }

        /**
         * Runs the batches, each after the one before has ended; once the policy's limit is passed, the hosts of
         * the later batches are reported skipped.
         *
         * @return whether the caller was interrupted (every host is reported all the same)
         */
        boolean runBatches() {
            for (int b = 0; b < done.length; b++) {
                int from = b * size;
                int to = from + hostsOf(b);
                String why = halted;
                if (why != null) {
                    for (int i = from; i < to; i++) {
                        finish(i, HostResult.of(name(i), Status.SKIPPED, why));
                    }
                    events.deliverQueued();
                    continue;
                }
                List<Future<?>> loops = new ArrayList<>();
                try {
                    // forks loops on the shared workers, each taking the batch's next host until none is left: at
                    // most forks hosts at once, in the inventory's order, on threads earlier runs started
                    AtomicInteger next = new AtomicInteger(from);
                    int forks = Math.max(1, Math.min(options.forks(), to - from));
                    for (int w = 1; w <= forks; w++) {
                        String thread = "conduit-run-" + run + "-" + w;
                        loops.add(workers.submit(() -> loop(thread, next, from, to)));
                    }
                    events.deliverUntil(done[b]);
                } catch (InterruptedException e) {
                    // Ctrl-C or an interrupted caller: every host stops its command (the plugins end the remote
                    // work and say whether the host confirmed it); hosts that do not answer within the grace are
                    // reported, and so are the hosts of the batches that never started
                    stopping.set(true);
                    cancel(loops);
                    events.deliverQuietly(done[b], STOP_GRACE);
                    for (int i = 0; i < work.length; i++) {
                        finish(i, HostResult.of(name(i), Status.FAILED, begun.get(i) == 1 ? "interrupted; "
                                + StopOutcome.UNCONFIRMED.description() : "interrupted before it started"));
                    }
                    return true;
                } finally {
                    // a worker still on a host the watchdog gave up is interrupted; its late result is dropped
                    cancel(loops);
                    events.deliverQueued();
                }
            }
            return false;
        }

        private void loop(String thread, AtomicInteger next, int from, int to) {
            Thread self = Thread.currentThread();
            String idle = self.getName();
            self.setName(thread); // thread dumps and log lines tell the run and the fork
            try {
                for (int i = next.getAndIncrement(); i < to && !stopping.get(); i = next.getAndIncrement()) {
                    try {
                        String why = halted;
                        if (why != null) {
                            finish(i, HostResult.of(name(i), Status.SKIPPED, why));
                        } else if (policy.runOnce() && i != from) {
                            finish(i, HostResult.of(name(i), Status.SKIPPED, "run once: ran on " + name(from)));
                        } else {
                            tries(i);
                        }
                    } catch (RuntimeException | Error e) {
                        // a fault outside the task's own handling: the loop goes on with the next host, as a new
                        // thread would, and the host is reported all the same, so the run never waits for it
                        LOG.error("run {}: {} failed outside its task", run, name(i), e);
                        finish(i, HostResult.of(name(i), Status.FAILED, ErrorText.unexpected(
                                e instanceof RuntimeException r ? r : new IllegalStateException(e))));
                    }
                }
            } finally {
                self.setName(idle);
            }
        }

        /**
         * Runs a host's task, and again after the policy's delay while it fails or is unreachable and tries are
         * left; reports the last try's result, saying how many tries it took.
         */
        private void tries(int index) {
            long start = System.nanoTime();
            int allowed = policy.retries() + 1;
            int tried = 0;
            String cut = null;
            HostResult result;
            while (true) {
                tried++;
                result = attempt(index, start, tried == allowed);
                if (results.get(index) != null) {
                    return; // the watchdog gave the host up and reported it
                }
                if (!failure(result) || tried == allowed || stopping.get()) {
                    break;
                }
                if (result.error() != null && result.error().contains(StopOutcome.UNCONFIRMED.description())) {
                    // a second copy could run beside the first: a retry must never run a command twice at once
                    cut = "not tried again while its command may still run";
                    break;
                }
                String line = "try " + tried + " of " + allowed + (result.status() == Status.UNREACHABLE
                        ? " could not reach the host: " : " failed: ") + result.error() + "; trying again in "
                        + seconds(policy.retryDelay());
                line = secrets.masker().mask(line).replace('\n', ' ');
                LOG.info("run {}: {}: {}", run, name(index), line);
                if (options.verbosity() > 0) {
                    events.trace(name(index), 1, line);
                }
                try {
                    // Ctrl-C interrupts the wait; nothing else wakes it
                    TimeUnit.NANOSECONDS.sleep(policy.retryDelay().toNanos());
                } catch (InterruptedException e) {
                    cut = "interrupted before try " + (tried + 1);
                    break;
                }
                if (stopping.get()) {
                    cut = "interrupted before try " + (tried + 1);
                    break;
                }
            }
            if (tried > 1 || cut != null) {
                String note = tried > 1 ? "after " + tried + " tries" + (cut == null ? "" : "; " + cut) : cut;
                result = result.with(result.exec(), result.error() == null ? note : result.error() + "; " + note);
            }
            finish(index, result.withDuration(Duration.ofNanos(System.nanoTime() - start)));
        }

        /**
         * One try of the task on a host, within a deadline of its own (the host timeout counts per try, as
         * Ansible's task timeout counts per retry).
         *
         * @param hostStart when the host's first try began, for the durations the watchdog reports
         * @param last whether no try follows: only then does the watchdog report the host itself
         * @return the try's result; not the host's when the watchdog reported it meanwhile
         */
        private HostResult attempt(int index, long hostStart, boolean last) {
            long start = System.nanoTime();
            long deadline = start + options.hostTimeout().toNanos();
            HostValues values = work[index];
            Host host = values.host();
            HostContext context = new HostContext(values, plugins[index], declared, connections, options, deadline,
                    secrets, events, HostTrace.of(host.name(), options.verbosity(), events, secrets::masker));
            begun.set(index, 1);
            Thread worker = Thread.currentThread();
            // the watchdog interrupts the worker, and reports for it, only while it still works on this try
            AtomicBoolean onThisTry = new AtomicBoolean(true);
            AtomicBoolean connectTimedOut = new AtomicBoolean();
            String timedOut = "timed out after " + seconds(options.hostTimeout()) + " (host timeout; raise it with -t)";
            ScheduledFuture<?> timer = watchdog.schedule(() -> {
                // first the plugin stops the command on its own connection (it can confirm that); only a host that
                // does not answer within the grace is given up: its connections are closed under the call
                context.deadlinePassed();
                synchronized (onThisTry) {
                    if (!onThisTry.get()) {
                        return;
                    }
                    if (context.isConnecting()) {
                        // nothing was sent: the host is unreachable whatever the deadline, and a connect that
                        // never completes is abandoned (the worker is interrupted below; its late result is
                        // dropped); before a further try the worker reports it as such itself
                        connectTimedOut.set(true);
                        if (last) {
                            finish(index, HostResult.of(host.name(), Status.UNREACHABLE, connectTimedOut(options))
                                    .withDuration(Duration.ofNanos(System.nanoTime() - hostStart)));
                        }
                    }
                    worker.interrupt();
                }
                watchdog.schedule(() -> {
                    synchronized (onThisTry) {
                        // a worker that came back in time has its own result, and may be on its next try
                        // (a connect that ignores the interrupt ends the host's tries: unreachable)
                        HostResult late = connectTimedOut.get()
                                ? HostResult.of(host.name(), Status.UNREACHABLE, connectTimedOut(options))
                                : HostResult.of(host.name(), Status.FAILED, timedOut + "; "
                                        + StopOutcome.UNCONFIRMED.description());
                        if (onThisTry.get() && finish(index, late.withDuration(Duration.ofNanos(System.nanoTime()
                                - hostStart)))) {
                            // closing may wait seconds for the host: never on the watchdog, which serves every host
                            java.util.concurrent.CompletableFuture.runAsync(context::abort);
                        }
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
                result = connectTimedOut.get()
                        ? HostResult.of(host.name(), Status.UNREACHABLE, connectTimedOut(options))
                        : HostResult.of(host.name(), Status.FAILED, context.isDeadlinePassed() ? timedOut
                                : "interrupted");
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
                result = HostResult.of(host.name(), Status.FAILED, "Conduit ran out of memory on this host's task"
                        + " (a large --stdin or output limit times many forks?); give it less, fewer forks, or more"
                        + " heap (CONDUIT_JAVA_OPTS=-Xmx2g)");
            } catch (LinkageError | StackOverflowError e) {
                // a task or plugin whose classes went away (a bundle refreshed or uninstalled under the run) or
                // that recursed without end: this host fails; the run goes on and ends
                LOG.warn("task {} failed on {}", secrets.masker().mask(task.describe()), host.name(), e);
                result = HostResult.of(host.name(), Status.FAILED, "internal error: " + e.getClass().getSimpleName()
                        .replaceAll("([a-z])([A-Z])", "$1 $2").toLowerCase(java.util.Locale.ROOT) + " in the task or"
                        + " its plugin (was a bundle updated or removed during the run?); the log file"
                        + " (data/log/conduit.log) has the details");
            } finally {
                timer.cancel(false);
                // a connection that failed goes back unvouched: the pool checks or replaces it before the next
                // try borrows it, so a dead pooled connection does not fail every try
                context.release(healthy);
            }
            synchronized (onThisTry) {
                onThisTry.set(false);
                Thread.interrupted(); // a watchdog interrupt that came late must not leak into the next try or host
            }
            return result;
        }

        /** Keeps a host's first result, masked, counts it against the policy, and tells the listener. */
        private boolean finish(int index, HostResult result) {
            // every host's line passes here: secrets masked, and the last guard against Java names reaching an
            // operator
            HostResult masked = secrets.mask(ErrorText.clean(result));
            if (!results.compareAndSet(index, null, masked)) {
                return false;
            }
            int batch = index / size;
            if (failure(masked)) {
                synchronized (failed) {
                    failed[batch]++;
                    if (halted == null && policy.exceeded(failed[batch], hostsOf(batch))) {
                        halted = haltReason(failed[batch], hostsOf(batch), batch);
                    }
                }
            }
            try {
                events.finished(masked);
            } finally {
                done[batch].countDown();
                if (done[batch].getCount() == 0) {
                    events.wake(); // the caller learns at once that the batch is over, not at its next poll
                }
            }
            return true;
        }

        private String haltReason(int failedHosts, int of, int batch) {
            return "not run: " + failedHosts + " of " + of + (of == 1 ? " host" : " hosts")
                    + (done.length > 1 ? " of batch " + (batch + 1) : "") + " failed ("
                    + (policy.failFast() ? "--fail-fast" : "--max-fail " + policy.maxFailPercent() + "%") + ")";
        }
    }

    /** @return the policy as the shell's options spell it, for the run's log line; empty for none */
    private static String describe(FailurePolicy p) {
        StringBuilder s = new StringBuilder();
        if (p.serial() > 0) {
            s.append(", serial ").append(p.serial()).append(p.serialPercent() ? "%" : "");
        }
        if (p.maxFailPercent() != null) {
            s.append(", max-fail ").append(p.maxFailPercent()).append('%');
        }
        if (p.failFast()) {
            s.append(", fail-fast");
        }
        if (p.retries() > 0) {
            s.append(", retries ").append(p.retries()).append(" (delay ").append(seconds(p.retryDelay())).append(')');
        }
        if (p.runOnce()) {
            s.append(", run once");
        }
        return s.toString();
    }

    private static boolean failure(HostResult result) {
        return result.status() == Status.FAILED || result.status() == Status.UNREACHABLE;
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

    /** Ends a batch's loops: the workers still on a host are interrupted. */
    private static void cancel(List<Future<?>> loops) {
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

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }
}
