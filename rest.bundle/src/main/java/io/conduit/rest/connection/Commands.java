package io.conduit.rest.connection;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.BecomeFailedException;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.CommandStoppedException;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.connection.Trace;
import io.conduit.api.support.OutputBuffer;
import io.conduit.api.support.ShellCommand;
import io.conduit.rest.client.ApiErrors;
import io.conduit.rest.client.Capabilities;
import io.conduit.rest.client.CappedBody;
import io.conduit.rest.client.DeviceClient;
import io.conduit.rest.plugin.RestSettings;

/**
 * The commands of one open connection ({@code POST /execute}, PROTOCOL.md): the request, the answer turned into
 * a result or the exception it means, and the stop of a command whose caller gave up or whose connection closes
 * ({@code DELETE /execute?id=}, waiting a bounded time for the device's report). Thread-safe: commands run side
 * by side.
 */
final class Commands {
    private static final Logger LOG = LoggerFactory.getLogger(Commands.class);
    private static final String BECOME_FAILED = "become_failed";
    private static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(1);
    /** The longest a stop waits for the device: its wrapper's SIGKILL comes at 2 s, its own fallback at 6 s. */
    private static final Duration STOP_WAIT = Duration.ofSeconds(12);
    /**
     * How long a close waits for the device to stop the commands in progress: shorter than {@link #STOP_WAIT},
     * as a close usually comes from a shutdown or an upgrade that must not wait long (the launcher gives the
     * whole framework 10 s); a device that has not answered by then is reported unconfirmed.
     */
    private static final Duration CLOSE_STOP_WAIT = Duration.ofSeconds(5);
    /** After the device answered the stops, how long a close leaves the exec calls to read their answers. */
    private static final Duration SETTLE = Duration.ofSeconds(1);

    private final String host;
    private final DeviceClient client;
    private final ApiErrors errors;
    private final Capabilities capabilities;
    private final String where;
    private final Set<Exec> execs = ConcurrentHashMap.newKeySet();

    /**
     * @param host the host's inventory name, for messages
     * @param client the device's client
     * @param capabilities what the device offers
     */
    Commands(String host, DeviceClient client, Capabilities capabilities) {
        this.host = host;
        this.client = client;
        this.errors = client.errors();
        this.capabilities = capabilities;
        this.where = client.where();
    }

