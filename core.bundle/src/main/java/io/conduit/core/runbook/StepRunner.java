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
     * @param runner the core's runner
     * @return the runner's {@link ForkingRunner#select} and {@link ForkingRunner#runOn}
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
        };
    }
}
