package io.conduit.rest.plugin;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;

/**
 * The validated options of the {@code rest} plugin: the ConfigAdmin defaults ({@link #from}), then one host's
 * {@code extras} laid over them ({@link #overlay}). Immutable; a config change swaps the whole record.
 *
 * @param port port when the inventory sets none
 * @param apiPath base path of the API, no trailing slash ({@code ""} for the root)
 * @param useSsl HTTPS or plain HTTP
 * @param verifySsl verify the chain and the host name
 * @param caFile PEM file of CAs to trust, or {@code null} for the JDK's trust store
 * @param connectTimeout TCP + TLS connect deadline
 * @param requestTimeout answer deadline of a request (a command adds its own timeout)
 * @param commandTimeout timeout sent for commands that set none
 * @param retries retries of idempotent requests
 * @param healthPath health endpoint
 * @param execPath command endpoint
 * @param filesPath file endpoint
 * @param disconnectMethod HTTP method sent on close, or {@code null} for none
 * @param disconnectPath path sent on close, or {@code null} for none
 * @param maxInlineFileSize largest file sent or fetched as base64 JSON
 * @param rawFiles stream files raw when the device offers it
 * @param stdinEncoding {@code base64} or {@code text}
 * @param allowPlainHttpToken whether a token may be sent over plain HTTP ({@code use_ssl: false}); without it
 *        such a host is refused at open, because the token would cross the network in clear text
 */