    /** @see io.conduit.api.connection.Connection#exec(Command, Trace) */
    ExecResult exec(Command command, Trace trace) throws IOException {
        RestSettings s = client.settings();
        if (command.pty()) {
            throw new ConnectionException(where + ": the rest protocol has no terminal, so pty: true cannot work"
                    + " here; run without a pty");
        }
        Become become = command.become();
        if (become != null && !capabilities.has(Capabilities.BECOME)) {
            // the password must never travel on the command's stdin, where a command that reads stdin would get it
            throw new BecomeFailedException(where + ": device " + host + " does not support become (its "
                    + client.path(s.healthPath()) + " lists no \"" + Capabilities.BECOME + "\" capability): the rest"
                    + " protocol runs " + become.method().name().toLowerCase(Locale.ROOT) + " on the device, which"
                    + " gives the password only when asked; update the device's agent, or run the command without"
                    + " become");
        }
        boolean heartbeat = capabilities.has(Capabilities.HEARTBEAT);
        Duration timeout = command.timeout() != null ? command.timeout() : s.commandTimeout();
        JsonObject body = new JsonObject();
        // the plain command (cwd); become is the device's job, in its own field, and so is the environment where
        // the device takes it (it then stays off every command line on the device)
        boolean envField = capabilities.has(Capabilities.ENV) && !command.env().isEmpty();
        Command plain = command.withBecome(null);
        body.addProperty("command", ShellCommand.wrap(envField ? plain.withEnv(Map.of()) : plain));
        if (envField) {
            JsonObject env = new JsonObject();
            command.env().forEach(env::addProperty);
            body.add("env", env); // may be secret: the body is never logged
        }
        body.addProperty("timeout", timeout.toMillis() / 1000.0);
        byte[] stdin = command.stdin();
        if (stdin.length > 0) {
            if (s.stdinEncoding().equals("text")) {
                body.addProperty("stdin", new String(stdin, StandardCharsets.UTF_8));
                body.addProperty("stdin_encoding", "text");
            } else {
                body.addProperty("stdin", Base64.getEncoder().encodeToString(stdin));
            }
        }
        if (become != null) {
            JsonObject b = new JsonObject();
            b.addProperty("method", become.method().name().toLowerCase(Locale.ROOT));
            b.addProperty("user", become.user());
            if (become.password() != null) {
                b.addProperty("password", become.password().reveal()); // a secret: the body is never logged
            }
            body.add("become", b);
        }
        if (heartbeat) {
            body.addProperty("heartbeat", HEARTBEAT_EVERY.toMillis() / 1000.0);
        }
        body.addProperty("output_encoding", "base64");
        body.addProperty("output_limit", command.outputLimit());
        String id = UUID.randomUUID().toString();
        body.addProperty("id", id);

        String label = "POST " + client.path(s.execPath());
        long start = System.nanoTime();
        // base64 of two capped streams, plus room for devices that do not cap and for the heartbeat's spaces
        long limit = Math.max(64L << 20, command.outputLimit() * 3 + DeviceClient.SMALL_BODY_LIMIT);
        Duration wait = timeout.plus(s.requestTimeout());
        // the client's own deadline comes later than ours, so that ours decides and stops the command
        HttpRequest request = client.request(s.execPath(), null, wait.plus(DeviceClient.SHORT))
                .header("Content-Type", DeviceClient.JSON).header("Accept", DeviceClient.JSON)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build();
        Exec run = new Exec(id, command.outputLimit());
        execs.add(run);
        if (trace.on(Trace.PROTOCOL)) {
            // the body may hold secrets (env values, the become password): only its shape is shown
            trace.line(Trace.PROTOCOL, "rest: " + label + " id " + id + " (wrapped line " + body.get("command")
                    .getAsString().length() + " chars, " + (envField ? "env field " + command.env().keySet() + ", "
                    : "") + (become != null ? "become field, " : "") + "stdin " + stdin.length + " bytes, heartbeat "
                    + (heartbeat ? "every " + ApiErrors.text(HEARTBEAT_EVERY) : "not offered") + ", cancel "
                    + (capabilities.has(Capabilities.CANCEL) ? "offered" : "not offered") + ")");
        }
        String password = client.redaction().hold(become);
        try {
            if (client.closing()) {
                throw new ConnectionException(where + ": the connection is closed");
            }
            run.post = client.sendAsync(request, CappedBody.capped(limit));
            if (client.closing()) {
                // the close ran meanwhile and may not have seen this request: stop it here, as the close would
                Stop stop = stop(run, label);
                if (!stop.stopped()) {
                    return stop.result();
                }
                throw new CommandStoppedException(where + ": connection closed while the command ran; "
                        + stop.outcome().description(), stop.outcome(), stop.result());
            }
            HttpResponse<byte[]> response;
            try {
                response = run.post.get(Math.max(0, start + wait.toNanos() - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Stop stop = stop(run, label);
                Thread.currentThread().interrupt();
                if (!stop.stopped()) {
                    return stop.result(); // it had ended by itself
                }
                throw new CommandStoppedException(where + ": interrupted while the command ran; "
                        + stop.outcome().description(), stop.outcome(), stop.result());
            } catch (TimeoutException e) {
                Stop stop = stop(run, label);
                if (!stop.stopped()) {
                    return stop.result();
                }
                throw new TimedOutException(where + ": " + label + ": no answer within the command's timeout ("
                        + ApiErrors.text(timeout) + ") plus request_timeout (" + ApiErrors.text(s.requestTimeout())
                        + "); the device may be hung; " + stop.outcome().description(), timeout, stop.result(),
                        stop.outcome(), null);
            } catch (CancellationException e) {
                StopOutcome outcome = run.cancelOutcome();
                throw new CommandStoppedException(where + ": connection closed while the command ran; "
                        + outcome.description(), outcome, null);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause() == null ? e : e.getCause();
                if (client.closing()) {
                    StopOutcome outcome = run.cancelOutcome();
                    throw new CommandStoppedException(where + ": connection closed while the command ran; "
                            + outcome.description(), outcome, null);
                }
                if (cause instanceof ProtocolException p) {
                    throw new ProtocolException(where + ": " + label + ": " + p.getMessage());
                }
                throw errors.failure(label, cause);
            }
            if (trace.on(Trace.PROTOCOL)) {
                trace.line(Trace.PROTOCOL, "rest: " + label + " -> " + response.statusCode() + ", "
                        + response.body().length + " bytes");
            }
            return result(run, label, response, command, timeout, start);
        } finally {
            execs.remove(run);
            client.redaction().release(password);
            CompletableFuture<HttpResponse<byte[]>> post = run.post;
            if (post != null && !post.isDone()) {
                post.cancel(true); // nobody reads the answer any more: drop the connection
            }
        }
    }

    /** Turns the device's answer to {@code POST /execute} into a result, or the exception it means. */
    private ExecResult result(Exec run, String label, HttpResponse<byte[]> response, Command command,
            Duration timeout, long start) throws IOException {
        int status = response.statusCode();
        byte[] bytes = response.body();
        Become become = command.become();
        if (become != null && (status == 422 || status == 400)) {
            String error = errors.errorText(bytes);
            String what = become.method().name().toLowerCase(Locale.ROOT) + " to " + become.user();
            if (status == 422 && BECOME_FAILED.equals(FileRefusals.field(bytes, "code"))) {
                throw new BecomeFailedException(where + ": " + what + " refused on the device: " + error);
            }
            if (status == 400) {
                throw new BecomeFailedException(where + ": device " + host + " does not support become as"
                        + " sent (" + what + "; 400" + (error.isEmpty() ? "" : ": " + error) + "); update the device's"
                        + " agent, or run the command without become");
            }
        }
        if (status < 200 || status >= 300) {
            errors.refuse(label, response, bytes, null);
        }
        JsonObject result = errors.object(label, status, bytes);
        ExecResult exec = parse(label, result, command.outputLimit(), Duration.ofNanos(System.nanoTime() - start));
        String stopped = ApiErrors.text(result, "stopped");
        StopOutcome outcome = "confirmed".equals(ApiErrors.text(result, "stop_outcome")) ? StopOutcome.CONFIRMED
                : StopOutcome.UNCONFIRMED;
        if (ApiErrors.flag(result, "timed_out") || "timeout".equals(stopped)) {
            Duration limit = timeout;
            String whose = "";
            JsonElement t = result.get("timeout");
            if (t != null && t.isJsonPrimitive() && t.getAsJsonPrimitive().isNumber()) {
                Duration effective = Duration.ofMillis(Math.round(t.getAsDouble() * 1000));
                if (effective.compareTo(timeout) < 0 && !effective.isZero()) {
                    limit = effective;
                    whose = ", the device's limit (" + ApiErrors.text(timeout) + " was asked; reference agent:"
                            + " --max-command-timeout)";
                }
            }
            throw new TimedOutException(where + ": command timed out after " + ApiErrors.text(limit) + whose
                    + "; raise the command's timeout if it needs longer; " + outcome.description(), limit, exec,
                    outcome, null);
        }
        if (stopped == null && run.cancelSent()) {
            // the close asked the device to stop it: an answer without "stopped" comes from a device that stops
            // without saying so (an older agent), unless the device said the command had already ended
            awaitUninterruptiblyKeepingFlag(run.cancel, STOP_WAIT);
            if (!run.endedByItself()) {
                throw new CommandStoppedException(where + ": connection closed while the command ran; "
                        + StopOutcome.UNCONFIRMED.description(), StopOutcome.UNCONFIRMED, exec);
            }
        }
        if (stopped != null) {
            String why = client.closing() ? "connection closed while the command ran"
                    : "agent_stopping".equals(stopped) ? "the device's agent stopped while the command ran"
                    : "the device stopped the command (" + stopped + ")";
            throw new CommandStoppedException(where + ": " + why + "; " + outcome.description(), outcome, exec);
        }
        // no command text: a command line may hold a secret, and the runner logs it once, masked
        LOG.debug("{}: command exited {} in {} ms", where, exec.exitCode(), exec.duration().toMillis());
        return exec;
    }

    private ExecResult parse(String label, JsonObject result, long outputLimit, Duration duration)
            throws IOException {
        JsonElement rc = result.get("return_code");
        if (rc == null || !rc.isJsonPrimitive() || !rc.getAsJsonPrimitive().isNumber()) {
            throw new ProtocolException(where + ": " + label + " answered without a numeric \"return_code\": \""
                    + errors.excerpt(result.toString()) + "\"; is exec_path right for this device?");
        }
        boolean base64 = "base64".equalsIgnoreCase(ApiErrors.text(result, "output_encoding"));
        OutputBuffer out = new OutputBuffer(outputLimit);
        OutputBuffer err = new OutputBuffer(outputLimit);
        out.write(output(label, result, "stdout", base64));
        err.write(output(label, result, "stderr", base64));
        return new ExecResult(rc.getAsInt(), out.toByteArray(), err.toByteArray(), duration,
                out.truncated() || ApiErrors.flag(result, "stdout_truncated"),
                err.truncated() || ApiErrors.flag(result, "stderr_truncated"),
                dropped(out, result, "stdout"), dropped(err, result, "stderr"));
    }

    private byte[] output(String label, JsonObject result, String field, boolean base64) throws ProtocolException {
        String value = ApiErrors.text(result, field);
        if (value == null) {
            return new byte[0];
        }
        if (!base64) {
            return value.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return Base64.getMimeDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(where + ": " + label + ": \"" + field + "\" is not base64: \""
                    + errors.excerpt(value) + "\"");
        }
    }

    /**
     * The bytes of a stream dropped in all: what the agent dropped at its limit ({@code STREAM_dropped}; an agent
     * older than that field only says {@code STREAM_truncated}, and the count is then unknown) plus what this side
     * dropped at the run's limit.
     */
    private static long dropped(OutputBuffer kept, JsonObject result, String stream) {
        JsonElement n = result.get(stream + "_dropped");
        if (n != null && n.isJsonPrimitive() && n.getAsJsonPrimitive().isNumber() && n.getAsLong() >= 0) {
            return n.getAsLong() + kept.dropped();
        }
        return ApiErrors.flag(result, stream + "_truncated") ? ExecResult.UNCOUNTED : kept.dropped();
    }

    /**
     * Waits for a future until a {@link System#nanoTime()} deadline, through interrupts.
     *
     * @return whether the thread was interrupted meanwhile (the caller restores the flag)
     */
    private static boolean awaitUninterruptibly(CompletableFuture<?> future, long until) {
        boolean interrupted = false;
        while (true) {
            try {
                future.get(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS);
                return interrupted;
            } catch (InterruptedException e) {
                interrupted = true;
            } catch (ExecutionException | TimeoutException | CancellationException e) {
                return interrupted;
            }
        }
    }

    private static void awaitUninterruptiblyKeepingFlag(CompletableFuture<?> future, Duration limit) {
        if (future != null && awaitUninterruptibly(future, System.nanoTime() + limit.toNanos())) {
            Thread.currentThread().interrupt();
        }
    }

    /** What became of a command the plugin stopped. */
    private record Stop(boolean stopped, StopOutcome outcome, ExecResult result) {
    }

    /**
     * Stops a command whose caller gave up (interrupted, or the plugin's own deadline passed): asks the device to
     * stop it ({@code DELETE /execute?id=}) and waits, a bounded time and through further interrupts, for the
     * command's own answer, which carries the partial output and the device's report of the stop; the DELETE's
     * answer says the same when the command's does not come. Without a device that can cancel, the request is
     * dropped (a device with the heartbeat then stops the command) and the stop is unconfirmed.
     */
    private Stop stop(Exec run, String label) {
        boolean interrupted = Thread.interrupted();
        try {
            CompletableFuture<StopOutcome> cancel = cancel(run);
            if (cancel == null) {
                run.post.cancel(true);
                return new Stop(true, StopOutcome.UNCONFIRMED, null);
            }
            long until = System.nanoTime() + STOP_WAIT.toNanos();
            // the device answers the DELETE when the command is over, and the command's own answer comes with it;
            // if the device did not know the command yet (the request still on its way), that answer would only
            // come at the end: then drop the request, which a device with the heartbeat takes as a stop
            interrupted |= awaitUninterruptibly(CompletableFuture.anyOf(run.post, cancel), until);
            if (cancel.isDone() && !run.post.isDone()) {
                interrupted |= awaitUninterruptibly(run.post, Math.min(until, System.nanoTime() + SETTLE.toNanos()));
            }
            if (run.post.isDone() && !run.post.isCompletedExceptionally()) {
                try {
                    HttpResponse<byte[]> r = run.post.join();
                    if (r.statusCode() == 200) {
                        JsonObject result = errors.object(label, 200, r.body());
                        ExecResult partial = parse(label, result, run.outputLimit, Duration.ZERO);
                        if (ApiErrors.text(result, "stopped") == null && !ApiErrors.flag(result, "timed_out")) {
                            interrupted |= awaitUninterruptibly(cancel, until);
                            if (run.endedByItself()) {
                                return new Stop(false, null, partial);
                            }
                            // a device that stops commands without saying so (an older agent): not confirmed
                            return new Stop(true, StopOutcome.UNCONFIRMED, partial);
                        }
                        return new Stop(true, "confirmed".equals(ApiErrors.text(result, "stop_outcome"))
                                ? StopOutcome.CONFIRMED : StopOutcome.UNCONFIRMED, partial);
                    }
                } catch (CancellationException | CompletionException | IOException e) {
                    // no usable answer: the DELETE's tells
                }
            }
            run.post.cancel(true);
            return new Stop(true, run.cancelOutcome(), null);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * The close's part for the commands in progress: the device stops each and says whether it is gone (unless it
     * proved unreachable); their exec calls then take the commands' own answers (partial output, the report).
     * Waits at most {@link #CLOSE_STOP_WAIT} for the stops plus {@link #SETTLE} for the answers.
     *
     * @return the commands that were in progress, for {@link #drop}
     */
    List<Exec> stopAll() {
        List<Exec> commands = List.copyOf(execs);
        List<CompletableFuture<StopOutcome>> stops = new ArrayList<>();
        for (Exec run : commands) {
            CompletableFuture<StopOutcome> stop = errors.unreachable() ? null : cancel(run);
            if (stop != null) {
                stops.add(stop);
            }
        }
        if (!stops.isEmpty()) {
            awaitQuietly(stops, CLOSE_STOP_WAIT);
            List<CompletableFuture<?>> answers = new ArrayList<>();
            for (Exec run : commands) {
                if (run.post != null) {
                    answers.add(run.post);
                }
            }
            awaitQuietly(answers, SETTLE);
        }
        return commands;
    }

    /** Drops the requests of commands whose answers did not come in time: their exec calls fail as stopped. */
    static void drop(List<Exec> commands) {
        for (Exec run : commands) {
            CompletableFuture<?> post = run.post;
            if (post != null) {
                post.cancel(true);
            }
        }
    }

    /**
     * Asks the device to stop a command whose caller gave up (closed, interrupted, timed out), if it can; sent
     * once per command.
     *
     * @return completed with what the device reported: {@link StopOutcome#CONFIRMED} only when it said the
     *         command's processes are gone, {@code null} when it runs no such command (404); {@code null} when
     *         the device cannot cancel
     */
    private CompletableFuture<StopOutcome> cancel(Exec run) {
        synchronized (run) {
            if (run.cancel != null) {
                return run.cancel;
            }
            if (!capabilities.has(Capabilities.CANCEL) || client.released()) {
                return null;
            }
            HttpRequest request = client.request(client.settings().execPath(), "id=" + DeviceClient.encode(run.id),
                    STOP_WAIT).header("Accept", DeviceClient.JSON).DELETE().build();
            run.cancel = client.sendAsync(request, CappedBody.capped(DeviceClient.SMALL_BODY_LIMIT)).handle((r, e) -> {
                LOG.debug("{}: cancel of command {}: {}", where, run.id, e == null ? r.statusCode() : e.toString());
                if (e == null && r.statusCode() == 404) {
                    return null; // not running (yet, or any more): its own answer tells
                }
                if (e != null || r.statusCode() != 200) {
                    return StopOutcome.UNCONFIRMED; // 204 from an older device: asked, not confirmed
                }
                try {
                    String said = ApiErrors.text(errors.object("DELETE", 200, r.body()), "stop_outcome");
                    return "ended".equals(said) ? null // it had ended by itself: its own answer tells
                            : "confirmed".equals(said) ? StopOutcome.CONFIRMED : StopOutcome.UNCONFIRMED;
                } catch (ProtocolException p) {
                    return StopOutcome.UNCONFIRMED;
                }
            });
            return run.cancel;
        }
    }

    private static void awaitQuietly(List<? extends CompletableFuture<?>> futures, Duration limit) {
        try {
            CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0])).get(limit.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | CancellationException e) {
            // best effort: what did not answer is reported unconfirmed
        }
    }

    /** A command in progress: its id, the request waiting for its answer, and the request stopping it. */
    static final class Exec {
        final String id;
        final long outputLimit;
        volatile CompletableFuture<HttpResponse<byte[]>> post;
        CompletableFuture<StopOutcome> cancel;

        Exec(String id, long outputLimit) {
            this.id = id;
            this.outputLimit = outputLimit;
        }

        synchronized boolean cancelSent() {
            return cancel != null;
        }

        /**
         * @return whether the command ended by itself: no stop was asked, or the device answered the stop that it
         *         runs no such command (any more) or that it had ended
         */
        synchronized boolean endedByItself() {
            return cancel == null || (cancel.isDone() && cancel.join() == null);
        }

        /** @return what the device said about its stop, {@link StopOutcome#UNCONFIRMED} when it said nothing */
        synchronized StopOutcome cancelOutcome() {
            StopOutcome said = cancel == null ? null : cancel.getNow(null);
            return said == null ? StopOutcome.UNCONFIRMED : said;
        }
    }
}
