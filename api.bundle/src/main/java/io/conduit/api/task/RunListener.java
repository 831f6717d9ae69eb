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
}
