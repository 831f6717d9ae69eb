package io.conduit.docker.client;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.conduit.api.support.ConfigCheck;
import io.conduit.api.support.Configured;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;

/**
 * The plugin-wide defaults: ConfigAdmin values ({@link DockerConfig}) over the {@code DOCKER_*} environment over
 * the built-in defaults. {@link #endpoint} lays a host's extras on top. Immutable.
 *
 * @param values option name to raw value; absent when nothing sets it
 */
public record DockerDefaults(Map<String, Object> values) {

    /** The configuration PID shared by the plugin and the inventory source. */
    public static final String PID = "io.conduit.docker";

    /** Option: engine address. */
    public static final String DOCKER_HOST = "docker_host";
    /** Option: TLS with verification. */
    public static final String TLS_VERIFY = "tls_verify";
    /** Option: certificate directory. */
    public static final String CERT_PATH = "cert_path";
    /** Option: API version. */
    public static final String API_VERSION = "api_version";
    /** Option: connect timeout. */
    public static final String CONNECT_TIMEOUT = "connect_timeout";
    /** Option: how long one API call may take. */
    public static final String API_TIMEOUT = "api_timeout";
    /** Option: grace after killing a timed out command. */
    public static final String KILL_GRACE = "kill_grace";
    /** Option: the container, default the host's name. */
    public static final String CONTAINER = "container";
    /** Option: the exec user. */
    public static final String USER = "user";

    /** The default engine address. */
    public static final String DEFAULT_HOST = "unix:///var/run/docker.sock";

    /** Every option, as {@code conduit:plugins docker} shows them. */
    public static final List<OptionDescriptor> OPTIONS = List.of(
            OptionDescriptor.of(CONTAINER, OptionType.STRING, null,
                    "Container name or id to run in; default the inventory hostname (the host's name)."),
            OptionDescriptor.of(USER, OptionType.STRING, null,
                    "User (name, uid or uid:gid) commands run as and put files are owned by; default the inventory"
                            + " username, else the container's own user. A become user wins over it."),
            OptionDescriptor.of(DOCKER_HOST, OptionType.STRING, DEFAULT_HOST,
                    "Engine address, unix:///PATH or tcp://HOST:PORT; default $DOCKER_HOST."),
            OptionDescriptor.of(TLS_VERIFY, OptionType.BOOLEAN, "false",
                    "Use TLS on tcp:// and verify the daemon against ca.pem, presenting cert.pem/key.pem;"
                            + " default $DOCKER_TLS_VERIFY."),
            OptionDescriptor.of(CERT_PATH, OptionType.PATH, "~/.docker",
                    "Directory holding ca.pem, cert.pem and key.pem; default $DOCKER_CERT_PATH."),
            OptionDescriptor.of(API_VERSION, OptionType.STRING, null,
                    "Engine API version such as 1.41; default the daemon's own version."),
            OptionDescriptor.of(CONNECT_TIMEOUT, OptionType.DURATION, "10s",
                    "How long connecting to the daemon may take."),
            OptionDescriptor.of(API_TIMEOUT, OptionType.DURATION, "60s",
                    "How long the daemon may take to answer one API call (inspect, archive); not a command's run time."),
            OptionDescriptor.of(KILL_GRACE, OptionType.DURATION, "5s",
                    "How long a command ended early (timeout, interrupt, close) may take to stop: the wait for the"
                            + " command wrapper's report (at least 5s) and for each fallback kill."));

    /** Copies the map. */
    public DockerDefaults {
        values = Map.copyOf(values);
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
        Map<String, Object> values = new HashMap<>();
        putIfSet(values, DOCKER_HOST, env.get("DOCKER_HOST"));
        String verify = env.get("DOCKER_TLS_VERIFY");
        if (verify != null && !verify.isBlank()) {
            // the docker CLI treats any non-empty value as "on"
            values.put(TLS_VERIFY, !"0".equals(verify.trim()) && !"false".equalsIgnoreCase(verify.trim()));
        }
        putIfSet(values, CERT_PATH, env.get("DOCKER_CERT_PATH"));
        putIfSet(values, API_VERSION, env.get("DOCKER_API_VERSION"));
        if (config != null) {
            putIfSet(values, DOCKER_HOST, config.docker__host());
            putIfSet(values, TLS_VERIFY, config.tls__verify());
            putIfSet(values, CERT_PATH, config.cert__path());
            putIfSet(values, API_VERSION, config.api__version());
            putIfSet(values, CONNECT_TIMEOUT, config.connect__timeout());
            putIfSet(values, API_TIMEOUT, config.api__timeout());
            putIfSet(values, KILL_GRACE, config.kill__grace());
        }
        DockerDefaults defaults = new DockerDefaults(values);
        try {
            defaults.endpoint(Map.of());
            defaults.killGrace(Map.of());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PID + ": " + e.getMessage(), e);
        }
        return defaults;
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

    private Object value(Map<String, Object> extras, String key) {
        Object v = extras.get(key);
        return v != null && !v.toString().isBlank() ? v : values.get(key);
    }

    /**
     * The endpoint for a host: its extras over these defaults.
     *
     * @param extras the host's plugin options
     * @return the endpoint
     * @throws IllegalArgumentException an option is wrong; the message names it
     */
    public DockerEndpoint endpoint(Map<String, Object> extras) {
        Object host = value(extras, DOCKER_HOST);
        URI uri;
        try {
            uri = new URI(host == null ? DEFAULT_HOST : host.toString());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(DOCKER_HOST + ": \"" + host + "\" is not an address; use"
                    + " unix:///var/run/docker.sock or tcp://HOST:2376", e);
        }
        Object verify = value(extras, TLS_VERIFY);
        boolean tls = verify != null && OptionType.BOOLEAN.<Boolean>convert(TLS_VERIFY, verify);
        Object certs = value(extras, CERT_PATH);
        Path certPath = certs == null ? Path.of(System.getProperty("user.home"), ".docker")
                : Path.of(OptionType.PATH.<String>convert(CERT_PATH, certs));
        Object api = value(extras, API_VERSION);
        Object connect = value(extras, CONNECT_TIMEOUT);
        Duration timeout = connect == null ? Duration.ofSeconds(10)
                : OptionType.DURATION.<Duration>convert(CONNECT_TIMEOUT, connect);
        Object answer = value(extras, API_TIMEOUT);
        Duration apiTimeout = answer == null ? Duration.ofSeconds(60)
                : OptionType.DURATION.<Duration>convert(API_TIMEOUT, answer);
        return new DockerEndpoint(uri, tls, certPath, api == null ? "" : api.toString(), timeout, apiTimeout);
    }

    /**
     * @param extras the host's plugin options
     * @return how long to wait for a killed command
     */
    public Duration killGrace(Map<String, Object> extras) {
        Object grace = value(extras, KILL_GRACE);
        return grace == null ? Duration.ofSeconds(5) : OptionType.DURATION.<Duration>convert(KILL_GRACE, grace);
    }
}
