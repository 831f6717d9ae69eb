package io.conduit.api.connection;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The parameters a plugin opens a connection with, resolved by the core from the inventory for one host and
 * one plugin (host's {@code connection_options.PLUGIN}, the host, its groups, the defaults; see the README).
 *
 * <p>Values in {@link #extras()} are already typed by the core from the plugin's {@link OptionDescriptor}s:
 * integers as {@link Long}, booleans as {@link Boolean}, durations as {@link Duration}, secrets as
 * {@link Secret}, lists as {@link List}, a {@link OptionType#CHOICE} as the choice spelled as declared (all once,
 * here: a plugin reads them as they are, {@code io.conduit.api.support.PluginOption#in}); options the plugin does
 * not declare pass through as the inventory
 * had them. {@code ${env:NAME}} and {@code ${file:PATH}} references are already replaced.
 *
 * @param hostname the address to connect to (DNS name or IP literal)
 * @param port the port, or 0 when the inventory gives none and the plugin's default applies
 * @param username the user to log in as, or {@code null}
 * @param password the password, or {@code null}
 * @param platform the platform name ({@code linux}, {@code ios}, ...), or {@code null}
 * @param extras plugin specific options, merged key by key
 */
public record ConnectionParams(String hostname, int port, String username, Secret password, String platform,
        Map<String, Object> extras) {

    /** Copies extras and checks the hostname is present. */
    public ConnectionParams {
        Objects.requireNonNull(hostname, "hostname");
        extras = extras == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(extras));
    }

    /**
     * Returns the port, or the given default when the inventory sets none.
     *
     * @param defaultPort the plugin's default port
     * @return the port to connect to
     */
    public int portOr(int defaultPort) {
        return port > 0 ? port : defaultPort;
    }

    /**
     * Returns a string option.
     *
     * @param key the option name
     * @param defaultValue returned when the option is absent
     * @return the value as text
     */
    public String string(String key, String defaultValue) {
        Object value = extras.get(key);
        if (value == null) {
            return defaultValue;
        }
        return value instanceof Secret s ? s.reveal() : value.toString();
    }

    /**
     * Returns an integer option.
     *
     * @param key the option name
     * @param defaultValue returned when the option is absent
     * @return the value
     * @throws IllegalArgumentException the value is not a whole number
     */
    public long integer(String key, long defaultValue) {
        Object value = extras.get(key);
        if (value == null) {
            return defaultValue;
        }
        return OptionType.INTEGER.<Long>convert(key, value);
    }

    /**
     * Returns a boolean option.
     *
     * @param key the option name
     * @param defaultValue returned when the option is absent
     * @return the value
     * @throws IllegalArgumentException the value is not {@code true} or {@code false}
     */
    public boolean bool(String key, boolean defaultValue) {
        Object value = extras.get(key);
        if (value == null) {
            return defaultValue;
        }
        return OptionType.BOOLEAN.<Boolean>convert(key, value);
    }

    /**
     * Returns a duration option (a number of seconds, or text like {@code 500ms}, {@code 30s}, {@code 2m}).
     *
     * @param key the option name
     * @param defaultValue returned when the option is absent
     * @return the value
     * @throws IllegalArgumentException the value is not a duration
     */
    public Duration duration(String key, Duration defaultValue) {
        Object value = extras.get(key);
        if (value == null) {
            return defaultValue;
        }
        return OptionType.DURATION.<Duration>convert(key, value);
    }

    /**
     * Returns a secret option.
     *
     * @param key the option name
     * @return the secret, or {@code null} when absent
     */
    public Secret secret(String key) {
        Object value = extras.get(key);
        if (value == null) {
            return null;
        }
        return value instanceof Secret s ? s : Secret.of(value.toString());
    }

    /**
     * Returns a list option; a single value becomes a list of one.
     *
     * @param key the option name
     * @return the values as text, empty when absent
     */
    public List<String> list(String key) {
        Object value = extras.get(key);
        if (value == null) {
            return List.of();
        }
        return OptionType.LIST.<List<String>>convert(key, value);
    }

    /** Shows every value, secrets as {@code ***}. */
    @Override
    public String toString() {
        return "ConnectionParams[hostname=" + hostname + ", port=" + port + ", username=" + username
                + ", password=" + (password == null ? null : password) + ", platform=" + platform
                + ", extras=" + extras + "]";
    }
}
