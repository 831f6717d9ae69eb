package io.conduit.rest.connection;

import io.conduit.api.support.SharedResources;
import io.conduit.rest.client.HttpClients;

/**
 * What every connection of one plugin instance shares, handed to each at creation and never replaced: the HTTP
 * clients, and the set of open connections that the plugin closes or drains when it stops. A connection reaches
 * its plugin's shared state only through this, never the component itself.
 *
 * @param clients the HTTP clients shared by the connections with the same TLS and connect settings
 * @param open the connections open now: the plugin adds each it makes, and each removes itself when it closes
 */
public record RestContext(HttpClients clients, SharedResources<RestConnection> open) {
}
