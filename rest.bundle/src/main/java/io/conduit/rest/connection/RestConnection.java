package io.conduit.rest.connection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.api.connection.Trace;
import io.conduit.api.support.FileProblemProbe;
import io.conduit.api.connection.Secret;
import io.conduit.rest.client.Capabilities;
import io.conduit.rest.client.DeviceClient;
import io.conduit.rest.plugin.RestSettings;

/**
 * One host reached through the REST device protocol (rest.bundle/PROTOCOL.md): the connection's lifecycle over
 * a {@link DeviceClient}, with its commands in {@link Commands} and its file transfers in {@link Transfers}. HTTP
 * is stateless, so "open" means: settings resolved, TLS set up, {@code GET health} answered. Calls from several
 * threads run side by side; {@link #close} stops the commands in progress and cancels the calls in flight.
 */
public final class RestConnection implements Connection {
    private static final Logger LOG = LoggerFactory.getLogger(RestConnection.class);

    private final ConnectionKey key;
    private final RestContext context;
    private final RestSettings defaults;
    /** The host's address for messages: its inventory name until {@link #open} resolves it. */
    private volatile String where;
    /** The device's client from {@link #open} on (its requests in flight are what close cancels). */
    private volatile DeviceClient client;
    /** Set once the device answered its health request: the connection is usable. */
    private volatile Session session;
    private volatile boolean closed;

    /** An open connection's parts, made together once the device said what it offers. */
    private record Session(Capabilities capabilities, boolean raw, Commands commands, Transfers transfers) {
    }

    /**
     * @param key the host and plugin
     * @param context the plugin's shared state; the connection removes itself from its open set when it closes
     * @param defaults the plugin's defaults when the connection was made; the host's extras win over them
     */
    public RestConnection(ConnectionKey key, RestContext context, RestSettings defaults) {
        this.key = key;
        this.context = context;
        this.defaults = defaults;
        this.where = key.host();
    }

    @Override
    public void open(ConnectionParams params) throws IOException {
        open(params, Trace.OFF);
    }

