package io.conduit.api.connection;

import java.util.Objects;

/**
 * Identifies a pooled connection: one per host and plugin.
 *
 * @param host the inventory name of the host
 * @param plugin the connection plugin's name
 */
public record ConnectionKey(String host, String plugin) {
    /** Checks both parts are present. */
    public ConnectionKey {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(plugin, "plugin");
    }

    @Override
    public String toString() {
        return host + "/" + plugin;
    }
}
