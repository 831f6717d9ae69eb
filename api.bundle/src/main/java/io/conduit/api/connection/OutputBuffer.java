package io.conduit.api.connection;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * An output stream that keeps the first {@code limit} bytes written to it and counts the rest, so that a
 * command printing gigabytes costs a plugin at most {@link Command#outputLimit()} bytes of memory per stream.
 * Thread safe.
 */
public final class OutputBuffer extends OutputStream {
    private final long limit;
    private byte[] buffer = new byte[256];
    private int size;
    private long total;

    /**
     * Makes a buffer.
     *
     * @param limit how many bytes to keep, at most {@link Integer#MAX_VALUE} - 8
     */
    public OutputBuffer(long limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("limit must not be negative: " + limit);
        }
        this.limit = Math.min(limit, Integer.MAX_VALUE - 8);
    }

    @Override
    public synchronized void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
        total += length;
        int keep = (int) Math.min(length, limit - size);
        if (keep <= 0) {
            return;
        }
        if (size + keep > buffer.length) {
            buffer = Arrays.copyOf(buffer, (int) Math.min(limit, Math.max(size + keep, (long) buffer.length * 2)));
        }
        System.arraycopy(bytes, offset, buffer, size, keep);
        size += keep;
    }

    /** @return a copy of the bytes kept */
    public synchronized byte[] toByteArray() {
        return Arrays.copyOf(buffer, size);
    }

    /** @return how many bytes were written in all, kept or not */
    public synchronized long total() {
        return total;
    }

    /** @return how many bytes were written past the limit and dropped, 0 or more */
    public synchronized long dropped() {
        return total - size;
    }

    /** @return whether bytes were dropped */
    public synchronized boolean truncated() {
        return total > size;
    }
}
