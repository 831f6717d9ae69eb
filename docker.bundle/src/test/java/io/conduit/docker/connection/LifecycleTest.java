package io.conduit.docker.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.docker.DockerCli;
import io.conduit.docker.client.DockerDefaults;
import io.conduit.docker.inventory.DockerInventorySource;

/**
 * Activate, use and deactivate the components 20 times, as 20 bundle upgrades would: no thread of docker-java or of
 * the plugin may survive, and connections left open by the core are closed by the deactivation.
 */
class LifecycleTest {
    private static final DockerCli CLI = new DockerCli();
    private static String container;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws IOException {
        container = CLI.run("life", DockerCli.BUSYBOX, "conduit.life", "yes");
    }

    @AfterAll
    static void stop() throws IOException {
        CLI.removeAll();
    }

    private static List<String> ourThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("docker-java") || n.startsWith("conduit-docker") || n.contains("httpclient"))
                .sorted().collect(Collectors.toList());
    }

    @Test
    void twentyActivationsLeaveNoThreadBehind() throws Exception {
        List<String> before = ourThreads();
        Path file = Files.writeString(tmp.resolve("f"), "x");
        for (int i = 0; i < 20; i++) {
            DockerPlugin plugin = new DockerPlugin(DockerDefaults.from(null, System.getenv()));
            DockerInventorySource source = new DockerInventorySource(DockerDefaults.from(null, System.getenv()));
            assertEquals(1, source.load("label=conduit.life=yes").hosts().size());
            Connection c = plugin.create(new ConnectionKey(container, "docker"));
            c.open(new ConnectionParams(container, 0, null, null, null, Map.of()));
            assertEquals("hi\n", c.exec(Command.shell("echo hi").withStdin(new byte[] {1})).stdoutText());
            assertThrows(ConnectionException.class, () -> c.exec(Command.shell("sleep 5")
                    .withTimeout(Duration.ofMillis(100))));
            c.put(file, "/tmp/f" + i, 0644);
            c.fetch("/tmp/f" + i, tmp.resolve("back"));
            // left open on purpose: deactivation must close it
            source.deactivate();
            plugin.deactivate();
            assertEquals(0, plugin.openConnections());
            assertThrows(ConnectionException.class, () -> c.exec(Command.shell("true")));
        }
        // daemon threads end asynchronously after their sockets close: wait with a deadline
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> after = ourThreads();
        while (!after.equals(before) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            after = ourThreads();
        }
        assertEquals(before, after, "threads left after 20 activations");
        System.out.println("threads of docker-java/conduit-docker after 20 activations: " + after.size()
                + " (before: " + before.size() + ")");
    }

    @Test
    void deactivateWhileACommandRunsEndsItPromptly() throws Exception {
        DockerPlugin plugin = new DockerPlugin(DockerDefaults.from(null, System.getenv()));
        Connection c = plugin.create(new ConnectionKey(container, "docker"));
        c.open(new ConnectionParams(container, 0, null, null, null, Map.of()));
        Thread runner = new Thread(() -> {
            try {
                c.exec(Command.shell("sleep 20"));
            } catch (IOException expected) {
                // closed by the deactivation
            }
        });
        runner.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (((DockerConnection) c).streamsInFlight() == 0 && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        long start = System.nanoTime();
        plugin.deactivate();
        runner.join(5000);
        assertTrue(!runner.isAlive(), "exec still blocked after deactivate");
        assertTrue((System.nanoTime() - start) / 1_000_000 < 5000);
        // deactivate waited for the kill of the command it cut off
        assertEquals("0", CLI.docker("exec", container, "sh", "-c", "ps -o args | grep -c '^sleep 20$' || true"));
    }
}
