package io.conduit.ssh;

import static io.conduit.ssh.Futures.await;
import static io.conduit.ssh.SshText.words;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.apache.sshd.client.future.AuthFuture;
import org.apache.sshd.client.session.ClientSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.AuthenticationFailedException;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.connection.Trace;
import io.conduit.api.connection.Secret;
import io.conduit.api.support.Durations;
import io.conduit.ssh.agent.AgentAuth;
import io.conduit.ssh.agent.AgentForwarding;

/**
 * Logging in on one hop: the host's key files, the ssh-agent (as OpenSSH's IdentityAgent: its keys after the
 * host's key files, before {@code ~/.ssh/id_*}) and the password, offered in that order within {@code auth_timeout};
 * a failure names what was tried.
 */
final class Login {
    private static final Logger LOG = LoggerFactory.getLogger(Login.class);

    private Login() {
    }

    /**
     * Authenticates {@code cs} as {@code ep.user()}.
     *
     * @param context the plugin's shared keys and environment
     * @param cs the session, after key exchange
     * @param ep the hop
     * @param s the host's settings
     * @param password the password, or {@code null} for none
     * @param hop the hop's name for messages
     * @param trace where {@code -v} lines go
     * @throws AuthenticationFailedException nothing to offer, or the server accepted nothing offered
     * @throws TimedOutException not done within {@code auth_timeout}
     * @throws ConnectFailedException the connection was lost during authentication
     * @throws IOException a key file could not be read
     */
    static void authenticate(ClientContext context, ClientSession cs, Endpoint ep, SshSettings s, Secret password,
            String hop, Trace trace)
            throws IOException {
        List<Identities.Identity> ids = context.identities.load(s.privateKeyFiles(), s.lookForKeys(),
                s.passphrase(), hop);
        for (Identities.Identity id : ids) {
            cs.addPublicKeyIdentity(id.pair());
        }
        if (password != null) {
            cs.addPasswordIdentity(password.reveal());
            cs.setUserInteraction(new PasswordInteraction(password));
        } else {
            cs.setUserInteraction(PasswordInteraction.NONE);
        }
        // ssh-agent, as OpenSSH's IdentityAgent: its keys after the host's key files, before ~/.ssh/id_*
        Path agentSocket = s.identityAgentSocket(context.environment);
        try (AgentAuth agent = agentSocket == null ? null
                : AgentAuth.attach(cs, agentSocket, s.authTimeout())) {
            boolean explicit = !s.privateKeyFiles().isEmpty();
            String files = ids.isEmpty() ? null : "publickey (" + String.join(", ", ids.stream()
                    .map(i -> i.file().toString()).distinct().toList()) + ")";
            List<String> tried = new ArrayList<>();
            if (explicit && files != null) {
                tried.add(files);
            }
            if (agent != null && agent.reachable()) {
                List<java.security.KeyPair> pairs = ids.stream().map(Identities.Identity::pair).toList();
                agent.offerAround(explicit ? pairs : List.of(), explicit ? List.of() : pairs);
                if (agent.keys() > 0) {
                    tried.add("agent (" + agent.keys() + (agent.keys() == 1 ? " key)" : " keys)"));
                }
                if (s.forwardAgent()) {
                    AgentForwarding.enable(cs, agentSocket);
                }
            } else if (s.forwardAgent()) {
                LOG.debug("{}: forward_agent is true but no agent is forwarded: {}", hop,
                        agentAbsence(s, agentSocket, agent));
            }
            if (!explicit && files != null) {
                tried.add(files);
            }
            if (password != null) {
                tried.add("password, keyboard-interactive");
            }
            if (trace.on(Trace.DETAIL)) {
                trace.line(Trace.DETAIL, "ssh: " + hop + ": auth: offering " + (tried.isEmpty() ? "nothing"
                        : String.join("; ", tried)) + (agent == null || !agent.reachable() ? "; no ssh-agent ("
                        + agentAbsence(s, agentSocket, agent) + ")" : ""));
            }
            if (tried.isEmpty()) {
                cs.close(true);
                throw new AuthenticationFailedException(hop + ": no credentials to offer: no password, no"
                        + " private_key_file, no ~/.ssh/id_ed25519, id_ecdsa or id_rsa and no ssh-agent key ("
                        + agentAbsence(s, agentSocket, agent) + "); set one in the inventory");
            }
            AuthFuture af = cs.auth();
            if (!await(af, s.authTimeout().toNanos())) {
                af.cancel();
                cs.close(true);
                throw new TimedOutException(hop + ": authentication did not finish within "
                        + Durations.exact(s.authTimeout()) + " (auth_timeout)", s.authTimeout());
            }
            if (!af.isSuccess()) {
                Throwable cause = af.getException();
                cs.close(true);
                if (cause != null && !(cause instanceof org.apache.sshd.common.SshException) && cs.isClosed()
                        && !String.valueOf(cause.getMessage()).contains("authentication")) {
                    throw new ConnectFailedException(hop + ": connection lost during authentication ("
                            + words(cause) + "); check that sshd still runs on the host", cause);
                }
                throw new AuthenticationFailedException(hop + ": authentication failed for user " + ep.user()
                        + " (tried " + String.join("; ", tried) + (agent != null && agent.keys() == 0
                                ? "; not the agent: " + agentAbsence(s, agentSocket, agent) : "")
                        + "). Check the username, the password or that the"
                        + " public key is in the user's authorized_keys on the host", cause);
            }
        }
    }

    /** Why no agent key is offered, for messages: none configured, the variable unset, unreachable or empty. */
    private static String agentAbsence(SshSettings s, Path socket, AgentAuth agent) {
        if (socket == null) {
            return s.identityAgent().equals(SshSettings.NO_AGENT) ? "identity_agent is none"
                    : s.identityAgent().replaceFirst("^\\$", "") + " is not set in Conduit's environment";
        }
        if (agent.problem() != null) {
            return agent.problem();
        }
        return "the ssh-agent at " + socket + " holds no keys; add one with ssh-add";
    }
}
