package io.conduit.rest.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.connection.Trace;
import io.conduit.api.connection.Secret;
import io.conduit.rest.plugin.RestSettings;

/**
 * The device API of one host (rest.bundle/PROTOCOL.md) over the plugin's shared HTTP client: builds requests
 * (base URL, bearer token), sends them with the retry rule ({@link Retries}), reads the health answer, and keeps
 * the requests in flight so that a close can cancel them. Failures come out as the API's exceptions through
 * {@link ApiErrors}. Knows nothing of commands, files or the connection's lifecycle; thread-safe.
 */
public final class DeviceClient {
    /** JSON bodies. */
    public static final String JSON = "application/json";
    /** Raw file bodies. */
    public static final String OCTET = "application/octet-stream";
    /** The most bytes of a small JSON answer (health, a file's metadata) held in memory. */
    public static final long SMALL_BODY_LIMIT = 1 << 20;
    /** The longest a liveness check or the disconnect request waits. */
    public static final Duration SHORT = Duration.ofSeconds(5);
    private static final Logger LOG = LoggerFactory.getLogger(DeviceClient.class);

    private final RestSettings settings;
    private final HttpClient http;
    private final String base;
    private final String where;
    private final Secret token;
    private final Redaction redaction;
    private final ApiErrors errors;
    private final Retries retries;
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    /** Set when the connection starts closing: no new request is sent, bar the stops and the disconnect. */
    private volatile boolean closing;
    /** Set when the connection has closed: nothing is sent any more. */
    private volatile boolean released;

    private DeviceClient(RestSettings settings, HttpClient http, String base, String where, Secret token,
            Redaction redaction, ApiErrors errors) {
        this.settings = settings;
        this.http = http;
        this.base = base;
        this.where = where;
        this.token = token;
        this.redaction = redaction;
        this.errors = errors;
        this.retries = new Retries(settings.retries());
    }

