package io.conduit.api.inventory;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.conduit.api.connection.Secret;

/**
 * What a host, a group or the defaults can set (Nornir's base attributes). Every field may be {@code null}
 * (not set at this level); maps are never {@code null}.
 *
 * @param hostname the address to connect to
 * @param port the port
 * @param username the user to log in as
 * @param password the password, possibly an unresolved {@code ${env:NAME}} or {@code ${file:PATH}} reference
 * @param platform the platform name
 * @param connection the default connection plugin of the hosts this applies to
 * @param data free-form data for tasks
 * @param connectionOptions per plugin overrides, by plugin name
 */
public record Attributes(String hostname, Integer port, String username, Secret password, String platform,
        String connection, Map<String, Object> data, Map<String, ConnectionOptions> connectionOptions) {

    /** Nothing set. */
    public static final Attributes NONE = new Attributes(null, null, null, null, null, null, null, null);

    /** Copies the maps in, keeping their order; empty ones are all the same empty map (most hosts have none). */
    public Attributes {
        data = data == null || data.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(data));
        connectionOptions = connectionOptions == null || connectionOptions.isEmpty() ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(connectionOptions));
    }

    /**
     * Returns this element's overrides for a plugin.
     *
     * @param plugin the plugin name
     * @return the overrides, {@link ConnectionOptions#NONE} when there are none
     */
    public ConnectionOptions optionsFor(String plugin) {
        return connectionOptions.getOrDefault(plugin, ConnectionOptions.NONE);
    }
}
