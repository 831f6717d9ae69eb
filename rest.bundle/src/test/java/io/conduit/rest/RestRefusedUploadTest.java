package io.conduit.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.api.testing.OperatorText;
import io.conduit.api.testing.SmallFileSystems;
import io.conduit.rest.RestPlugin;
import io.conduit.rest.support.AgentProcess;
import io.conduit.rest.support.Configs;

/**
 * A device that refuses a large upload early (before it read the body, or part way through) gives its reason, as
 * for a small file, in one PUT: the agent drains what is left of the refused body before it answers, and the
 * plugin never retries a refusal. The agent runs as a process of its own, whose log counts the requests.
 */
class RestRefusedUploadTest {
    private static final String TOKEN = "t0ken-" + Long.toHexString(new Random().nextLong());
    /** Far more than the socket buffers and the JDK server's own 64 KiB drain hold. */
    private static final long LARGE = 48L << 20;

    @TempDir
    static Path tmp;
    private static AgentProcess agent;
    private static RestPlugin plugin;
    private static Path large;

    @BeforeAll
    static void start() throws Exception {
        agent = AgentProcess.start(tmp.resolve("agent"), TOKEN, null);
        plugin = new RestPlugin(Configs.defaults());
        large = tmp.resolve("large.bin");
        try (RandomAccessFile f = new RandomAccessFile(large.toFile(), "rw")) {
            f.setLength(LARGE); // sparse: read back as zeros, costs no disk here
        }
    }

    @AfterAll
    static void stop() throws Exception {
        plugin.deactivate();
        agent.close();
    }

    private static Connection open() throws IOException {
        Connection c = plugin.create(new ConnectionKey("dev", "rest"));
        c.open(new ConnectionParams("127.0.0.1", agent.port(), null, null, null, Map.of("token", Secret.of(TOKEN),
                "ca_file", agent.caFile().toString())));
        return c;
    }

    /** @return how many requests of this kind ("PUT /files") the agent logged so far */
    private static long logged(String request) throws IOException {
        return agent.log().stream().filter(l -> l.contains(" " + request.replace(" ", " /api/v1") + " ")).count();
    }

    private static Set<String> list(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    private static void refusedOnce(Connection c, Path target, FileProblem expected) throws Exception {
        long before = logged("PUT /files");
        long probes = logged("POST /execute");
        TransferFailedException e = assertThrows(TransferFailedException.class, () -> c.put(large,
                target.toString(), 0644));
        assertEquals(expected, e.problem(), e.getMessage());
        assertEquals("put " + target + ": " + expected.reason() + " (" + expected.advice() + "); nothing was left"
                + " behind", OperatorText.messageForPeople(e));
        // the agent logs a request once its answer is sent: the line may come just after the client has it
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (logged("PUT /files") == before && System.nanoTime() < deadline) {
            Thread.sleep(20); // polls the log file for the line, within the deadline
        }
        List<String> log = agent.log();
        String tail = String.join("\n", log.subList(Math.max(0, log.size() - 5), log.size()));
        assertEquals(1, logged("PUT /files") - before, "one PUT: " + tail);
        assertEquals(probes, logged("POST /execute"), "the device's answer said why, no probe ran: " + tail);
    }

    @Test
    void aLargeUploadIntoAMissingDirectoryIsRefusedWithTheReasonInOnePut() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("here"));
        try (Connection c = open()) {
            refusedOnce(c, dir.resolve("missing/large.bin"), FileProblem.MISSING_DIRECTORY);
        }
        assertEquals(Set.of(), list(dir), "nothing left behind");
    }

    /**
     * An older device (the agent before it drained refused bodies): it answers a PUT into a missing directory
     * unread, or after reading the first MiB as a device streaming to its disk does, and its server closes the
     * connection under the upload. Whether the client then reads the answer, only its status, or a lost
     * connection depends on timing; in every case the cause is named (from the answer, or from the probe the
     * device runs with {@code sh}), after one PUT.
     */
    @Test
    void anOlderDeviceThatClosesUnderARefusedUploadIsProbedForTheCause() throws Exception {
        for (boolean readFirst : new boolean[] {false, true}) {
            Path dir = Files.createDirectories(tmp.resolve("older-" + readFirst));
            AtomicInteger puts = new AtomicInteger();
            HttpServer server = olderDevice(readFirst, puts);
            try (Connection c = plugin.create(new ConnectionKey("old", "rest"))) {
                c.open(new ConnectionParams("127.0.0.1", server.getAddress().getPort(), null, null, null,
                        Map.of("use_ssl", false)));
                Path target = dir.resolve("missing/large.bin");
                TransferFailedException e = assertThrows(TransferFailedException.class, () -> c.put(large,
                        target.toString(), 0644));
                assertEquals(FileProblem.MISSING_DIRECTORY, e.problem(), e.getMessage());
                assertEquals(1, puts.get(), "one PUT");
                assertEquals(Set.of(), list(dir), "nothing left behind");
            } finally {
                server.stop(0);
            }
        }
    }

    /** Serves health (raw_files), PUT (always a missing directory) and execute ({@code sh -c}) in plain HTTP. */
    private static HttpServer olderDevice(boolean readFirst, AtomicInteger puts) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/api/v1", ex -> {
            try (ex) {
                switch (ex.getRequestMethod() + " " + ex.getRequestURI().getPath()) {
                    case "GET /api/v1/health" -> answer(ex, 200, "{\"capabilities\":[\"raw_files\"]}");
                    case "PUT /api/v1/files" -> {
                        puts.incrementAndGet();
                        if (readFirst) {
                            ex.getRequestBody().readNBytes(1 << 20);
                        }
                        String path = URLDecoder.decode(ex.getRequestURI().getRawQuery().replaceAll(".*path=([^&]*).*",
                                "$1"), StandardCharsets.UTF_8);
                        answer(ex, 404, "{\"error\":\"directory " + Path.of(path).getParent() + " does not exist\"}");
                    }
                    case "POST /api/v1/execute" -> {
                        String command = JsonParser.parseString(new String(ex.getRequestBody().readAllBytes(),
                                StandardCharsets.UTF_8)).getAsJsonObject().get("command").getAsString();
                        Process p = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
                        p.getOutputStream().close();
                        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                        JsonObject reply = new JsonObject();
                        reply.addProperty("return_code", p.waitFor());
                        reply.addProperty("stdout", out);
                        reply.addProperty("stderr", "");
                        answer(ex, 200, reply.toString());
                    }
                    default -> answer(ex, 404, "{\"error\":\"no such endpoint\"}");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
        return server;
    }

    private static void answer(HttpExchange ex, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Test
    void aLargeUploadOntoAFullFileSystemIsRefusedWithTheReasonInOnePut() throws Exception {
        try (SmallFileSystems fs = new SmallFileSystems(); Connection c = open()) {
            Path full = fs.full(tmp.resolve("full"));
            refusedOnce(c, full.resolve("large.bin"), FileProblem.NO_SPACE);
            assertEquals(Set.of("filler"), list(full), "nothing left behind");
        }
    }
}
