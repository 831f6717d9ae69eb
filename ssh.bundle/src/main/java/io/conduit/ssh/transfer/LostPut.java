package io.conduit.ssh.transfer;

import java.io.IOException;

import io.conduit.api.connection.ConnectFailedException;

/**
 * The session died during a put: the host's end of the transfer (its sftp-server, scp or sh) died with it, before
 * anything there removed the temporary file. Whoever owns the connection decides how to remove that file (a fresh
 * connection, or the next one) and then turns this into the operator's message with {@link #outcome}.
 */
public final class LostPut extends IOException {
    private static final long serialVersionUID = 1L;

    private final String where;
    private final String remote;
    private final String temporary;

    LostPut(String where, String remote, String temporary, IOException cause) {
        super(where + ": put " + Scp.printable(remote) + ": the connection was lost during the transfer", cause);
        this.where = where;
        this.remote = remote;
        this.temporary = temporary;
    }

    /** @return the temporary file's path on the host, which may be left there */
    public String temporary() {
        return temporary;
    }

    /**
     * @param removed whether the temporary file is gone now
     * @return the failure for the caller of the put, saying what became of the temporary file
     */
    public ConnectFailedException outcome(boolean removed) {
        return new ConnectFailedException(where + ": put " + Scp.printable(remote) + ": the connection was lost"
                + " during the transfer (sshd on the host went away, or the network failed); the temporary file "
                + Scp.printable(temporary) + (removed ? " was removed" : " may be left on the host; it is removed at"
                        + " the next connection to the host"), getCause());
    }
}
