package io.conduit.docker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.support.OptionDocs;

/** The docker options are declared once ({@link DockerOptions}); the documentation must say what they say. */
class DockerOptionsDocsTest {

    @Test
    void metatypeReadmeAndCfgTemplateSayWhatTheDeclarationSays() throws IOException {
        assertEquals("", String.join("\n", OptionDocs.check(DockerOptions.ALL,
                Path.of("src/main/java/io/conduit/docker/client/DockerConfig.java"), Path.of("README.md"),
                Path.of("src/dist/etc/io.conduit.docker.cfg"))));
    }

    @Test
    void hostExtrasOverConfigurationOverEnvironmentOverDeclaredDefaults() {
        DockerDefaults d = DockerDefaults.from(null, Map.of("DOCKER_HOST", "tcp://10.0.0.1:2376"));
        DockerDefaults.Host plain = d.forHost(new ConnectionParams("web", 0, "deploy", null, null, Map.of()));
        assertEquals("tcp://10.0.0.1:2376", plain.endpoint().host().toString(), "the environment");
        assertEquals(Duration.ofSeconds(5), plain.killGrace(), "the declared default");
        assertEquals("web", plain.container(), "the host's name");
        assertEquals("deploy", plain.user(), "the inventory username");

        DockerDefaults.Host own = d.forHost(new ConnectionParams("web", 0, "deploy", null, null, Map.of(
                "container", "c1", "user", "1000:1000", "docker_host", "unix:///x.sock", "kill_grace",
                Duration.ofSeconds(9), "tls_verify", "")));
        assertEquals("unix:///x.sock", own.endpoint().host().toString());
        assertEquals(Duration.ofSeconds(9), own.killGrace());
        assertEquals("c1", own.container());
        assertEquals("1000:1000", own.user());
        assertEquals(List.of("container", "user", "docker_host", "tls_verify", "cert_path", "api_version",
                "connect_timeout", "api_timeout", "kill_grace"), d.describe().stream().map(o -> o.name()).toList());
        assertEquals("tcp://10.0.0.1:2376", d.describe().get(2).defaultValue(), "shows what a host gets");
    }
}
