package io.conduit.docker.connection;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.testing.PutFetchScenario;
import io.conduit.core.testing.TaskTransfers;
import io.conduit.docker.DockerCli;
import io.conduit.docker.client.DockerDefaults;

/**
 * What put and fetch do on every plugin ({@link PutFetchScenario}), in a busybox container (busybox's ls, find
 * and sha256sum answer the core's questions); checked with {@code docker exec}, not the plugin.
 */
class DockerPutFetchTest {
    @TempDir
    Path tmp;

    @Test
    void putAndFetchBehaveAsOnEveryPlugin() throws Exception {
        DockerCli cli = new DockerCli();
        DockerPlugin plugin = new DockerPlugin(DockerDefaults.from(null, System.getenv()));
        try {
            String container = cli.run("contract", DockerCli.BUSYBOX);
            PutFetchScenario.HostShell inContainer = (script, args) -> {
                List<String> cmd = new ArrayList<>(List.of("docker", "exec", container, "sh", "-c", script, "sh"));
                cmd.addAll(List.of(args));
                return PutFetchScenario.run(cmd);
            };
            try (Connection c = plugin.create(new ConnectionKey(container, "docker"))) {
                c.open(new ConnectionParams(container, 0, null, null, null, Map.of()));
                new PutFetchScenario().run(new TaskTransfers(c, "box"), inContainer, "/tmp/contract",
                        Files.createDirectories(tmp.resolve("here")));
            }
        } finally {
            plugin.deactivate();
            cli.removeAll();
        }
    }
}
