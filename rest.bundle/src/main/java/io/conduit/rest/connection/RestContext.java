package io.conduit.rest.connection;

import java.util.function.Supplier;

import io.conduit.api.support.SharedResources;
import io.conduit.rest.client.HttpClients;
import io.conduit.rest.plugin.RestSettings;

/**
 * What every connection of one plugin instance shares, handed to each at creation and never changed: the
 * current defaults (read when a connection opens, so that a changed configuration applies to the connections
 * opened from then on), the HTTP clients, and the set of open connections that the plugin closes or drains when
 * it stops. A connection reaches its plugin only through this, never the component itself.
 *
 * @param defaults gives the plugin's current valid defaults; never blocks, never {@code null}
 * @param clients the HTTP clients shared by the connections with the same TLS and connect settings
 * @param open the connections open now: each adds itself when created and removes itself when it closes
 */
public record RestContext(Supplier<RestSettings> defaults, HttpClients clients, SharedResources<RestConnection> open) {
}
