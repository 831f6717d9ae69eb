package io.conduit.core.run;

import java.io.IOException;
import java.nio.file.Path;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;

/** A pooled connection as a task sees it: usable, but opening and closing belong to the pool. */
final class BorrowedConnection implements Connection {
    private final Connection delegate;

    BorrowedConnection(Connection delegate) {
        this.delegate = delegate;
    }

    @Override
    public void open(ConnectionParams params) {
        throw new IllegalStateException("pooled connections are opened by the core");
    }

    @Override
    public ExecResult exec(Command command) throws IOException {
        return delegate.exec(command);
    }

    @Override
    public void put(Path local, String remotePath, int mode) throws IOException {
        delegate.put(local, remotePath, mode);
    }

    @Override
    public void fetch(String remotePath, Path local) throws IOException {
        delegate.fetch(remotePath, local);
    }

    @Override
    public boolean isAlive() {
        return delegate.isAlive();
    }

    @Override
    public void close() {
        // the pool owns the connection: a task's close must not end it for the next run
    }
}
