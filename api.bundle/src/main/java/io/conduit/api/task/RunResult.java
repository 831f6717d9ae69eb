package io.conduit.api.task;

import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The results of one run, one per selected host, in inventory order.
 *
 * @param hosts the per-host results
 * @param duration how long the whole run took
 */
public record RunResult(List<HostResult> hosts, Duration duration) {

    /** Copies the list in. */
    public RunResult {
        hosts = List.copyOf(hosts);
        duration = duration == null ? Duration.ZERO : duration;
    }

    /** @return how many hosts ended in each status (every status present, zero when none) */
    public Map<Status, Integer> summary() {
        Map<Status, Integer> counts = new EnumMap<>(Status.class);
        for (Status s : Status.values()) {
            counts.put(s, 0);
        }
        hosts.forEach(h -> counts.merge(h.status(), 1, Integer::sum));
        return counts;
    }

    /** @return {@code true} when no host failed or was unreachable */
    public boolean succeeded() {
        return hosts.stream().noneMatch(h -> h.status() == Status.FAILED || h.status() == Status.UNREACHABLE);
    }
}
