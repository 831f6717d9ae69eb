package io.conduit.ssh.agent;

import java.io.IOException;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.sshd.agent.SshAgent;
import org.apache.sshd.agent.SshAgentKeyConstraint;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.session.SessionContext;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MINA's {@link SshAgent} over an {@link AgentClient}: MINA's {@code KeyAgentIdentity} asks it to sign during
 * publickey authentication. Keys the agent holds but MINA cannot decode (security keys, unknown types) are left
 * out. Read-only: Conduit never adds or removes agent keys.
 */
final class MinaAgent implements SshAgent {
    private static final Logger LOG = LoggerFactory.getLogger(MinaAgent.class);

    private record Key(PublicKey key, byte[] blob, String comment) {
    }

    private final AgentClient client;
    private final List<Key> keys;

    private MinaAgent(AgentClient client, List<Key> keys) {
        this.client = client;
        this.keys = keys;
    }

    /**
     * Lists the agent's keys once and keeps them.
     *
     * @param client a connected client; closed with this agent
     * @return the agent
     * @throws IOException the agent did not list its keys
     */
    static MinaAgent of(AgentClient client) throws IOException {
        List<Key> keys = new ArrayList<>();
        for (AgentClient.Identity id : client.identities()) {
            try {
                keys.add(new Key(new ByteArrayBuffer(id.blob()).getRawPublicKey(), id.blob(), id.comment()));
            } catch (IOException | RuntimeException e) {
                LOG.debug("ssh-agent at {}: skipping a {} key Conduit cannot use: {}", client.socket(), id.type(),
                        e.getClass().getSimpleName());
            }
        }
        return new MinaAgent(client, List.copyOf(keys));
    }

    /** @return the number of usable keys */
    int size() {
        return keys.size();
    }

    @Override
    public Iterable<? extends Map.Entry<PublicKey, String>> getIdentities() {
        List<Map.Entry<PublicKey, String>> out = new ArrayList<>(keys.size());
        for (Key k : keys) {
            out.add(new SimpleImmutableEntry<>(k.key(), k.comment()));
        }
        return out;
    }

    /**
     * Signs with the agent, choosing the RSA flag from the algorithm as draft-miller-ssh-agent section 4.5.1
     * (and RFC 8332) says.
     */
    @Override
    public Map.Entry<String, byte[]> sign(SessionContext session, PublicKey key, String algo, byte[] data)
            throws IOException {
        byte[] blob = null;
        for (Key k : keys) {
            if (KeyUtils.compareKeys(k.key(), key)) {
                blob = k.blob();
                break;
            }
        }
        if (blob == null) {
            throw new IOException("ssh-agent at " + client.socket() + " does not hold that " + KeyUtils.getKeyType(key)
                    + " key");
        }
        AgentClient.Signature sig = client.sign(blob, data, flags(algo));
        return new SimpleImmutableEntry<>(sig.algorithm(), sig.bytes());
    }

    /**
     * The sign request flags for a signature algorithm.
     *
     * @param algorithm e.g. {@code rsa-sha2-512}, {@code rsa-sha2-256-cert-v01@openssh.com}, {@code ssh-ed25519}
     * @return {@link AgentClient#SSH_AGENT_RSA_SHA2_512}, {@link AgentClient#SSH_AGENT_RSA_SHA2_256} or 0
     */
    static int flags(String algorithm) {
        if (algorithm == null) {
            return 0;
        }
        if (algorithm.startsWith("rsa-sha2-512")) {
            return AgentClient.SSH_AGENT_RSA_SHA2_512;
        }
        if (algorithm.startsWith("rsa-sha2-256")) {
            return AgentClient.SSH_AGENT_RSA_SHA2_256;
        }
        return 0;
    }

    @Override
    public void addIdentity(KeyPair key, String comment, SshAgentKeyConstraint... constraints) {
        throw new UnsupportedOperationException("Conduit does not add keys to ssh-agent");
    }

    @Override
    public void removeIdentity(PublicKey key) {
        throw new UnsupportedOperationException("Conduit does not remove keys from ssh-agent");
    }

    @Override
    public void removeAllIdentities() {
        throw new UnsupportedOperationException("Conduit does not remove keys from ssh-agent");
    }

    @Override
    public boolean isOpen() {
        return client.isOpen();
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return "MinaAgent[" + client.socket() + ", " + keys.size() + " keys]";
    }
}
