package io.conduit.rest.connection;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

import javax.net.ssl.SSLException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.conduit.api.connection.AuthenticationFailedException;
import io.conduit.api.connection.Become;
import io.conduit.api.connection.BecomeFailedException;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.support.FileNames;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.support.FileProblemProbe;
import io.conduit.api.support.OutputBuffer;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.support.Secret;
import io.conduit.api.support.ShellCommand;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.connection.Trace;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.rest.plugin.RestSettings;
import io.conduit.rest.tls.ClientTls;

/**
 * One host reached through the REST device protocol (rest.bundle/PROTOCOL.md) with the JDK's HTTP client. HTTP
 * is stateless, so "open" means: settings resolved, TLS set up, {@code GET health} answered. Calls from several
 * threads run side by side; {@link #close} cancels the calls in flight.
 */
public final class RestConnection implements Connection {
    /** The capability a device's /health lists when it takes and gives application/octet-stream file bodies. */
    public static final String RAW_FILES = "raw_files";
    /** The capability a device's /health lists when it takes {@code DELETE EXEC_PATH?id=ID} to kill a command. */
    public static final String CANCEL = "cancel";
    /**
     * The capability a device's /health lists when it takes {@code "become"} in a command request and runs sudo or
     * su itself, giving the password only when they ask. Without it, become is refused.
     */
    public static final String BECOME = "become";
    /**
     * The capability a device's /health lists when it takes {@code "heartbeat"}: it answers a command as soon as
     * it started, writes a space every interval, and stops the command when it cannot (the client is gone).
     */
    public static final String HEARTBEAT = "heartbeat";
    /**
     * The capability a device's /health lists when it takes {@code "env"} in a command request and gives the
     * variables to the command without putting them on a command line. Without it, they are exported in the
     * command text, as before.
     */
    public static final String ENV = "env";
    private static final String BECOME_FAILED = "become_failed";
    private static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(1);
    /** The longest a stop waits for the device: its wrapper's SIGKILL comes at 2 s, its own fallback at 6 s. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(12);
    /**
     * How long close() waits for the device to stop the commands in progress: shorter than {@link #STOP_WAIT},
     * as a close usually comes from a shutdown or an upgrade that must not wait long (the launcher gives the
     * whole framework 10 s); a device that has not answered by then is reported unconfirmed.
     */
    private static final Duration CLOSE_STOP_WAIT = Duration.ofSeconds(5);
    /** After the device answered the stops, how long close() leaves the exec calls to read their answers. */
    private static final Duration SETTLE = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(RestConnection.class);
    private static final String OCTET = "application/octet-stream";
    /** The header of a raw file answer with the file's permission bits (PROTOCOL.md, {@code GET /files}). */
    private static final String MODE_HEADER = "X-Conduit-Mode";
    private static final String JSON = "application/json";
    private static final long ERROR_BODY_LIMIT = 64 << 10;
    private static final long SMALL_BODY_LIMIT = 1 << 20;
    private static final Duration SHORT = Duration.ofSeconds(5);

    private final ConnectionKey key;
    private final Supplier<RestSettings> defaults;
    private final HttpClients clients;
    private final Consumer<RestConnection> onClose;
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<Exec> execs = ConcurrentHashMap.newKeySet();
    /** Become passwords of the commands in progress (with a count of commands using each), for {@link #redact}. */
    private final java.util.Map<String, Integer> becomePasswords = new ConcurrentHashMap<>();

    private volatile RestSettings settings;
    private volatile HttpClient client;
    private volatile ClientTls tls;
    private volatile String peerHost;
    private volatile String base;
    private volatile String where;
    private volatile Secret token;
    private volatile boolean raw;
    private volatile boolean cancellable;
    private volatile boolean becomeOffered;
    private volatile boolean envOffered;
    private volatile boolean heartbeat;
    /** The device's max_file_size from its /health (bytes), or -1 when it gave none. */
    private volatile long maxFileSize = -1;
    private volatile boolean opened;
    private volatile boolean closed;
    private volatile boolean unreachable;

    /**
     * @param key the host and plugin
     * @param defaults the plugin's current defaults, read on {@link #open}
     * @param clients the plugin's shared HTTP clients
     * @param onClose told once when this connection closes
     */
    public RestConnection(ConnectionKey key, Supplier<RestSettings> defaults, HttpClients clients,
            Consumer<RestConnection> onClose) {
        this.key = key;
        this.defaults = defaults;
        this.clients = clients;
        this.onClose = onClose;
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
            s = defaults.get().forHost(params);
        } catch (IllegalArgumentException e) {
            throw new ConnectionException(key.host() + ": connection_options.rest.extras." + e.getMessage());
        }
        int port = params.portOr(s.port());
        String host = params.hostname();
        where = (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        try {
            base = new URI(s.useSsl() ? "https" : "http", null, host, port, s.apiPath().isEmpty() ? null : s.apiPath(),
                    null, null).toString();
        } catch (URISyntaxException e) {
            throw new ConnectionException(key.host() + ": '" + host + "' is not a usable host name: " + e.getMessage());
        }
        // only the token option: a host's password may be meant for another plugin (ssh) and must not travel here
        Secret t = params.secret(RestSettings.TOKEN);
        token = t != null && !t.isEmpty() ? t : null;
        if (token != null && !s.useSsl() && !s.allowPlainHttpToken()) {
            throw new ConnectionException(key.host() + ": use_ssl is false and a token is set: the token would cross"
                    + " the network in clear text; use HTTPS (use_ssl: true), or set connection_options.rest.extras."
                    + RestSettings.ALLOW_PLAIN_HTTP_TOKEN + ": true to send it anyway");
        }
        settings = s;

        HttpClients.Shared shared;
        try {
            shared = clients.get(s);
        } catch (IOException e) {
            throw new ConnectionException(where + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new ConnectionException(where + ": cannot set up TLS: " + e.getMessage(), e);
        }
        if (s.useSsl() && !s.verifySsl()) {
            LOG.warn("{}: verify_ssl is false: the device's certificate is not checked, anyone in between can"
                    + " read the token", where);
        } else if (!s.useSsl()) {
            LOG.warn("{}: use_ssl is false: {} data cross the network in clear text", where,
                    token != null ? "the token and all" : "all");
        }
        tls = shared.tls();
        peerHost = host;
        client = shared.client();
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "rest: " + base + " (" + (token != null ? "bearer token set" : "no token")
                    + ")");
        }
        if (trace.on(Trace.DETAIL)) {
            trace.line(Trace.DETAIL, "rest: TLS " + (!s.useSsl() ? "off (use_ssl false): clear text"
                    : !s.verifySsl() ? "on, certificate NOT verified (verify_ssl false)"
                    : "on, verifying the chain and host name against " + (s.caFile() != null ? s.caFile()
                            : "the JDK's trust store")) + "; connect_timeout " + text(s.connectTimeout())
                    + ", request_timeout " + text(s.requestTimeout()) + ", retries " + s.retries());
        }

