package io.conduit.ssh.transfer;

import java.io.IOException;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.ExecResult;

/**
 * Runs the helper commands of a transfer (sha256sum, chmod and mv, the failure probe) on the transfer's own
 * session: the exec channels of the connection, never the connection itself.
 */
@FunctionalInterface
public interface RemoteShell {
    /**
     * @param command the helper command, with its own timeout
     * @return its result
     * @throws IOException the command could not run
     */
    ExecResult run(Command command) throws IOException;
}
