package io.conduit.ssh.agent;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.apache.sshd.client.auth.UserAuthFactory;
import org.apache.sshd.client.auth.pubkey.KeyAgentIdentity;
import org.apache.sshd.client.auth.pubkey.KeyPairIdentity;
import org.apache.sshd.client.auth.pubkey.PublicKeyIdentity;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKey;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository.AttributeKey;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.signature.Signature;
import org.apache.sshd.common.signature.SignatureFactoriesManager;
import org.apache.sshd.common.util.buffer.Buffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ssh-agent's part in one session's publickey authentication, as OpenSSH's {@code IdentityAgent}: the keys of
 * the agent are offered after the explicitly configured key files and before the default {@code ~/.ssh/id_*}
 * files, each key once (a key file the agent also holds is offered as the file, a default file the agent holds
 * through the agent). The agent signs; private keys never leave it.
 *
 * <p>Use: {@link #attach} before {@code ClientSession.auth()}, {@link #offerAround} with the key files, then
 * {@link #close()} when authentication has ended. The client must use {@link #publicKeyFactory()} for
 * {@code publickey}; without an attached agent it behaves as MINA's own.
 */
public final class AgentAuth implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(AgentAuth.class);
    private static final AttributeKey<AgentAuth> ATTRIBUTE = new AttributeKey<>();
    private static final UserAuthPublicKeyFactory FACTORY = new UserAuthPublicKeyFactory() {
        @Override
        public UserAuthPublicKey createUserAuth(ClientSession session) {
            return new PublicKeyAuth(getSignatureFactories());
        }
    };

    private final ClientSession session;
    private final Path socket;
    private final MinaAgent agent;
    private final String problem;
    private volatile List<KeyPair> before = List.of();
    private volatile List<KeyPair> after = List.of();

    private AgentAuth(ClientSession session, Path socket, MinaAgent agent, String problem) {
        this.session = session;
        this.socket = socket;
        this.agent = agent;
        this.problem = problem;
    }

    /**
     * Connects to the agent and lists its keys for one session. Never fails: an agent that cannot be reached or
     * does not answer is recorded in {@link #problem()}, and authentication goes on without it, as OpenSSH does.
     *
     * @param session the session about to authenticate
     * @param socket the agent's UNIX-domain socket ({@code SSH_AUTH_SOCK} or {@code identity_agent})
     * @param timeout how long connecting and each agent request may take (the auth timeout)
     * @return the attachment; close it when authentication has ended
     */
    public static AgentAuth attach(ClientSession session, Path socket, Duration timeout) {
        Objects.requireNonNull(session, "session");
        Objects.requireNonNull(socket, "socket");
        AgentClient client;
        try {
            client = AgentClient.connect(socket, timeout);
        } catch (IOException e) {
            LOG.debug("{}: {}", session, e.getMessage());
            return new AgentAuth(session, socket, null, e.getMessage());
        }
        MinaAgent agent;
        try {
            agent = MinaAgent.of(client);
        } catch (IOException e) {
            client.close();
            LOG.debug("{}: ssh-agent at {} did not list its keys: {}", session, socket, e.getMessage());
            return new AgentAuth(session, socket, null, "ssh-agent at " + socket + " did not list its keys ("
                    + e.getMessage() + ")");
        }
        AgentAuth a = new AgentAuth(session, socket, agent, null);
        session.setAttribute(ATTRIBUTE, a);
        LOG.debug("{}: ssh-agent at {} offers {} key(s)", session, socket, agent.size());
        return a;
    }

    /**
     * Sets the key files to offer around the agent's keys; the session's own identities are then not consulted.
     *
     * @param explicit key files configured for the host ({@code private_key_file}), offered first
     * @param defaults the default {@code ~/.ssh/id_*} keys, offered after the agent's
     */
    public void offerAround(List<KeyPair> explicit, List<KeyPair> defaults) {
        before = List.copyOf(explicit);
        after = List.copyOf(defaults);
    }

    /** @return the socket this attachment is for */
    public Path socket() {
        return socket;
    }

    /** @return whether the agent answered and its keys are offered */
    public boolean reachable() {
        return agent != null;
    }

    /** @return the number of usable keys the agent offers; 0 when it cannot be reached */
    public int keys() {
        return agent == null ? 0 : agent.size();
    }

    /**
     * @return why the agent is not used, naming the socket (e.g. {@code ssh-agent socket /tmp/a cannot be reached
     *         (no such file); is ssh-agent running?}), or {@code null} when it is
     */
    public String problem() {
        return problem;
    }

    /** Disconnects from the agent; the session forgets it. Idempotent. */
    @Override
    public void close() {
        if (session.getAttribute(ATTRIBUTE) == this) {
            session.removeAttribute(ATTRIBUTE);
        }
        if (agent != null) {
            agent.close();
        }
    }

    /**
     * MINA's {@code publickey} method, with the order of this class when an agent is attached to the session.
     * Install it on the client in place of {@code UserAuthPublicKeyFactory.INSTANCE}.
     *
     * @return the factory, shared
     */
    public static UserAuthFactory publicKeyFactory() {
        return FACTORY;
    }

    /** The identities in the order to offer: explicit files, agent keys, default files; each key once. */
    private List<PublicKeyIdentity> identities(ClientSession s, SignatureFactoriesManager signatures) {
        List<PublicKeyIdentity> out = new ArrayList<>();
        List<PublicKey> seen = new ArrayList<>();
        for (KeyPair kp : before) {
            if (add(seen, kp.getPublic())) {
                out.add(new KeyPairIdentity(signatures, s, kp));
            }
        }
        for (Map.Entry<PublicKey, String> e : agent.getIdentities()) {
            if (add(seen, e.getKey())) {
                out.add(new KeyAgentIdentity(agent, e.getKey(), e.getValue()));
            }
        }
        for (KeyPair kp : after) {
            if (add(seen, kp.getPublic())) {
                out.add(new KeyPairIdentity(signatures, s, kp));
            }
        }
        return out;
    }

    private static boolean add(List<PublicKey> seen, PublicKey key) {
        for (PublicKey k : seen) {
            if (KeyUtils.compareKeys(k, key)) {
                return false;
            }
        }
        seen.add(key);
        return true;
    }

    @Override
    public String toString() {
        return "AgentAuth[" + socket + ", " + (agent == null ? problem : keys() + " keys") + "]";
    }

    /** An agent key the agent would not sign with; thrown through MINA's signing path, caught around it. */
    private static final class AgentSignFailed extends Exception {
        private static final long serialVersionUID = 1L;

        AgentSignFailed(Exception cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * {@code publickey} whose keys come from the attached agent's order when there is one. When the agent does not
     * sign with one of its keys (confirmation denied, key removed meanwhile), the next key is tried, as OpenSSH
     * does, instead of ending the session.
     */
    private static final class PublicKeyAuth extends UserAuthPublicKey {
        PublicKeyAuth(List<NamedFactory<Signature>> factories) {
            super(factories);
        }

        @Override
        protected byte[] appendSignature(ClientSession session, String service, String name, String username,
                String algo, PublicKey key, PublicKey serverKey, Buffer buffer) throws Exception {
            try {
                return super.appendSignature(session, service, name, username, algo, key, serverKey, buffer);
            } catch (Exception e) {
                throw current instanceof KeyAgentIdentity ? new AgentSignFailed(e) : e;
            }
        }

        @Override
        protected boolean processAuthDataRequest(ClientSession session, String service, Buffer buffer)
                throws Exception {
            try {
                return super.processAuthDataRequest(session, service, buffer);
            } catch (AgentSignFailed e) {
                KeyAgentIdentity id = (KeyAgentIdentity) current;
                LOG.warn("{}: ssh-agent did not sign with its {} key \"{}\" ({}); trying the next key", session,
                        KeyUtils.getKeyType(id.getKeyIdentity().getPublic()), id.getComment(), e.getMessage());
                currentAlgorithms.clear(); // no other signature algorithm of this key either
                return sendAuthDataRequest(session, service);
            }
        }

        @Override
        protected Iterator<PublicKeyIdentity> createPublicKeyIterator(ClientSession session,
                SignatureFactoriesManager manager) throws Exception {
            AgentAuth attached = session.getAttribute(ATTRIBUTE);
            if (attached == null || attached.agent == null) {
                return super.createPublicKeyIterator(session, manager);
            }
            return attached.identities(session, manager).iterator();
        }
    }
}
