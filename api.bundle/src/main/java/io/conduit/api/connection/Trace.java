package io.conduit.api.connection;

import org.osgi.annotation.versioning.ProviderType;

/**
 * Where a connection tells, as it happens, what it does for one host: the operator's {@code -v}, {@code -vv},
 * {@code -vvv} (Ansible's convention). The core makes one per host and run and passes it to
 * {@link Connection#open(ConnectionParams, Trace)} and to every call; a pooled connection reused by a later run
 * therefore traces into that run, never into the one that opened it. The core hands each line, with the host's
 * name, to the run's {@code RunListener.trace}; the shell prints it on standard error as {@code HOST: LINE}.
 *
 * <p>Cost: when tracing is off, {@link #on} returns {@code false} and a plugin builds no text. Guard every line:
 * <pre>
 * if (trace.on(Trace.DETAIL)) {
 *     trace.line(Trace.DETAIL, "auth: publickey accepted (" + keyName + ")");
 * }
 * </pre>
 *
 * <p>Never trace a secret (password, passphrase, token, private key, a command's stdin or environment values):
 * name it, never show its value. Lines are single lines; the core replaces line breaks.
 *
 * <p>Threading: called from the thread making the call and from a plugin's own I/O threads; implementations are
 * thread safe and quick (they never block on the host).
 */
@ProviderType
public interface Trace {
    /** Level 1 ({@code -v}): the endpoint and plugin, opened or reused, the command sent, its exit, transfers. */
    int CONNECTION = 1;
    /**
     * Level 2 ({@code -vv}): where each connection value came from, authentication methods tried and which one
     * succeeded, the host key or TLS peer check, the peer's capabilities.
     */
    int DETAIL = 2;
    /** Level 3 ({@code -vvv}): protocol steps: channels, requests, wrapper sizes, heartbeats, stop reports. */
    int PROTOCOL = 3;

    /** A trace that shows nothing. */
    Trace OFF = new Trace() {
        @Override
        public boolean on(int level) {
            return false;
        }

        @Override
        public void line(int level, String text) {
        }
    };

    /**
     * Tells whether lines at a level are shown; check it before building a line's text.
     *
     * @param level {@link #CONNECTION}, {@link #DETAIL} or {@link #PROTOCOL}
     * @return {@code true} when the operator asked for that much
     */
    boolean on(int level);

    /**
     * Shows one line, if its level is on.
     *
     * @param level {@link #CONNECTION}, {@link #DETAIL} or {@link #PROTOCOL}
     * @param text what happened, without the host's name (the core adds it) and without any secret
     */
    void line(int level, String text);
}
