package io.conduit.rest;

import static io.conduit.api.testing.OperatorText.messageForPeople;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.testing.HostProcesses;
import io.conduit.rest.agent.Agent;
import io.conduit.rest.RestPlugin;
import io.conduit.rest.support.AgentProcess;
import io.conduit.rest.support.Configs;
import io.conduit.rest.support.TestAgents;

/**
 * What an operator reads when the other end is not what the inventory says, or goes away mid-command: words for
 * people (no Java class names), the protocol mismatch named, and whether the command may still be running. Also
 * the token over plain HTTP: refused unless allowed, and then announced.
 */
class RestErrorTextTest {
    private static final String TOKEN = "t0ken-" + Long.toHexString(new Random().nextLong());

    @TempDir
    Path tmp;
    private TestAgents agents;
    private RestPlugin plugin;

    @BeforeEach
    void start() {
        agents = new TestAgents(tmp.resolve("agents"));
        // generous for agents that just started on a loaded machine; the one case that waits for it sets 2s
        plugin = new RestPlugin(Configs.rest(Map.of("connect__timeout", "15s", "request__timeout", "15s",
                "retries", 0)));
    }

    @AfterEach
    void stop() {
        plugin.deactivate();
        agents.close();
    }

    private Connection open(int port, Map<String, Object> extras) throws IOException {
        Connection c = plugin.create(new ConnectionKey("dev", "rest"));
        try {
            c.open(new ConnectionParams("127.0.0.1", port, null, null, null, extras));
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** A TCP listener that answers every connection with random bytes, as a wrong service on the port would. */
    private static ServerSocket garbage() throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        CompletableFuture.runAsync(() -> {
            Random random = new Random(7);
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    byte[] noise = new byte[4096];
                    random.nextBytes(noise);
                    s.getOutputStream().write(noise);
                    s.getOutputStream().flush();
                    s.getInputStream().read(new byte[4096]);
                } catch (IOException e) {
                    // next one, or closed
                }
            }
        });
        return server;
    }

    @Test
    void aServerAnsweringGarbageIsNamedAsNotTheProtocol() throws Exception {
        try (ServerSocket server = garbage()) {
            for (boolean ssl : new boolean[] {true, false}) {
                Map<String, Object> extras = new HashMap<>(Map.of("use_ssl", ssl));
                ConnectionException e = assertThrows(ConnectionException.class,
                        () -> open(server.getLocalPort(), extras).close());
                String m = messageForPeople(e);
                System.out.println("RestErrorTextTest: garbage, use_ssl " + ssl + ": " + m);
                assertTrue(m.contains(ssl ? "not TLS" : "not HTTP"), m);
                assertTrue(!m.contains("closed the connection") && !m.contains("connection lost"), m);
            }
        }
    }

    @Test
    void plainHttpToTheTlsPortAndTlsToAPlainPortNameTheMismatch() throws Exception {
        Agent agent = agents.start(TOKEN);
        Map<String, Object> plain = new HashMap<>(Map.of("use_ssl", false));
        ConnectionException e = assertThrows(ConnectionException.class, () -> open(agent.port(), plain).close());
        String m = messageForPeople(e);
        System.out.println("RestErrorTextTest: plain HTTP to TLS: " + m);
        assertTrue(m.contains("use_ssl: true"), m);

        Agent plainAgent = agents.start(TOKEN, "--no-tls");
        ConnectionException tls = assertThrows(ConnectionException.class,
                () -> open(plainAgent.port(), new HashMap<>(Map.of("connect_timeout", "2s"))).close());
        String t = messageForPeople(tls);
        System.out.println("RestErrorTextTest: TLS to plain HTTP: " + t);
        assertTrue(t.contains("plain HTTP") && t.contains("use_ssl: false"), t);
    }

    @Test
    void anAgentKilledMidCommandSaysTheCommandMayStillRun() throws Exception {
        long mark = HostProcesses.mark();
        try (AgentProcess agent = AgentProcess.start(tmp.resolve("killed"), TOKEN, null)) {
            Map<String, Object> extras = new HashMap<>(Map.of("token", Secret.of(TOKEN),
                    "ca_file", agent.caFile().toString()));
            try (Connection c = open(agent.port(), extras)) {
                CompletableFuture<Void> killer = CompletableFuture.runAsync(() -> {
                    try {
                        HostProcesses.awaitRunning(mark, 1, Duration.ofSeconds(30));
                        agent.kill();
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                IOException e = assertThrows(IOException.class,
                        () -> c.exec(Command.shell("sleep " + mark).withTimeout(Duration.ofSeconds(60))));
                killer.join();
                String m = messageForPeople(e);
                System.out.println("RestErrorTextTest: agent killed: " + m);
                assertTrue(m.contains(StopOutcome.UNCONFIRMED.description()), m);
            }
        } finally {
            HostProcesses.kill(mark);
        }
    }

    @Test
    void aTokenOverPlainHttpIsRefusedUnlessAllowedAndThenAnnouncedAsIsUnverifiedTls() throws Exception {
        Agent agent = agents.start(TOKEN, "--no-tls");
        Map<String, Object> extras = new HashMap<>(Map.of("use_ssl", false, "token", Secret.of(TOKEN)));
        ConnectionException refused = assertThrows(ConnectionException.class, () -> open(agent.port(), extras));
        String m = messageForPeople(refused);
        assertTrue(m.contains("allow_plain_http_token: true") && !m.contains(TOKEN), m);
        extras.put("allow_plain_http_token", true);
        try (Connection c = open(agent.port(), extras)) {
            assertEquals(0, c.exec(Command.shell("true")).exitCode());
            assertEquals(List.of("use_ssl: false with a token (allow_plain_http_token: true; the token crosses the"
                    + " network in clear text)"), c.warnings());
        }
        Map<String, Object> tls = new HashMap<>(Map.of("token", Secret.of(TOKEN)));
        Agent secure = agents.start(TOKEN);
        tls.put("ca_file", secure.caFile().toString());
        try (Connection c = open(secure.port(), tls)) {
            assertEquals(List.of(), c.warnings());
        }
        tls.remove("ca_file");
        tls.put("verify_ssl", false);
        try (Connection c = open(secure.port(), tls)) {
            assertEquals(List.of("verify_ssl: false (the device's certificate is not checked; anyone in between can"
                    + " read the token)"), c.warnings());
        }
    }
}
