package io.conduit.docker.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.support.ConfigCheck;
import io.conduit.api.support.Configured;
import io.conduit.api.support.OptionValues;

/**
 * The plugin-wide defaults: ConfigAdmin values ({@link DockerConfig}) over the {@code DOCKER_*} environment over
 * the declared defaults ({@link DockerOptions}). {@link #forHost} lays a host's extras on top. Immutable.
 *
 * @param values the layered values; an empty value in any layer leaves the layer below in force
 */
public record DockerDefaults(OptionValues values) {

    /** The configuration PID shared by the plugin and the inventory source. */
    public static final String PID = "io.conduit.docker";

    /** Option names the connection and the inventory source write or read; declared in {@link DockerOptions}. */
    public static final String DOCKER_HOST = DockerOptions.DOCKER_HOST.name();
    public static final String CONTAINER = DockerOptions.CONTAINER.name();
    public static final String USER = DockerOptions.USER.name();

    /** The default engine address. */
    public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

    /** Checks the values are present. */
    public DockerDefaults {
        Objects.requireNonNull(values, "values");
    }

    /**
     * One host's settings: its extras over these defaults.
     *
     * @param endpoint the daemon and how to reach it
     * @param killGrace how long a command ended early may take to stop
     * @param container the container name or id
     * @param user the exec user, or {@code null} for the container's own
     */
    public record Host(DockerEndpoint endpoint, Duration killGrace, String container, String user) {
    }

    /**
     * Builds the defaults.
     *
     * @param config the ConfigAdmin values, or {@code null} for none
     * @param env the process environment
     * @return the defaults
     * @throws IllegalArgumentException a value is wrong; the message names the PID and key
     */
    public static DockerDefaults from(DockerConfig config, Map<String, String> env) {
        Map<String, Object> fromEnv = new HashMap<>();
        putIfSet(fromEnv, DOCKER_HOST, env.get("DOCKER_HOST"));
        String verify = env.get("DOCKER_TLS_VERIFY");
        if (verify != null && !verify.isBlank()) {
            // the docker CLI treats any non-empty value as "on"
            fromEnv.put(DockerOptions.TLS_VERIFY.name(), !"0".equals(verify.trim())
                    && !"false".equalsIgnoreCase(verify.trim()));
        }
        putIfSet(fromEnv, DockerOptions.CERT_PATH.name(), env.get("DOCKER_CERT_PATH"));
        putIfSet(fromEnv, DockerOptions.API_VERSION.name(), env.get("DOCKER_API_VERSION"));
        try {
            OptionValues values = OptionValues.of(DockerOptions.ALL, fromEnv);
            if (config != null) {
                values = values.over(nonBlank(OptionValues.configuration(config)));
            }
            DockerDefaults defaults = new DockerDefaults(values);
            defaults.endpoint(Map.of());
            return defaults;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PID + ": " + e.getMessage(), e);
        }
    }

    /**
     * Validates the configuration as {@link #from(DockerConfig, Map)} does, checking the raw values' types first.
     *
     * @param config the ConfigAdmin values
     * @param properties the same values as ConfigAdmin gave them
     * @param env the process environment
     * @return the defaults, or the problem as one line naming the PID, key and value
     */
    public static Configured<DockerDefaults> configure(DockerConfig config, Map<String, Object> properties,
            Map<String, String> env) {
        return ConfigCheck.validate(PID, DockerConfig.class, properties, () -> from(config, env));
    }

    private static void putIfSet(Map<String, Object> values, String key, String value) {
        if (value != null && !value.isBlank()) {
            values.put(key, value.trim());
        }
    }

    /** Empty text means "not set here" in every docker layer: the one below (environment, default) applies. */
    private static Map<String, Object> nonBlank(Map<String, ?> values) {
        Map<String, Object> out = new HashMap<>();
        values.forEach((k, v) -> {
            if (v != null && !v.toString().isBlank()) {
                out.put(k, v instanceof String s ? s.trim() : v);
            }
        });
        return out;
    }

    /**
     * The settings for one host: its extras over these defaults.
     *
     * @param params the host's parameters, extras typed by the core
     * @return the host's settings
     * @throws IllegalArgumentException an option is wrong; the message names it
     */
    public Host forHost(ConnectionParams params) {
        OptionValues v = values.over(nonBlank(params.extras()));
        String container = v.get(DockerOptions.CONTAINER);
        String user = v.isSet(DockerOptions.USER) ? v.get(DockerOptions.USER) : params.username();
        return new Host(endpoint(v), v.get(DockerOptions.KILL_GRACE),
                container != null ? container : params.hostname(),
                user == null || user.isBlank() ? null : user.trim());
    }

    /**
     * The endpoint for a host: its extras over these defaults.
     *
     * @param extras the host's plugin options
     * @return the endpoint
     * @throws IllegalArgumentException an option is wrong; the message names it
     */
    public DockerEndpoint endpoint(Map<String, Object> extras) {
        return endpoint(values.over(nonBlank(extras)));
    }

    private static DockerEndpoint endpoint(OptionValues v) {
        String host = v.get(DockerOptions.DOCKER_HOST);
        URI uri;
        try {
            uri = new URI(host == null ? DEFAULT_HOST : host);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(DOCKER_HOST + ": \"" + host + "\" is not an address; use"
                    + " unix:///var/run/docker.sock or tcp://HOST:2376", e);
        }
        String api = v.get(DockerOptions.API_VERSION);
        return new DockerEndpoint(uri, v.get(DockerOptions.TLS_VERIFY), Path.of(v.get(DockerOptions.CERT_PATH)),
                api == null ? "" : api, v.get(DockerOptions.CONNECT_TIMEOUT), v.get(DockerOptions.API_TIMEOUT));
    }

    /**
     * @param extras the host's plugin options
     * @return how long to wait for a killed command
     */
    public Duration killGrace(Map<String, Object> extras) {
        return values.over(nonBlank(extras)).get(DockerOptions.KILL_GRACE);
    }

    /**
     * @return every option, with these defaults (configuration over environment) as the defaults shown
     */
    public List<OptionDescriptor> describe() {
        return values.describe();
    }
}
