package io.conduit.docker.client;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Defaults of the docker connection plugin and inventory source, PID {@value DockerDefaults#PID}
 * ({@code etc/io.conduit.docker.cfg}). DS maps a method name's {@code __} to {@code _}, so {@code docker__host()}
 * reads the key {@code docker_host}: the same snake_case name as the per-host option. Empty values fall back to the {@code DOCKER_*} environment, then to the
 * built-in defaults; a host's {@code connection_options.docker.extras} win over all of them. The options are
 * declared in {@link DockerOptions}; {@code DockerOptionsDocsTest} fails when a method here, its default or its
 * description says something else.
 */
@ObjectClassDefinition(name = "Conduit docker plugin", description = "Defaults for the docker connection plugin and the docker inventory source")
public @interface DockerConfig {

    @AttributeDefinition(name = "Docker host", description =
            "Engine address, unix:///var/run/docker.sock or tcp://HOST:2376; empty:"
            + " $DOCKER_HOST, else the unix socket.")
    String docker__host() default "";

    @AttributeDefinition(name = "TLS verify", description =
            "On tcp://: use TLS, verify the daemon against ca.pem (and its name) and"
            + " present cert.pem/key.pem; empty: $DOCKER_TLS_VERIFY (1 is true), else false.")
    String tls__verify() default "";

    @AttributeDefinition(name = "Certificate directory", description =
            "Directory with ca.pem, cert.pem and key.pem; empty: $DOCKER_CERT_PATH, else"
            + " ~/.docker.")
    String cert__path() default "";

    @AttributeDefinition(name = "API version", description =
            "Engine API version such as 1.41; empty: $DOCKER_API_VERSION, else the daemon's"
            + " own version.")
    String api__version() default "";

    @AttributeDefinition(name = "Connect timeout", description =
            "How long connecting to the daemon may take (30, 500ms, 10s, 1m).")
    String connect__timeout() default "10s";

    @AttributeDefinition(name = "API timeout", description =
            "How long the daemon may take to answer one API call (inspect, archive); not a"
            + " command's run time.")
    String api__timeout() default "60s";

    @AttributeDefinition(name = "Kill grace", description =
            "How long a command ended early (timeout, interrupt, close) may take to stop:"
            + " the wait for the command wrapper's report (at least 5s) and for each fallback kill.")
    String kill__grace() default "5s";
}
