package io.conduit.api.task;

import java.io.IOException;
import java.time.Duration;

import org.osgi.annotation.versioning.ProviderType;

import io.conduit.api.connection.Connection;
import io.conduit.api.inventory.Host;

/**
 * What a {@link Task} sees of its host during a run. Made by the runner for one host and one run; used from
 * the thread executing the task.
 */
@ProviderType
public interface TaskContext {

    /** @return the host */
    Host host();

    /**
     * Returns the host's pooled connection through its default plugin ({@code connection} in the inventory),
     * opening it on first use. The task must not close it: the core owns it.
     *
     * @return the open connection
     * @throws io.conduit.api.connection.PluginGoneException the plugin is not installed
     * @throws IOException opening failed
     */
    Connection connection() throws IOException;

    /**
     * Returns the host's pooled connection through a named plugin.
     *
     * @param plugin the plugin name
     * @return the open connection
     * @throws IOException opening failed, or no such plugin
     */
    Connection connection(String plugin) throws IOException;

    /** @return the time left before the host's deadline; commands should not be given more */
    Duration remaining();

    /** @return the run's effective options (defaults filled in) */
    RunOptions options();

    /**
     * The host's names, for templates and conditions, in one shape wherever a task runs: {@code data} (the
     * inventory's data of the host, over its groups' and the defaults', mappings merged at every depth),
     * {@code inventory_hostname} (its name, as in Ansible), {@code groups} (the groups it lists), {@code facts} (what
     * a facts task found, empty until one ran) and {@code vars} (a runbook's variables, empty elsewhere); in a
     * runbook also each name an earlier step registered. Values are strings, numbers, booleans, lists and maps;
     * secrets are not among them.
     *
     * @return the names, never {@code null}; unmodifiable
     * @since 1.5
     */
    default java.util.Map<String, Object> variables() {
        return java.util.Map.of("data", host().attributes().data(), "facts", java.util.Map.of(), "vars",
                java.util.Map.of(), "inventory_hostname", host().name(), "groups", host().groups());
    }

    /**
     * The privilege escalation the caller asks of this task ({@code -b} of {@code conduit:task}, a runbook step's
     * {@code become}), or where it asks none, the host's own ({@code data.become: true} in the inventory, with
     * {@code become_user} and {@code become_method}): a task applies it to every command and transfer it makes on
     * the host. A {@code null}
     * password means the host's {@code data.become_password}, if any, as for {@code conduit:run -b}.
     *
     * @return the escalation, or {@code null} for none
     * @since 1.5
     */
    default io.conduit.api.connection.Become become() {
        return null;
    }

    /**
     * Runs a sub-task on the same host, within the same deadline.
     *
     * @param task the sub-task
     * @return its result
     */
    HostResult run(Task task);
}
