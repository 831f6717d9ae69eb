package io.conduit.rest.plugin;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.support.OptionValues;

/**
 * The validated options of the {@code rest} plugin: the ConfigAdmin defaults ({@link #from}), then one host's
 * {@code extras} laid over them ({@link #forHost}). The options themselves are declared once, in
 * {@link RestOptions}. Immutable; a config change swaps the whole record.
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

    /** Option names the connection reads from a host's extras; every option is declared in {@link RestOptions}. */
    public static final String TOKEN = RestOptions.TOKEN.name();
    public static final String ALLOW_PLAIN_HTTP_TOKEN = RestOptions.ALLOW_PLAIN_HTTP_TOKEN.name();

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
            OptionValues v = OptionValues.ofConfiguration(RestOptions.ALL, c);
            String[] disconnect = disconnect(RestOptions.DISCONNECT.name(), v.get(RestOptions.DISCONNECT));
            return check(new RestSettings(
                    toInt(v.get(RestOptions.PORT)),
                    apiPath(RestOptions.API_PATH.name(), v.get(RestOptions.API_PATH)),
                    v.get(RestOptions.USE_SSL),
                    v.get(RestOptions.VERIFY_SSL),
                    blankToNull(v.get(RestOptions.CA_FILE)),
                    v.get(RestOptions.CONNECT_TIMEOUT),
                    v.get(RestOptions.REQUEST_TIMEOUT),
                    v.get(RestOptions.COMMAND_TIMEOUT),
                    toInt(v.get(RestOptions.RETRIES)),
                    endpoint(RestOptions.HEALTH_PATH.name(), v.get(RestOptions.HEALTH_PATH)),
                    endpoint(RestOptions.EXEC_PATH.name(), v.get(RestOptions.EXEC_PATH)),
                    endpoint(RestOptions.FILES_PATH.name(), v.get(RestOptions.FILES_PATH)),
                    disconnect[0], disconnect[1],
                    v.get(RestOptions.MAX_INLINE),
                    v.get(RestOptions.RAW_FILES),
                    v.get(RestOptions.STDIN_ENCODING),
                    v.get(RestOptions.ALLOW_PLAIN_HTTP_TOKEN)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(pid + ": " + e.getMessage(), e);
        }
    }

    /**
     * Lays one host's extras over these defaults: "settings for this host", as every plugin names it. The core
     * has typed the extras by the declared options ({@link RestOptions}); an option the host does not set keeps
     * these settings' value.
     *
     * @param params the host's resolved parameters
     * @return the host's settings
     * @throws IllegalArgumentException an extra is wrong; the message names it and the value
     */
    public RestSettings forHost(ConnectionParams params) {
        String disconnectText = RestOptions.DISCONNECT.in(params);
        String[] disc = disconnectText != null ? disconnect(RestOptions.DISCONNECT.name(), disconnectText)
                : new String[] {disconnectMethod, disconnectPath};
        String api = RestOptions.API_PATH.in(params);
        String ca = RestOptions.CA_FILE.in(params);
        String health = RestOptions.HEALTH_PATH.in(params);
        String exec = RestOptions.EXEC_PATH.in(params);
        String files = RestOptions.FILES_PATH.in(params);
        return check(new RestSettings(
                toInt(RestOptions.PORT.in(params, (long) port)),
                api != null ? apiPath(RestOptions.API_PATH.name(), api) : apiPath,
                RestOptions.USE_SSL.in(params, useSsl),
                RestOptions.VERIFY_SSL.in(params, verifySsl),
                params.extras().containsKey(RestOptions.CA_FILE.name()) ? blankToNull(ca) : caFile,
                RestOptions.CONNECT_TIMEOUT.in(params, connectTimeout),
                RestOptions.REQUEST_TIMEOUT.in(params, requestTimeout),
                RestOptions.COMMAND_TIMEOUT.in(params, commandTimeout),
                toInt(RestOptions.RETRIES.in(params, (long) retries)),
                health != null ? endpoint(RestOptions.HEALTH_PATH.name(), health) : healthPath,
                exec != null ? endpoint(RestOptions.EXEC_PATH.name(), exec) : execPath,
                files != null ? endpoint(RestOptions.FILES_PATH.name(), files) : filesPath,
                disc[0], disc[1],
                RestOptions.MAX_INLINE.in(params, maxInlineFileSize),
                RestOptions.RAW_FILES.in(params, rawFiles),
                RestOptions.STDIN_ENCODING.in(params, stdinEncoding),
                RestOptions.ALLOW_PLAIN_HTTP_TOKEN.in(params, allowPlainHttpToken)));
    }

    /**
     * Describes every option, with a configuration's values as the defaults shown.
     *
     * @param config the ConfigAdmin configuration
     * @return the descriptors, in the order {@code conduit:plugins rest} shows them
     * @throws IllegalArgumentException a configured value does not fit its option
     */
    public static List<OptionDescriptor> describe(RestConfig config) {
        return OptionValues.ofConfiguration(RestOptions.ALL, config).describe();
    }

    /** Port and retries are range-checked by {@link #check}; a value beyond int is out of range too. */
    private static int toInt(long value) {
        return value > Integer.MAX_VALUE ? Integer.MAX_VALUE : value < Integer.MIN_VALUE ? Integer.MIN_VALUE
                : (int) value;
    }

    private static RestSettings check(RestSettings s) {
        if (s.port < 1 || s.port > 65535) {
            throw new IllegalArgumentException(RestOptions.PORT.name() + ": " + s.port + " is not a port; use 1-65535");
        }
        if (s.retries < 0 || s.retries > 10) {
            throw new IllegalArgumentException(RestOptions.RETRIES.name() + ": " + s.retries + " is out of range; use 0-10");
        }
        if (s.maxInlineFileSize < 0) {
            throw new IllegalArgumentException(RestOptions.MAX_INLINE.name() + ": must not be negative");
        }
        positive(RestOptions.CONNECT_TIMEOUT.name(), s.connectTimeout);
        positive(RestOptions.REQUEST_TIMEOUT.name(), s.requestTimeout);
        positive(RestOptions.COMMAND_TIMEOUT.name(), s.commandTimeout);
        return s;
    }

    private static void positive(String key, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(key + ": must be positive, not " + d);
        }
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

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }
}
