package io.conduit.rest.client;

import java.io.IOException;
import java.io.InterruptedIOException;

/**
 * When a request is sent again: only an idempotent one (or an upload none of whose body went out), only after a
 * dropped connection ({@link ApiErrors.Lost}) or a 502/503/504 (a busy device or proxy), at most {@code retries}
 * times, waiting 250 ms more before each.
 */
final class Retries {
    private static final long BACKOFF_MILLIS = 250;
    private final int retries;

    /** @param retries how many times a request may be sent again, {@code 0} or more */
    Retries(int retries) {
        this.retries = retries;
    }

    /** @return how many times a request may be sent in all */
    int attempts(boolean idempotent) {
        return idempotent ? retries + 1 : 1;
    }

    /** @return whether an answer with this status is worth asking again (upstream busy or gone) */
    static boolean retryable(int status) {
        return status == 502 || status == 503 || status == 504;
    }

    /** @return whether a failure is worth asking again: only a dropped connection */
    static boolean retryable(IOException failure) {
        return failure instanceof ApiErrors.Lost;
    }

    /**
     * Waits before the next attempt.
     *
     * @param attempt the attempt that failed, from 1
     * @throws InterruptedIOException interrupted while waiting (the flag is set again)
     */
    static void backoff(int attempt) throws InterruptedIOException {
        try {
            Thread.sleep(BACKOFF_MILLIS * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to retry");
        }
    }
}
