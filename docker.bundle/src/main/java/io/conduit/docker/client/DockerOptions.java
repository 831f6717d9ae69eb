package io.conduit.docker.client;

import java.time.Duration;
import java.util.List;

import io.conduit.api.support.PluginOption;

/**
 * Every option of the docker plugin, declared once: {@code conduit:plugins docker}, the core's checks of a
 * host's extras, {@link DockerDefaults}, and (checked by {@code DockerOptionsDocsTest}) the Metatype of
 * {@link DockerConfig}, the README's option table and {@code etc/io.conduit.docker.cfg} all come from here.
 */
public final class DockerOptions {

    /** The container to run in; a host's extras only. */
    public static final PluginOption<String> CONTAINER = PluginOption.string("container", null,
            "Container name or id to run in; default the inventory hostname (the host's name).")
            .withShownDefault("the host's hostname (its name)").hostOnly();
    /** The exec user; a host's extras only. */
    public static final PluginOption<String> USER = PluginOption.string("user", null,
            "User (name, uid or uid:gid) commands run as and put files are owned by; default the inventory"
                    + " username, else the container's own user. A become user wins over it.")
            .withShownDefault("inventory username, else the container's own user").hostOnly();
    /** The engine address. */
    public static final PluginOption<String> DOCKER_HOST = PluginOption.string("docker_host", null,
            "Engine address, unix:///var/run/docker.sock or tcp://HOST:2376; empty: $DOCKER_HOST, else the unix"
                    + " socket.").withShownDefault("$DOCKER_HOST, else " + DockerDefaults.DEFAULT_HOST);
    static final PluginOption<Boolean> TLS_VERIFY = PluginOption.bool("tls_verify", false,
            "On tcp://: use TLS, verify the daemon against ca.pem (and its name) and present cert.pem/key.pem;"
                    + " empty: $DOCKER_TLS_VERIFY (1 is true), else false.")
            .withShownDefault("$DOCKER_TLS_VERIFY, else false");
    static final PluginOption<String> CERT_PATH = PluginOption.path("cert_path", "~/.docker",
            "Directory with ca.pem, cert.pem and key.pem; empty: $DOCKER_CERT_PATH, else ~/.docker.")
            .withShownDefault("$DOCKER_CERT_PATH, else ~/.docker");
    static final PluginOption<String> API_VERSION = PluginOption.string("api_version", null,
            "Engine API version such as 1.41; empty: $DOCKER_API_VERSION, else the daemon's own version.")
            .withShownDefault("$DOCKER_API_VERSION, else the daemon's own");
    static final PluginOption<Duration> CONNECT_TIMEOUT = PluginOption.duration("connect_timeout", "10s",
            "How long connecting to the daemon may take (30, 500ms, 10s, 1m).");
    static final PluginOption<Duration> API_TIMEOUT = PluginOption.duration("api_timeout", "60s",
            "How long the daemon may take to answer one API call (inspect, archive); not a command's run time.");
    static final PluginOption<Duration> KILL_GRACE = PluginOption.duration("kill_grace", "5s",
            "How long a command ended early (timeout, interrupt, close) may take to stop: the wait for the command"
                    + " wrapper's report (at least 5s) and for each fallback kill.");

    /** Every option, in the order {@code conduit:plugins docker} shows them. */
    public static final List<PluginOption<?>> ALL = List.of(CONTAINER, USER, DOCKER_HOST, TLS_VERIFY, CERT_PATH,
            API_VERSION, CONNECT_TIMEOUT, API_TIMEOUT, KILL_GRACE);

    private DockerOptions() {
    }
}
