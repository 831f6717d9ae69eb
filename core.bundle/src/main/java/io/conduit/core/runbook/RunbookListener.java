package io.conduit.core.runbook;

import java.util.List;

import io.conduit.api.task.HostResult;

/** Follows a runbook as it goes, on the thread that runs it. */
public interface RunbookListener {
    /** Does nothing. */
    RunbookListener NONE = new RunbookListener() {
    };

    /**
     * A step starts on a batch (or is skipped on it as a whole).
     *
     * @param step the step
     * @param steps how many steps the runbook has (facts gathering not counted)
     * @param batch 1 for the first
     * @param batches how many batches
     * @param hosts the batch's hosts
     */
    default void stepStarted(Runbook.Step step, int steps, int batch, int batches, List<String> hosts) {
    }

    /**
     * A whole batch is not run, the run having stopped before it: its hosts' results (each step {@code SKIPPED}
     * with the reason) follow through {@link #finished}, without {@link #stepStarted}.
     *
     * @param batch 1 for the first
     * @param batches how many batches
     * @param hosts the batch's hosts
     * @param reason why the run stopped
     */
    default void batchSkipped(int batch, int batches, List<String> hosts, String reason) {
    }

    /**
     * @param step the step
     * @param result one host's result of it, skipped ones included
     */
    default void finished(Runbook.Step step, HostResult result) {
    }
}
