package io.conduit.core.task;

import java.util.Objects;

import io.conduit.api.task.TaskPlugin;
import io.conduit.core.registry.RankedServices;

/**
 * One registered task plugin service as the task registry tracks it.
 *
 * @param name the task name ({@link io.conduit.api.task.Task#NAME})
 * @param serviceId the service's {@code service.id}, which keys its in-flight calls
 * @param ranking the service ranking
 * @param bundle the providing bundle's symbolic name
 * @param version the providing bundle's version
 * @param plugin the service object
 */
public record TaskBinding(String name, long serviceId, int ranking, String bundle, String version, TaskPlugin plugin)
        implements RankedServices.Ranked {

    /** Checks the fields. */
    public TaskBinding {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(plugin, "plugin");
    }
}
