package io.conduit.docker.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.docker.DockerCli;
import io.conduit.docker.client.DockerDefaults;

/**
 * A paused container ({@code docker pause}) is named as paused, with {@code docker unpause}, never as stopped with
 * {@code docker start}: for exec, put and fetch, paused before the call and paused while a command runs.
 */
class DockerPausedTest {
    private static final DockerCli CLI = new DockerCli();
    private static DockerPlugin plugin;
    private static String box;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws IOException {
        plugin = new DockerPlugin(DockerDefaults.from(null, System.getenv()));
        box = CLI.runWith("paused", List.of("--tmpfs", "/run/x"), DockerCli.BUSYBOX);
    }

    @AfterAll
    static void stop() throws IOException {
        if (plugin != null) {
            plugin.deactivate();
        }
        CLI.removeAll();
    }

    private static Connection open() throws IOException {
        Connection c = plugin.create(new ConnectionKey(box, "docker"));
        c.open(new ConnectionParams(box, 0, null, null, null, Map.of()));
        return c;
    }

    private static void assertNamesPause(String message) {
        assertTrue(message.contains("container \"" + box + "\"") && message.contains("is paused (docker pause)")
                && message.contains("docker unpause " + box), message);
        assertFalse(message.contains("docker start") || message.contains("not running"), message);
    }

    @Test
    void pausedBeforeTheCall() throws Exception {
        Path file = Files.writeString(tmp.resolve("f"), "data\n");
        try (Connection c = open()) {
            c.put(file, "/run/x/before", 0644); // the connection knows its mv before the pause
            CLI.docker("pause", box);
            try {
                ConnectFailedException exec = assertThrows(ConnectFailedException.class,
                        () -> c.exec(Command.shell("true")));
                System.out.println("paused exec: " + exec.getMessage());
                assertNamesPause(exec.getMessage());
                ConnectFailedException put = assertThrows(ConnectFailedException.class,
                        () -> c.put(file, "/tmp/f", 0644));
                assertNamesPause(put.getMessage());
                ConnectFailedException putTmpfs = assertThrows(ConnectFailedException.class,
                        () -> c.put(file, "/run/x/f", 0644));
                assertNamesPause(putTmpfs.getMessage());
                ConnectFailedException fetchTmpfs = assertThrows(ConnectFailedException.class,
                        () -> c.fetch("/run/x/before", tmp.resolve("before")));
                assertNamesPause(fetchTmpfs.getMessage());
                // the archive API reads a paused container, as docker cp does
                c.fetch("/etc/passwd", tmp.resolve("passwd"));
                assertTrue(Files.readString(tmp.resolve("passwd")).startsWith("root:"));
                assertFalse(c.isAlive());
                ConnectFailedException reopen = assertThrows(ConnectFailedException.class, DockerPausedTest::open);
                assertNamesPause(reopen.getMessage());
            } finally {
                CLI.docker("unpause", box);
            }
            // nothing was written by the refused puts
            assertEquals("", CLI.exec(box, "sh", "-c", "ls -A /tmp; ls -A /run/x | grep -v '^before$'").text());
        }
    }

    @Test
    void pausedWhileACommandRuns() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (Connection c = open()) {
            Future<?> running = pool.submit(() -> c.exec(Command.shell("echo started; sleep 300")
                    .withTimeout(Duration.ofSeconds(3))));
            // pause once the command runs (bounded)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (CLI.exec(box, "sh", "-c", "ps -o args | grep -q '^sleep 300'").status() != 0
                    && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            CLI.docker("pause", box);
            long paused = System.nanoTime();
            Exception e;
            try {
                e = assertThrows(Exception.class, () -> running.get(30, TimeUnit.SECONDS));
            } finally {
                CLI.docker("unpause", box);
            }
            long millis = (System.nanoTime() - paused) / 1_000_000;
            TimedOutException timedOut = (TimedOutException) e.getCause();
            System.out.println("paused mid-command (" + millis + " ms): " + timedOut.getMessage());
            assertNamesPause(timedOut.getMessage());
            assertEquals(StopOutcome.UNCONFIRMED, timedOut.outcome());
            assertTrue(timedOut.getMessage().contains("stopped as soon as the container resumes"),
                    timedOut.getMessage());
            // and so it is: the wrapper finds its stdin ended when it thaws (polled, bounded)
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String left = "?";
            while (System.nanoTime() < until
                    && !(left = CLI.exec(box, "sh", "-c", "ps -o args | grep -c '^sleep 300' || true").text())
                            .equals("0")) {
                Thread.onSpinWait();
            }
            assertEquals("0", left, "the command frozen by the pause still runs after the unpause");
        } finally {
            pool.shutdownNow();
        }
    }
}
