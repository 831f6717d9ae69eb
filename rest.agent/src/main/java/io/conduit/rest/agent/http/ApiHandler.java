package io.conduit.rest.agent.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.BecomeFailedException;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.rest.agent.Log;
import io.conduit.rest.agent.exec.CommandRunner;

/**
 * Serves the protocol (rest.bundle/PROTOCOL.md) under the API path: {@code GET /health},
 * {@code POST /execute}, {@code GET|PUT /files}, {@code POST /disconnect}. Every request needs the bearer token;
 * every refusal is JSON {@code {"error": "..."}} with a fitting status.
 */
public final class ApiHandler implements HttpHandler {
    /** The capability /health advertises for application/octet-stream file bodies. */
    public static final String RAW_FILES = "raw_files";
    /** The capability /health advertises for {@code DELETE /execute?id=ID}. */
    public static final String CANCEL = "cancel";
    /**
     * The capability /health advertises for the {@code "become"} field of {@code POST /execute}: the agent runs
     * sudo or su itself and gives the password only when they ask for it.
     */
    public static final String BECOME = "become";
    /**
     * The capability /health advertises for the {@code "env"} field of {@code POST /execute}: variables the agent
     * gives the command through its wrapper's input, so that no other user of the device sees them in {@code ps}.
     */
    public static final String ENV = "env";
    /**
     * The capability /health advertises for the {@code "heartbeat"} field of {@code POST /execute}: the answer
     * starts when the command has started and carries a space every interval until the result, and the agent
     * stops the command when a space cannot be written (the client is gone).
     */
    public static final String HEARTBEAT = "heartbeat";
    /** The {@code "code"} of a 422 answer when sudo or su refused or failed. */
    public static final String BECOME_FAILED = "become_failed";
    private static final Duration MIN_HEARTBEAT = Duration.ofMillis(200);
    private static final Duration MAX_HEARTBEAT = Duration.ofSeconds(30);
    /** Protocol version /health reports. */
    public static final int PROTOCOL = 1;
    private static final String OCTET = "application/octet-stream";
    /** The header of a raw {@code GET /files} answer carrying the file's permission bits, four octal digits. */
    public static final String MODE_HEADER = "X-Conduit-Mode";
    private static final Gson GSON = new Gson();

    private final String apiPath;
    private final byte[] tokenDigest;
    private final CommandRunner runner;
    private final Settings settings;
    private final java.util.concurrent.Semaphore commands;

    /** Limits the handler enforces. */
    public record Settings(long maxRequestBytes, long maxFileBytes, long maxOutputBytes, Duration maxCommandTimeout,
            int maxCommands, String version) {
    }

