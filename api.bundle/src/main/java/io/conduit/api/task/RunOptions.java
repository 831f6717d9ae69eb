package io.conduit.api.task;

import java.time.Duration;

/**
 * How to run: every field may be {@code null}, meaning the runner's configured default
 * ({@code etc/io.conduit.runner.cfg}).
 *
 * @param inventory the inventory: a file or directory path, or {@code SOURCE:ARGUMENT} for an
 *        {@link io.conduit.api.inventory.InventorySource}; {@code null} for the configured one
 * @param forks how many hosts to work on at once
 * @param hostTimeout how long one host may take in all, connecting included
 * @param outputLimit bytes of stdout and of stderr to keep per host
 */
public record RunOptions(String inventory, Integer forks, Duration hostTimeout, Long outputLimit) {

    /** Checks the numbers. */
    public RunOptions {
        if (forks != null && forks < 1) {
            throw new IllegalArgumentException("forks must be at least 1, not " + forks);
        }
        if (hostTimeout != null && (hostTimeout.isNegative() || hostTimeout.isZero())) {
            throw new IllegalArgumentException("the host timeout must be positive, not " + hostTimeout);
        }
        if (outputLimit != null && outputLimit < 0) {
            throw new IllegalArgumentException("the output limit must not be negative, not " + outputLimit);
        }
    }

    /** @return options that take every configured default */
    public static RunOptions defaults() {
        return new RunOptions(null, null, null, null);
    }
}
