package io.conduit.docker.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.Trace;
import io.conduit.docker.DockerCli;
import io.conduit.docker.client.DockerDefaults;

/**
 * What {@code -v} and {@code -vv} show of a docker connection, against the real dockerd: the daemon and
 * container, the exec, the archive API for transfers; never an environment value.
 */
class DockerTraceTest {
    private static final DockerCli CLI = new DockerCli();
    private static final String ENV_VALUE = "env-61f4-never-shown";
    private static DockerPlugin plugin;
    private static String container;

    @TempDir
    Path tmp;

    /** Keeps the lines up to a level; a line above it fails the test. */
    static final class Lines implements Trace {
        final int level;
        final List<String> lines = new CopyOnWriteArrayList<>();

        Lines(int level) {
            this.level = level;
        }

        @Override
        public boolean on(int lineLevel) {
            return lineLevel <= level;
        }

        @Override
        public void line(int lineLevel, String text) {
            if (lineLevel > level) {
                throw new AssertionError("level " + lineLevel + " line at level " + level + ": " + text);
            }
            lines.add(text);
        }

        boolean has(String text) {
            return lines.stream().anyMatch(l -> l.contains(text));
        }

        String all() {
            return String.join("\n", lines);
        }
    }

    @BeforeAll
    static void start() throws IOException {
        plugin = new DockerPlugin(DockerDefaults.from(null, System.getenv()));
        container = CLI.run("trace", DockerCli.BUSYBOX);
    }

    @AfterAll
    static void stop() throws IOException {
        plugin.deactivate();
        CLI.removeAll();
    }

    @Test
    void showsDaemonContainerExecAndArchiveTransfersButNoEnvValue() throws Exception {
        Connection c = plugin.create(new ConnectionKey(container, "docker"));
        Lines open = new Lines(2);
        Lines calls = new Lines(3);
        try {
            c.open(new ConnectionParams(container, 0, null, null, null, Map.of()), open);
            assertTrue(open.has("docker: daemon "), open.all());
            assertTrue(open.has(", container \"" + container + "\""), open.all());
            assertTrue(open.has("docker: container ") && open.has("is running; exec user "), open.all());

            assertEquals("ok\n", c.exec(Command.shell("echo \"$V\" >/dev/null; echo ok").withEnv(Map.of("V", ENV_VALUE))
                    .withTimeout(Duration.ofSeconds(30)), calls).stdoutText());
            assertTrue(calls.has("docker: exec create and start on container "), calls.all());
            assertTrue(calls.has("env [V]"), calls.all());

            Path file = Files.writeString(tmp.resolve("payload"), "payload");
            c.put(file, "/tmp/trace-payload", 0600, calls);
            assertTrue(calls.has("docker: archive API: PUT a tar of 7 bytes into /tmp"), calls.all());
            c.fetch("/tmp/trace-payload", tmp.resolve("back"), calls);
            assertTrue(calls.has("docker: archive API: GET a tar of /tmp/trace-payload"), calls.all());
            assertFalse(open.has("exec create"), "calls never trace into the opening run's trace");
        } finally {
            c.close();
        }
        for (Lines l : List.of(open, calls)) {
            assertFalse(l.all().contains(ENV_VALUE), l.all());
        }
    }
}
