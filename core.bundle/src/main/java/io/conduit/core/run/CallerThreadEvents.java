package io.conduit.core.run;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;

/**
 * A run's events, told to the listener on the thread that called {@code run}, whatever thread they come from.
 *
 * <p>Why: the hosts run on worker threads shared by every run, and the Gogo shell gives each session its own
 * standard output per thread, inherited by the threads a session starts. A worker started during one session's
 * run would keep printing into that session; a resident Conduit serves many sessions, so the caller's thread,
 * which has the right streams, is the one that prints.
 */
final class CallerThreadEvents implements RunListener {
    private static final Logger LOG = LoggerFactory.getLogger(CallerThreadEvents.class);
    /** How often the caller looks at whether the run is done while no event comes (milliseconds). */
    private static final long POLL_MILLIS = 50;

    private final RunListener listener;
    private final BlockingQueue<Runnable> queue = new LinkedBlockingQueue<>();

    CallerThreadEvents(RunListener listener) {
        this.listener = listener;
    }

    @Override
    public void started(int hosts) {
        queue.add(() -> listener.started(hosts));
    }

    @Override
    public void finished(HostResult result) {
        queue.add(() -> listener.finished(result));
    }

    @Override
    public void warned(String host, String warning) {
        queue.add(() -> listener.warned(host, warning));
    }

    @Override
    public void trace(String host, int level, String line) {
        queue.add(() -> listener.trace(host, level, line));
    }

    /** Wakes the caller waiting in {@link #deliverUntil}: called once the last host has counted down. */
    void wake() {
        queue.add(() -> { });
    }

    /**
     * Tells the listener every event as it comes until {@code done} reaches zero, then what is left.
     *
     * @param done counted down once per host
     * @throws InterruptedException the caller was interrupted (Ctrl-C); events not yet told stay queued
     */
    void deliverUntil(CountDownLatch done) throws InterruptedException {
        while (done.getCount() > 0) {
            Runnable event = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
            if (event != null) {
                tell(event);
            }
        }
        deliverQueued();
    }

    /**
     * As {@link #deliverUntil}, for at most {@code grace}; a second interruption ends it early.
     *
     * @param done counted down once per host
     * @param grace how long to wait at most
     */
    void deliverQuietly(CountDownLatch done, Duration grace) {
        long end = System.nanoTime() + grace.toNanos();
        try {
            while (done.getCount() > 0 && System.nanoTime() < end) {
                Runnable event = queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
                if (event != null) {
                    tell(event);
                }
            }
        } catch (InterruptedException e) {
            // a second Ctrl-C: report now what is known
        }
        deliverQueued();
    }

    /** Tells the listener what is queued now, without waiting. */
    void deliverQueued() {
        for (Runnable event = queue.poll(); event != null; event = queue.poll()) {
            tell(event);
        }
    }

    private static void tell(Runnable event) {
        try {
            event.run();
        } catch (RuntimeException | Error e) {
            // a listener's fault: the run goes on and every later host is still told
            LOG.error("a run's listener failed", e);
        }
    }
}
