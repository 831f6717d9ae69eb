package io.conduit.api.task;

import org.osgi.annotation.versioning.ProviderType;

import io.conduit.api.inventory.InventoryException;

/**
 * Runs a task over the hosts a pattern selects, at most {@link RunOptions#forks()} at once, each within its
 * deadline. The core provides it as a service; the shell and any program call it.
 */
@ProviderType
public interface Runner {

    /**
     * Runs a task and waits for every host's result. A host's failure never stops the others. The results (and
     * what the listener is given) carry no secret value of the run: where a host's output or error text holds an
     * inventory password, secret option or become password of the run, it reads {@code ***}.
     *
     * @param pattern an Ansible host pattern: {@code all}, names, globs, groups, {@code a:b}, {@code a:&b},
     *        {@code a:!b}
     * @param task what to do on each host
     * @param options how to run; {@code null} fields take the configured defaults
     * @param listener told of each host's result as it comes, and of the insecure choices its connections were
     *        opened with ({@link RunListener#warned}), or {@code null}
     * @return one result per selected host, in inventory order
     * @throws InventoryException the inventory cannot be loaded, or the pattern matches no host; nothing ran
     * @throws InterruptedException the calling thread was interrupted; the run's hosts are abandoned
     */
    RunResult run(String pattern, Task task, RunOptions options, RunListener listener)
            throws InventoryException, InterruptedException;

    /**
     * Runs a task under a failure policy: the hosts go in the policy's batches, each batch after the one before
     * has ended; a host that fails is tried again as the policy says; once a batch has failed more than the policy
     * allows, no further host starts and the hosts left out report {@link Status#SKIPPED} with the reason. Secrets
     * are masked as in {@link #run(String, Task, RunOptions, RunListener)}.
     *
     * @param pattern an Ansible host pattern, as for {@link #run(String, Task, RunOptions, RunListener)}
     * @param task what to do on each host
     * @param options how to run; {@code null} fields take the configured defaults
     * @param policy batches, limits and retries; {@code null} for {@link FailurePolicy#NONE}
     * @param listener told of each host's result as it comes (skipped hosts too), or {@code null}
     * @return one result per selected host, in inventory order
     * @throws InventoryException the inventory cannot be loaded, or the pattern matches no host; nothing ran
     * @throws InterruptedException the calling thread was interrupted; the run's hosts are abandoned
     * @since 1.5
     */
    RunResult run(String pattern, Task task, RunOptions options, FailurePolicy policy, RunListener listener)
            throws InventoryException, InterruptedException;

    /**
     * The configured defaults of a run: every field of {@link RunOptions} set, as {@link #run} applies them to
     * the fields a caller leaves {@code null}.
     *
     * @return the defaults
     * @throws io.conduit.api.support.InvalidConfigurationException the runner's configuration is invalid; the
     *         message names the PID, the key and the fix
     */
    RunOptions defaults();
}
