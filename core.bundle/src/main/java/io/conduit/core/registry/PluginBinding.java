package io.conduit.core.registry;

import java.util.Objects;

import io.conduit.api.connection.ConnectionPlugin;

/**
 * One registered connection plugin service as the registry tracks it.
 *
 * @param name the plugin name
 * @param serviceId the service's {@code service.id}, which keys connections to the service that made them
 * @param ranking the service ranking
 * @param bundle the providing bundle's symbolic name
 * @param version the providing bundle's version
 * @param plugin the service object
 * @param backgroundDrain whether its connections outlive its service ({@link ConnectionPlugin#BACKGROUND_DRAIN}),
 *        so that its going away needs not wait for their calls
 */
public record PluginBinding(String name, long serviceId, int ranking, String bundle, String version,
        ConnectionPlugin plugin, boolean backgroundDrain) implements Comparable<PluginBinding>, RankedServices.Ranked {

    /** Checks the fields. */
    public PluginBinding {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(plugin, "plugin");
    }

    /**
     * A plugin whose connections end with its service (the default).
     *
     * @param name the plugin name
     * @param serviceId the service's {@code service.id}
     * @param ranking the service ranking
     * @param bundle the providing bundle's symbolic name
     * @param version the providing bundle's version
     * @param plugin the service object
     */
    public PluginBinding(String name, long serviceId, int ranking, String bundle, String version,
            ConnectionPlugin plugin) {
        this(name, serviceId, ranking, bundle, version, plugin, false);
    }

    /** Best first: highest ranking, then oldest (lowest service id), as ServiceReference orders them. */
    @Override
    public int compareTo(PluginBinding other) {
        return RankedServices.BEST_FIRST.compare(this, other);
    }
}
