package io.conduit.core.shell;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicInteger;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;

/** Prints a progress line to stderr now and then, once a run takes longer than a moment. */
final class Progress implements RunListener {
    private static final long QUIET_NANOS = 2_000_000_000L;
    private final PrintStream err;
    private final long start = System.nanoTime();
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private volatile int total;
    private volatile long lastPrint = start;

    Progress(PrintStream err) {
        this.err = err;
    }

    @Override
    public void started(int hosts) {
        total = hosts;
    }

    @Override
    public void finished(HostResult result) {
        int n = done.incrementAndGet();
        if (!result.status().succeeded()) {
            failed.incrementAndGet();
        }
        long now = System.nanoTime();
        if (now - lastPrint >= QUIET_NANOS && n < total) {
            synchronized (this) {
                if (now - lastPrint >= QUIET_NANOS) {
                    lastPrint = now;
                    err.printf("conduit: %d/%d hosts done, %d failed or unreachable, %d s%n", n, total, failed.get(),
                            (now - start) / 1_000_000_000L);
                }
            }
        }
    }
}
