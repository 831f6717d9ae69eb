package io.conduit.ssh.agent;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

import org.apache.sshd.agent.SshAgent;
import org.apache.sshd.agent.SshAgentFactory;
import org.apache.sshd.agent.SshAgentServer;
import org.apache.sshd.client.channel.PtyCapableChannelSession;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.channel.Channel;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.channel.ChannelListener;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Agent forwarding, as OpenSSH's {@code ForwardAgent yes}: the session's command channels ask the server for it
 * ({@code auth-agent-req@openssh.com}), the server then sets {@code SSH_AUTH_SOCK} for the command and opens an
 * {@value #CHANNEL_TYPE} channel back to us per agent connection, which is relayed byte for byte to the local
 * agent's socket (the protocol of draft-miller-ssh-agent; Conduit does not read it).
 *
 * <p>Whoever can use that socket on the host (the login user, and root) can then use every key of the local agent
 * for as long as the connection is open: enable it only for hosts you trust, as OpenSSH's manual warns. A server
 * (or a jump host) that opens an agent channel on a session where no channel asked for forwarding is refused.
 */
public final class AgentForwarding {
    /** The channel type the server opens towards the client for each agent connection (OpenSSH PROTOCOL). */
    public static final String CHANNEL_TYPE = "auth-agent@openssh.com";
    private static final Logger LOG = LoggerFactory.getLogger(AgentForwarding.class);
    private static final AttributeKey<Path> SOCKET = new AttributeKey<>();
    private static final AttributeKey<Boolean> REQUESTED = new AttributeKey<>();

    /** Marks each command channel of a forwarding session, before it is opened, to request forwarding. */
    private static final ChannelListener REQUEST = new ChannelListener() {
        @Override
        public void channelInitialized(Channel channel) {
            Session session = channel.getSession();
            if (channel instanceof PtyCapableChannelSession c && session.getAttribute(SOCKET) != null) {
                c.setAgentForwarding(true);
                session.setAttribute(REQUESTED, Boolean.TRUE);
            }
        }
    };

    private static final ChannelFactory CHANNELS = new ChannelFactory() {
        @Override
        public String getName() {
            return CHANNEL_TYPE;
        }

        @Override
        public Channel createChannel(Session session) {
            Path socket = session.getAttribute(SOCKET);
            if (socket == null || session.getAttribute(REQUESTED) == null) {
                LOG.warn("{}: the server opened an agent channel although Conduit did not ask for agent forwarding;"
                        + " refused (forward_agent is false for this host)", session);
                return null;
            }
            return new AgentRelayChannel(socket);
        }
    };

    private static final SshAgentFactory FACTORY = new SshAgentFactory() {
        @Override
        public List<ChannelFactory> getChannelForwardingFactories(FactoryManager manager) {
            return List.of(CHANNELS);
        }

        /** {@code null}: publickey authentication gets the agent from {@link AgentAuth}, per session. */
        @Override
        public SshAgent createClient(Session session, FactoryManager manager) {
            return null;
        }

        @Override
        public SshAgentServer createServer(ConnectionService service) {
            throw new UnsupportedOperationException("Conduit is an SSH client: it serves no agent to others");
        }
    };

    private AgentForwarding() {
    }

    /**
     * The agent factory to install on the MINA client ({@code SshClient.setAgentFactory}) before it starts: it
     * registers the {@value #CHANNEL_TYPE} channel, which relays only on sessions {@link #enable}d.
     *
     * @return the factory, shared
     */
    public static SshAgentFactory factory() {
        return FACTORY;
    }

    /**
     * Turns forwarding on for a session: every exec or shell channel opened on it afterwards requests agent
     * forwarding, and the server's agent channels are relayed to the socket.
     *
     * @param session the authenticated (or authenticating) session
     * @param socket the local agent's socket, the one used for authentication (OpenSSH forwards the
     *        {@code IdentityAgent})
     */
    public static void enable(Session session, Path socket) {
        Objects.requireNonNull(socket, "socket");
        if (session.setAttribute(SOCKET, socket) == null) {
            session.addChannelListener(REQUEST);
        }
        LOG.debug("{}: agent forwarding to {} enabled", session, socket);
    }

    /**
     * @param session a session
     * @return whether {@link #enable} was called for it
     */
    public static boolean enabled(Session session) {
        return session.getAttribute(SOCKET) != null;
    }
}
