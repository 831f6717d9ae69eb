package io.conduit.core.run;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.Secret;

/**
 * A pooled connection as a task sees it: usable, but opening and closing belong to the pool. A command with
 * become gets the host's own become password ({@code data.become_password} in the inventory) where it has one;
 * otherwise it keeps the run's. Either becomes one of the run's secrets before the command is sent.
 */
final class BorrowedConnection implements Connection {
    /** The host's become password, read from the inventory when first needed. */
    interface BecomePassword {
        /** @return the password, or {@code null} when the host sets none @throws IOException unreadable */
        Secret get() throws IOException;
    }

    private final Connection delegate;
    private final BecomePassword becomePassword;
    private final RunSecrets secrets;

    BorrowedConnection(Connection delegate, BecomePassword becomePassword, RunSecrets secrets) {
        this.delegate = delegate;
        this.becomePassword = becomePassword;
        this.secrets = secrets;
    }

    @Override
    public void open(ConnectionParams params) {
        throw new IllegalStateException("pooled connections are opened by the core");
    }

    @Override
    public ExecResult exec(Command command) throws IOException {
        Become become = command.become();
        if (become != null) {
            Secret own = becomePassword.get();
            if (own != null) {
                command = command.withBecome(new Become(become.method(), become.user(), own));
            }
        }
        secrets.addAll(command);
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
    public List<String> warnings() {
        return delegate.warnings();
    }

    @Override
    public void close() {
        // the pool owns the connection: a task's close must not end it for the next run
    }
}
