package io.conduit.api.inventory;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.conduit.api.connection.Secret;

/**
 * The values one element (host, group, defaults) sets for one plugin under {@code connection_options.PLUGIN}.
 * They take precedence over the element's own values for that plugin. Every field may be {@code null}.
 *
 * @param hostname address override for this plugin
 * @param port port override
 * @param username user override
 * @param password password override (may still be an {@code ${env:...}} reference)
 * @param platform platform override
 * @param extras plugin options, merged key by key with lower levels
 */
public record ConnectionOptions(String hostname, Integer port, String username, Secret password, String platform,
        Map<String, Object> extras) {

    /** No overrides at all. */
    public static final ConnectionOptions NONE = new ConnectionOptions(null, null, null, null, null, null);

    /** Copies extras in, keeping their order. */
    public ConnectionOptions {
        extras = extras == null || extras.isEmpty() ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(extras));
    }
}
