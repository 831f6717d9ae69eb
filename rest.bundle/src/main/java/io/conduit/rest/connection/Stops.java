package io.conduit.rest.connection;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonObject;

import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.connection.StopOutcome;
import io.conduit.rest.client.ApiErrors;
import io.conduit.rest.client.Capabilities;
import io.conduit.rest.client.CappedBody;
import io.conduit.rest.client.DeviceClient;

/**
 * The commands in progress on one connection and their stops: a command whose caller gave up, or whose
 * connection closes, is stopped on the device ({@code DELETE /execute?id=}, PROTOCOL.md) when it can cancel, and
 * the device's report (confirmed or not) and the command's partial output are awaited a bounded time, through
 * interrupts. Thread-safe.
 */
final class Stops {
    private static final Logger LOG = LoggerFactory.getLogger(Stops.class);
    /** The longest a stop waits for the device: its wrapper's SIGKILL comes at 2 s, its own fallback at 6 s. */
    static final Duration STOP_WAIT = Duration.ofSeconds(12);
    /**
     * How long a close waits for the device to stop the commands in progress: shorter than {@link #STOP_WAIT},
     * as a close usually comes from a shutdown or an upgrade that must not wait long (the launcher gives the
     * whole framework 10 s); a device that has not answered by then is reported unconfirmed.
     */
    private static final Duration CLOSE_STOP_WAIT = Duration.ofSeconds(5);
    /** After the device answered the stops, how long a close leaves the exec calls to read their answers. */
    private static final Duration SETTLE = Duration.ofSeconds(1);

    private final DeviceClient client;
    private final ApiErrors errors;
    private final Capabilities capabilities;
    private final ExecAnswer answers;
    private final String where;
    private final Set<Exec> running = ConcurrentHashMap.newKeySet();

    /**
     * @param client the device's client
     * @param capabilities what the device offers ({@code cancel} or not)
     * @param answers reads a command's answer that comes with its stop
     */
    Stops(DeviceClient client, Capabilities capabilities, ExecAnswer answers) {
        this.client = client;
        this.errors = client.errors();
        this.capabilities = capabilities;
        this.answers = answers;
        this.where = client.where();
    }

    /**
     * Counts a command as in progress, until {@link #end}.
     *
     * @param id the command's id, as sent to the device
     * @param outputLimit the most bytes kept per stream
     * @return the command in progress
     */
    Exec start(String id, long outputLimit) {
        Exec run = new Exec(id, outputLimit);
        running.add(run);
        return run;
    }

    /** @param run a command whose call is over */
    void end(Exec run) {
        running.remove(run);
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

    /** Waits up to {@code limit} for a future ({@code null}: none), through interrupts, keeping the flag. */
    static void awaitUninterruptiblyKeepingFlag(CompletableFuture<?> future, Duration limit) {
        if (future != null && awaitUninterruptibly(future, System.nanoTime() + limit.toNanos())) {
            Thread.currentThread().interrupt();
        }
    }

    /** What became of a command the plugin stopped. */
    record Stop(boolean stopped, StopOutcome outcome, ExecResult result) {
    }

    /**
     * Stops a command whose caller gave up (interrupted, or the plugin's own deadline passed): asks the device to
     * stop it ({@code DELETE /execute?id=}) and waits, a bounded time and through further interrupts, for the
     * command's own answer, which carries the partial output and the device's report of the stop; the DELETE's
     * answer says the same when the command's does not come. Without a device that can cancel, the request is
     * dropped (a device with the heartbeat then stops the command) and the stop is unconfirmed.
     */
    Stop stop(Exec run, String label) {
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
                        ExecResult partial = answers.parse(label, result, run.outputLimit, Duration.ZERO);
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
        List<Exec> commands = List.copyOf(running);
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
