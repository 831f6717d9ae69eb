package io.conduit.core.connection;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;

/** A pooled connection lent to one task; closing the lease gives it back (it stays open in the pool). */
public final class Lease implements AutoCloseable {
    private final ConnectionManager manager;
    private final PooledConnection entry;
    private final boolean reused;
    private boolean released;

    Lease(ConnectionManager manager, PooledConnection entry, boolean reused) {
        this.manager = manager;
        this.entry = entry;
        this.reused = reused;
    }

    /**
     * @return whether the connection was opened before this lease (by an earlier task or run) rather than for it:
     *         only such a connection may have died unseen while it sat in the pool
     */
    public boolean reused() {
        return reused;
    }

    /** @return the open connection; callers must not close it */
    public Connection connection() {
        return entry.connectionNow();
    }

    /** @return the key it is pooled under */
    public ConnectionKey key() {
        return entry.key;
    }

    /** @return the bundle and version of the plugin that opened it */
    public String pluginVersion() {
        return entry.binding.version();
    }

    /**
     * Gives the connection back and closes it: it was found dead ({@code StaleConnectionException}), so no one
     * else may borrow it. Idempotent with {@link #close()}.
     */
    public synchronized void discard() {
        if (!released) {
            released = true;
            manager.discard(entry);
        }
    }

    /** Gives the connection back to the pool without vouching for it. Idempotent. */
    @Override
    public void close() {
        close(false);
    }

    /**
     * Gives the connection back to the pool. Idempotent.
     *
     * @param healthy whether the calls through it succeeded, which spares the next borrower a liveness probe
     */
    public synchronized void close(boolean healthy) {
        if (!released) {
            released = true;
            manager.release(entry, healthy);
        }
    }
}
