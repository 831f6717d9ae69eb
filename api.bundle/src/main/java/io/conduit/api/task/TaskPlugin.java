package io.conduit.api.task;

import java.util.List;
import java.util.Map;

import org.osgi.annotation.versioning.ConsumerType;

import io.conduit.api.connection.OptionDescriptor;

/**
 * A task plugin: the factory service that makes a {@link Task} from typed parameters, as a connection plugin
 * makes connections. Bundles register it with the service property {@link Task#NAME}, normally through
 * {@link TaskName}:
 *
 * <pre>
 * &#64;Component
 * &#64;TaskName("package")
 * public final class PackageTask implements TaskPlugin { ... }
 * </pre>
 *
 * <p>The core tracks these services dynamically, like connection plugins: when two share a name the highest
 * ranked one serves; a task called while its plugin is being replaced waits (bounded) for the new one; when a
 * service goes away, the calls of its tasks in flight finish on the old code before its unregistration returns
 * (bounded by the pool's {@code drain_grace}). {@code conduit:tasks} lists them, {@code conduit:tasks NAME}
 * documents one from {@link #parameters()}, {@code conduit:task NAME PATTERN key=value...} and runbook steps run
 * one. Implementations must be thread safe. Since 1.5.
 */
@ConsumerType
public interface TaskPlugin {

    /** @return what the task does, one sentence, shown by {@code conduit:tasks} */
    String description();

    /**
     * The parameters the task takes, declared as connection plugins declare their options (name, type, default,
     * required, secret, description; the same {@link OptionDescriptor}): the core checks and converts the values an
     * operator gives against them before {@link #create} is called, refuses unknown names with the closest known
     * one, and masks secret ones in every output.
     *
     * @return the parameters, in the order they are documented
     */
    List<OptionDescriptor> parameters();

    /**
     * Whether the task honours check mode ({@link RunOptions#check()}): it then reports what it would change
     * ({@link Status#CHANGED} with the reasons, or {@link Status#OK}) and changes nothing. The core never runs a
     * task that does not support it in check mode: each host reports {@link Status#SKIPPED} with the reason, as
     * Ansible skips modules without {@code check_mode} support.
     *
     * @return {@code true} when check mode is honoured; {@code false} by default
     */
    default boolean supportsCheckMode() {
        return false;
    }

    /**
     * Whether the task's standard output on success is a JSON object of facts about the host (OS family,
     * distribution, ...): a runbook then keeps those keys as the host's {@code facts} for the rest of the run.
     *
     * @return {@code false} by default
     */
    default boolean gathersFacts() {
        return false;
    }

    /**
     * Makes the task for one run (the same task then executes on every selected host, concurrently).
     *
     * @param parameters the values given, each converted to its declared type ({@link OptionDescriptor#convert}),
     *        with declared defaults filled in for those not given; a required parameter is always present
     * @return the task
     * @throws IllegalArgumentException values that do not go together; the message names the parameters and what
     *         to do, and nothing runs
     */
    Task create(Map<String, Object> parameters);
}
