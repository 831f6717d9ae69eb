package io.conduit.rest.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

import javax.net.ssl.SSLException;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import io.conduit.api.connection.AuthenticationFailedException;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.rest.plugin.RestSettings;
import io.conduit.rest.tls.ClientTls;

/**
 * One device's answers read and its failures put in words: what the HTTP client threw becomes the API's
 * exceptions with a reason an operator can act on, a non-2xx status becomes the exception it means, a body is
 * read within a limit and decoded as JSON; every device text quoted in a message is shortened and has the
 * connection's secrets taken out ({@link Redaction}). Remembers whether the device proved unreachable, so that a
 * close does not wait on it.
 */
public final class ApiErrors {
    /** The most bytes of an error answer read for its message. */
    public static final long ERROR_BODY_LIMIT = 64 << 10;
    private static final int EXCERPT = 160;

    private final String where;
    private final RestSettings settings;
    private final boolean tokenSet;
    private final Redaction redaction;
    private final ClientTls tls;
    private final String peerHost;
    private final int port;
    private volatile boolean unreachable;

    /** A dropped connection: the only failure an idempotent request is retried after. */
    public static final class Lost extends ConnectionException {
        private static final long serialVersionUID = 1L;

        Lost(String message, Throwable cause) {
            super(message, cause);
        }
    }

    ApiErrors(String where, RestSettings settings, boolean tokenSet, Redaction redaction, ClientTls tls,
            String peerHost, int port) {
        this.where = where;
        this.settings = settings;
        this.tokenSet = tokenSet;
        this.redaction = redaction;
        this.tls = tls;
        this.peerHost = peerHost;
        this.port = port;
    }

    /** @return whether the device could not be reached (no route, refused, TLS failed): nothing to wait for */
    public boolean unreachable() {
        return unreachable;
    }

    /**
     * Turns what the HTTP client threw into the API's exceptions, with the reason in words.
     *
     * @param label the request, as {@code "GET /api/v1/health"}
     * @param t what the client threw (or the cause of its future's failure)
     * @return the exception to throw: {@link TimedOutException}, {@link ConnectFailedException},
     *         {@link ProtocolException}, {@link Lost} (retryable) or {@link ConnectionException}
     */
    public IOException failure(String label, Throwable t) {
        RestSettings s = settings;
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof HttpConnectTimeoutException) {
                unreachable = true;
                if (s.useSsl() && speaksPlainHttp(s.connectTimeout())) {
                    // a plain HTTP server waits for a request line and never answers a ClientHello
                    return new ConnectFailedException(where + ": the TLS handshake got no answer within "
                            + text(s.connectTimeout()) + " (connect_timeout), and the port answers plain HTTP: the"
                            + " device speaks plain HTTP on port " + port + "; set use_ssl: false if that is"
                            + " intended (a token then needs allow_plain_http_token: true)", t);
                }
                return new TimedOutException(where + ": could not connect within " + text(s.connectTimeout())
                        + " (connect_timeout" + (s.useSsl() ? ", TCP and TLS handshake" : "") + "); is the device"
                        + " up, is port " + port + " open to this machine" + (s.useSsl() ? ", and does it speak"
                        + " HTTPS there?" : "?"), s.connectTimeout());
            }
            if (c instanceof HttpTimeoutException) {
                return new TimedOutException(where + ": " + label + ": no answer within the request's deadline ("
                        + "request_timeout " + text(s.requestTimeout()) + ", plus the command's own timeout for"
                        + " commands); the device may be hung", s.requestTimeout(), null, t);
            }
            if (c instanceof SSLException) {
                unreachable = true;
                String reason = tls == null ? null : tls.takeFailure(peerHost, port);
                if (reason == null) {
                    String said = String.valueOf(c.getMessage());
                    // the JDK's words for a peer whose first bytes are not a TLS record
                    reason = said.contains("plaintext") || said.contains("Unsupported or unrecognized SSL message")
                            ? "the device's answer is not TLS; if it speaks plain HTTP there, set use_ssl: false"
                            + " (a token then needs allow_plain_http_token: true), otherwise check the port"
                            : said.contains("closed") || said.contains("Remote host terminated")
                            ? "the device closed the connection during the handshake; does it speak HTTPS on port "
                            + port + "?" : redaction.redact(said);
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
                        + " listening on port " + port + "? (java -jar conduit-rest-agent.jar --port " + port
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
            boolean command = label.equals("POST " + s.apiPath() + s.execPath());
            String why = said.contains("received no bytes") ? "the device closed the connection without answering"
                    : command ? "the connection dropped while the command ran (the agent or the link went away)"
                    : "the connection dropped (" + redaction.redact(said) + ")";
            return new Lost(where + ": " + label + ": " + why + (command
                    ? "; " + StopOutcome.UNCONFIRMED.description() : label.startsWith("PUT")
                    ? "; the file may or may not have been written" : "") + plain, t);
        }
        return new ConnectionException(where + ": " + label + " failed (" + redaction.redact(
                String.valueOf(t.getMessage())) + "); the log file has the details", t);
    }