public record RestSettings(int port, String apiPath, boolean useSsl, boolean verifySsl, String caFile,
        Duration connectTimeout, Duration requestTimeout, Duration commandTimeout, int retries, String healthPath,
        String execPath, String filesPath, String disconnectMethod, String disconnectPath, long maxInlineFileSize,
        boolean rawFiles, String stdinEncoding, boolean allowPlainHttpToken) {

    /** Default port of the protocol. */
    public static final int DEFAULT_PORT = 8443;
    /** Default {@code max_inline_file_size}: 16 MiB. */
    public static final long DEFAULT_MAX_INLINE = 16L << 20;

    /** Option names, as written under {@code connection_options.rest.extras} and in the .cfg file. */
    public static final String PORT = "port";
    public static final String API_PATH = "api_path";
    public static final String TOKEN = "token";
    public static final String USE_SSL = "use_ssl";
    public static final String VERIFY_SSL = "verify_ssl";
    public static final String CA_FILE = "ca_file";
    public static final String CONNECT_TIMEOUT = "connect_timeout";
    public static final String REQUEST_TIMEOUT = "request_timeout";
    public static final String COMMAND_TIMEOUT = "command_timeout";
    public static final String RETRIES = "retries";
    public static final String HEALTH_PATH = "health_path";
    public static final String EXEC_PATH = "exec_path";
    public static final String FILES_PATH = "files_path";
    public static final String DISCONNECT = "disconnect";
    public static final String MAX_INLINE = "max_inline_file_size";
    public static final String RAW_FILES = "raw_files";
    public static final String STDIN_ENCODING = "stdin_encoding";
    public static final String ALLOW_PLAIN_HTTP_TOKEN = "allow_plain_http_token";

    /**
     * Validates the ConfigAdmin defaults.
     *
     * @param pid the configuration PID, for messages
     * @param c the configuration
     * @return the settings
     * @throws IllegalArgumentException a value is wrong; the message names the PID, the key and the value
     */
    public static RestSettings from(String pid, RestConfig c) {
        try {
            String[] disconnect = disconnect(DISCONNECT, c.disconnect());
            return check(new RestSettings(c.port(), apiPath(API_PATH, c.api__path()), c.use__ssl(), c.verify__ssl(),
                    blankToNull(c.ca__file()),
                    duration(CONNECT_TIMEOUT, c.connect__timeout()), duration(REQUEST_TIMEOUT, c.request__timeout()),
                    duration(COMMAND_TIMEOUT, c.command__timeout()), c.retries(),
                    endpoint(HEALTH_PATH, c.health__path()), endpoint(EXEC_PATH, c.exec__path()),
                    endpoint(FILES_PATH, c.files__path()), disconnect[0], disconnect[1],
                    c.max__inline__file__size(), c.raw__files(), encoding(STDIN_ENCODING, c.stdin__encoding()),
                    c.allow__plain__http__token()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(pid + ": " + e.getMessage(), e);
        }
    }

    /**
     * Lays one host's extras over these defaults.
     *
     * @param params the host's resolved parameters
     * @return the host's settings
     * @throws IllegalArgumentException an extra is wrong; the message names it and the value
     */
    public RestSettings overlay(ConnectionParams params) {
        String[] disc = params.extras().containsKey(DISCONNECT)
                ? disconnect(DISCONNECT, params.string(DISCONNECT, ""))
                : new String[] {disconnectMethod, disconnectPath};
        return check(new RestSettings(
                (int) params.integer(PORT, port),
                params.extras().containsKey(API_PATH) ? apiPath(API_PATH, params.string(API_PATH, "")) : apiPath,
                params.bool(USE_SSL, useSsl),
                params.bool(VERIFY_SSL, verifySsl),
                params.extras().containsKey(CA_FILE) ? blankToNull(OptionType.PATH.convert(CA_FILE,
                        params.extras().get(CA_FILE))) : caFile,
                params.duration(CONNECT_TIMEOUT, connectTimeout),
                params.duration(REQUEST_TIMEOUT, requestTimeout),
                params.duration(COMMAND_TIMEOUT, commandTimeout),
                (int) params.integer(RETRIES, retries),
                params.extras().containsKey(HEALTH_PATH) ? endpoint(HEALTH_PATH, params.string(HEALTH_PATH, "")) : healthPath,
                params.extras().containsKey(EXEC_PATH) ? endpoint(EXEC_PATH, params.string(EXEC_PATH, "")) : execPath,
                params.extras().containsKey(FILES_PATH) ? endpoint(FILES_PATH, params.string(FILES_PATH, "")) : filesPath,
                disc[0], disc[1],
                params.integer(MAX_INLINE, maxInlineFileSize),
                params.bool(RAW_FILES, rawFiles),
                params.extras().containsKey(STDIN_ENCODING)
                        ? encoding(STDIN_ENCODING, params.string(STDIN_ENCODING, "")) : stdinEncoding,
                params.bool(ALLOW_PLAIN_HTTP_TOKEN, allowPlainHttpToken)));
    }

    /**
     * Describes every option, with these settings' values as the defaults shown.
     *
     * @return the descriptors, in the order {@code conduit:plugins rest} shows them
     */
    public List<OptionDescriptor> describe() {
        return List.of(
                OptionDescriptor.secret(TOKEN, "Bearer token sent as 'Authorization: Bearer TOKEN'; usually"
                        + " ${env:NAME} or ${file:PATH}. The host's password is never sent in its place."),
                OptionDescriptor.of(PORT, OptionType.INTEGER, Integer.toString(port),
                        "Port of the device's API when the inventory sets none."),
                OptionDescriptor.of(API_PATH, OptionType.STRING, apiPath.isEmpty() ? "/" : apiPath,
                        "Base path of the API; the endpoint paths are under it."),
                OptionDescriptor.of(USE_SSL, OptionType.BOOLEAN, Boolean.toString(useSsl),
                        "HTTPS (true) or plain HTTP (false: the token crosses the network in clear text, so a host"
                                + " with a token is refused unless allow_plain_http_token is true)."),
                OptionDescriptor.of(ALLOW_PLAIN_HTTP_TOKEN, OptionType.BOOLEAN, Boolean.toString(allowPlainHttpToken),
                        "Send the token over plain HTTP (use_ssl: false) anyway: anyone on the path can read it and"
                                + " act as you on the device. Each run announces it on the console."),
                OptionDescriptor.of(VERIFY_SSL, OptionType.BOOLEAN, Boolean.toString(verifySsl),
                        "Verify the certificate chain and that the certificate names the host; false accepts any"
                                + " certificate."),
                OptionDescriptor.of(CA_FILE, OptionType.PATH, caFile,
                        "PEM file with the CA certificate(s) to trust instead of the JDK's (the reference agent"
                                + " writes STATE_DIR/ca.pem)."),
                OptionDescriptor.of(CONNECT_TIMEOUT, OptionType.DURATION, text(connectTimeout),
                        "Deadline for the TCP and TLS connection."),
                OptionDescriptor.of(REQUEST_TIMEOUT, OptionType.DURATION, text(requestTimeout),
                        "Deadline for an answer; a command gets its own timeout plus this."),
                OptionDescriptor.of(COMMAND_TIMEOUT, OptionType.DURATION, text(commandTimeout),
                        "Timeout sent to the device for commands that set none."),
                OptionDescriptor.of(RETRIES, OptionType.INTEGER, Integer.toString(retries),
                        "Retries of idempotent requests (GET, PUT, DELETE) after a dropped connection or a"
                                + " 502/503/504; commands are never retried."),
                OptionDescriptor.of(HEALTH_PATH, OptionType.STRING, healthPath,
                        "Health endpoint, GET on open (older devices: /status)."),
                OptionDescriptor.of(EXEC_PATH, OptionType.STRING, execPath,
                        "Command endpoint, POST (older devices: /exec)."),
                OptionDescriptor.of(FILES_PATH, OptionType.STRING, filesPath,
                        "File endpoint: PUT writes, GET ?path= reads."),
                OptionDescriptor.of(DISCONNECT, OptionType.STRING,
                        disconnectMethod == null ? "" : disconnectMethod + " " + disconnectPath,
                        "Request sent on close, best effort: 'POST /disconnect', 'DELETE /session', or empty."),
                OptionDescriptor.of(MAX_INLINE, OptionType.INTEGER, Long.toString(maxInlineFileSize),
                        "Largest file in bytes moved as base64 JSON when the device offers no raw streaming;"
                                + " bigger files are refused."),
                OptionDescriptor.of(RAW_FILES, OptionType.BOOLEAN, Boolean.toString(rawFiles),
                        "Stream files as application/octet-stream when /health offers raw_files."),
                OptionDescriptor.of(STDIN_ENCODING, OptionType.STRING, stdinEncoding,
                        "How stdin is sent: base64, or text for devices that take plain strings."));
    }

    private static RestSettings check(RestSettings s) {
        if (s.port < 1 || s.port > 65535) {
            throw new IllegalArgumentException(PORT + ": " + s.port + " is not a port; use 1-65535");
        }
        if (s.retries < 0 || s.retries > 10) {
            throw new IllegalArgumentException(RETRIES + ": " + s.retries + " is out of range; use 0-10");
        }
        if (s.maxInlineFileSize < 0) {
            throw new IllegalArgumentException(MAX_INLINE + ": must not be negative");
        }
        positive(CONNECT_TIMEOUT, s.connectTimeout);
        positive(REQUEST_TIMEOUT, s.requestTimeout);
        positive(COMMAND_TIMEOUT, s.commandTimeout);
        return s;
    }

    private static void positive(String key, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + ": must be positive, not " + d);
        }
    }

    private static Duration duration(String key, String value) {
        return OptionType.DURATION.convert(key, value);
    }

    private static String apiPath(String key, String value) {
        String v = value.strip();
        if (v.isEmpty() || v.equals("/")) {
            return "";
        }
        if (!v.startsWith("/")) {
            throw new IllegalArgumentException(key + ": \"" + value + "\" must start with /, e.g. /api/v1");
        }
        return v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
    }

    private static String endpoint(String key, String value) {
        String v = value.strip();
        if (!v.startsWith("/") || v.contains("?")) {
            throw new IllegalArgumentException(key + ": \"" + value + "\" must be a path starting with /, e.g. /health");
        }
        return v;
    }

    private static String[] disconnect(String key, String value) {
        String v = value.strip();
        if (v.isEmpty()) {
            return new String[] {null, null};
        }
        String[] parts = v.split("\\s+");
        if (parts.length != 2 || !List.of("POST", "DELETE", "GET", "PUT").contains(parts[0].toUpperCase(Locale.ROOT))) {
            throw new IllegalArgumentException(key + ": \"" + value + "\" must be METHOD PATH, e.g. 'POST /disconnect'"
                    + " or 'DELETE /session', or empty");
        }
        return new String[] {parts[0].toUpperCase(Locale.ROOT), endpoint(key, parts[1])};
    }

    private static String encoding(String key, String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (!v.equals("base64") && !v.equals("text")) {
            throw new IllegalArgumentException(key + ": \"" + value + "\" must be base64 or text");
        }
        return v;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String text(Duration d) {
        if (d.toMillis() % 1000 != 0) {
            return d.toMillis() + "ms";
        }
        long s = d.toSeconds();
        return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
    }
}
