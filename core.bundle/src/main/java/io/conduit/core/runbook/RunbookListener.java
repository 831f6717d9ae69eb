package io.conduit.core.runbook;

import java.util.List;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;

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

    /**
     * What the runner tells while a step runs on a batch (each host's result, and {@code -v} trace lines and
     * insecure choices for a listener that shows them).
     *
     * @param step the step
     * @return a listener whose {@code finished} calls {@link #finished(Runbook.Step, HostResult)}; the default
     *         passes on nothing else
     */
    default RunListener hosts(Runbook.Step step) {
        return new RunListener() {
            @Override
            public void finished(HostResult result) {
                RunbookListener.this.finished(step, result);
            }
        };
    }
}