    /**
     * @param apiPath the base path the handler is mounted at
     * @param token the bearer token (only its digest is kept)
     * @param runner runs commands
     * @param settings the limits
     */
    public ApiHandler(String apiPath, String token, CommandRunner runner, Settings settings) {
        this.apiPath = apiPath;
        this.tokenDigest = FileStore.sha256().digest(token.getBytes(StandardCharsets.UTF_8));
        this.runner = runner;
        this.settings = settings;
        this.commands = new java.util.concurrent.Semaphore(settings.maxCommands());
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        long start = System.nanoTime();
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        int status = 500;
        try {
            authenticate(exchange);
            String endpoint = path.startsWith(apiPath) ? path.substring(apiPath.length()) : path;
            status = switch (endpoint) {
                case "/health" -> health(exchange, method);
                case "/execute" -> execute(exchange, method);
                case "/files" -> files(exchange, method);
                case "/disconnect" -> disconnect(exchange, method);
                default -> throw new ApiError(404, "no endpoint " + method + " " + path + "; the API is "
                        + apiPath + "/{health,execute,files,disconnect}");
            };
        } catch (ApiError e) {
            status = e.status();
            try {
                if (status != 401 && exchange.getResponseCode() == -1) {
                    drain(exchange);
                }
                error(exchange, status, e.getMessage(), e.code(), e.problem());
            } catch (IOException | RuntimeException ignored) {
                // headers already sent or the client went away
            }
        } catch (IOException e) {
            if (exchange.getResponseCode() != -1) {
                // the answer had started: the client went away (gave up, closed, cancelled the command)
                Log.info("client went away during " + method + " " + path + ": " + e.getMessage());
                status = exchange.getResponseCode();
                return;
            }
            status = 500;
            Log.warn("I/O error on " + method + " " + path + ": " + e);
            try {
                drain(exchange);
                error(exchange, 500, "I/O error on the device: " + e.getMessage());
            } catch (IOException | RuntimeException ignored) {
                // the client went away
            }
        } catch (RuntimeException e) {
            status = 500;
            Log.warn("internal error on " + method + " " + path + ": " + e);
            try {
                // the client quotes this to an operator: words, the type stays in the agent's log
                error(exchange, 500, "internal error in the agent (" + e.getMessage() + "); see the agent's log");
            } catch (IOException | RuntimeException ignored) {
                // the client went away
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = 503;
            try {
                error(exchange, 503, "the agent is stopping");
            } catch (IOException | RuntimeException ignored) {
                // the client went away
            }
        } finally {
            exchange.close();
            Log.info(exchange.getRemoteAddress().getAddress().getHostAddress() + " " + method + " " + path + " "
                    + status + " " + Duration.ofNanos(System.nanoTime() - start).toMillis() + "ms");
        }
    }

    private void authenticate(HttpExchange exchange) throws ApiError {
        String header = exchange.getRequestHeaders().getFirst("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            throw new ApiError(401, "missing bearer token; send the header Authorization: Bearer TOKEN");
        }
        byte[] given = FileStore.sha256().digest(header.substring(7).strip().getBytes(StandardCharsets.UTF_8));
        // digests of equal length, compared in constant time: neither the token nor its length leaks
        if (!MessageDigest.isEqual(given, tokenDigest)) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            Log.warn("rejected a wrong token from " + exchange.getRemoteAddress().getAddress().getHostAddress());
            throw new ApiError(401, "invalid token");
        }
    }

    private int health(HttpExchange exchange, String method) throws ApiError, IOException {
        allow(method, "GET");
        JsonObject body = new JsonObject();
        body.addProperty("status", "ok");
        body.addProperty("agent", "conduit-rest-agent");
        body.addProperty("version", settings.version());
        body.addProperty("protocol", PROTOCOL);
        JsonArray capabilities = new JsonArray();
        capabilities.add(RAW_FILES);
        capabilities.add(CANCEL);
        capabilities.add(BECOME);
        capabilities.add(HEARTBEAT);
        capabilities.add(ENV);
        body.add("capabilities", capabilities);
        JsonObject limits = new JsonObject();
        limits.addProperty("max_request_size", settings.maxRequestBytes());
        limits.addProperty("max_file_size", settings.maxFileBytes());
        limits.addProperty("max_output", settings.maxOutputBytes());
        limits.addProperty("max_command_timeout", settings.maxCommandTimeout().toSeconds());
        limits.addProperty("max_commands", settings.maxCommands());
        body.add("limits", limits);
        return json(exchange, 200, body);
    }

