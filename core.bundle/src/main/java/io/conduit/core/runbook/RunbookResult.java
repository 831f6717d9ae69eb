package io.conduit.core.runbook;

import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;

/**
 * What a runbook did: per step (and batch) each host's result, every selected host accounted for in every step
 * (hosts a step did not run on report {@link Status#SKIPPED} with the reason).
 *
 * @param runbook the runbook
 * @param hosts the selected hosts, in inventory order
 * @param steps each step as it ran on each batch, in the order they ran
 * @param stopped why the run stopped before its end (the failure policy's limit, an interrupt), or {@code null}
 * @param interrupted whether Ctrl-C (an interrupt) stopped it
 * @param duration how long the whole runbook took
 */
public record RunbookResult(Runbook runbook, List<String> hosts, List<StepRun> steps, String stopped,
        boolean interrupted, Duration duration) {

    /** Copies the lists in. */
    public RunbookResult {
        hosts = List.copyOf(hosts);
        steps = List.copyOf(steps);
    }

    /**
     * One step on one batch.
     *
     * @param step the step ({@code index} 0 for the facts gathered by {@code gather_facts})
     * @param batch 1 for the first batch
     * @param batches how many batches the run has
     * @param results each host of the batch, in inventory order
     */
    public record StepRun(Runbook.Step step, int batch, int batches, List<HostResult> results) {
        /** Copies the list in. */
        public StepRun {
            results = List.copyOf(results);
        }
    }

    /** @return per host, how many steps ended in each status (Ansible's PLAY RECAP), hosts in inventory order */
    public Map<String, Map<Status, Integer>> recap() {
        Map<String, Map<Status, Integer>> recap = new LinkedHashMap<>();
        for (String h : hosts) {
            Map<Status, Integer> counts = new EnumMap<>(Status.class);
            for (Status s : Status.values()) {
                counts.put(s, 0);
            }
            recap.put(h, counts);
        }
        for (StepRun run : steps) {
            for (HostResult r : run.results()) {
                recap.computeIfAbsent(r.host(), k -> new EnumMap<>(Status.class)).merge(r.status(), 1, Integer::sum);
            }
        }
        return recap;
    }

    /** @return {@code true} when no host failed or was unreachable in any step */
    public boolean succeeded() {
        return steps.stream().flatMap(s -> s.results().stream())
                .noneMatch(r -> r.status() == Status.FAILED || r.status() == Status.UNREACHABLE);
    }

    /** @return 0 every host ok, 2 a host failed or was unreachable, 130 interrupted */
    public int exitStatus() {
        return interrupted ? 130 : succeeded() ? 0 : 2;
    }
}
