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
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
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
import io.conduit.api.connection.Command;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.OutputBuffer;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.ShellCommand;
import io.conduit.api.connection.TimedOutException;
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
    private static final Logger LOG = LoggerFactory.getLogger(RestConnection.class);
    private static final String OCTET = "application/octet-stream";
    private static final String JSON = "application/json";
    private static final long ERROR_BODY_LIMIT = 64 << 10;
    private static final long SMALL_BODY_LIMIT = 1 << 20;
    private static final Duration SHORT = Duration.ofSeconds(5);

    private final ConnectionKey key;
    private final Supplier<RestSettings> defaults;
    private final HttpClients clients;
    private final Consumer<RestConnection> onClose;
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    private final Set<String> runningCommands = ConcurrentHashMap.newKeySet();

    private volatile RestSettings settings;
    private volatile HttpClient client;
    private volatile ClientTls tls;
    private volatile String peerHost;
    private volatile String base;
    private volatile String where;
    private volatile Secret token;
    private volatile boolean raw;
    private volatile boolean cancellable;
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
        RestSettings s;
        try {
            s = defaults.get().overlay(params);
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
            LOG.warn("{}: use_ssl is false: the token and all data cross the network in clear text", where);
        }
        tls = shared.tls();
        peerHost = host;
        client = shared.client();

        String label = "GET " + path(s.healthPath());
        HttpResponse<InputStream> response = send(label, request(s.healthPath(), null, s.requestTimeout())
                .header("Accept", JSON).GET().build(), true);
        byte[] body = expectOk(label, response, SMALL_BODY_LIMIT, null);
        boolean offered = false;
        boolean cancel = false;
        if (body.length > 0) {
            JsonObject health = object(label, response.statusCode(), body);
            JsonElement caps = health.get("capabilities");
            if (caps instanceof JsonArray array) {
                for (JsonElement c : array) {
                    offered |= c.isJsonPrimitive() && RAW_FILES.equals(c.getAsString());
                    cancel |= c.isJsonPrimitive() && CANCEL.equals(c.getAsString());
                }
            }
        }
        raw = offered && s.rawFiles();
        cancellable = cancel;
        opened = true;
        LOG.debug("{}: opened {} (raw file streaming {})", where, base, raw ? "on" : "off");
    }

    @Override
    public ExecResult exec(Command command) throws IOException {
        RestSettings s = ready();
        if (ShellCommand.needsPty(command)) {
            throw new ConnectionException(where + ": the rest protocol has no terminal, so " + (command.pty()
                    ? "pty: true" : "su with a password") + " cannot work here; use sudo (become_method: sudo)"
                    + " or run without a pty");
        }
        Duration timeout = command.timeout() != null ? command.timeout() : s.commandTimeout();
        JsonObject body = new JsonObject();
        body.addProperty("command", ShellCommand.wrap(command));
        body.addProperty("timeout", timeout.toMillis() / 1000.0);
        byte[] stdin = ShellCommand.stdin(command);
        if (stdin.length > 0) {
            if (s.stdinEncoding().equals("text")) {
                body.addProperty("stdin", new String(stdin, StandardCharsets.UTF_8));
                body.addProperty("stdin_encoding", "text");
            } else {
                body.addProperty("stdin", Base64.getEncoder().encodeToString(stdin));
            }
        }
        body.addProperty("output_encoding", "base64");
        body.addProperty("output_limit", command.outputLimit());
        String id = UUID.randomUUID().toString();
        body.addProperty("id", id);

        String label = "POST " + path(s.execPath());
        long start = System.nanoTime();
        HttpResponse<InputStream> response;
        runningCommands.add(id);
        try {
            response = send(label, request(s.execPath(), null, timeout.plus(s.requestTimeout()))
                    .header("Content-Type", JSON).header("Accept", JSON)
                    .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build(), false);
        } catch (InterruptedIOException | TimedOutException e) {
            cancel(List.of(id)); // the caller gave up: don't leave the command running on the device
            throw e;
        } finally {
            runningCommands.remove(id);
        }
        // base64 of two capped streams, plus room for devices that do not cap
        long limit = Math.max(64L << 20, command.outputLimit() * 3 + SMALL_BODY_LIMIT);
        JsonObject result = object(label, response.statusCode(), expectOk(label, response, limit, null));
        Duration duration = Duration.ofNanos(System.nanoTime() - start);

        JsonElement rc = result.get("return_code");
        if (rc == null || !rc.isJsonPrimitive() || !rc.getAsJsonPrimitive().isNumber()) {
            throw new ProtocolException(where + ": " + label + " answered without a numeric \"return_code\": \""
                    + excerpt(result.toString()) + "\"; is exec_path right for this device?");
        }
        boolean base64 = "base64".equalsIgnoreCase(text(result, "output_encoding"));
        OutputBuffer out = new OutputBuffer(command.outputLimit());
        OutputBuffer err = new OutputBuffer(command.outputLimit());
        out.write(output(label, result, "stdout", base64));
        err.write(output(label, result, "stderr", base64));
        ExecResult exec = new ExecResult(rc.getAsInt(), out.toByteArray(), err.toByteArray(), duration,
                out.truncated() || flag(result, "stdout_truncated"), err.truncated() || flag(result, "stderr_truncated"));
        if (flag(result, "timed_out")) {
            throw new TimedOutException(where + ": command timed out after " + text(timeout)
                    + " and the device killed it with its child processes; raise the command's timeout if it needs"
                    + " longer", timeout, exec, null);
        }
        LOG.debug("{}: {} exited {} in {} ms", where, command, exec.exitCode(), duration.toMillis());
        return exec;
    }

    @Override
    public void put(Path local, String remotePath, int mode) throws IOException {
        RestSettings s = ready();
        if (!Files.isRegularFile(local)) {
            throw new FileNotFoundException(local + (Files.isDirectory(local) ? ": is a directory, not a file"
                    : ": no such local file"));
        }
        long size = Files.size(local);
        String modeText = mode == KEEP_MODE ? localMode(local) : String.format("%04o", mode);
        String label = "PUT " + path(s.filesPath());
        HttpResponse<InputStream> response;
        if (raw) {
            String query = "path=" + encode(remotePath) + (modeText == null ? "" : "&mode=" + modeText);
            response = send(label, request(s.filesPath(), query, transferTimeout(s, size))
                    .header("Content-Type", OCTET).header("Accept", JSON)
                    .PUT(HttpRequest.BodyPublishers.ofFile(local)).build(), true);
        } else {
            refuseBig(s, size, local.toString(), "send");
            JsonObject body = new JsonObject();
            body.addProperty("path", remotePath);
            body.addProperty("content", Base64.getEncoder().encodeToString(Files.readAllBytes(local)));
            body.addProperty("encoding", "base64");
            if (modeText != null) {
                body.addProperty("mode", modeText);
            }
            response = send(label, request(s.filesPath(), null, transferTimeout(s, size))
                    .header("Content-Type", JSON).header("Accept", JSON)
                    .PUT(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build(), true);
        }
        byte[] reply = expectWritten(label, response, remotePath);
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
        RestSettings s = ready();
        String label = "GET " + path(s.filesPath()) + "?path=" + remotePath;
        HttpResponse<InputStream> response = send(label, request(s.filesPath(), "path=" + encode(remotePath),
                transferTimeout(s, 0)).header("Accept", raw ? OCTET + ", " + JSON : JSON).GET().build(), true);
        Path dir = local.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + local.getFileName() + ".", ".part");
        try {
            String type = response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
            if (response.statusCode() == 200 && type.startsWith(OCTET)) {
                try (InputStream in = response.body(); OutputStream out = Files.newOutputStream(temp)) {
                    in.transferTo(out);
                } catch (IOException e) {
                    throw failure(label, e);
                }
            } else {
                long limit = s.maxInlineFileSize() / 3 * 4 + SMALL_BODY_LIMIT;
                long announced = response.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (response.statusCode() == 200 && announced > limit) {
                    drain(response);
                    refuseBig(s, announced / 4 * 3, remotePath, "fetch");
                }
                JsonObject reply = object(label, response.statusCode(), expectOk(label, response, limit, remotePath));
                String content = text(reply, "content");
                if (content == null) {
                    throw new ProtocolException(where + ": " + label + " answered without \"content\": \""
                            + excerpt(reply.toString()) + "\"");
                }
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
            try {
                Files.move(temp, local, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, local, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        LOG.debug("{}: fetched {} -> {}", where, remotePath, local);
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
        List<String> commands = List.copyOf(runningCommands);
        inFlight.forEach(f -> f.cancel(true));
        if (!commands.isEmpty() && !unreachable) {
            awaitQuietly(cancel(commands));
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
     * Asks the device to kill commands whose caller gave up (closed, interrupted, timed out), if it can.
     *
     * @return the requests sent, to wait on or not
     */
    private List<CompletableFuture<HttpResponse<Void>>> cancel(List<String> ids) {
        RestSettings s = settings;
        HttpClient c = client;
        if (!cancellable || c == null || s == null) {
            return List.of();
        }
        List<CompletableFuture<HttpResponse<Void>>> sent = new ArrayList<>();
        for (String id : ids) {
            HttpRequest request = request(s.execPath(), "id=" + encode(id), SHORT).header("Accept", JSON)
                    .DELETE().build();
            sent.add(c.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) ->
                    LOG.debug("{}: cancel of command {}: {}", where, id, e == null ? r.statusCode() : e.toString())));
        }
        return sent;
    }

    private static void awaitQuietly(List<? extends CompletableFuture<?>> futures) {
        try {
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(SHORT.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // best effort: the device's own timeout still ends the command
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
                if (attempt < attempts && (status == 502 || status == 503 || status == 504)) {
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
                if (attempt < attempts && retryable(failure)) {
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
                    reason = c.getMessage() + (String.valueOf(c.getMessage()).contains("plaintext")
                            || String.valueOf(c.getMessage()).contains("Unsupported or unrecognized SSL message")
                            ? "; the device seems to speak plain HTTP: set use_ssl: false if that is intended" : "");
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
            String message = redact(String.valueOf(t.getMessage()));
            return new Lost(where + ": connection lost during " + label + " (" + t.getClass().getSimpleName() + ": "
                    + message + ")" + (label.startsWith("POST") ? "; the command may or may not have run on the"
                    + " device" : "") + (settings.useSsl() ? "" : "; if the device speaks HTTPS, set use_ssl: true"),
                    t);
        }
        return new ConnectionException(where + ": " + label + " failed: " + redact(String.valueOf(t)), t);
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
        byte[] body = readQuietly(response, ERROR_BODY_LIMIT);
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

    /** {@link #expectOk} for a write, where a 404 means the directory is missing, not the endpoint. */
    private byte[] expectWritten(String label, HttpResponse<InputStream> response, String remotePath)
            throws IOException {
        if (response.statusCode() == 404) {
            String error = errorText(readQuietly(response, ERROR_BODY_LIMIT));
            throw new ConnectionException(where + ": cannot write " + remotePath + " (404" + (error.isEmpty() ? ""
                    : ": " + error) + "); create its directory first (if the device answers this for every file,"
                    + " check files_path and api_path)");
        }
        return expectOk(label, response, SMALL_BODY_LIMIT, null);
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

    /** A short, single-line, token-free excerpt of a device's text for messages. */
    private String excerpt(String text) {
        String flat = redact(text).replaceAll("[\\p{Cntrl}&&[^\t]]+", " ").strip();
        return flat.length() > 160 ? flat.substring(0, 160) + "..." : flat;
    }

    private String redact(String text) {
        Secret t = token;
        return t == null || t.reveal().length() < 4 ? text : text.replace(t.reveal(), "***");
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
