package io.conduit.api.task;

import java.time.Duration;

/**
 * What a run does when hosts fail: in which batches the hosts go, when the rest of the run is given up, how often
 * a failed host is tried again. The same policy applies to a single command and to a runbook (where a batch runs
 * every step before the next batch starts). The terms are Ansible's ({@code serial}, {@code max_fail_percentage},
 * {@code any_errors_fatal}, {@code retries}/{@code delay}, {@code run_once}); pyinfra's {@code --fail-percent}
 * and Rundeck's "stop on failure" are the same ideas. Since 1.5.
 *
 * <p>The limits are looked at after each host's result (its last try's), not at the end of a batch: once a batch
 * has passed them no further host starts, so a large batch stops early; hosts already running finish normally
 * (Ansible lets the batch's current task finish on every host; a runner that starts hosts as forks free up would
 * otherwise start the whole batch). Hosts left out, of this batch and the later ones, report {@link Status#SKIPPED}
 * with the reason, e.g. {@code not run: 1 of 2 hosts of batch 2 failed (--max-fail 0%)}.
 *
 * @param serial hosts per batch: a count (1 or more), or with {@code serialPercent} a percentage (1 to 100) of the
 *        selected hosts, rounded down and at least 1 host (Ansible's rule); 0 means one batch of every host. The
 *        batches follow the inventory order, each starts once the one before has ended, and the run's forks apply
 *        within a batch
 * @param serialPercent whether {@code serial} is a percentage
 * @param maxFailPercent 0 to 100, or {@code null} for no limit: once more than this percentage of a batch's hosts
 *        failed or were unreachable (strictly more, as Ansible's {@code max_fail_percentage}; 0 stops at the
 *        first failure), no further host starts and no further batch runs
 * @param failFast stop as soon as one host fails or is unreachable: no further host or batch starts, hosts in
 *        flight finish (Ansible's {@code any_errors_fatal})
 * @param retries how many more times a host that failed or was unreachable is tried, 0 to 100. Each try has a
 *        host deadline of its own (the run's host timeout, as Ansible's task timeout counts per retry), so a host
 *        may take up to {@code (retries + 1)} timeouts plus the delays; the result kept is the last try's, and its
 *        {@link HostResult#error()} ends with {@code after N tries} when it took more than one. Only the host's
 *        final result counts against the limits above. A try whose command may still be running (stopped at a
 *        deadline without the host confirming it) is not tried again, so a command never runs twice at once
 * @param retryDelay the wait between tries, not negative ({@code 0} tries again at once); {@code null} means
 *        {@link #DEFAULT_RETRY_DELAY}. An interrupt ends the wait, and the host keeps its last try's result
 * @param runOnce run on the first selected host of each batch only; the others report {@link Status#SKIPPED}
 *        naming it (Ansible's {@code run_once}, which also runs once per batch under {@code serial})
 */
public record FailurePolicy(int serial, boolean serialPercent, Integer maxFailPercent, boolean failFast, int retries,
        Duration retryDelay, boolean runOnce) {

    /** The wait between tries when none is given: 5 seconds, as Ansible's {@code delay}. */
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(5);

    /** No batches, no limit, no retries: every host runs, whatever the others do. */
    public static final FailurePolicy NONE = new FailurePolicy(0, false, null, false, 0, null, false);

    /**
     * Checks the ranges.
     *
     * @throws IllegalArgumentException a value out of its range; the message names the option
     */
    public FailurePolicy {
        if (serial < 0 || (serialPercent && (serial < 1 || serial > 100))) {
            throw new IllegalArgumentException("--serial: " + serial + (serialPercent ? "%" : "")
                    + " is out of range; give a number of hosts (1 or more) or a percentage (1% to 100%)");
        }
        if (maxFailPercent != null && (maxFailPercent < 0 || maxFailPercent > 100)) {
            throw new IllegalArgumentException("--max-fail: " + maxFailPercent + "% is out of range; give 0% to 100%");
        }
        if (retries < 0 || retries > 100) {
            throw new IllegalArgumentException("--retries: " + retries + " is out of range; give 0 to 100");
        }
        if (retryDelay != null && retryDelay.isNegative()) {
            throw new IllegalArgumentException("--retry-delay: " + retryDelay + " is negative");
        }
        retryDelay = retryDelay == null ? DEFAULT_RETRY_DELAY : retryDelay;
    }

    /**
     * The size of each batch for a number of selected hosts.
     *
     * @param hosts how many hosts the run selected, 0 or more
     * @return hosts per batch, at least 1 (and {@code hosts} when there are no batches)
     */
    public int batchSize(int hosts) {
        if (serial == 0) {
            return Math.max(1, hosts);
        }
        int size = serialPercent ? (int) ((long) hosts * serial / 100) : serial;
        return Math.max(1, Math.min(size, Math.max(1, hosts)));
    }

    /**
     * Whether a batch has failed too much to go on.
     *
     * @param failed hosts of the batch that failed or were unreachable so far
     * @param batch the batch's size
     * @return {@code true} when {@link #failFast} and one failed, or more than {@link #maxFailPercent} failed
     */
    public boolean exceeded(int failed, int batch) {
        if (failed == 0) {
            return false;
        }
        if (failFast) {
            return true;
        }
        return maxFailPercent != null && failed * 100L > (long) maxFailPercent * batch;
    }
}
