package io.conduit.rest.connection;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
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
import io.conduit.api.support.ShellCommand;
import io.conduit.rest.client.ApiErrors;
import io.conduit.rest.client.Capabilities;
import io.conduit.rest.client.CappedBody;
import io.conduit.rest.client.DeviceClient;
import io.conduit.rest.plugin.RestSettings;

/**
 * The commands of one open connection ({@code POST /execute}, PROTOCOL.md): the request, and the answer turned
 * into a result ({@link ExecAnswer}) or the exception it means; a command whose caller gave up or whose
 * connection closes is stopped by {@link Stops}. Thread-safe: commands run side by side.
 */
final class Commands {
    private static final Logger LOG = LoggerFactory.getLogger(Commands.class);
    private static final String BECOME_FAILED = "become_failed";
    private static final Duration HEARTBEAT_EVERY = Duration.ofSeconds(1);

    private final String host;
    private final DeviceClient client;
    private final ApiErrors errors;
    private final Capabilities capabilities;
    private final String where;
    private final ExecAnswer answers;
    private final Stops stops;

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
        this.answers = new ExecAnswer(errors, where);
        this.stops = new Stops(client, capabilities, answers);
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
        Stops.Exec run = stops.start(id, command.outputLimit());
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
                Stops.Stop stop = stops.stop(run, label);
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
                Stops.Stop stop = stops.stop(run, label);
                Thread.currentThread().interrupt();
                if (!stop.stopped()) {
                    return stop.result(); // it had ended by itself
                }
                throw new CommandStoppedException(where + ": interrupted while the command ran; "
                        + stop.outcome().description(), stop.outcome(), stop.result());
            } catch (TimeoutException e) {
                Stops.Stop stop = stops.stop(run, label);
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
            stops.end(run);
            client.redaction().release(password);
            CompletableFuture<HttpResponse<byte[]>> post = run.post;
            if (post != null && !post.isDone()) {
                post.cancel(true); // nobody reads the answer any more: drop the connection
            }
        }
    }

    /** Turns the device's answer to {@code POST /execute} into a result, or the exception it means. */
    private ExecResult result(Stops.Exec run, String label, HttpResponse<byte[]> response, Command command,
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
        ExecResult exec = answers.parse(label, result, command.outputLimit(), Duration.ofNanos(System.nanoTime() - start));
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
            Stops.awaitUninterruptiblyKeepingFlag(run.cancel, Stops.STOP_WAIT);
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


    /**
     * The close's part for the commands in progress ({@link Stops#stopAll}).
     *
     * @return the commands that were in progress, for {@link Stops#drop}
     */
    List<Stops.Exec> stopAll() {
        return stops.stopAll();
    }
}
