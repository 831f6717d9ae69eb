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
 * @param verbosity how much each host's connection tells as it works, 0 (nothing) to 3 ({@code -v} to
 *        {@code -vvv}, see {@link io.conduit.api.connection.Trace}); the lines go to
 *        {@link RunListener#trace}. Since 1.2.
 * @param check check mode ({@code --check}, Ansible's {@code --check}): tasks report what they would change and
 *        change nothing; a task whose plugin does not support it is skipped ({@link TaskPlugin#supportsCheckMode}).
 *        {@code null} means off. Since 1.5.
 * @param diff {@code --diff}: tasks that change text files ({@code template}, {@code put} of a text file) add the
 *        unified difference (old to new) to their output, in check mode too. {@code null} means off. Since 1.5.
 */
public record RunOptions(String inventory, Integer forks, Duration hostTimeout, Long outputLimit,
        Integer verbosity, Boolean check, Boolean diff) {

    /** The most {@link #verbosity()} means ({@code -vvv}); more is taken as this. */
    public static final int MAX_VERBOSITY = 3;

    /** Checks the numbers; a verbosity above {@link #MAX_VERBOSITY} becomes it. */
    public RunOptions {
        if (verbosity != null && verbosity < 0) {
            throw new IllegalArgumentException("verbosity must not be negative, not " + verbosity);
        }
        if (verbosity != null && verbosity > MAX_VERBOSITY) {
            verbosity = MAX_VERBOSITY;
        }
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

    /**
     * Options without check mode or diff, as before 1.5.
     *
     * @param inventory as in the record
     * @param forks as in the record
     * @param hostTimeout as in the record
     * @param outputLimit as in the record
     * @param verbosity as in the record
     */
    public RunOptions(String inventory, Integer forks, Duration hostTimeout, Long outputLimit, Integer verbosity) {
        this(inventory, forks, hostTimeout, outputLimit, verbosity, null, null);
    }

    /**
     * Options without a verbosity (the runner's default, 0), as before 1.2.
     *
     * @param inventory as in the record
     * @param forks as in the record
     * @param hostTimeout as in the record
     * @param outputLimit as in the record
     */
    public RunOptions(String inventory, Integer forks, Duration hostTimeout, Long outputLimit) {
        this(inventory, forks, hostTimeout, outputLimit, null);
    }

    /** @return options that take every configured default */
    public static RunOptions defaults() {
        return new RunOptions(null, null, null, null, null, null, null);
    }

    /** @return whether check mode is on ({@code false} when unset) */
    public boolean checkMode() {
        return Boolean.TRUE.equals(check);
    }

    /** @return whether diffs are asked for ({@code false} when unset) */
    public boolean diffMode() {
        return Boolean.TRUE.equals(diff);
    }

    /**
     * @param checkMode check mode on or off ({@code null} for the default, off)
     * @param showDiff diffs on or off ({@code null} for the default, off)
     * @return a copy with those
     * @since 1.5
     */
    public RunOptions withCheck(Boolean checkMode, Boolean showDiff) {
        return new RunOptions(inventory, forks, hostTimeout, outputLimit, verbosity, checkMode, showDiff);
    }

    /**
     * @param level 0 to 3 ({@code null} for the default, 0)
     * @return a copy with that verbosity
     */
    public RunOptions withVerbosity(Integer level) {
        return new RunOptions(inventory, forks, hostTimeout, outputLimit, level, check, diff);
    }
}