        String label = "GET " + path(s.healthPath());
        HttpResponse<InputStream> response = send(label, request(s.healthPath(), null, s.requestTimeout())
                .header("Accept", JSON).GET().build(), true);
        if (trace.on(Trace.DETAIL)) {
            response.sslSession().ifPresent(tlsSession -> trace.line(Trace.DETAIL, "rest: TLS peer " + peer(tlsSession)
                    + ", " + tlsSession.getProtocol() + " " + tlsSession.getCipherSuite()));
        }
        if (trace.on(Trace.PROTOCOL)) {
            trace.line(Trace.PROTOCOL, "rest: " + label + " -> " + response.statusCode() + " " + response.version());
        }
        byte[] body = expectOk(label, response, SMALL_BODY_LIMIT, null);
        boolean offered = false;
        boolean cancel = false;
        boolean canBecome = false;
        boolean beats = false;
        boolean takesEnv = false;
        long fileLimit = -1;
        if (body.length > 0) {
            JsonObject health = object(label, response.statusCode(), body);
            if (health.get("limits") instanceof JsonObject limits && limits.get("max_file_size") instanceof
                    com.google.gson.JsonPrimitive p && p.isNumber()) {
                fileLimit = p.getAsLong();
            }
            JsonElement caps = health.get("capabilities");
            if (caps instanceof JsonArray array) {
                for (JsonElement c : array) {
                    offered |= c.isJsonPrimitive() && RAW_FILES.equals(c.getAsString());
                    cancel |= c.isJsonPrimitive() && CANCEL.equals(c.getAsString());
                    canBecome |= c.isJsonPrimitive() && BECOME.equals(c.getAsString());
                    beats |= c.isJsonPrimitive() && HEARTBEAT.equals(c.getAsString());
                    takesEnv |= c.isJsonPrimitive() && ENV.equals(c.getAsString());
                }
            }
        }
        raw = offered && s.rawFiles();
        cancellable = cancel;
        becomeOffered = canBecome;
        heartbeat = beats;
        envOffered = takesEnv;
        maxFileSize = fileLimit;
        opened = true;
        if (trace.on(Trace.DETAIL)) {
            trace.line(Trace.DETAIL, "rest: capabilities: " + (offered ? RAW_FILES + " " : "") + (cancel ? CANCEL + " "
                    : "") + (canBecome ? BECOME + " " : "") + (beats ? HEARTBEAT + " " : "") + (takesEnv ? ENV + " "
                    : "") + "(raw file streaming " + (raw ? "on" : "off") + ")");
        }
        LOG.debug("{}: opened {} (raw file streaming {})", where, base, raw ? "on" : "off");
    }

    @Override
    public ExecResult exec(Command command) throws IOException {
        return exec(command, Trace.OFF);
    }

    @Override
    public ExecResult exec(Command command, Trace trace) throws IOException {
        RestSettings s = ready();
        if (command.pty()) {
            throw new ConnectionException(where + ": the rest protocol has no terminal, so pty: true cannot work"
                    + " here; run without a pty");
        }
        Become become = command.become();
        if (become != null && !becomeOffered) {
            // the password must never travel on the command's stdin, where a command that reads stdin would get it
            throw new BecomeFailedException(where + ": device " + key.host() + " does not support become (its "
                    + path(s.healthPath()) + " lists no \"" + BECOME + "\" capability): the rest protocol runs "
                    + become.method().name().toLowerCase(Locale.ROOT) + " on the device, which gives the password"
                    + " only when asked; update the device's agent, or run the command without become");
        }
        Duration timeout = command.timeout() != null ? command.timeout() : s.commandTimeout();
        JsonObject body = new JsonObject();
        // the plain command (cwd); become is the device's job, in its own field, and so is the environment where
        // the device takes it (it then stays off every command line on the device)
        boolean envField = envOffered && !command.env().isEmpty();
        Command plain = command.withBecome(null);
        body.addProperty("command", ShellCommand.wrap(envField ? plain.withEnv(Map.of()) : plain));
        if (envField) {
            JsonObject env = new JsonObject();
            command.env().forEach(env::addProperty);
            body.add("env", env); // may be secret: the body is never logged
        }
        body.addProperty("timeout", timeout.toMillis() / 1000.0);
        byte[] stdin = command.stdin();
        if (stdin.length > 0) {
            if (s.stdinEncoding().equals("text")) {
                body.addProperty("stdin", new String(stdin, StandardCharsets.UTF_8));
                body.addProperty("stdin_encoding", "text");
            } else {
                body.addProperty("stdin", Base64.getEncoder().encodeToString(stdin));
            }
        }
        if (become != null) {
            JsonObject b = new JsonObject();
            b.addProperty("method", become.method().name().toLowerCase(Locale.ROOT));
            b.addProperty("user", become.user());
            if (become.password() != null) {
                b.addProperty("password", become.password().reveal()); // a secret: the body is never logged
            }
            body.add("become", b);
        }
        if (heartbeat) {
            body.addProperty("heartbeat", HEARTBEAT_EVERY.toMillis() / 1000.0);
        }
        body.addProperty("output_encoding", "base64");
        body.addProperty("output_limit", command.outputLimit());
        String id = UUID.randomUUID().toString();
        body.addProperty("id", id);

        String label = "POST " + path(s.execPath());
        long start = System.nanoTime();
        // base64 of two capped streams, plus room for devices that do not cap and for the heartbeat's spaces
        long limit = Math.max(64L << 20, command.outputLimit() * 3 + SMALL_BODY_LIMIT);
        Duration wait = timeout.plus(s.requestTimeout());
        // the client's own deadline comes later than ours, so that ours decides and stops the command
        HttpRequest request = request(s.execPath(), null, wait.plus(SHORT))
                .header("Content-Type", JSON).header("Accept", JSON)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build();
        Exec run = new Exec(id, command.outputLimit());
        execs.add(run);
        if (trace.on(Trace.PROTOCOL)) {
            // the body may hold secrets (env values, the become password): only its shape is shown
            trace.line(Trace.PROTOCOL, "rest: " + label + " id " + id + " (wrapped line " + body.get("command")
                    .getAsString().length() + " chars, " + (envField ? "env field " + command.env().keySet() + ", "
                    : "") + (become != null ? "become field, " : "") + "stdin " + stdin.length + " bytes, heartbeat "
                    + (heartbeat ? "every " + text(HEARTBEAT_EVERY) : "not offered") + ", cancel "
                    + (cancellable ? "offered" : "not offered") + ")");
        }
        String password = become == null || become.password() == null || become.password().reveal().length() < 4
                ? null : become.password().reveal();
        if (password != null) {
            becomePasswords.merge(password, 1, Integer::sum);
        }
        try {
            HttpClient c = client;
            if (closed || c == null) {
                throw new ConnectionException(where + ": the connection is closed");
            }
            run.post = c.sendAsync(request, capped(limit));
            if (closed) {
                // close() ran meanwhile and may not have seen this request: stop it here, as close() would
                Stop stop = stop(run, label);
                if (!stop.stopped()) {
                    return stop.result();
                }
                throw new CommandStoppedException(where + ": connection closed while the command ran; "
                        + stop.outcome().description(), stop.outcome(), stop.result());
            }
            HttpResponse<byte[]> response;
            try {
                response = run.post.get(Math.max(0, start + wait.toNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Stop stop = stop(run, label);
                Thread.currentThread().interrupt();
                if (!stop.stopped()) {
                    return stop.result(); // it had ended by itself
                }
                throw new CommandStoppedException(where + ": interrupted while the command ran; "
                        + stop.outcome().description(), stop.outcome(), stop.result());
            } catch (TimeoutException e) {
                Stop stop = stop(run, label);
                if (!stop.stopped()) {
                    return stop.result();
                }
                throw new TimedOutException(where + ": " + label + ": no answer within the command's timeout ("
                        + text(timeout) + ") plus request_timeout (" + text(s.requestTimeout()) + "); the device may"
                        + " be hung; " + stop.outcome().description(), timeout, stop.result(), stop.outcome(), null);
            } catch (CancellationException e) {
                StopOutcome outcome = run.cancelOutcome();
                throw new CommandStoppedException(where + ": connection closed while the command ran; "
                        + outcome.description(), outcome, null);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (closed) {
                    StopOutcome outcome = run.cancelOutcome();
                    throw new CommandStoppedException(where + ": connection closed while the command ran; "
                            + outcome.description(), outcome, null);
                }
                if (cause instanceof ProtocolException p) {
                    throw new ProtocolException(where + ": " + label + ": " + p.getMessage());
                }
                throw failure(label, cause);
            }
            if (trace.on(Trace.PROTOCOL)) {
                trace.line(Trace.PROTOCOL, "rest: " + label + " -> " + response.statusCode() + ", "
                        + response.body().length + " bytes");
            }
            return result(run, label, response, command, timeout, start);
        } finally {
            execs.remove(run);
            if (password != null) {
                becomePasswords.computeIfPresent(password, (k, n) -> n == 1 ? null : n - 1);
            }
            CompletableFuture<HttpResponse<byte[]>> post = run.post;
            if (post != null && !post.isDone()) {
                post.cancel(true); // nobody reads the answer any more: drop the connection
            }
        }
    }

    /** Turns the device's answer to {@code POST /execute} into a result, or the exception it means. */
    private ExecResult result(Exec run, String label, HttpResponse<byte[]> response, Command command,
            Duration timeout, long start) throws IOException {
        int status = response.statusCode();
        byte[] bytes = response.body();
        Become become = command.become();
        if (become != null && (status == 422 || status == 400)) {
            String error = errorText(bytes);
            String what = become.method().name().toLowerCase(Locale.ROOT) + " to " + become.user();
            if (status == 422 && BECOME_FAILED.equals(errorCode(bytes))) {
                throw new BecomeFailedException(where + ": " + what + " refused on the device: " + error);
            }
            if (status == 400) {
                throw new BecomeFailedException(where + ": device " + key.host() + " does not support become as"
                        + " sent (" + what + "; 400" + (error.isEmpty() ? "" : ": " + error) + "); update the device's"
                        + " agent, or run the command without become");
            }
        }
        if (status < 200 || status >= 300) {
            refuse(label, response, bytes, null);
        }
        JsonObject result = object(label, status, bytes);
        ExecResult exec = parse(label, result, command.outputLimit(), Duration.ofNanos(System.nanoTime() - start));
        String stopped = text(result, "stopped");
        StopOutcome outcome = "confirmed".equals(text(result, "stop_outcome")) ? StopOutcome.CONFIRMED
                : StopOutcome.UNCONFIRMED;
        if (flag(result, "timed_out") || "timeout".equals(stopped)) {
            Duration limit = timeout;
            String whose = "";
            JsonElement t = result.get("timeout");
            if (t != null && t.isJsonPrimitive() && t.getAsJsonPrimitive().isNumber()) {
                Duration effective = Duration.ofMillis(Math.round(t.getAsDouble() * 1000));
                if (effective.compareTo(timeout) < 0 && !effective.isZero()) {
                    limit = effective;
                    whose = ", the device's limit (" + text(timeout) + " was asked; reference agent:"
                            + " --max-command-timeout)";
                }
            }
            throw new TimedOutException(where + ": command timed out after " + text(limit) + whose + "; raise the"
                    + " command's timeout if it needs longer; " + outcome.description(), limit, exec, outcome, null);
        }
        if (stopped == null && run.cancelSent()) {
            // close() asked the device to stop it: an answer without "stopped" comes from a device that stops
            // without saying so (an older agent), unless the device said the command had already ended
            awaitUninterruptiblyKeepingFlag(run.cancel, STOP_WAIT);
            if (!run.endedByItself()) {
                throw new CommandStoppedException(where + ": connection closed while the command ran; "
                        + StopOutcome.UNCONFIRMED.description(), StopOutcome.UNCONFIRMED, exec);
            }
        }
        if (stopped != null) {
            String why = closed ? "connection closed while the command ran"
                    : "agent_stopping".equals(stopped) ? "the device's agent stopped while the command ran"
                    : "the device stopped the command (" + stopped + ")";
            throw new CommandStoppedException(where + ": " + why + "; " + outcome.description(), outcome, exec);
        }
        // no command text: a command line may hold a secret, and the runner logs it once, masked
        LOG.debug("{}: command exited {} in {} ms", where, exec.exitCode(), exec.duration().toMillis());
        return exec;
    }

    private ExecResult parse(String label, JsonObject result, long outputLimit, Duration duration)
            throws IOException {
        JsonElement rc = result.get("return_code");
        if (rc == null || !rc.isJsonPrimitive() || !rc.getAsJsonPrimitive().isNumber()) {
            throw new ProtocolException(where + ": " + label + " answered without a numeric \"return_code\": \""
                    + excerpt(result.toString()) + "\"; is exec_path right for this device?");
        }
        boolean base64 = "base64".equalsIgnoreCase(text(result, "output_encoding"));
        OutputBuffer out = new OutputBuffer(outputLimit);
        OutputBuffer err = new OutputBuffer(outputLimit);
        out.write(output(label, result, "stdout", base64));
        err.write(output(label, result, "stderr", base64));
        return new ExecResult(rc.getAsInt(), out.toByteArray(), err.toByteArray(), duration,
                out.truncated() || flag(result, "stdout_truncated"), err.truncated() || flag(result, "stderr_truncated"),
                dropped(out, result, "stdout"), dropped(err, result, "stderr"));
    }

    /**
     * The bytes of a stream dropped in all: what the agent dropped at its limit ({@code STREAM_dropped}; an agent
     * older than that field only says {@code STREAM_truncated}, and the count is then unknown) plus what this side
     * dropped at the run's limit.
     */
    private static long dropped(OutputBuffer kept, JsonObject result, String stream) {
        JsonElement n = result.get(stream + "_dropped");
        if (n != null && n.isJsonPrimitive() && n.getAsJsonPrimitive().isNumber() && n.getAsLong() >= 0) {
            return n.getAsLong() + kept.dropped();
        }
        return flag(result, stream + "_truncated") ? ExecResult.UNCOUNTED : kept.dropped();
    }

    /**
     * Waits for a future until a {@link System#nanoTime()} deadline, through interrupts.
     *
     * @return whether the thread was interrupted meanwhile (the caller restores the flag)
     */
    private static boolean awaitUninterruptibly(CompletableFuture<?> future, long until) {
        boolean interrupted = false;
        while (true) {
            try {
                future.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException | TimeoutException | CancellationException e) {
                return interrupted;
            }
        }
    }

    private static void awaitUninterruptiblyKeepingFlag(CompletableFuture<?> future, Duration limit) {
        if (future != null && awaitUninterruptibly(future, System.nanoTime() + limit.toNanos())) {
            Thread.currentThread().interrupt();
        }
    }

    /** What became of a command the plugin stopped. */
    private record Stop(boolean stopped, StopOutcome outcome, ExecResult result) {
    }

    /**
     * Stops a command whose caller gave up (interrupted, or the plugin's own deadline passed): asks the device to
     * stop it ({@code DELETE /execute?id=}) and waits, a bounded time and through further interrupts, for the
     * command's own answer, which carries the partial output and the device's report of the stop; the DELETE's
     * answer says the same when the command's does not come. Without a device that can cancel, the request is
     * dropped (a device with the heartbeat then stops the command) and the stop is unconfirmed.
     */
    private Stop stop(Exec run, String label) {
        boolean interrupted = Thread.interrupted();
        try {
            CompletableFuture<StopOutcome> cancel = cancel(run);
            if (cancel == null) {
                run.post.cancel(true);
                return new Stop(true, StopOutcome.UNCONFIRMED, null);
            }
            long until = System.nanoTime() + STOP_WAIT.toNanos();
            // the device answers the DELETE when the command is over, and the command's own answer comes with it;
            // if the device did not know the command yet (the request still on its way), that answer would only
            // come at the end: then drop the request, which a device with the heartbeat takes as a stop
            interrupted |= awaitUninterruptibly(CompletableFuture.anyOf(run.post, cancel), until);
            if (cancel.isDone() && !run.post.isDone()) {
                interrupted |= awaitUninterruptibly(run.post, Math.min(until, System.nanoTime() + SETTLE.toNanos()));
            }
            if (run.post.isDone() && !run.post.isCompletedExceptionally()) {
                try {
                    HttpResponse<byte[]> r = run.post.join();
                    if (r.statusCode() == 200) {
                        JsonObject result = object(label, 200, r.body());
                        ExecResult partial = parse(label, result, run.outputLimit, Duration.ZERO);
                        if (text(result, "stopped") == null && !flag(result, "timed_out")) {
                            interrupted |= awaitUninterruptibly(cancel, until);
                            if (run.endedByItself()) {
                                return new Stop(false, null, partial);
                            }
                            // a device that stops commands without saying so (an older agent): not confirmed
                            return new Stop(true, StopOutcome.UNCONFIRMED, partial);
                        }
                        return new Stop(true, "confirmed".equals(text(result, "stop_outcome"))
                                ? StopOutcome.CONFIRMED : StopOutcome.UNCONFIRMED, partial);
                    }
                } catch (CancellationException | java.util.concurrent.CompletionException | IOException e) {
                    // no usable answer: the DELETE's tells
                }
            }
            run.post.cancel(true);
            return new Stop(true, run.cancelOutcome(), null);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
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
        RestSettings s = ready();
        if (!Files.isRegularFile(local)) {
            throw new FileNotFoundException(local + (Files.isDirectory(local) ? ": is a directory, not a file"
                    : ": no such local file"));
        }
        long size = Files.size(local);
        remotePath = FileNames.intoDirectory(remotePath, local.getFileName().toString());
        if (maxFileSize >= 0 && size > maxFileSize) {
            throw new ConnectionException(where + ": cannot put " + remotePath + ": " + local + " is " + size
                    + " bytes, over the device's limit of " + maxFileSize + " bytes (max_file_size in its "
                    + path(s.healthPath()) + "); start the agent with a larger --max-file-size");
        }
        String modeText = mode == KEEP_MODE ? localMode(local) : String.format("%04o", mode & 07777);
        String label = "PUT " + path(s.filesPath());
        CountingBody upload;
        HttpRequest.Builder request;
        if (raw) {
            String query = "path=" + encode(remotePath) + (modeText == null ? "" : "&mode=" + modeText);
            upload = new CountingBody(HttpRequest.BodyPublishers.ofFile(local));
            request = request(s.filesPath(), query, transferTimeout(s, size)).header("Content-Type", OCTET);
        } else {
            refuseBig(s, size, local.toString(), "send");
            JsonObject body = new JsonObject();
            body.addProperty("path", remotePath);
            body.addProperty("content", Base64.getEncoder().encodeToString(Files.readAllBytes(local)));
            body.addProperty("encoding", "base64");
            if (modeText != null) {
                body.addProperty("mode", modeText);
            }
            upload = new CountingBody(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
            request = request(s.filesPath(), null, transferTimeout(s, size)).header("Content-Type", JSON);
        }
        HttpResponse<InputStream> response;
        try {
            response = send(label, request.header("Accept", JSON).PUT(upload).build(), upload);
        } catch (Lost e) {
            // older devices close a refused upload before reading it: the answer is lost with the connection
            FileProblem problem = upload.sent() > 0 ? probe(remotePath, size) : null;
            if (problem != null) {
                throw new TransferFailedException("put", remotePath, problem, e);
            }
            throw e;
        }
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "rest: " + label + " " + (raw ? "raw octet stream" : "base64 in JSON") + ", "
                    + size + " bytes -> " + response.statusCode());
        }
        byte[] reply = expectWritten(label, response, remotePath, size);
        if (reply.length > 0) {
            JsonObject written = object(label, response.statusCode(), reply);
            JsonElement got = written.get("size");
            if (got != null && got.isJsonPrimitive() && got.getAsJsonPrimitive().isNumber() && got.getAsLong() != size) {
                throw new ConnectionException(where + ": " + remotePath + ": the device stored " + got.getAsLong()
                        + " bytes of " + size + "; the transfer was damaged, try again");
            }
        }
        LOG.debug("{}: put {} -> {} ({} bytes{})", where, local, remotePath, size, raw ? ", raw" : "");
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
        RestSettings s = ready();
        String label = "GET " + path(s.filesPath()) + "?path=" + remotePath;
        HttpResponse<InputStream> response = send(label, request(s.filesPath(), "path=" + encode(remotePath),
                transferTimeout(s, 0)).header("Accept", raw ? OCTET + ", " + JSON : JSON).GET().build(), true);
        String type = response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "rest: " + label + " -> " + response.statusCode() + " "
                    + (type.startsWith(OCTET) ? "raw octet stream" : "base64 in JSON"));
        }
        if (response.statusCode() < 200 || response.statusCode() >= 300) {
            byte[] body = readQuietly(response, ERROR_BODY_LIMIT);
            FileProblem problem = response.statusCode() == 404 ? null : FileRefusals.named(response.statusCode(), body);
            if (problem != null) {
                throw new TransferFailedException("fetch", remotePath, problem, null);
            }
            refuse(label, response, body, remotePath);
        }
        Path temp;
        try {
            Files.createDirectories(local.toAbsolutePath().getParent());
            temp = FileNames.createTemporarySibling(local);
        } catch (IOException e) {
            drain(response);
            throw FileRefusals.local(remotePath, local, e);
        }
        try {
            String mode;
            if (type.startsWith(OCTET)) {
                mode = response.headers().firstValue(MODE_HEADER).orElse(null);
                try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(temp)) {
                    byte[] buffer = new byte[65536];
                    int n;
                    while ((n = read(label, in, buffer)) >= 0) {
                        out.write(buffer, 0, n);
                    }
                }
            } else {
                long limit = s.maxInlineFileSize() / 3 * 4 + SMALL_BODY_LIMIT;
                long announced = response.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (announced > limit) {
                    drain(response);
                    refuseBig(s, announced / 4 * 3, remotePath, "fetch");
                }
                JsonObject reply = object(label, response.statusCode(), expectOk(label, response, limit, remotePath));
                String content = text(reply, "content");
                if (content == null) {
                    throw new ProtocolException(where + ": " + label + " answered without \"content\": \""
                            + excerpt(reply.toString()) + "\"");
                }
                mode = text(reply, "mode");
                String encoding = text(reply, "encoding");
                byte[] bytes;
                if (encoding != null && (encoding.equalsIgnoreCase("text") || encoding.toLowerCase(Locale.ROOT)
                        .startsWith("utf"))) {
                    bytes = content.getBytes(StandardCharsets.UTF_8);
                } else {
                    try {
                        bytes = Base64.getMimeDecoder().decode(content);
                    } catch (IllegalArgumentException e) {
                        throw new ProtocolException(where + ": " + label + ": \"content\" is not base64: \""
                                + excerpt(content) + "\"");
                    }
                }
                Files.write(temp, bytes);
            }
            Set<PosixFilePermission> permissions = FileRefusals.permissions(mode);
            if (permissions != null) {
                try {
                    Files.setPosixFilePermissions(temp, permissions);
                } catch (UnsupportedOperationException e) {
                    // not a POSIX file system here: the file keeps its default permissions
                }
            }
            try {
                Files.move(temp, local, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, local, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (DeviceSide e) {
            throw e.failure;
        } catch (ConnectionException e) {
            throw e;
        } catch (IOException e) {
            throw FileRefusals.local(remotePath, local, e);
        } finally {
            Files.deleteIfExists(temp);
        }
        LOG.debug("{}: fetched {} -> {}", where, remotePath, local);
    }

    /** A read of the device's answer that failed, kept apart from the local file's failures. */
    private static final class DeviceSide extends IOException {
        private static final long serialVersionUID = 1L;
        private final IOException failure;

        DeviceSide(IOException failure) {
            super(failure.getMessage(), failure);
            this.failure = failure;
        }
    }

    private int read(String label, InputStream in, byte[] buffer) throws DeviceSide {
        try {
            return in.read(buffer);
        } catch (IOException e) {
            throw new DeviceSide(failure(label, e));
        }
    }

    /**
     * Asks the device why a write failed when it did not say (FileProblemProbe: a stat and a df of the target's
     * directory, run with {@link #exec}, writing nothing).
     *
     * @return the cause found, or {@code null} (none found, or the device could not run the probe)
     */
    private FileProblem probe(String remotePath, long size) {
        try {
            FileProblem found = FileProblemProbe.read(exec(FileProblemProbe.command(remotePath, size)));
            LOG.debug("{}: probe after a failed put of {}: {}", where, remotePath, found);
            return found;
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: cannot probe why the put of {} failed: {}", where, remotePath, e.toString());
            return null;
        }
    }

    /** Plain HTTP with a token and unverified TLS, the choices that expose the token, for the console. */
    @Override
    public List<String> warnings() {
        RestSettings s = settings;
        if (s == null) {
            return List.of();
        }
        if (!s.useSsl()) {
            return token == null ? List.of() : List.of("use_ssl: false with a token (allow_plain_http_token: true;"
                    + " the token crosses the network in clear text)");
        }
        return s.verifySsl() ? List.of() : List.of("verify_ssl: false (the device's certificate is not checked;"
                + " anyone in between can read the token)");
    }

    @Override
    public boolean isAlive() {
        RestSettings s = settings;
        if (closed || client == null || s == null) {
            return false;
        }
        try {
            String label = "GET " + path(s.healthPath());
            HttpResponse<InputStream> response = send(label, request(s.healthPath(), null,
                    min(s.requestTimeout(), SHORT)).header("Accept", JSON).GET().build(), false);
            expectOk(label, response, SMALL_BODY_LIMIT, null);
            return true;
        } catch (IOException e) {
            LOG.debug("{}: not alive: {}", where, e.getMessage());
            return false;
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        // commands in progress: the device stops each and says whether it is gone; their exec calls then take
        // the commands' own answers (partial output, the report). What is left after that is dropped
        List<Exec> commands = List.copyOf(execs);
        List<CompletableFuture<StopOutcome>> stops = new ArrayList<>();
        for (Exec run : commands) {
            CompletableFuture<StopOutcome> stop = unreachable ? null : cancel(run);
            if (stop != null) {
                stops.add(stop);
            }
        }
        if (!stops.isEmpty()) {
            awaitQuietly(stops, CLOSE_STOP_WAIT);
            List<CompletableFuture<?>> answers = new ArrayList<>();
            for (Exec run : commands) {
                if (run.post != null) {
                    answers.add(run.post);
                }
            }
            awaitQuietly(answers, SETTLE);
        }
        inFlight.forEach(f -> f.cancel(true));
        for (Exec run : commands) {
            CompletableFuture<?> post = run.post;
            if (post != null) {
                post.cancel(true);
            }
        }
        RestSettings s = settings;
        HttpClient c = client;
        if (c != null && s != null && s.disconnectMethod() != null && opened && !unreachable) {
            String label = s.disconnectMethod() + " " + path(s.disconnectPath());
            try {
                HttpRequest request = request(s.disconnectPath(), null, min(s.requestTimeout(), SHORT))
                        .header("Accept", JSON)
                        .method(s.disconnectMethod(), HttpRequest.BodyPublishers.noBody()).build();
                CompletableFuture<HttpResponse<Void>> f = c.sendAsync(request, HttpResponse.BodyHandlers.discarding());
                HttpResponse<Void> r = f.get(SHORT.toMillis(), TimeUnit.MILLISECONDS);
                LOG.debug("{}: {} -> {}", where, label, r.statusCode());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException | RuntimeException e) {
                LOG.debug("{}: {} failed (best effort): {}", where, label, e.toString());
            }
        }
        client = null;
        onClose.accept(this);
    }

    /**
     * Asks the device to stop a command whose caller gave up (closed, interrupted, timed out), if it can; sent
     * once per command.
     *
     * @return completed with what the device reported: {@link StopOutcome#CONFIRMED} only when it said the
     *         command's processes are gone, {@code null} when it runs no such command (404); {@code null} when
     *         the device cannot cancel
     */
    private CompletableFuture<StopOutcome> cancel(Exec run) {
        synchronized (run) {
            if (run.cancel != null) {
                return run.cancel;
            }
            RestSettings s = settings;
            HttpClient c = client;
            if (!cancellable || c == null || s == null) {
                return null;
            }
            HttpRequest request = request(s.execPath(), "id=" + encode(run.id), STOP_WAIT).header("Accept", JSON)
                    .DELETE().build();
            run.cancel = c.sendAsync(request, capped(SMALL_BODY_LIMIT)).handle((r, e) -> {
                LOG.debug("{}: cancel of command {}: {}", where, run.id, e == null ? r.statusCode() : e.toString());
                if (e == null && r.statusCode() == 404) {
                    return null; // not running (yet, or any more): its own answer tells
                }
                if (e != null || r.statusCode() != 200) {
                    return StopOutcome.UNCONFIRMED; // 204 from an older device: asked, not confirmed
                }
                try {
                    String said = text(object("DELETE", 200, r.body()), "stop_outcome");
                    return "ended".equals(said) ? null // it had ended by itself: its own answer tells
                            : "confirmed".equals(said) ? StopOutcome.CONFIRMED : StopOutcome.UNCONFIRMED;
                } catch (ProtocolException p) {
                    return StopOutcome.UNCONFIRMED;
                }
            });
            return run.cancel;
        }
    }

    private static void awaitQuietly(List<? extends CompletableFuture<?>> futures, Duration limit) {
        try {
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(limit.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | CancellationException e) {
            // best effort: what did not answer is reported unconfirmed
        }
    }

    /** A command in progress: its id, the request waiting for its answer, and the request stopping it. */
    private static final class Exec {
        final String id;
        final long outputLimit;
        volatile CompletableFuture<HttpResponse<byte[]>> post;
        CompletableFuture<StopOutcome> cancel;

        Exec(String id, long outputLimit) {
            this.id = id;
            this.outputLimit = outputLimit;
        }

        synchronized boolean cancelSent() {
            return cancel != null;
        }

        /**
         * @return whether the command ended by itself: no stop was asked, or the device answered the stop that it
         *         runs no such command (any more) or that it had ended
         */
        synchronized boolean endedByItself() {
            return cancel == null || (cancel.isDone() && cancel.join() == null);
        }

        /** @return what the device said about its stop, {@link StopOutcome#UNCONFIRMED} when it said nothing */
        synchronized StopOutcome cancelOutcome() {
            StopOutcome said = cancel == null ? null : cancel.getNow(null);
            return said == null ? StopOutcome.UNCONFIRMED : said;
        }
    }

    /**
     * Collects a body of at most {@code limit} bytes, so that the request's future completes with the whole
     * answer and one bounded, interruptible wait covers it (a heartbeat answer starts long before it ends).
     */
    private static HttpResponse.BodyHandler<byte[]> capped(long limit) {
        return info -> new CappedBody(limit);
    }

    private static final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {
        private final long limit;
        private final CompletableFuture<byte[]> body = new CompletableFuture<>();
        private final java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        private java.util.concurrent.Flow.Subscription subscription;

        CappedBody(long limit) {
            this.limit = limit;
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return body;
        }

        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
            subscription = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            if (body.isDone()) {
                return;
            }
            for (ByteBuffer b : items) {
                if (bytes.size() + (long) b.remaining() > limit) {
                    subscription.cancel();
                    body.completeExceptionally(new ProtocolException("the answer is larger than " + limit
                            + " bytes; refusing to hold it in memory"));
                    return;
                }
                byte[] chunk = new byte[b.remaining()];
                b.get(chunk);
                bytes.write(chunk, 0, chunk.length);
            }
        }

        @Override
        public void onError(Throwable t) {
            body.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            body.complete(bytes.toByteArray());
        }
    }

    /** @return whether the device offered raw file streaming and it is used */
    public boolean rawFiles() {
        return raw;
    }

    @Override
    public String toString() {
        return "RestConnection[" + key + " " + (base == null ? "unopened" : base) + "]";
    }

    private RestSettings ready() throws ConnectionException {
        RestSettings s = settings;
        if (closed) {
            throw new ConnectionException(where + ": the connection is closed");
        }
        if (s == null || client == null) {
            throw new ConnectionException(where + ": the connection is not open");
        }
        return s;
    }

    private HttpRequest.Builder request(String endpoint, String query, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + endpoint + (query == null ? "" : "?" + query)))
                .timeout(timeout)
                .header("User-Agent", "conduit-rest");
        Secret t = token;
        if (t != null) {
            b.header("Authorization", "Bearer " + t.reveal());
        }
        return b;
    }

    /** Sends, retrying idempotent requests after a dropped connection or a 502/503/504. */
    private HttpResponse<InputStream> send(String label, HttpRequest request, boolean idempotent) throws IOException {
        return send(label, request, idempotent, null);
    }

    /** Sends an upload, retried only after a dropped connection that took none of its body (see {@link #put}). */
    private HttpResponse<InputStream> send(String label, HttpRequest request, CountingBody upload) throws IOException {
        return send(label, request, true, upload);
    }

    private HttpResponse<InputStream> send(String label, HttpRequest request, boolean idempotent, CountingBody upload)
            throws IOException {
        HttpClient c = client;
        if (c == null || closed) {
            throw new ConnectionException(where + ": the connection is closed");
        }
        int attempts = idempotent ? settings.retries() + 1 : 1;
        for (int attempt = 1;; attempt++) {
            CompletableFuture<HttpResponse<InputStream>> future =
                    c.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
            inFlight.add(future);
            try {
                if (closed) {
                    future.cancel(true);
                }
                Duration bound = request.timeout().orElse(settings.requestTimeout())
                        .plus(settings.connectTimeout()).plusSeconds(5);
                HttpResponse<InputStream> response = future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
                int status = response.statusCode();
                if (attempt < attempts && upload == null && (status == 502 || status == 503 || status == 504)) {
                    drain(response);
                    LOG.debug("{}: {} answered {}, retrying ({}/{})", where, label, status, attempt, attempts - 1);
                    backoff(attempt);
                    continue;
                }
                LOG.debug("{}: {} -> {}", where, label, status);
                return response;
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                IOException failure = failure(label, cause);
                if (attempt < attempts && retryable(failure) && (upload == null || upload.sent() == 0)) {
                    LOG.debug("{}: {} failed ({}), retrying ({}/{})", where, label, failure.getMessage(), attempt,
                            attempts - 1);
                    backoff(attempt);
                    continue;
                }
                throw failure;
            } catch (CancellationException e) {
                throw new ConnectionException(where + ": " + label + " was cancelled: the connection was closed");
            } catch (TimeoutException e) {
                future.cancel(true);
                throw new TimedOutException(where + ": " + label + ": no answer within "
                        + text(request.timeout().orElse(settings.requestTimeout())) + "; raise request_timeout"
                        + " if the device is slow", request.timeout().orElse(null));
            } catch (InterruptedException e) {
                future.cancel(true);
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(where + ": interrupted during " + label);
            } finally {
                inFlight.remove(future);
            }
        }
    }

    /** The TLS peer's certificate subject and names, for the trace; never anything secret. */
    private static String peer(javax.net.ssl.SSLSession session) {
        try {
            java.security.cert.Certificate[] chain = session.getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof java.security.cert.X509Certificate x) {
                return x.getSubjectX500Principal().getName() + " (issuer " + x.getIssuerX500Principal().getName()
                        + ", names " + (x.getSubjectAlternativeNames() == null ? "none"
                                : x.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList())
                        + ")";
            }
            return "without an X.509 certificate";
        } catch (javax.net.ssl.SSLPeerUnverifiedException | java.security.cert.CertificateParsingException e) {
            return "unverified";
        }
    }

    private static boolean retryable(IOException failure) {
        return failure instanceof Lost;
    }

    private static void backoff(int attempt) throws InterruptedIOException {
        try {
            Thread.sleep(250L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry");
        }
    }

    /** Turns what the HTTP client threw into the API's exceptions, with the reason in words. */
    private IOException failure(String label, Throwable t) {
        RestSettings s = settings;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof HttpConnectTimeoutException) {
                unreachable = true;
                if (s.useSsl() && speaksPlainHttp(s.connectTimeout())) {
                    // a plain HTTP server waits for a request line and never answers a ClientHello
                    return new ConnectFailedException(where + ": the TLS handshake got no answer within "
                            + text(s.connectTimeout()) + " (connect_timeout), and the port answers plain HTTP: the"
                            + " device speaks plain HTTP on port " + port() + "; set use_ssl: false if that is"
                            + " intended (a token then needs allow_plain_http_token: true)", t);
                }
                return new TimedOutException(where + ": could not connect within " + text(s.connectTimeout())
                        + " (connect_timeout" + (s.useSsl() ? ", TCP and TLS handshake" : "") + "); is the device"
                        + " up, is port " + port() + " open to this machine" + (s.useSsl() ? ", and does it speak"
                        + " HTTPS there?" : "?"), s.connectTimeout());
            }
            if (c instanceof HttpTimeoutException) {
                return new TimedOutException(where + ": " + label + ": no answer within the request's deadline ("
                        + "request_timeout " + text(s.requestTimeout()) + ", plus the command's own timeout for"
                        + " commands); the device may be hung", s.requestTimeout(), null, t);
            }
            if (c instanceof SSLException) {
                unreachable = true;
                String reason = tls == null ? null : tls.takeFailure(peerHost, port());
                if (reason == null) {
                    String said = String.valueOf(c.getMessage());
                    // the JDK's words for a peer whose first bytes are not a TLS record
                    reason = said.contains("plaintext") || said.contains("Unsupported or unrecognized SSL message")
                            ? "the device's answer is not TLS; if it speaks plain HTTP there, set use_ssl: false"
                            + " (a token then needs allow_plain_http_token: true), otherwise check the port"
                            : said.contains("closed") || said.contains("Remote host terminated")
                            ? "the device closed the connection during the handshake; does it speak HTTPS on port "
                            + port() + "?" : redact(said);
                }
                return new ConnectFailedException(where + ": TLS handshake failed: " + reason, t);
            }
            if (c instanceof UnresolvedAddressException || c instanceof UnknownHostException) {
                unreachable = true;
                return new ConnectFailedException(where + ": cannot resolve the host name; check the host's"
                        + " hostname in the inventory", t);
            }
            if (c instanceof NoRouteToHostException) {
                unreachable = true;
                return new ConnectFailedException(where + ": no route to host", t);
            }
        }
        for (Throwable c = t; c != null; c = c.getCause()) {
            // after the loop above: the client wraps an unresolved name in a ConnectException too
            if (c instanceof ConnectException) {
                unreachable = true;
                return new ConnectFailedException(where + ": connection refused; is the agent running and"
                        + " listening on port " + port() + "? (java -jar conduit-rest-agent.jar --port " + port()
                        + " ...)", t);
            }
        }
        if (t instanceof IOException) {
            String said = String.valueOf(t.getMessage());
            String plain = s.useSsl() ? "" : "; if the device speaks HTTPS (the reference agent does unless started"
                    + " with --no-tls), set use_ssl: true";
            // java.net.http's words for an answer that is not HTTP/1.1 (a wrong service, or TLS on the port)
            if (said.contains("Invalid status line") || said.contains("Invalid response")
                    || said.contains("Bad header") || said.contains("Bad response") || said.contains("protocol")) {
                return new ProtocolException(where + ": " + label + ": the device's answer is not HTTP (is this the"
                        + " device's API port?)" + plain, t);
            }
            boolean command = label.equals("POST " + path(s.execPath()));
            String why = said.contains("received no bytes") ? "the device closed the connection without answering"
                    : command ? "the connection dropped while the command ran (the agent or the link went away)"
                    : "the connection dropped (" + redact(said) + ")";
            return new Lost(where + ": " + label + ": " + why + (command
                    ? "; " + StopOutcome.UNCONFIRMED.description() : label.startsWith("PUT")
                    ? "; the file may or may not have been written" : "") + plain, t);
        }
        return new ConnectionException(where + ": " + label + " failed (" + redact(String.valueOf(t.getMessage()))
                + "); the log file has the details", t);
    }

    /**
     * Asks the port in plain HTTP whether it is a plain HTTP server (a TLS client waits in vain for its handshake
     * there). Sends no token. Bounded by the deadline given, at most 2 s.
     *
     * @return whether an answer starting with {@code HTTP/} came back
     */
    private boolean speaksPlainHttp(Duration bound) {
        int millis = (int) Math.min(2000, Math.max(1, bound.toMillis()));
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(peerHost, port()), millis);
            socket.setSoTimeout(millis);
            socket.getOutputStream().write(("HEAD / HTTP/1.0\r\nHost: " + peerHost + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] head = socket.getInputStream().readNBytes(5);
            return new String(head, StandardCharsets.US_ASCII).equals("HTTP/");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** A dropped connection: the only failure an idempotent request is retried after. */
    private static final class Lost extends ConnectionException {
        private static final long serialVersionUID = 1L;

        Lost(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Reads a 2xx body (at most {@code limit} bytes) or throws the exception the status means.
     *
     * @param remotePath the file a 404 is about, or {@code null} when a 404 means a wrong endpoint
     */
    private byte[] expectOk(String label, HttpResponse<InputStream> response, long limit, String remotePath)
            throws IOException {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return read(label, response, limit);
        }
        refuse(label, response, readQuietly(response, ERROR_BODY_LIMIT), remotePath);
        return null; // not reached
    }

    /**
     * Throws the exception a non-2xx status means.
     *
     * @param remotePath the file a 404 is about, or {@code null} when a 404 means a wrong endpoint
     */
    private void refuse(String label, HttpResponse<?> response, byte[] body, String remotePath) throws IOException {
        int status = response.statusCode();
        String error = errorText(body);
        String said = " (" + status + (error.isEmpty() ? "" : ": " + error) + ")";
        if (status == 401 || status == 403) {
            throw new AuthenticationFailedException(where + ": the device refused " + label + said + "; "
                    + (token == null ? "no token is set: set connection_options.rest.extras.token, e.g."
                            + " ${env:AGENT_TOKEN}"
                            : "check connection_options.rest.extras.token against the device's token (the"
                                    + " reference agent reads it from --token-file)"));
        }
        if (status == 404 && remotePath != null) {
            throw new RemoteFileNotFoundException(where + ": no such remote file " + remotePath + said);
        }
        if (status == 404 || status == 405) {
            throw new ProtocolException(where + ": the device has no endpoint " + label + said + "; check api_path,"
                    + " health_path, exec_path, files_path (older devices: health_path /status, exec_path /exec)");
        }
        if (status == 413) {
            throw new ConnectionException(where + ": the device refused " + label + " as too large" + said);
        }
        if (status >= 300 && status < 400) {
            throw new ProtocolException(where + ": " + label + " was redirected" + said + " to "
                    + response.headers().firstValue("Location").orElse("?") + "; set api_path/use_ssl/port to the"
                    + " final address");
        }
        throw new ConnectionException(where + ": " + label + " failed" + said);
    }

    /**
     * {@link #expectOk} for a write: a refusal for a cause of the device's file system is a
     * {@link TransferFailedException}, found by the probe when the device answered a generic 5xx.
     */
    private byte[] expectWritten(String label, HttpResponse<InputStream> response, String remotePath, long size)
            throws IOException {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return read(label, response, SMALL_BODY_LIMIT);
        }
        byte[] body;
        boolean unread = false;
        try (InputStream in = response.body()) {
            body = in.readNBytes((int) ERROR_BODY_LIMIT);
        } catch (IOException e) {
            // a device that answered before reading the body and then closed: the status came, its words not
            body = new byte[0];
            unread = true;
        }
        FileProblem problem = FileRefusals.named(status, body);
        if (problem == null && (unread || status >= 500 && status != 502 && status != 503 && status != 504)) {
            // the device failed to write and did not say why (502-504: busy or a proxy, not the file)
            problem = probe(remotePath, size);
        }
        if (problem != null) {
            throw new TransferFailedException("put", remotePath, problem, null);
        }
        if (status == 404) {
            String error = errorText(body);
            throw new ConnectionException(where + ": cannot write " + remotePath + " (404" + (error.isEmpty() ? ""
                    : ": " + error) + "); create its directory first (if the device answers this for every file,"
                    + " check files_path and api_path)");
        }
        refuse(label, response, body, null);
        return null; // not reached
    }

    private byte[] read(String label, HttpResponse<InputStream> response, long limit) throws IOException {
        try (InputStream in = response.body()) {
            byte[] bytes = in.readNBytes((int) Math.min(limit + 1, Integer.MAX_VALUE - 8));
            if (bytes.length > limit) {
                throw new ProtocolException(where + ": " + label + ": the answer is larger than " + limit
                        + " bytes; refusing to hold it in memory");
            }
            return bytes;
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException e) {
            throw failure(label, e);
        }
    }

    private static byte[] readQuietly(HttpResponse<InputStream> response, long limit) {
        try (InputStream in = response.body()) {
            return in.readNBytes((int) limit);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    private static void drain(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    private JsonObject object(String label, int status, byte[] body) throws ProtocolException {
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            JsonElement parsed = JsonParser.parseString(text);
            if (parsed.isJsonObject()) {
                return parsed.getAsJsonObject();
            }
        } catch (JsonParseException e) {
            // reported below
        }
        throw new ProtocolException(where + ": " + label + " answered " + status + " with a body that is not a JSON"
                + " object: \"" + excerpt(text) + "\"; is this the device's API? check the port, api_path and use_ssl");
    }

    private byte[] output(String label, JsonObject result, String field, boolean base64) throws ProtocolException {
        String value = text(result, field);
        if (value == null) {
            return new byte[0];
        }
        if (!base64) {
            return value.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return Base64.getMimeDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(where + ": " + label + ": \"" + field + "\" is not base64: \""
                    + excerpt(value) + "\"");
        }
    }

    private static String text(JsonObject object, String field) {
        JsonElement e = object.get(field);
        return e == null || e.isJsonNull() ? null : e.isJsonPrimitive() ? e.getAsString() : e.toString();
    }

    private static boolean flag(JsonObject object, String field) {
        JsonElement e = object.get(field);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() && e.getAsBoolean();
    }

    private String errorText(byte[] body) {
        if (body.length == 0) {
            return "";
        }
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            JsonElement parsed = JsonParser.parseString(text);
            if (parsed.isJsonObject()) {
                for (String field : new String[] {"error", "message", "detail"}) {
                    String value = text(parsed.getAsJsonObject(), field);
                    if (value != null) {
                        return excerpt(value);
                    }
                }
            }
        } catch (JsonParseException e) {
            // not JSON: quote it
        }
        return "\"" + excerpt(text) + "\"";
    }

    /** @return the {@code "code"} of a JSON error body, or {@code null} */
    private static String errorCode(byte[] body) {
        return FileRefusals.field(body, "code");
    }

    /** A short, single-line, token-free excerpt of a device's text for messages. */
    private String excerpt(String text) {
        String flat = redact(text).replaceAll("[\\p{Cntrl}&&[^\t]]+", " ").strip();
        return flat.length() > 160 ? flat.substring(0, 160) + "..." : flat;
    }

    /** Takes the token and the become passwords of commands in progress out of a device's text. */
    private String redact(String text) {
        Secret t = token;
        String clean = t == null || t.reveal().length() < 4 ? text : text.replace(t.reveal(), "***");
        for (String password : becomePasswords.keySet()) {
            clean = clean.replace(password, "***");
        }
        return clean;
    }

    private void refuseBig(RestSettings s, long size, String file, String verb) throws ConnectionException {
        if (size > s.maxInlineFileSize()) {
            throw new ConnectionException(where + ": cannot " + verb + " " + file + ": it is " + mib(size)
                    + ", over max_inline_file_size (" + mib(s.maxInlineFileSize()) + "), and the device "
                    + (s.rawFiles() ? "does not offer raw file streaming (no \"" + RAW_FILES + "\" in its /health)"
                            : "may not stream raw (raw_files: false)")
                    + "; raise max_inline_file_size if the device can take it, or update the device's agent");
        }
    }

    private static Duration transferTimeout(RestSettings s, long size) {
        // a big file needs time: allow at least 1 MiB/s on top of the request timeout
        return s.requestTimeout().plusSeconds(size >> 20);
    }

    private static String localMode(Path local) {
        try {
            int bits = 0;
            for (PosixFilePermission p : Files.getPosixFilePermissions(local)) {
                bits |= 1 << (8 - p.ordinal());
            }
            return String.format("%04o", bits);
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }

    private String path(String endpoint) {
        return settings == null ? endpoint : settings.apiPath() + endpoint;
    }

    private int port() {
        return URI.create(base).getPort();
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    private static String text(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }
}
