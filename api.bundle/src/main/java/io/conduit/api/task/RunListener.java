package io.conduit.api.task;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Follows a run as it goes, for progress lines. Called from the runner's worker threads, concurrently;
 * implementations must be quick and thread safe.
 */
@ConsumerType
public interface RunListener {
    /** A listener that does nothing. */
    RunListener NONE = new RunListener() {
    };

    /** @param hosts how many hosts the run selected */
    default void started(int hosts) {
    }

    /** @param result one host's result, as soon as it is known */
    default void finished(HostResult result) {
    }

    /**
     * An insecure choice a host's connection was opened with (see {@code Connection.warnings()}), reported once
     * per host, plugin and run, before that host's {@link #finished}.
     *
     * @param host the host's inventory name
     * @param warning a short phrase naming the option; never a secret
     * @since 1.2
     */
    default void warned(String host, String warning) {
    }

    /**
     * One line of a host's connection trace, when the run's {@link RunOptions#verbosity()} is above 0 (the
     * shell's {@code -v}): called as it happens, from the host's worker thread or a plugin's I/O thread. The
     * line holds no secret and no line break; the shell prints it as {@code HOST: LINE} on standard error.
     *
     * @param host the host's inventory name
     * @param level 1 to 3, see {@link io.conduit.api.connection.Trace}
     * @param line what the connection did
     * @since 1.2
     */
    default void trace(String host, int level, String line) {
    }
}
