package io.conduit.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import io.conduit.api.connection.Become;
import io.conduit.api.connection.BecomeFailedException;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.rest.connection.RestConnection;
import io.conduit.rest.RestPlugin;
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
    private final AtomicInteger busyPuts = new AtomicInteger();
    private volatile JsonObject lastExec;
    private volatile JsonObject lastExecBecome;
    private volatile String lastAuthorization = "none yet";
    private final java.util.concurrent.ExecutorService requests = java.util.concurrent.Executors.newCachedThreadPool();
    private final CountDownLatch hanging = new CountDownLatch(1);
    private final CountDownLatch oldAgentCancelled = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.createContext("/api/v1", this::handle);
        // a thread per request: a command may block while its cancel arrives
        server.setExecutor(requests);
        server.start();
        plugin = new RestPlugin(Configs.defaults());
    }

    @AfterEach
    void stop() {
        release.countDown();
        plugin.deactivate();
        server.stop(0);
        requests.shutdownNow();
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
                    String path = request.get("path").getAsString();
                    // refusals in the words older agents and devices give, without a "problem"
                    if (path.startsWith("/full/")) {
                        send(ex, 500, "application/json", "{\"error\":\"I/O error on the device: No space left on"
                                + " device\"}");
                    } else if (path.startsWith("/etc/")) {
                        send(ex, 403, "application/json", "{\"error\":\"permission denied writing in /etc\"}");
                    } else if (path.startsWith("/nodir/")) {
                        send(ex, 404, "application/json", "{\"error\":\"directory /nodir does not exist; create it"
                                + " first\"}");
                    } else {
                        files.put(path, Base64.getDecoder().decode(request.get("content").getAsString()));
                        send(ex, 200, "application/json", "{\"ok\":true}");
                    }
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
                case "PUT /busy-files" -> {
                    body(ex);
                    busyPuts.incrementAndGet();
                    send(ex, 503, "application/json", "{\"error\":\"busy\"}");
                }
                case "POST /flaky" -> {
                    flakyExec.incrementAndGet();
                    send(ex, 503, "application/json", "{\"error\":\"busy\"}");
                }
                case "GET /status-become" -> send(ex, 200, "application/json",
                        "{\"status\":\"up\",\"capabilities\":[\"become\"]}");
                case "POST /echo-body" -> send(ex, 400, "application/json", "{\"error\":\"unknown field in "
                        + echoed(body(ex)).replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
                case "GET /status-cancel" -> send(ex, 200, "application/json",
                        "{\"status\":\"up\",\"capabilities\":[\"cancel\"]}");
                case "POST /old-agent" -> {
                    // an older reference agent: kills on DELETE, then answers like any ended command
                    body(ex);
                    hanging.countDown();
                    oldAgentCancelled.await(30, TimeUnit.SECONDS);
                    send(ex, 200, "application/json", "{\"return_code\":137,\"stdout\":\"partial\",\"stderr\":\"\"}");
                }
                case "DELETE /old-agent" -> {
                    oldAgentCancelled.countDown();
                    send(ex, 204, null, null);
                }
                case "POST /hang" -> {
                    body(ex);
                    hanging.countDown();
                    // answers only when released (or after a bound): the plugin must give up on its own
                    release.await(30, TimeUnit.SECONDS);
                    send(ex, 200, "application/json", "{\"return_code\":0,\"stdout\":\"late\",\"stderr\":\"\"}");
                }
                case "POST /echo" -> send(ex, 500, "application/json",
                        "{\"error\":\"cannot parse header Authorization: Bearer " + TOKEN + "\"}");
                default -> send(ex, 404, "application/json", "{\"error\":\"no such endpoint\"}");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            ex.close();
        }
    }

    /** Keeps what a device quotes of the request, and notes its "become" object for the test. */
    private String echoed(String body) {
        lastExecBecome = JsonParser.parseString(body).getAsJsonObject().getAsJsonObject("become");
        return body;
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
        extras.put("allow_plain_http_token", true); // the legacy device has no TLS
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
    void refusalsInTheOlderDevicesWordsNameTheCauseAndAFetchWithoutAModeIsTheOwnersOnly() throws Exception {
        try (Connection c = open(legacy())) {
            Path local = Files.writeString(tmp.resolve("app.conf"), "x\n");
            for (Object[] refused : new Object[][] {{"/full/app.conf", FileProblem.NO_SPACE},
                    {"/etc/app.conf", FileProblem.PERMISSION}, {"/nodir/app.conf", FileProblem.MISSING_DIRECTORY}}) {
                TransferFailedException e = assertThrows(TransferFailedException.class,
                        () -> c.put(local, (String) refused[0], 0644));
                assertEquals(refused[1], e.problem(), e.getMessage());
            }
            c.put(local, "/config/app.conf", 0755);
            Path back = tmp.resolve("back.conf");
            c.fetch("/config/app.conf", back);
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(back)), "the device sent no mode");
        }
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
        extras.put("files_path", "/busy-files"); // always 503
        try (Connection c = open(extras)) {
            Path local = Files.writeString(tmp.resolve("busy.conf"), "x");
            ConnectionException e = assertThrows(ConnectionException.class, () -> c.put(local, "/busy.conf", 0644));
            assertTrue(e.getMessage().contains("503"), e.getMessage());
            assertEquals(1, busyPuts.get(), "a PUT the device answered is sent once");
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

    @Test
    void becomeIsRefusedByNameAndNothingIsSent() throws Exception {
        try (Connection c = open(legacy())) {
            for (Become become : new Become[] {Become.sudo("root", Secret.of("sudo-pw-1")),
                    new Become(Become.Method.SU, "admin", Secret.of("su-pw-2")), Become.sudo("root", null)}) {
                BecomeFailedException e = assertThrows(BecomeFailedException.class,
                        () -> c.exec(Command.shell("cat").withBecome(become)));
                assertTrue(e.getMessage().contains("device gw does not support become"), e.getMessage());
                assertFalse(e.getMessage().contains("sudo-pw-1") || e.getMessage().contains("su-pw-2"), e.getMessage());
            }
            assertEquals(null, lastExec, "nothing was sent: the password never goes on the command's stdin");
        }
    }

    /** A device that can neither cancel nor report: a stop is never claimed as confirmed. */
    @Test
    void closingWhileADeviceWithoutCancelRunsACommandIsAnUnconfirmedStop() throws Exception {
        Map<String, Object> extras = legacy();
        extras.put("exec_path", "/hang");
        Connection c = open(extras);
        java.util.concurrent.CompletableFuture<ExecResult> running = java.util.concurrent.CompletableFuture
                .supplyAsync(() -> {
                    try {
                        return c.exec(Command.shell("sleep 100"));
                    } catch (IOException e) {
                        throw new java.util.concurrent.CompletionException(e);
                    }
                });
        assertTrue(hanging.await(10, TimeUnit.SECONDS));
        c.close();
        java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> running.get(10, TimeUnit.SECONDS));
        CommandStoppedException stopped = assertInstanceOf(CommandStoppedException.class, e.getCause());
        assertEquals(StopOutcome.UNCONFIRMED, stopped.outcome());
        assertTrue(stopped.getMessage().endsWith(StopOutcome.UNCONFIRMED.description()), stopped.getMessage());
    }

    /** A device that claims become but refuses the field, quoting the request: the password is not repeated. */
    @Test
    void aDeviceQuotingTheBecomeRequestNeverGetsThePasswordIntoMessages() throws Exception {
        Map<String, Object> extras = legacy();
        extras.put("health_path", "/status-become");
        extras.put("exec_path", "/echo-body");
        try (Connection c = open(extras)) {
            BecomeFailedException e = assertThrows(BecomeFailedException.class, () -> c.exec(Command.shell("id")
                    .withBecome(Become.sudo("root", Secret.of("s3cret-become-pw")))));
            assertTrue(e.getMessage().contains("device gw does not support become as sent"), e.getMessage());
            assertTrue(e.getMessage().contains("\"password\":\"***\""), e.getMessage());
            assertFalse(e.getMessage().contains("s3cret-become-pw"), e.getMessage());
            assertEquals("sudo", lastExecBecome.get("method").getAsString());
        }
    }

    /**
     * An older agent that kills a command on {@code DELETE} but cannot say so (204, then an ordinary answer):
     * an interrupt and a close are reported as stops, never confirmed, never as the command's normal end.
     */
    @Test
    void aDeviceThatCancelsWithoutReportingGivesUnconfirmedStops() throws Exception {
        Map<String, Object> extras = legacy();
        extras.put("health_path", "/status-cancel");
        extras.put("exec_path", "/old-agent");
        try (Connection c = open(extras)) {
            java.util.concurrent.CompletableFuture<Object> outcome = new java.util.concurrent.CompletableFuture<>();
            Thread caller = new Thread(() -> {
                try {
                    outcome.complete(c.exec(Command.shell("sleep 100")));
                } catch (Throwable t) {
                    outcome.complete(t);
                }
            });
            caller.start();
            assertTrue(hanging.await(10, TimeUnit.SECONDS));
            caller.interrupt();
            CommandStoppedException stopped = assertInstanceOf(CommandStoppedException.class,
                    outcome.get(20, TimeUnit.SECONDS));
            assertEquals(StopOutcome.UNCONFIRMED, stopped.outcome());
            assertTrue(stopped.getMessage().contains("interrupted"), stopped.getMessage());
            assertEquals("partial", stopped.partial().stdoutText());
        }
    }

    @Test
    void closingWhileADeviceThatCancelsWithoutReportingRunsACommandIsAnUnconfirmedStop() throws Exception {
        Map<String, Object> extras = legacy();
        extras.put("health_path", "/status-cancel");
        extras.put("exec_path", "/old-agent");
        Connection c = open(extras);
        java.util.concurrent.CompletableFuture<Object> outcome = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return c.exec(Command.shell("sleep 100"));
            } catch (Throwable t) {
                return t;
            }
        });
        assertTrue(hanging.await(10, TimeUnit.SECONDS));
        c.close();
        CommandStoppedException stopped = assertInstanceOf(CommandStoppedException.class,
                outcome.get(20, TimeUnit.SECONDS));
        assertEquals(StopOutcome.UNCONFIRMED, stopped.outcome());
        assertTrue(stopped.getMessage().contains("connection closed while the command ran"), stopped.getMessage());
        assertEquals("partial", stopped.partial().stdoutText());
    }
}
