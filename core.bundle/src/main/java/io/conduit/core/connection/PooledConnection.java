package io.conduit.core.connection;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.core.registry.PluginBinding;

/**
 * A pool entry: one connection for one (host, plugin), the plugin service that made it, and how it is used.
 * The connection is opened outside any lock; whoever else wants it meanwhile waits on {@link #opened}.
 */
final class PooledConnection {
    final ConnectionKey key;
    final PluginBinding binding;
    final ConnectionParams params;
    final CompletableFuture<Connection> opened = new CompletableFuture<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicLong uses = new AtomicLong();
    final Instant openedAt = Instant.now();
    volatile long lastUsedNanos = System.nanoTime();
    /** When a call through it last succeeded; a connection proven this recently needs no liveness probe. */
    volatile long lastHealthyNanos = Long.MIN_VALUE / 2;
    final AtomicBoolean closed = new AtomicBoolean();
    volatile boolean retired;

    PooledConnection(ConnectionKey key, PluginBinding binding, ConnectionParams params) {
        this.key = key;
        this.binding = binding;
        this.params = params;
    }

    /** @return the connection if it opened successfully, else {@code null} */
    Connection connectionNow() {
        return opened.isDone() && !opened.isCompletedExceptionally() ? opened.getNow(null) : null;
    }

    void closeQuietly() {
        Connection c = connectionNow();
        if (c != null) {
            c.close();
        }
    }
}
