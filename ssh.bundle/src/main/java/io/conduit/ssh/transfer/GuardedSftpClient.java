package io.conduit.ssh.transfer;

import java.io.IOException;

import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.BufferUtils;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpErrorDataHandler;
import org.apache.sshd.sftp.client.SftpVersionSelector;
import org.apache.sshd.sftp.client.impl.DefaultSftpClient;

/**
 * MINA's SFTP client, except that a first packet that is not SFTP closes only its channel. MINA (2.15
 * {@code DefaultSftpClient.receive}) throws {@code StreamCorruptedException} for a packet length above 256 KiB,
 * which closes the whole SSH session, and so every command in flight on the pooled connection. A login shell that
 * prints on start ("Welc" reads as a length of 1.4 GB) did exactly that; now the client's start fails with "Closing
 * while await init message" on a session that is still open, and the caller can look for the cause.
 */
final class GuardedSftpClient extends DefaultSftpClient {
    /** MINA's own limit for a packet's length. */
    private static final long MAX_PACKET = 256 * 1024;
    // no initializers: the super constructor already receives data (the server's version) through receive()
    private volatile boolean started;

    private GuardedSftpClient(ClientSession session) throws IOException {
        super(session, SftpVersionSelector.CURRENT, SftpErrorDataHandler.EMPTY);
    }

    /**
     * Opens SFTP on the session as {@code SftpClientFactory.instance().createSftpClient(session)} does.
     *
     * @param session the open session
     * @return the client, version negotiated
     * @throws IOException the subsystem is missing, or did not speak SFTP (the channel is closed, the session is not)
     */
    static SftpClient open(ClientSession session) throws IOException {
        GuardedSftpClient client = new GuardedSftpClient(session);
        try {
            client.negotiateVersion(SftpVersionSelector.CURRENT);
            return client;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    @Override
    protected boolean receive(Buffer incoming) throws IOException {
        if (!started && incoming.available() >= 4) {
            long length = BufferUtils.getUInt(incoming.array(), incoming.rpos(), 4);
            if (length < 5 || length > MAX_PACKET) {
                incoming.rpos(incoming.wpos()); // not SFTP: drop it, and end this channel only
                getClientChannel().close(true);
                return false;
            }
            started = true;
        }
        return super.receive(incoming);
    }
}