    @Override
    public void open(ConnectionParams params, Trace trace) throws IOException {
        RestSettings s;
        try {
            s = defaults.forHost(params);
        } catch (IllegalArgumentException e) {
            throw new ConnectionException(key.host() + ": connection_options.rest.extras." + e.getMessage());
        }
        int port = params.portOr(s.port());
        String host = params.hostname();
        where = (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        // only the token option: a host's password may be meant for another plugin (ssh) and must not travel here
        Secret t = params.secret(RestSettings.TOKEN);
        DeviceClient c = DeviceClient.connect(key.host(), where, host, port, s, t != null && !t.isEmpty() ? t : null,
                context.clients(), trace);
        client = c;
        Capabilities offered = c.health(trace);
        boolean raw = offered.has(Capabilities.RAW_FILES) && s.rawFiles();
        Commands commands = new Commands(key.host(), c, offered);
        session = new Session(offered, raw, commands, new Transfers(c, offered, raw, commands));
        if (trace.on(Trace.DETAIL)) {
            trace.line(Trace.DETAIL, "rest: capabilities: " + offered.listed() + "(raw file streaming "
                    + (raw ? "on" : "off") + ")");
        }
        LOG.debug("{}: opened {} (raw file streaming {})", where, c.base(), raw ? "on" : "off");
    }

    @Override
    public ExecResult exec(Command command) throws IOException {
        return exec(command, Trace.OFF);
    }

    @Override
    public ExecResult exec(Command command, Trace trace) throws IOException {
        return ready().commands().exec(command, trace);
    }

    @Override
    public void put(Path local, String remotePath, int mode) throws IOException {
        put(local, remotePath, mode, Trace.OFF);
    }

    /**
     * {@inheritDoc}
     *
     * <p>One {@code PUT}, whose answer the device gives after it read the whole body, refusals included
     * (PROTOCOL.md, {@code PUT /files}): the JDK's client reads the answer only after it sent the body, and its
     * {@code Expect: 100-continue} waits forever for a device that answers a refusal instead of {@code 100}
     * (JDK-8286171; measured on 17.0.15 over HTTP/1.1), so it is not asked. A refusal of the device is never
     * retried. The only retry (up to {@code retries}) is after the connection failed before any byte of the body
     * went out (a pooled connection the device had closed): the device cannot have acted on a body it never got.
     * A device that names the cause (PROTOCOL.md, "Errors": {@code "problem"}, or an {@code errno} text in its
     * {@code error}) gives a {@link TransferFailedException}; after a generic failure (a 5xx without a cause, or
     * the connection lost while the body was going out, as older agents close a refused upload) the cause is
     * found on the device with {@link FileProblemProbe} rather than guessed.
     *
     * @throws TransferFailedException the device refused for a cause of its file system (no space, quota, a
     *         directory, read-only, permission, a missing directory, a name too long); the device removed its
     *         temporary file
     */
    @Override
    public void put(Path local, String remotePath, int mode, Trace trace) throws IOException {
        ready().transfers().put(local, remotePath, mode, trace);
    }

    @Override
    public void fetch(String remotePath, Path local) throws IOException {
        fetch(remotePath, local, Trace.OFF);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The local file gets the device file's permission bits when the device sends them ({@code X-Conduit-Mode}
     * on a raw answer, {@code "mode"} in JSON; the reference agent always does); a device that does not send
     * them gives a file readable by its owner only ({@code 0600}), as nothing says what it may hold.
     *
     * @throws TransferFailedException the device refused for a cause of its file system (the path is a
     *         directory, permission), or the local file could not be written (no space, read-only, ...); no
     *         local file was created or changed
     */
    @Override
    public void fetch(String remotePath, Path local, Trace trace) throws IOException {
        ready().transfers().fetch(remotePath, local, trace);
    }

    /** Plain HTTP with a token and unverified TLS, the choices that expose the token, for the console. */
    @Override
    public List<String> warnings() {
        DeviceClient c = client;
        if (c == null) {
            return List.of();
        }
        RestSettings s = c.settings();
        if (!s.useSsl()) {
            return !c.hasToken() ? List.of() : List.of("use_ssl: false with a token (allow_plain_http_token: true;"
                    + " the token crosses the network in clear text)");
        }
        return s.verifySsl() ? List.of() : List.of("verify_ssl: false (the device's certificate is not checked;"
                + " anyone in between can read the token)");
    }

    @Override
    public boolean isAlive() {
        DeviceClient c = client;
        if (closed || c == null || c.released()) {
            return false;
        }
        try {
            c.ping();
            return true;
        } catch (IOException e) {
            LOG.debug("{}: not alive: {}", where, e.getMessage());
            return false;
        }
    }

    /**
     * Closes the connection, in bounded time: the device is asked to stop the commands in progress (their exec
     * calls get the partial output and the device's report), the calls still in flight are cancelled, and the
     * {@code disconnect_method} request is sent when one is set. Calling it again does nothing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        DeviceClient c = client;
        Session s = session;
        if (c != null) {
            c.beginClose();
            List<Stops.Exec> running = s == null ? List.of() : s.commands().stopAll();
            c.cancelInFlight();
            Stops.drop(running);
            if (s != null && !c.errors().unreachable()) {
                c.disconnect();
            }
            c.release();
        }
        context.open().remove(this);
    }

    /** @return whether the device offered raw file streaming and it is used */
    public boolean rawFiles() {
        Session s = session;
        return s != null && s.raw();
    }

    @Override
    public String toString() {
        DeviceClient c = client;
        return "RestConnection[" + key + " " + (c == null ? "unopened" : c.base()) + "]";
    }

    private Session ready() throws ConnectionException {
        Session s = session;
        if (closed) {
            throw new ConnectionException(where + ": the connection is closed");
        }
        if (s == null) {
            throw new ConnectionException(where + ": the connection is not open");
        }
        return s;
    }
}
