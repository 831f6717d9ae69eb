package io.conduit.core.connection;

import java.time.Duration;
import java.time.Instant;

/**
 * A snapshot of one pooled connection, for {@code conduit:connections}.
 *
 * @param host the host
 * @param plugin the plugin name
 * @param bundle the plugin's bundle and version
 * @param openedAt when it was opened
 * @param idle how long since it was last used
 * @param uses how many calls it served
 * @param inFlight calls in progress now
 * @param state {@code open}, {@code opening} or {@code draining} (out of the pool, closed when its calls end)
 * @param serviceId the {@code service.id} of the plugin service that opened it
 */
public record ConnectionInfo(String host, String plugin, String bundle, Instant openedAt, Duration idle, long uses,
        int inFlight, String state, long serviceId) {
}