    private int execute(HttpExchange exchange, String method) throws ApiError, IOException, InterruptedException {
        if (method.equals("DELETE")) {
            String id = query(exchange).get("id");
            if (id == null || id.isEmpty()) {
                throw new ApiError(400, "missing ?id= of the command to cancel");
            }
            java.util.concurrent.CompletableFuture<CommandRunner.Finished> stopping = runner.cancel(id);
            if (stopping == null) {
                throw new ApiError(404, "no running command with id " + id);
            }
            // answer when the command is over, with what the wrapper reported: the client learns whether its
            // command is really gone
            CommandRunner.Finished finished;
            try {
                finished = stopping.get(CommandRunner.STOP_WAIT.toMillis() + 3000, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                finished = CommandRunner.Finished.UNCONFIRMED;
            }
            String outcome = switch (finished) {
                case STOPPED -> "confirmed";
                case UNCONFIRMED -> "unconfirmed";
                case ENDED -> "ended";
            };
            Log.info("cancelled command " + id + " at its client's request: " + outcome);
            JsonObject body = new JsonObject();
            body.addProperty("id", id);
            body.addProperty("stop_outcome", outcome);
            return json(exchange, 200, body);
        }
        allow(method, "POST", "DELETE");
        JsonObject request = readJson(exchange);
        String command = string(request, "command", true);
        if (command.isBlank()) {
            throw new ApiError(400, "\"command\" is empty");
        }
        Duration timeout = settings.maxCommandTimeout();
        JsonElement t = request.get("timeout");
        if (t != null && !t.isJsonNull()) {
            double seconds = number(t, "timeout");
            if (seconds < 0) {
                throw new ApiError(400, "\"timeout\" must not be negative");
            }
            if (seconds > 0) {
                Duration asked = Duration.ofMillis(Math.round(seconds * 1000));
                timeout = asked.compareTo(timeout) < 0 ? asked : timeout;
            }
        }
        long limit = settings.maxOutputBytes();
        JsonElement l = request.get("output_limit");
        if (l != null && !l.isJsonNull()) {
            limit = Math.min(limit, Math.max(0, (long) number(l, "output_limit")));
        }
        String stdinText = string(request, "stdin", false);
        String stdinEncoding = encoding(request, "stdin_encoding", "base64");
        byte[] stdin = stdinText == null ? new byte[0] : decode(stdinText, stdinEncoding, "stdin");
        String outputEncoding = encoding(request, "output_encoding", "text");
        Become become = become(request);
        Duration heartbeatEvery = null;
        JsonElement h = request.get("heartbeat");
        if (h != null && !h.isJsonNull()) {
            double seconds = number(h, "heartbeat");
            if (seconds > 0) {
                Duration asked = Duration.ofMillis(Math.round(seconds * 1000));
                heartbeatEvery = asked.compareTo(MIN_HEARTBEAT) < 0 ? MIN_HEARTBEAT
                        : asked.compareTo(MAX_HEARTBEAT) > 0 ? MAX_HEARTBEAT : asked;
            }
        }
        String id = string(request, "id", false);
        Map<String, String> env = env(request);

        if (!commands.tryAcquire()) {
            throw new ApiError(503, settings.maxCommands() + " commands are running, the agent's limit"
                    + " (--max-commands); try again when some have ended");
        }
        CommandRunner.Outcome outcome;
        Heartbeat heartbeat = new Heartbeat(exchange, heartbeatEvery != null);
        try {
            outcome = runner.run(new CommandRunner.Spec(command, stdin, become, timeout, limit, id, env),
                    heartbeatEvery == null ? Duration.ofSeconds(1) : heartbeatEvery, heartbeat);
        } catch (BecomeFailedException | TimedOutException e) {
            // sudo or su refused, failed or hung before the command started: nothing of it ran
            throw new ApiError(422, e.getMessage(), BECOME_FAILED);
        } finally {
            commands.release();
        }
        if (outcome.stopped() != null) {
            Log.info("command " + (id == null ? "" : id + " ") + "stopped (" + outcome.stopped().wire() + "): "
                    + (outcome.stopOutcome() == StopOutcome.CONFIRMED ? "its process group is gone"
                            : "its stop could not be confirmed"));
        }
        JsonObject body = new JsonObject();
        body.addProperty("return_code", outcome.exitCode());
        body.addProperty("stdout", encode(outcome.stdout(), outputEncoding));
        body.addProperty("stderr", encode(outcome.stderr(), outputEncoding));
        body.addProperty("output_encoding", outputEncoding);
        body.addProperty("stdout_truncated", outcome.stdoutTruncated());
        body.addProperty("stderr_truncated", outcome.stderrTruncated());
        body.addProperty("stdout_dropped", outcome.stdoutDropped());
        body.addProperty("stderr_dropped", outcome.stderrDropped());
        body.addProperty("timed_out", outcome.timedOut());
        if (outcome.stopped() != null) {
            body.addProperty("stopped", outcome.stopped().wire());
            body.addProperty("stop_outcome", outcome.stopOutcome() == StopOutcome.CONFIRMED ? "confirmed"
                    : "unconfirmed");
        }
        body.addProperty("timeout", timeout.toMillis() / 1000.0);
        body.addProperty("duration_ms", outcome.duration().toMillis());
        if (!heartbeat.streaming()) {
            return json(exchange, 200, body);
        }
        heartbeat.finish(GSON.toJson(body).getBytes(StandardCharsets.UTF_8));
        return 200;
    }

    /**
     * {@code "env": {"NAME": "value", ...}}: the command's environment. Names follow the shell's rule (letters,
     * digits, underscore, not starting with a digit); values are strings.
     */
    private static Map<String, String> env(JsonObject request) throws ApiError {
        JsonElement e = request.get("env");
        if (e == null || e.isJsonNull()) {
            return Map.of();
        }
        if (!e.isJsonObject()) {
            throw new ApiError(400, "\"env\" must be an object of NAME: \"value\" pairs");
        }
        Map<String, String> env = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> v : e.getAsJsonObject().entrySet()) {
            if (!v.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new ApiError(400, "\"env\": \"" + v.getKey() + "\" is not a valid variable name (letters,"
                        + " digits and _, not starting with a digit)");
            }
            if (!(v.getValue() instanceof JsonPrimitive p) || !p.isString()) {
                throw new ApiError(400, "\"env\": the value of " + v.getKey() + " must be a string");
            }
            env.put(v.getKey(), p.getAsString());
        }
        return env;
    }

