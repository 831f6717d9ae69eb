package io.conduit.docker.client;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where a Docker Engine answers and how to talk to it. Equal endpoints share one client.
 *
 * @param host {@code unix:///path} or {@code tcp://host:port}
 * @param tlsVerify whether to use TLS and verify the daemon against {@code ca.pem} (tcp only)
 * @param certPath directory with {@code ca.pem}, {@code cert.pem}, {@code key.pem}
 * @param apiVersion the API version to ask for, empty for the daemon's own
 * @param connectTimeout how long connecting may take
 * @param apiTimeout how long the daemon may take to answer one API call (not an exec's output)
 */
public record DockerEndpoint(URI host, boolean tlsVerify, Path certPath, String apiVersion, Duration connectTimeout,
        Duration apiTimeout) {

    /** Checks the scheme. */
    public DockerEndpoint {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(certPath, "certPath");
        apiVersion = apiVersion == null ? "" : apiVersion.trim();
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(apiTimeout, "apiTimeout");
        String scheme = host.getScheme();
        if (!"unix".equals(scheme) && !"tcp".equals(scheme)) {
            throw new IllegalArgumentException("docker_host: \"" + host + "\" is not supported; use"
                    + " unix:///var/run/docker.sock or tcp://HOST:2376");
        }
        if ("tcp".equals(scheme) && (host.getHost() == null || host.getPort() <= 0)) {
            throw new IllegalArgumentException("docker_host: \"" + host + "\" needs a host and a port, as in"
                    + " tcp://HOST:2376");
        }
        if (!apiVersion.isEmpty() && !apiVersion.matches("v?\\d+\\.\\d+")) {
            throw new IllegalArgumentException("api_version: \"" + apiVersion + "\" is not an API version such as 1.41");
        }
        apiVersion = apiVersion.startsWith("v") ? apiVersion.substring(1) : apiVersion;
    }

    /** @return whether this is a unix socket */
    public boolean isUnix() {
        return "unix".equals(host.getScheme());
    }

    /** @return whether TLS is used */
    public boolean usesTls() {
        return tlsVerify && !isUnix();
    }

    /** @return the path prefix for API calls made outside docker-java, {@code /v1.41} or empty */
    public String pathPrefix() {
        return apiVersion.isEmpty() ? "" : "/v" + apiVersion;
    }

    /** @return the address as operators write it, for messages */
    public String address() {
        return host.toString();
    }
}
