package io.conduit.core.task;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.conduit.api.task.Task;
import io.conduit.api.task.TaskPlugin;

/**
 * The task plugins installed now, as the shell and the runbook engine use them: what a name offers (to check a
 * runbook or a {@code conduit:task} line before anything runs) and a task that runs it on each host. Provided by
 * the registry that tracks {@link TaskPlugin} services.
 */
public interface TaskCatalog {

    /** @return the names of the task plugins installed now, sorted */
    Set<String> names();

    /**
     * @param name a task name
     * @return the plugin that serves it now, or empty
     */
    Optional<TaskPlugin> plugin(String name);

    /**
     * Checks and converts the values given for a task's parameters against its declarations: unknown names are
     * refused with the closest known one, required ones must be there, each value is converted to its declared
     * type, declared defaults fill the rest.
     *
     * @param name the task name
     * @param given the values as written (strings from {@code key=value} words, or YAML scalars, lists, maps)
     * @param where what the messages start with, such as {@code site.yaml:12: steps[2] (file)}, or {@code ""}
     * @return the converted values, ready for {@link TaskPlugin#create}
     * @throws IllegalArgumentException no such task, or a value that does not fit; the message starts with
     *         {@code where}, names the parameter and what to do, and never quotes a secret value
     */
    Map<String, Object> parameters(String name, Map<String, ?> given, String where);

    /**
     * A task that runs the named plugin with converted parameters on each host: each host takes the plugin serving
     * the name when it starts (waiting, bounded, for one that is being upgraded), holds it until it ends (a plugin
     * going away waits for those calls), and in check mode a plugin that does not support it is not called (the
     * host reports {@code SKIPPED} with the reason).
     *
     * @param name the task name
     * @param parameters values {@link #parameters} returned
     * @return the task
     * @throws IllegalArgumentException no such task installed, or the plugin refused the values
     */
    Task task(String name, Map<String, Object> parameters);

    /**
     * One installed task plugin service, as {@code conduit:tasks} lists it.
     *
     * @param name the task name
     * @param bundle the providing bundle's symbolic name, or {@code "?"}
     * @param version the providing bundle's version, or {@code "?"}
     * @param serves whether it serves its name ({@code false}: shadowed by a higher-ranked service of that name)
     * @param inFlight how many hosts run a task of this service now
     * @param plugin the service object
     */
    record Service(String name, String bundle, String version, boolean serves, int inFlight, TaskPlugin plugin) {
    }

    /**
     * The installed services, for listing. The default lists the plugin serving each name, without its origin;
     * the registry lists every service, shadowed ones included.
     *
     * @return by name, the serving one first within a name
     */
    default List<Service> services() {
        return names().stream().flatMap(n -> plugin(n).stream().map(p -> new Service(n, "?", "?", true, 0, p)))
                .toList();
    }
}