    /**
     * Asks the port in plain HTTP whether it is a plain HTTP server (a TLS client waits in vain for its handshake
     * there). Sends no token. Bounded by the deadline given, at most 2 s.
     *
     * @return whether an answer starting with {@code HTTP/} came back
     */
    private boolean speaksPlainHttp(Duration bound) {
        int millis = (int) Math.min(2000, Math.max(1, bound.toMillis()));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(peerHost, port), millis);
            socket.setSoTimeout(millis);
            socket.getOutputStream().write(("HEAD / HTTP/1.0\r\nHost: " + peerHost + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] head = socket.getInputStream().readNBytes(5);
            return new String(head, StandardCharsets.US_ASCII).equals("HTTP/");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Reads a 2xx body (at most {@code limit} bytes) or throws the exception the status means.
     *
     * @param remotePath the file a 404 is about, or {@code null} when a 404 means a wrong endpoint
     * @return the body
     * @throws IOException the status was not 2xx ({@link #refuse}), the body is over the limit
     *         ({@link ProtocolException}), or reading it failed ({@link #failure})
     */
    public byte[] expectOk(String label, HttpResponse<InputStream> response, long limit, String remotePath)
            throws IOException {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return read(label, response, limit);
        }
        refuse(label, response, readQuietly(response, ERROR_BODY_LIMIT), remotePath);
        return null; // not reached
    }

    /**
     * Throws the exception a non-2xx status means: 401/403 {@link AuthenticationFailedException}, 404 on a file
     * {@link RemoteFileNotFoundException}, 404/405 and 3xx {@link ProtocolException}, others
     * {@link ConnectionException}.
     *
     * @param body the answer's body (its error text is quoted)
     * @param remotePath the file a 404 is about, or {@code null} when a 404 means a wrong endpoint
     * @throws IOException always
     */
    public void refuse(String label, HttpResponse<?> response, byte[] body, String remotePath) throws IOException {
        int status = response.statusCode();
        String error = errorText(body);
        String said = " (" + status + (error.isEmpty() ? "" : ": " + error) + ")";
        if (status == 401 || status == 403) {
            throw new AuthenticationFailedException(where + ": the device refused " + label + said + "; "
                    + (!tokenSet ? "no token is set: set connection_options.rest.extras.token, e.g."
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
     * Reads a body of at most {@code limit} bytes.
     *
     * @throws ProtocolException the body is larger
     * @throws IOException reading failed ({@link #failure})
     */
    public byte[] read(String label, HttpResponse<InputStream> response, long limit) throws IOException {
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

    /** @return at most {@code limit} bytes of the body, nothing when reading it failed */
    public static byte[] readQuietly(HttpResponse<InputStream> response, long limit) {
        try (InputStream in = response.body()) {
            return in.readNBytes((int) limit);
        } catch (IOException e) {
            return new byte[0];
        }
    }

    /** Closes a body nobody will read. */
    public static void drain(HttpResponse<InputStream> response) {
        try {
            response.body().close();
        } catch (IOException e) {
            // nothing to do
        }
    }

    /**
     * @return the body as a JSON object
     * @throws ProtocolException it is not one (the device is probably not the API)
     */
    public JsonObject object(String label, int status, byte[] body) throws ProtocolException {
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

    /** @return a field as text (a number or an object as its JSON), {@code null} when absent or null */
    public static String text(JsonObject object, String field) {
        JsonElement e = object.get(field);
        return e == null || e.isJsonNull() ? null : e.isJsonPrimitive() ? e.getAsString() : e.toString();
    }

    /** @return whether a field is the boolean {@code true} */
    public static boolean flag(JsonObject object, String field) {
        JsonElement e = object.get(field);
        return e != null && e.isJsonPrimitive() && e.getAsJsonPrimitive().isBoolean() && e.getAsBoolean();
    }

    /**
     * @return an error answer's words: its {@code error}, {@code message} or {@code detail}, or the body quoted;
     *         {@code ""} for an empty body
     */
    public String errorText(byte[] body) {
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

    /** @return a short, single-line, secret-free excerpt of a device's text for messages */
    public String excerpt(String text) {
        String flat = redaction.redact(text).replaceAll("[\\p{Cntrl}&&[^\t]]+", " ").strip();
        return flat.length() > EXCERPT ? flat.substring(0, EXCERPT) + "..." : flat;
    }

    /** @return a device's text with the connection's secrets taken out */
    public String redact(String text) {
        return redaction.redact(text);
    }

    /** @return a duration as messages give it: {@code 5s}, or {@code 1500ms} */
    public static String text(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms";
    }

    /** @return a byte count in MiB with one decimal */
    public static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }
}
