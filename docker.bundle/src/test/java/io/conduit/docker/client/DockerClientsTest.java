package io.conduit.docker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.SocketException;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.conduit.api.connection.AuthenticationFailedException;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.ConnectionException;

class DockerClientsTest {
    private final DockerEndpoint endpoint = DockerDefaults.from(null, Map.of()).endpoint(Map.of());

    @Test
    void permissionDeniedOnTheSocketIsItsOwnError() {
        // the tests run as root, who may open any socket; this is what a non-member of the docker group gets
        ConnectionException e = DockerClients.describe(
                new RuntimeException(new IOException(new SocketException("Permission denied"))), endpoint);
        assertTrue(e instanceof AuthenticationFailedException, e.toString());
        assertTrue(e.getMessage().startsWith("permission denied on the docker socket unix:///var/run/docker.sock"),
                e.getMessage());
        assertTrue(e.getMessage().contains("add that user to the docker group"), e.getMessage());
    }

    @Test
    void environmentAndConfigAndHostOptionsInThatPrecedence() {
        Map<String, String> env = Map.of("DOCKER_HOST", "tcp://10.0.0.1:2376", "DOCKER_TLS_VERIFY", "1",
                "DOCKER_CERT_PATH", "/certs");
        DockerEndpoint fromEnv = DockerDefaults.from(null, env).endpoint(Map.of());
        assertEquals("tcp://10.0.0.1:2376", fromEnv.address());
        assertTrue(fromEnv.usesTls());
        assertEquals("/certs", fromEnv.certPath().toString());
        DockerEndpoint perHost = DockerDefaults.from(null, env).endpoint(Map.of("docker_host", "unix:///x.sock",
                "api_version", "1.41"));
        assertEquals("unix:///x.sock", perHost.address());
        assertEquals("/v1.41", perHost.pathPrefix());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> DockerDefaults.from(null, Map.of("DOCKER_HOST", "ssh://me@box")));
        assertTrue(bad.getMessage().startsWith("io.conduit.docker: docker_host: \"ssh://me@box\" is not supported"),
                bad.getMessage());
    }

    @Test
    void missingTlsFilesSayWhereTheyWereLookedFor() {
        DockerEndpoint tls = DockerDefaults.from(null, Map.of()).endpoint(Map.of("docker_host", "tcp://127.0.0.1:2376",
                "tls_verify", true, "cert_path", "/nonexistent"));
        try (DockerClients clients = new DockerClients()) {
            ConnectFailedException e = assertThrows(ConnectFailedException.class, () -> clients.get(tls));
            assertTrue(e.getMessage().contains("/nonexistent/ca.pem does not exist; set cert_path"), e.getMessage());
        }
    }
}