    /**
     * {@code "become": {"method": "sudo"|"su", "user": USER, "password": PASSWORD}}. The password is a secret:
     * it is never logged or quoted in an answer, and the wrapper writes it only when sudo or su prompt for it.
     */
    private static Become become(JsonObject request) throws ApiError {
        JsonElement b = request.get("become");
        if (b == null || b.isJsonNull()) {
            return null;
        }
        if (!b.isJsonObject()) {
            throw new ApiError(400, "\"become\" must be an object: {\"method\": \"sudo\" or \"su\", \"user\": USER,"
                    + " \"password\": PASSWORD}");
        }
        JsonObject object = b.getAsJsonObject();
        String method = string(object, "method", true).toLowerCase(Locale.ROOT);
        Become.Method m = switch (method) {
            case "sudo" -> Become.Method.SUDO;
            case "su" -> Become.Method.SU;
            default -> throw new ApiError(400, "\"become.method\" must be \"sudo\" or \"su\", not \"" + method
                    + "\"");
        };
        String user = string(object, "user", false);
        if (user != null && (user.isBlank() || user.startsWith("-") || user.chars().anyMatch(Character::isISOControl))) {
            throw new ApiError(400, "\"become.user\" is not a user name");
        }
        JsonElement p = object.get("password");
        Secret password = null;
        if (p != null && !p.isJsonNull()) {
            if (!p.isJsonPrimitive() || !p.getAsJsonPrimitive().isString()) {
                throw new ApiError(400, "\"become.password\" must be a string");
            }
            password = Secret.of(p.getAsString());
        }
        return new Become(m, user, password);
    }

    /**
     * The answer of a {@code POST /execute} that asked for a heartbeat: {@code 200} and the headers once the
     * command started, a space (JSON whitespace) every interval, then the result object. A space that cannot be
     * written means the client is gone; the runner then stops the command.
     */
    private static final class Heartbeat implements CommandRunner.Listener {
        private final HttpExchange exchange;
        private final boolean enabled;
        private OutputStream body;

        Heartbeat(HttpExchange exchange, boolean enabled) {
            this.exchange = exchange;
            this.enabled = enabled;
        }

        @Override
        public void started() throws IOException {
            if (enabled) {
                exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
                exchange.sendResponseHeaders(200, 0);
                body = exchange.getResponseBody();
                tick();
            }
        }

        @Override
        public void tick() throws IOException {
            if (body != null) {
                body.write(' ');
                body.flush();
            }
        }

        boolean streaming() {
            return body != null;
        }

        void finish(byte[] result) throws IOException {
            try (OutputStream out = body) {
                out.write(result);
            }
        }
    }

