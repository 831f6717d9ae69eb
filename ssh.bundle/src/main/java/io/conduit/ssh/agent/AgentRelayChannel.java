package io.conduit.ssh.agent;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Collections;

import org.apache.sshd.client.future.DefaultOpenFuture;
import org.apache.sshd.client.future.OpenFuture;
import org.apache.sshd.common.Closeable;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.channel.ChannelOutputStream;
import org.apache.sshd.common.util.ExceptionUtils;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.server.channel.AbstractServerChannel;

/**
 * One forwarded agent connection: the {@code auth-agent@openssh.com} channel the server opened, relayed byte for
 * byte to a new connection to the local agent's socket (as OpenSSH's client does). One daemon thread per channel
 * copies the agent's answers back; the server's requests are written to the agent on MINA's thread.
 */
final class AgentRelayChannel extends AbstractServerChannel {
    private final java.nio.file.Path socket;
    private SocketChannel agent;
    private ChannelOutputStream out;

    AgentRelayChannel(java.nio.file.Path socket) {
        super("", Collections.emptyList(), null);
        this.socket = socket;
    }

    @Override
    protected OpenFuture doInit(Buffer buffer) {
        OpenFuture f = new DefaultOpenFuture(this, this);
        String event = "auth-agent";
        try {
            agent = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                agent.connect(UnixDomainSocketAddress.of(socket));
            } catch (IOException | RuntimeException e) {
                throw new IOException(AgentClient.unreachable(socket, e), e);
            }
            out = new ChannelOutputStream(this, getRemoteWindow(), log, SshConstants.SSH_MSG_CHANNEL_DATA, true);
            Thread t = new Thread(this::pump, "conduit-agent-forward-" + getChannelId());
            t.setDaemon(true);
            signalChannelOpenSuccess();
            f.setOpened();
            t.start();
        } catch (Throwable e) {
            Throwable cause = ExceptionUtils.peelException(e);
            event = cause.getClass().getSimpleName();
            log.warn("agent forwarding for {}: {}", getSession(), cause.getMessage());
            closeAgent();
            signalChannelOpenFailure(cause);
            f.setException(cause);
        } finally {
            notifyStateChanged(event);
        }
        return f;
    }

    /** Agent to server, until the agent or the channel closes. */
    private void pump() {
        ByteBuffer b = ByteBuffer.allocate(8192);
        try {
            while (true) {
                b.clear();
                int n = agent.read(b);
                if (n < 0) {
                    break;
                }
                out.write(b.array(), 0, n);
                out.flush();
            }
        } catch (IOException | RuntimeException e) {
            if (!isClosing() && !isClosed()) {
                log.debug("agent forwarding channel {}: {}", this, e.toString());
            }
        } finally {
            try {
                out.close(); // EOF to the server
            } catch (IOException | RuntimeException e) {
                // the channel is closing anyway
            }
            close(false);
        }
    }

    /** Server to agent. Agent messages are small: the blocking write returns at once. */
    @Override
    protected void doWriteData(byte[] data, int off, long len) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(data, off, (int) len);
        while (b.hasRemaining()) {
            agent.write(b);
        }
        getLocalWindow().release(len);
    }

    @Override
    protected void doWriteExtendedData(byte[] data, int off, long len) throws IOException {
        getLocalWindow().release(len); // an agent channel carries no stderr: drop it
    }

    /** The server's side is done: the agent sees end of input, answers what it has and closes. */
    @Override
    public void handleEof() throws IOException {
        super.handleEof();
        try {
            if (agent != null && agent.isOpen()) {
                agent.shutdownOutput();
            }
        } catch (IOException e) {
            closeAgent();
        }
    }

    @Override
    protected Closeable getInnerCloseable() {
        return builder().close(super.getInnerCloseable()).run(toString(), this::closeAgent).build();
    }

    private void closeAgent() {
        SocketChannel a = agent;
        if (a != null) {
            try {
                a.close();
            } catch (IOException e) {
                // nothing left to release
            }
        }
    }
}
