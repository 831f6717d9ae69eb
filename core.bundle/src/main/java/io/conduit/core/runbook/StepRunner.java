package io.conduit.core.runbook;

import java.util.List;

import io.conduit.api.inventory.InventoryException;
import io.conduit.api.task.FailurePolicy;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Task;
import io.conduit.core.run.ForkingRunner;

/** What the runbook engine needs of the runner: the hosts a pattern selects, and a task run on named hosts. */
public interface StepRunner {

    /**
     * @param pattern an Ansible host pattern
     * @param options the run's options (their inventory is read)
     * @return the selected hosts' names, in inventory order
     * @throws InventoryException the inventory cannot be loaded, or the pattern matches no host
     */
    List<String> select(String pattern, RunOptions options) throws InventoryException;

    /**
     * @param hosts the hosts to run on, in order
     * @param task the task
     * @param options how to run
     * @param policy retries (the engine keeps the batches and limits itself)
     * @param listener told of each host's result, or {@code null}
     * @return one result per host, in the order given
     * @throws InventoryException the inventory cannot be loaded
     * @throws InterruptedException interrupted; hosts in flight were stopped and reported
     */
    RunResult runOn(List<String> hosts, Task task, RunOptions options, FailurePolicy policy, RunListener listener)
            throws InventoryException, InterruptedException;

    /**
     * The runner for one runbook run: the engine asks for it once per run and makes every step's selection and runs
     * through it, so that what the runner learns once for a run (the inventory, its hosts' values and secrets) is
     * learnt once, not once per step per batch.
     *
     * @param options the run's options ({@code null} fields take the defaults); their inventory is the run's
     * @return a runner for this run's calls; this one by default (it keeps nothing between calls)
     * @throws InventoryException the inventory cannot be loaded
     */
    default StepRunner session(RunOptions options) throws InventoryException {
        return this;
    }

    /**
     * @param runner the core's runner
     * @return the runner's {@link ForkingRunner#select} and {@link ForkingRunner#runOn}; its {@link #session} is a
     *         {@link ForkingRunner.Session}, which gathers the inventory's values once for the whole runbook run
     */
    static StepRunner of(ForkingRunner runner) {
        return new StepRunner() {
            @Override
            public List<String> select(String pattern, RunOptions options) throws InventoryException {
                return runner.select(pattern, options);
            }

            @Override
            public RunResult runOn(List<String> hosts, Task task, RunOptions options, FailurePolicy policy,
                    RunListener listener) throws InventoryException, InterruptedException {
                return runner.runOn(hosts, task, options, policy, listener);
            }

            @Override
            public StepRunner session(RunOptions options) throws InventoryException {
                return of(runner.session(options));
            }
        };
    }

    /**
     * @param session one session of the core's runner
     * @return its {@link ForkingRunner.Session#select} and {@link ForkingRunner.Session#runOn} (the options' inventory
     *         must be the session's); its own {@link #session}
     */
    static StepRunner of(ForkingRunner.Session session) {
        return new StepRunner() {
            @Override
            public List<String> select(String pattern, RunOptions options) throws InventoryException {
                return session.select(pattern);
            }

            @Override
            public RunResult runOn(List<String> hosts, Task task, RunOptions options, FailurePolicy policy,
                    RunListener listener) throws InventoryException, InterruptedException {
                return session.runOn(hosts, task, options, policy, listener);
            }
        };
    }
}
