package io.conduit.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.conduit.api.connection.AuthenticationFailedException;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.Secret;
import io.conduit.rest.connection.RestConnection;
import io.conduit.rest.plugin.RestPlugin;
import io.conduit.rest.support.Configs;

/**
 * A device of the older kind (seed 001): plain HTTP, {@code GET /status}, {@code POST /exec} with text stdin
 * and text output, base64 {@code /files} without raw streaming, {@code DELETE /session} on close. Served by a
 * small JDK HttpServer on 127.0.0.1 that also misbehaves on purpose (HTML bodies, 503s, echoed tokens).
 */
class LegacyDeviceTest {
    private static final String TOKEN = "device-token-1234";

    @TempDir
    Path tmp;
    private HttpServer server;
    private RestPlugin plugin;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final CountDownLatch sessionDeleted = new CountDownLatch(1);
    private final AtomicInteger flakyHealth = new AtomicInteger();
    private final AtomicInteger flakyExec = new AtomicInteger();
    private volatile JsonObject lastExec;
    private volatile String lastAuthorization = "none yet";

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/api/v1", this::handle);
        server.start();
        plugin = new RestPlugin(Configs.defaults());
    }

    @AfterEach
    void stop() {
        plugin.deactivate();
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            String endpoint = ex.getRequestURI().getPath().substring("/api/v1".length());
            String method = ex.getRequestMethod();
            lastAuthorization = String.valueOf(ex.getRequestHeaders().getFirst("Authorization"));
            if (!("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(ex, 401, "application/json", "{\"error\":\"unauthorized\"}");
                return;
            }
            switch (method + " " + endpoint) {
                case "GET /status" -> send(ex, 200, "application/json", "{\"status\":\"up\",\"model\":\"GW-100\"}");
                case "POST /exec" -> {
                    JsonObject request = JsonParser.parseString(body(ex)).getAsJsonObject();
                    lastExec = request;
                    JsonObject reply = new JsonObject();
                    reply.addProperty("return_code", 0);
                    reply.addProperty("stdout", "device ran: " + request.get("command").getAsString() + "\n"
                            + (request.has("stdin") ? "stdin: " + request.get("stdin").getAsString() : ""));
                    reply.addProperty("stderr", "");
                    send(ex, 200, "application/json", reply.toString());
                }
                case "PUT /files" -> {
                    JsonObject request = JsonParser.parseString(body(ex)).getAsJsonObject();
                    files.put(request.get("path").getAsString(),
                            Base64.getDecoder().decode(request.get("content").getAsString()));
                    send(ex, 200, "application/json", "{\"ok\":true}");
                }
                case "GET /files" -> {
                    String path = URLDecoder.decode(ex.getRequestURI().getRawQuery().substring("path=".length()),
                            StandardCharsets.UTF_8);
                    byte[] content = files.get(path);
                    if (content == null) {
                        send(ex, 404, "application/json", "{\"error\":\"file not found\"}");
                    } else {
                        send(ex, 200, "application/json", "{\"content\":\""
                                + Base64.getEncoder().encodeToString(content) + "\"}");
                    }
                }
                case "DELETE /session" -> {
                    sessionDeleted.countDown();
                    send(ex, 204, null, null);
                }
                case "POST /login-page" -> send(ex, 200, "text/html",
                        "<html><head><title>GW-100 login</title></head><body>Please log in</body></html>");
                case "GET /flaky" -> {
                    if (flakyHealth.incrementAndGet() < 3) {
                        send(ex, 503, "application/json", "{\"error\":\"warming up\"}");
                    } else {
                        send(ex, 200, "application/json", "{\"status\":\"up\"}");
                    }
                }
                case "POST /flaky" -> {
                    flakyExec.incrementAndGet();
                    send(ex, 503, "application/json", "{\"error\":\"busy\"}");
                }
                case "POST /echo" -> send(ex, 500, "application/json",
                        "{\"error\":\"cannot parse header Authorization: Bearer " + TOKEN + "\"}");
                default -> send(ex, 404, "application/json", "{\"error\":\"no such endpoint\"}");
            }
        } finally {
            ex.close();
        }
    }

    private static String body(HttpExchange ex) throws IOException {
        return new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        if (body == null) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    private Map<String, Object> legacy() {
        Map<String, Object> extras = new HashMap<>();
        extras.put("token", Secret.of(TOKEN));
        extras.put("use_ssl", false);
        extras.put("health_path", "/status");
        extras.put("exec_path", "/exec");
        extras.put("disconnect", "DELETE /session");
        extras.put("stdin_encoding", "text");
        return extras;
    }

    private RestConnection open(Map<String, Object> extras) throws IOException {
        return open(extras, null);
    }

    private RestConnection open(Map<String, Object> extras, Secret password) throws IOException {
        RestConnection c = (RestConnection) plugin.create(new ConnectionKey("gw", "rest"));
        try {
            c.open(new ConnectionParams("127.0.0.1", server.getAddress().getPort(), "admin", password, null, extras));
        } catch (IOException e) {
            c.close();
            throw e;
        }
        return c;
    }

    @Test
    void theOlderDeviceWorksThroughConfiguredPaths() throws Exception {
        RestConnection c = open(legacy());
        assertFalse(c.rawFiles(), "the device offers no raw streaming");
        ExecResult r = c.exec(Command.shell("show version").withStdin("y\n".getBytes(StandardCharsets.UTF_8)));
        assertEquals(0, r.exitCode());
        assertEquals("device ran: sh -c 'show version'\nstdin: y\n", r.stdoutText());
        assertEquals("y\n", lastExec.get("stdin").getAsString(), "stdin went as text");

        byte[] config = "hostname gw-1\ninterface eth0\n".getBytes(StandardCharsets.UTF_8);
        Path local = Files.write(tmp.resolve("running.conf"), config);
        c.put(local, "/config/running.conf", 0644);
        assertArrayEquals(config, files.get("/config/running.conf"));
        Path back = tmp.resolve("back.conf");
        c.fetch("/config/running.conf", back);
        assertArrayEquals(config, Files.readAllBytes(back));
        assertThrows(RemoteFileNotFoundException.class, () -> c.fetch("/config/missing.conf", tmp.resolve("m")));

        c.close();
        assertTrue(sessionDeleted.await(5, TimeUnit.SECONDS), "DELETE /session was sent on close");
    }

    @Test
    void filesOverTheInlineLimitAreRefusedWhenTheDeviceCannotStream() throws Exception {
        Map<String, Object> extras = legacy();
        extras.put("max_inline_file_size", 1024L);
        try (Connection c = open(extras)) {
            Path big = Files.write(tmp.resolve("firmware.bin"), new byte[4096]);
            ConnectionException e = assertThrows(ConnectionException.class, () -> c.put(big, "/fw.bin", 0644));
            assertTrue(e.getMessage().contains("max_inline_file_size"), e.getMessage());
            assertTrue(e.getMessage().contains("does not offer raw file streaming"), e.getMessage());
            assertFalse(files.containsKey("/fw.bin"));
        }
    }

    @Test
    void aNonJsonAnswerIsAProtocolErrorQuotingAnExcerpt() throws Exception {
        Map<String, Object> extras = legacy();
        extras.put("exec_path", "/login-page");
        try (Connection c = open(extras)) {
            ProtocolException e = assertThrows(ProtocolException.class, () -> c.exec(Command.shell("uptime")));
            assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());
            assertTrue(e.getMessage().contains("<html><head><title>GW-100 login"), e.getMessage());
        }
    }

    @Test
    void theDefaultPathsOnThisDeviceSayWhichOptionToSet() {
        Map<String, Object> extras = legacy();
        extras.remove("health_path");
        ProtocolException e = assertThrows(ProtocolException.class, () -> open(extras));
        assertTrue(e.getMessage().contains("GET /api/v1/health"), e.getMessage());
        assertTrue(e.getMessage().contains("health_path /status"), e.getMessage());
    }

    @Test
    void onlyIdempotentRequestsAreRetried() throws Exception {
        Map<String, Object> extras = legacy();
        extras.put("health_path", "/flaky"); // 503, 503, then 200
        extras.put("exec_path", "/flaky"); // always 503
        try (Connection c = open(extras)) {
            assertEquals(3, flakyHealth.get(), "GET was retried twice");
            ConnectionException e = assertThrows(ConnectionException.class, () -> c.exec(Command.shell("reboot")));
            assertTrue(e.getMessage().contains("503"), e.getMessage());
            assertEquals(1, flakyExec.get(), "POST was sent once");
        }
    }

    @Test
    void theTokenIsRedactedFromWhatTheDeviceSaysAndRefusalsAreAuthenticationFailures() throws Exception {
        Map<String, Object> extras = legacy();
        extras.put("exec_path", "/echo");
        try (Connection c = open(extras)) {
            ConnectionException e = assertThrows(ConnectionException.class, () -> c.exec(Command.shell("id")));
            assertFalse(e.getMessage().contains(TOKEN), e.getMessage());
            assertTrue(e.getMessage().contains("Bearer ***"), e.getMessage());
        }
        extras.put("token", Secret.of("not-the-token"));
        AuthenticationFailedException auth = assertThrows(AuthenticationFailedException.class, () -> open(extras));
        assertTrue(auth.getMessage().contains("401: unauthorized"), auth.getMessage());
    }

    @Test
    void withoutATokenThe401SaysHowToSetOne() {
        Map<String, Object> extras = legacy();
        extras.remove("token");
        // the host's password (perhaps meant for ssh) is not a token and never goes to the device
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                () -> open(extras, Secret.of("ssh-password")));
        assertEquals("null", lastAuthorization, "no Authorization header at all");
        assertTrue(e.getMessage().contains("no token is set"), e.getMessage());
        assertTrue(e.getMessage().contains("${env:AGENT_TOKEN}"), e.getMessage());
    }
}
