package io.conduit.ssh;

import java.security.KeyPair;
import java.util.List;

import org.apache.sshd.client.auth.password.PasswordAuthenticationReporter;
import org.apache.sshd.client.auth.pubkey.PublicKeyAuthenticationReporter;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.config.keys.KeyUtils;

import io.conduit.api.connection.Trace;

/**
 * Tells a connection's trace ({@code -vv}) which authentication methods MINA tries on one hop and which one the
 * server accepts. Keys are named by type and fingerprint; passwords never appear, only that one was tried.
 * Called on MINA's I/O threads.
 */
final class AuthTrace {
    private AuthTrace() {
    }

    /**
     * Reports the hop's authentication to the trace, when it shows {@link Trace#DETAIL}.
     *
     * @param cs the hop's session, before {@code auth()}
     * @param trace the opening run's trace
     * @param hop {@code user@host:port}, for the lines
     */
    static void attach(ClientSession cs, Trace trace, String hop) {
        if (!trace.on(Trace.DETAIL)) {
            return;
        }
        cs.setPublicKeyAuthenticationReporter(new PublicKeyAuthenticationReporter() {
            @Override
            public void signalAuthenticationAttempt(ClientSession session, String service, KeyPair identity,
                    String signature) {
                trace.line(Trace.DETAIL, "ssh: " + hop + ": auth: trying publickey " + key(identity));
            }

            @Override
            public void signalAuthenticationSuccess(ClientSession session, String service, KeyPair identity) {
                trace.line(Trace.DETAIL, "ssh: " + hop + ": auth: publickey " + key(identity) + " accepted");
            }

            @Override
            public void signalAuthenticationFailure(ClientSession session, String service, KeyPair identity,
                    boolean partial, List<String> serverMethods) {
                trace.line(Trace.DETAIL, "ssh: " + hop + ": auth: publickey " + key(identity) + " refused"
                        + (partial ? " (partial success)" : "") + "; the server accepts " + serverMethods);
            }

            @Override
            public void signalAuthenticationExhausted(ClientSession session, String service) {
                trace.line(Trace.DETAIL, "ssh: " + hop + ": auth: no more keys to offer");
            }
        });
        cs.setPasswordAuthenticationReporter(new PasswordAuthenticationReporter() {
            @Override
            public void signalAuthenticationAttempt(ClientSession session, String service, String oldPassword,
                    boolean modified, String newPassword) {
                trace.line(Trace.DETAIL, "ssh: " + hop + ": auth: trying password");
            }

            @Override
            public void signalAuthenticationSuccess(ClientSession session, String service, String password) {
                trace.line(Trace.DETAIL, "ssh: " + hop + ": auth: password accepted");
            }

            @Override
            public void signalAuthenticationFailure(ClientSession session, String service, String password,
                    boolean partial, List<String> serverMethods) {
                trace.line(Trace.DETAIL, "ssh: " + hop + ": auth: password refused"
                        + (partial ? " (partial success)" : "") + "; the server accepts " + serverMethods);
            }
        });
    }

    private static String key(KeyPair identity) {
        return identity == null || identity.getPublic() == null ? "(no key)"
                : KeyUtils.getKeyType(identity.getPublic()) + " " + KeyUtils.getFingerPrint(identity.getPublic());
    }
}
