package io.conduit.docker.connection;

import static io.conduit.api.testing.OperatorText.messageForPeople;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.StopOutcome;
import io.conduit.docker.DockerCli;
import io.conduit.docker.client.DockerDefaults;

/**
 * dockerd dying under a command, as the plugin sees it: the plugin talks to the real daemon through a TCP relay
 * to its socket, and the relay drops every connection (and refuses new ones) while the command runs. The host's
 * message says, in words, that the command may still be running; it carries no Java class name.
 */
class DaemonLostTest {
    private static final DockerCli CLI = new DockerCli();
    private static DockerPlugin plugin;
    private static String box;

    @BeforeAll
    static void start() throws IOException {
        plugin = new DockerPlugin(DockerDefaults.from(null, System.getenv()));
        box = CLI.run("lost", DockerCli.BUSYBOX);
    }

    @AfterAll
    static void stop() throws IOException {
        plugin.deactivate();
        CLI.removeAll();
    }

    /** A TCP relay to the daemon's unix socket that can drop everything at once, as a dying daemon does. */
    static final class Relay implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final List<AutoCloseable> open = new CopyOnWriteArrayList<>();

        Relay() throws IOException {
            CompletableFuture.runAsync(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        SocketChannel daemon = SocketChannel.open(UnixDomainSocketAddress.of("/var/run/docker.sock"));
                        open.add(client);
                        open.add(daemon);
                        // the channel itself, not Channels' streams: those share one lock, so a blocked read
                        // would hold up every write
                        pump(() -> {
                            byte[] b = new byte[16384];
                            for (int r; (r = client.getInputStream().read(b)) >= 0;) {
                                ByteBuffer buf = ByteBuffer.wrap(b, 0, r);
                                while (buf.hasRemaining()) {
                                    daemon.write(buf);
                                }
                            }
                            daemon.shutdownOutput();
                        });
                        pump(() -> {
                            ByteBuffer buf = ByteBuffer.allocate(16384);
                            while (daemon.read(buf) >= 0) {
                                client.getOutputStream().write(buf.array(), 0, buf.position());
                                buf.clear();
                            }
                            client.shutdownOutput();
                        });
                    } catch (IOException e) {
                        // closed
                    }
                }
            });
        }

        interface Io {
            void run() throws IOException;
        }

        private static void pump(Io io) {
            Thread t = new Thread(() -> {
                try {
                    io.run();
                } catch (IOException e) {
                    // dropped
                }
            }, "relay");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        /** Drops every connection with a reset and refuses new ones. */
        @Override
        public void close() throws IOException {
            server.close();
            for (AutoCloseable c : open) {
                try {
                    if (c instanceof Socket s) {
                        s.setSoLinger(true, 0);
                    }
                    c.close();
                } catch (Exception e) {
                    // already gone
                }
            }
        }
    }

    @Test
    void aDaemonLostMidCommandSaysTheCommandMayStillRun() throws Exception {
        int n = 471;
        Relay relay = new Relay();
        try (relay; Connection c = plugin.create(new ConnectionKey(box, "docker"))) {
            c.open(new ConnectionParams(box, 0, null, null, null,
                    Map.of("docker_host", "tcp://127.0.0.1:" + relay.port())));
            CompletableFuture<Void> dying = CompletableFuture.runAsync(() -> {
                try {
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (!CLI.docker("top", box).contains("sleep " + n) && System.nanoTime() < deadline) {
                        Thread.onSpinWait(); // docker top itself takes tens of ms: a bounded poll
                    }
                    System.out.println("DaemonLostTest: dropping the daemon's connections");
                    relay.close();
                } catch (IOException e) {
                    e.printStackTrace();
                    throw new IllegalStateException(e);
                }
            });
            IOException e = assertThrows(IOException.class,
                    () -> c.exec(Command.shell("sleep " + n).withTimeout(Duration.ofSeconds(60))));
            dying.join();
            String m = messageForPeople(e);
            System.out.println("DaemonLostTest: " + m);
            assertTrue(m.contains(StopOutcome.UNCONFIRMED.description()), m);
        } finally {
            // the command outlived its daemon connection: end it from this machine (tests run as root)
            ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").equals("sleep " + n)
                    || p.info().arguments().map(a -> String.join(" ", a).equals(String.valueOf(n))).orElse(false))
                    .forEach(ProcessHandle::destroyForcibly);
        }
    }
}
