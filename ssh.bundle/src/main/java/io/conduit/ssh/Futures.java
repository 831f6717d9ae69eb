package io.conduit.ssh;

import java.io.IOException;
import java.time.Duration;

import org.apache.sshd.common.future.WaitableFuture;

/** Waiting on MINA's futures against deadlines in {@link System#nanoTime()}. */
final class Futures {
    private Futures() {
    }

    /**
     * @param f the future
     * @param nanos how long to wait, in nanoseconds; at least 1 is waited
     * @return whether it completed in time
     * @throws java.io.InterruptedIOException the thread was interrupted
     * @throws IOException MINA's other failures while waiting
     */
    static boolean await(WaitableFuture f, long nanos) throws IOException {
        return f.await(Duration.ofNanos(Math.max(nanos, 1)));
    }

    /**
     * @param deadline a {@link System#nanoTime()}, or {@link Long#MAX_VALUE} for none
     * @return the nanoseconds left until it ({@link Long#MAX_VALUE} for none); negative when it has passed
     */
    static long remaining(long deadline) {
        return deadline == Long.MAX_VALUE ? Long.MAX_VALUE : deadline - System.nanoTime();
    }
}