    /**
     * Sets up the client of one host: its base URL, the token check, the shared HTTP client for its TLS settings.
     * Sends nothing; {@link #health} is the first request.
     *
     * @param host the host's inventory name, for messages
     * @param where the host's address as messages give it ({@code name:port}, {@code [v6]:port})
     * @param hostname the name or address to connect to
     * @param port the TCP port, 1 to 65535
     * @param s the host's settings
     * @param token the bearer token, or {@code null} for none
     * @param clients the plugin's shared HTTP clients
     * @param trace where the address and TLS choices are shown
     * @return the client
     * @throws ConnectionException the host name is not usable, a token would travel in clear text, the CA file
     *         cannot be read or TLS cannot be set up
     */
    public static DeviceClient connect(String host, String where, String hostname, int port, RestSettings s,
            Secret token, HttpClients clients, Trace trace) throws ConnectionException {
        String base;
        try {
            base = new URI(s.useSsl() ? "https" : "http", null, hostname, port, s.apiPath().isEmpty() ? null
                    : s.apiPath(), null, null).toString();
        } catch (URISyntaxException e) {
            throw new ConnectionException(host + ": '" + hostname + "' is not a usable host name: " + e.getMessage());
        }
        if (token != null && !s.useSsl() && !s.allowPlainHttpToken()) {
            throw new ConnectionException(host + ": use_ssl is false and a token is set: the token would cross"
                    + " the network in clear text; use HTTPS (use_ssl: true), or set connection_options.rest.extras."
                    + RestSettings.ALLOW_PLAIN_HTTP_TOKEN + ": true to send it anyway");
        }
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
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "rest: " + base + " (" + (token != null ? "bearer token set" : "no token")
                    + ")");
        }
        if (trace.on(Trace.DETAIL)) {
            trace.line(Trace.DETAIL, "rest: TLS " + (!s.useSsl() ? "off (use_ssl false): clear text"
                    : !s.verifySsl() ? "on, certificate NOT verified (verify_ssl false)"
                    : "on, verifying the chain and host name against " + (s.caFile() != null ? s.caFile()
                            : "the JDK's trust store")) + "; connect_timeout " + ApiErrors.text(s.connectTimeout())
                    + ", request_timeout " + ApiErrors.text(s.requestTimeout()) + ", retries " + s.retries());
        }
        Redaction redaction = new Redaction(token);
        ApiErrors errors = new ApiErrors(where, s, token != null, redaction, shared.tls(), hostname, port);
        return new DeviceClient(s, shared.client(), base, where, token, redaction, errors);
    }

    /**
     * Asks the device what it offers ({@code GET health}, retried like every idempotent request).
     *
     * @param trace where the TLS peer and the answer are shown
     * @return its capabilities; {@link Capabilities#NONE} for an empty answer
     * @throws IOException the device cannot be reached or refused, in the words of {@link ApiErrors}
     */
    public Capabilities health(Trace trace) throws IOException {
        String label = "GET " + path(settings.healthPath());
        HttpResponse<InputStream> response = send(label, request(settings.healthPath(), null,
                settings.requestTimeout()).header("Accept", JSON).GET().build(), true);
        if (trace.on(Trace.DETAIL)) {
            response.sslSession().ifPresent(tlsSession -> trace.line(Trace.DETAIL, "rest: TLS peer " + peer(tlsSession)
                    + ", " + tlsSession.getProtocol() + " " + tlsSession.getCipherSuite()));
        }
        if (trace.on(Trace.PROTOCOL)) {
            trace.line(Trace.PROTOCOL, "rest: " + label + " -> " + response.statusCode() + " " + response.version());
        }
        byte[] body = errors.expectOk(label, response, SMALL_BODY_LIMIT, null);
        return body.length == 0 ? Capabilities.NONE
                : Capabilities.of(errors.object(label, response.statusCode(), body));
    }

    /**
     * Asks the device whether it answers ({@code GET health}, once, within {@code request_timeout} and at most
     * {@link #SHORT}).
     *
     * @throws IOException it did not answer 2xx
     */
    public void ping() throws IOException {
        String label = "GET " + path(settings.healthPath());
        HttpResponse<InputStream> response = send(label, request(settings.healthPath(), null,
                min(settings.requestTimeout(), SHORT)).header("Accept", JSON).GET().build(), false);
        errors.expectOk(label, response, SMALL_BODY_LIMIT, null);
    }

    /**
     * Sends the {@code disconnect_method} request if one is set, best effort: bounded by {@link #SHORT}, its
     * failures only logged.
     */
    public void disconnect() {
        RestSettings s = settings;
        if (s.disconnectMethod() == null) {
            return;
        }
        String label = s.disconnectMethod() + " " + path(s.disconnectPath());
        try {
            HttpRequest request = request(s.disconnectPath(), null, min(s.requestTimeout(), SHORT))
                    .header("Accept", JSON)
                    .method(s.disconnectMethod(), HttpRequest.BodyPublishers.noBody()).build();
            CompletableFuture<HttpResponse<Void>> f = http.sendAsync(request, HttpResponse.BodyHandlers.discarding());
            HttpResponse<Void> r = f.get(SHORT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.debug("{}: {} -> {}", where, label, r.statusCode());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.debug("{}: {} failed (best effort): {}", where, label, e.toString());
        }
    }

    /**
     * Builds a request to an endpoint with the token and the user agent.
     *
     * @param endpoint the endpoint below {@code api_path}, as {@code /execute}
     * @param query the encoded query without {@code ?}, or {@code null}
     * @param timeout the request's deadline in the HTTP client
     * @return the builder, to add the method and headers to
     */
    public HttpRequest.Builder request(String endpoint, String query, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + endpoint + (query == null ? "" : "?" + query)))
                .timeout(timeout)
                .header("User-Agent", "conduit-rest");
        if (token != null) {
            b.header("Authorization", "Bearer " + token.reveal());
        }
        return b;
    }

    /**
     * Sends, retrying idempotent requests after a dropped connection or a 502/503/504.
     *
     * @param label the request for messages, as {@code "GET /api/v1/health"}
     * @param idempotent whether it may be sent again
     * @return the answer, any status; its body still to read
     * @throws IOException in the words of {@link ApiErrors#failure}; {@link TimedOutException} when no answer
     *         came within the request's timeout plus {@code connect_timeout} plus 5 s;
     *         {@link InterruptedIOException} when interrupted; {@link ConnectionException} when closed
     */
    public HttpResponse<InputStream> send(String label, HttpRequest request, boolean idempotent) throws IOException {
        return send(label, request, idempotent, null);
    }

    /**
     * Sends an upload, retried only after a dropped connection that took none of its body: the device cannot
     * have acted on a body it never got. A refusal is never retried.
     *
     * @see #send(String, HttpRequest, boolean)
     */
    public HttpResponse<InputStream> send(String label, HttpRequest request, CountingBody upload) throws IOException {
        return send(label, request, true, upload);
    }

    private HttpResponse<InputStream> send(String label, HttpRequest request, boolean idempotent, CountingBody upload)
            throws IOException {
        if (closing || released) {
            throw new ConnectionException(where + ": the connection is closed");
        }
        int attempts = retries.attempts(idempotent);
        for (int attempt = 1;; attempt++) {
            CompletableFuture<HttpResponse<InputStream>> future =
                    http.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
            inFlight.add(future);
            try {
                if (closing) {
                    future.cancel(true);
                }
                Duration bound = request.timeout().orElse(settings.requestTimeout())
                        .plus(settings.connectTimeout()).plusSeconds(5);
                HttpResponse<InputStream> response = future.get(bound.toMillis(), TimeUnit.MILLISECONDS);
                int status = response.statusCode();
                if (attempt < attempts && upload == null && Retries.retryable(status)) {
                    ApiErrors.drain(response);
                    LOG.debug("{}: {} answered {}, retrying ({}/{})", where, label, status, attempt, attempts - 1);
                    Retries.backoff(attempt);
                    continue;
                }
                LOG.debug("{}: {} -> {}", where, label, status);
                return response;
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                IOException failure = errors.failure(label, cause);
                if (attempt < attempts && Retries.retryable(failure) && (upload == null || upload.sent() == 0)) {
                    LOG.debug("{}: {} failed ({}), retrying ({}/{})", where, label, failure.getMessage(), attempt,
                            attempts - 1);
                    Retries.backoff(attempt);
                    continue;
                }
                throw failure;
            } catch (CancellationException e) {
                throw new ConnectionException(where + ": " + label + " was cancelled: the connection was closed");
            } catch (TimeoutException e) {
                future.cancel(true);
                throw new TimedOutException(where + ": " + label + ": no answer within "
                        + ApiErrors.text(request.timeout().orElse(settings.requestTimeout()))
                        + "; raise request_timeout if the device is slow", request.timeout().orElse(null));
            } catch (InterruptedException e) {
                future.cancel(true);
                Thread.currentThread().interrupt();
                throw new InterruptedIOException(where + ": interrupted during " + label);
            } finally {
                inFlight.remove(future);
            }
        }
    }

    /**
     * Sends without retry, tracking or a wait: for a command, whose answer the caller awaits with its own
     * deadline, and for a command's stop, which must go out while the connection closes.
     *
     * @return the answer's future
     */
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> body) {
        return http.sendAsync(request, body);
    }

    /** The connection starts closing: {@link #send} refuses from now on, and requests it sent are cancelled. */
    public void beginClose() {
        closing = true;
    }

    /** Cancels the requests {@link #send} is waiting for (they fail with "cancelled: the connection was closed"). */
    public void cancelInFlight() {
        inFlight.forEach(f -> f.cancel(true));
    }

    /** The connection has closed: nothing is sent any more, stops included. */
    public void release() {
        closing = true;
        released = true;
    }

    /** @return whether the connection is closing or closed */
    public boolean closing() {
        return closing;
    }

    /** @return whether the connection has closed */
    public boolean released() {
        return released;
    }

    /** @return the host's settings */
    public RestSettings settings() {
        return settings;
    }

    /** @return the error mapping of this device */
    public ApiErrors errors() {
        return errors;
    }

    /** @return the secrets taken out of this device's texts */
    public Redaction redaction() {
        return redaction;
    }

    /** @return the host's address as messages give it */
    public String where() {
        return where;
    }

    /** @return the base URL ({@code https://host:port/api/v1}) */
    public String base() {
        return base;
    }

    /** @return whether a bearer token is sent */
    public boolean hasToken() {
        return token != null;
    }

    /** @return an endpoint's path as messages give it, {@code api_path} included */
    public String path(String endpoint) {
        return settings.apiPath() + endpoint;
    }

    /** @return a value encoded for a query ({@code %20} for a space) */
    public static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** @return the shorter of two durations */
    public static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** The TLS peer's certificate subject and names, for the trace; never anything secret. */
    private static String peer(SSLSession session) {
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate x) {
                return x.getSubjectX500Principal().getName() + " (issuer " + x.getIssuerX500Principal().getName()
                        + ", names " + (x.getSubjectAlternativeNames() == null ? "none"
                                : x.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList())
                        + ")";
            }
            return "without an X.509 certificate";
        } catch (SSLPeerUnverifiedException | CertificateParsingException e) {
            return "unverified";
        }
    }
}