    private int files(HttpExchange exchange, String method) throws ApiError, IOException {
        Map<String, String> query = query(exchange);
        if (method.equals("GET")) {
            Path file = FileStore.readable(FileStore.resolve(query.get("path")));
            String accept = exchange.getRequestHeaders().getFirst("Accept");
            long size = Files.size(file);
            if (accept != null && accept.toLowerCase(Locale.ROOT).contains(OCTET)) {
                InputStream in;
                try {
                    in = Files.newInputStream(file);
                } catch (IOException e) {
                    throw FileStore.refusal("read", file, e);
                }
                try (in) {
                    exchange.getResponseHeaders().set("Content-Type", OCTET);
                    exchange.getResponseHeaders().set(MODE_HEADER, String.format("%04o", FileStore.modeOf(file)));
                    exchange.sendResponseHeaders(200, size == 0 ? -1 : size);
                    if (size > 0) {
                        try (OutputStream out = exchange.getResponseBody()) {
                            in.transferTo(out);
                        }
                    }
                }
                return 200;
            }
            if (size > settings.maxRequestBytes() / 4 * 3) {
                throw new ApiError(413, file + " is " + size + " bytes, too large for a JSON (base64) body; "
                        + "ask for it raw with Accept: " + OCTET);
            }
            JsonObject body = new JsonObject();
            body.addProperty("path", file.toString());
            body.addProperty("content", Base64.getEncoder().encodeToString(Files.readAllBytes(file)));
            body.addProperty("encoding", "base64");
            body.addProperty("size", size);
            body.addProperty("mode", String.format("%04o", FileStore.modeOf(file)));
            return json(exchange, 200, body);
        }
        allow(method, "PUT");
        String contentType = exchange.getRequestHeaders().getFirst("Content-Type");
        FileStore.Written written;
        if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(OCTET)) {
            Path target = FileStore.resolve(query.get("path"));
            int mode = FileStore.parseMode(query.get("mode"));
            checkLength(exchange, settings.maxFileBytes());
            // not closed here: on a refusal, handle() drains what is left of it before answering
            written = FileStore.write(target, exchange.getRequestBody(), mode, settings.maxFileBytes());
        } else {
            JsonObject request = readJson(exchange);
            Path target = FileStore.resolve(string(request, "path", true));
            JsonElement m = request.get("mode");
            int mode = m == null || m.isJsonNull() ? -1
                    : m.isJsonPrimitive() && m.getAsJsonPrimitive().isNumber() ? m.getAsInt()
                    : FileStore.parseMode(m.getAsString());
            String content = string(request, "content", true);
            byte[] bytes = decode(content, encoding(request, "encoding", "base64"), "content");
            written = FileStore.write(target, new java.io.ByteArrayInputStream(bytes), mode, Long.MAX_VALUE);
        }
        JsonObject body = new JsonObject();
        body.addProperty("path", written.path().toString());
        body.addProperty("size", written.size());
        body.addProperty("sha256", written.sha256());
        return json(exchange, 200, body);
    }

    private int disconnect(HttpExchange exchange, String method) throws ApiError, IOException {
        allow(method, "POST", "DELETE");
        exchange.sendResponseHeaders(204, -1);
        return 204;
    }

    private static void allow(String method, String... allowed) throws ApiError {
        if (!List.of(allowed).contains(method)) {
            throw new ApiError(405, "method " + method + " not allowed here; use " + String.join(" or ", allowed));
        }
    }

    /**
     * Reads and discards what is left of a refused request's body before the answer goes out. The JDK's server
     * reads at most 64 KiB of a body the handler left, then closes the connection, and a client still sending a
     * big file then sees its write fail ("connection lost") instead of the answer; a client that sends the whole
     * body before it reads (the JDK's HttpClient) never sees the answer at all. Bounded: at most the declared
     * {@code Content-Length}, and at most the larger of {@code --max-file-size} and {@code --max-request-size}
     * for a body without one; a body declared larger than that was refused (413) unread and is not drained (its
     * connection is closed after the answer). A client that stops sending ends the drain by closing its side
     * (its own request deadline). Requests without a valid token (401) are never drained.
     */
    private void drain(HttpExchange exchange) {
        long bound = Math.max(settings.maxFileBytes(), settings.maxRequestBytes());
        long budget = bound;
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                budget = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                return;
            }
        }
        if (budget > bound) {
            return;
        }
        try {
            InputStream in = exchange.getRequestBody();
            byte[] buffer = new byte[65536];
            int n;
            while (budget > 0 && (n = in.read(buffer, 0, (int) Math.min(buffer.length, budget))) >= 0) {
                budget -= n;
            }
        } catch (IOException e) {
            // the client went away: nobody to answer
        }
    }

    private void checkLength(HttpExchange exchange, long max) throws ApiError {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length != null) {
            try {
                if (Long.parseLong(length.trim()) > max) {
                    throw new ApiError(413, "request body of " + length + " bytes is over the agent's limit of "
                            + max + " bytes");
                }
            } catch (NumberFormatException e) {
                throw new ApiError(400, "bad Content-Length: " + length);
            }
        }
    }

    private JsonObject readJson(HttpExchange exchange) throws ApiError, IOException {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type != null && !type.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            throw new ApiError(415, "send the request as Content-Type: application/json, not " + type);
        }
        long max = settings.maxRequestBytes();
        checkLength(exchange, max);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try (InputStream in = exchange.getRequestBody()) {
            byte[] buffer = new byte[65536];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                if (body.size() + n > max) {
                    throw new ApiError(413, "request body over the agent's limit of " + max
                            + " bytes; send big files raw (Content-Type: " + OCTET + ")");
                }
                body.write(buffer, 0, n);
            }
        }
        if (body.size() == 0) {
            throw new ApiError(400, "empty request body; send a JSON object");
        }
        try {
            JsonElement parsed = JsonParser.parseReader(new InputStreamReader(
                    new java.io.ByteArrayInputStream(body.toByteArray()), StandardCharsets.UTF_8));
            if (!parsed.isJsonObject()) {
                throw new ApiError(400, "the request body must be a JSON object");
            }
            return parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new ApiError(400, "malformed JSON: " + e.getMessage());
        }
    }

    private static String string(JsonObject object, String key, boolean required) throws ApiError {
        JsonElement e = object.get(key);
        if (e == null || e.isJsonNull()) {
            if (required) {
                throw new ApiError(400, "missing \"" + key + "\"");
            }
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new ApiError(400, "\"" + key + "\" must be a string");
        }
        return e.getAsString();
    }

    private static double number(JsonElement e, String key) throws ApiError {
        if (!e.isJsonPrimitive() || !((JsonPrimitive) e).isNumber()) {
            throw new ApiError(400, "\"" + key + "\" must be a number");
        }
        return e.getAsDouble();
    }

    private static String encoding(JsonObject object, String key, String fallback) throws ApiError {
        String value = string(object, key, false);
        if (value == null) {
            return fallback;
        }
        value = value.toLowerCase(Locale.ROOT);
        if (value.equals("utf-8") || value.equals("utf8")) {
            value = "text";
        }
        if (!value.equals("base64") && !value.equals("text")) {
            throw new ApiError(400, "\"" + key + "\" must be \"base64\" or \"text\", not \"" + value + "\"");
        }
        return value;
    }

    private static byte[] decode(String text, String encoding, String what) throws ApiError {
        if (encoding.equals("text")) {
            return text.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return Base64.getMimeDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "\"" + what + "\" is not valid base64: " + e.getMessage());
        }
    }

    private static String encode(byte[] bytes, String encoding) {
        return encoding.equals("base64") ? Base64.getEncoder().encodeToString(bytes)
                : new String(bytes, StandardCharsets.UTF_8);
    }

    private static Map<String, String> query(HttpExchange exchange) throws ApiError {
        Map<String, String> out = new LinkedHashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null) {
            return out;
        }
        try {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                out.put(key, value);
            }
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "malformed query string: " + e.getMessage());
        }
        return out;
    }

    private static int json(HttpExchange exchange, int status, JsonObject body) throws IOException {
        byte[] bytes = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
        return status;
    }

    /** Sends {@code {"error": message}}; also used for requests outside the API path. */
    static void error(HttpExchange exchange, int status, String message) throws IOException {
        error(exchange, status, message, null);
    }

    private static void error(HttpExchange exchange, int status, String message, String code) throws IOException {
        error(exchange, status, message, code, null);
    }

    /**
     * Sends {@code {"error": message, "status": status}}, with {@code "code"} and {@code "problem"} (a
     * {@link FileProblem#probeName()}: {@code no-space}, {@code is-a-directory}, ...) when given; the wire form is
     * described once, in rest.bundle/PROTOCOL.md ("Errors").
     */
    private static void error(HttpExchange exchange, int status, String message, String code, FileProblem problem)
            throws IOException {
        JsonObject body = new JsonObject();
        body.addProperty("error", message);
        body.addProperty("status", status);
        if (code != null) {
            body.addProperty("code", code);
        }
        if (problem != null) {
            body.addProperty("problem", problem.probeName());
        }
        json(exchange, status, body);
    }
}
