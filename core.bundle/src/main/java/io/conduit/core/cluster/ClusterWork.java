package io.conduit.core.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Command;
import io.conduit.api.task.RunOptions;

/**
 * One batch of a cluster run, as the starting node sends it to the owner of the batch's partition: what to do, how,
 * and on which hosts. It holds the run's secrets (a become password, {@code --env} values, {@code --stdin}): the
 * transport seals every byte before it leaves the member, and the core never logs a work nor prints it.
 *
 * @param run the run's key, {@code ID@NODE}
 * @param origin the member that started the run ({@code ADDRESS:PORT})
 * @param kind what runs
 * @param command for {@link Kind#RUN}: the command; {@code null} otherwise
 * @param task for {@link Kind#TASK}: the task plugin's name; {@code null} otherwise
 * @param params for {@link Kind#TASK}: its parameters as written ({@code key=value}); empty otherwise
 * @param become for {@link Kind#TASK}: the escalation, or {@code null}; a command carries its own
 * @param options the run's options with the defaults of the starting node filled in; the inventory an absolute
 *        path (or {@code SOURCE:ABSOLUTE-PATH}), read by every node itself
 * @param retries tries after the first for a host that failed or was unreachable, 0 to 100
 * @param retryDelay the wait between a host's tries
 * @param hosts the hosts of this batch, in the run's order
 * @param rerunInterrupted whether a host that was started on a node since lost runs again instead of being reported
 *        interrupted
 */
public record ClusterWork(String run, String origin, Kind kind, Command command, String task,
        Map<String, String> params, Become become, RunOptions options, int retries, Duration retryDelay,
        List<String> hosts, boolean rerunInterrupted) {

    /** What a work runs on its hosts. */
    public enum Kind {
        /** A command ({@code conduit:run}). */
        RUN,
        /** A connection check ({@code conduit:ping}). */
        PING,
        /** A task plugin by name ({@code conduit:task}). */
        TASK
    }

    /** Copies the lists in. */
    public ClusterWork {
        params = params == null ? Map.of() : Map.copyOf(params);
        hosts = hosts == null ? List.of() : List.copyOf(hosts);
        retryDelay = retryDelay == null ? Duration.ZERO : retryDelay;
    }

    /**
     * @param batch the hosts of one batch
     * @return this work on those hosts
     */
    public ClusterWork withHosts(List<String> batch) {
        return new ClusterWork(run, origin, kind, command, task, params, become, options, retries, retryDelay, batch,
                rerunInterrupted);
    }

    /** Never the command's words, environment, input or password: a work is not printed whole. */
    @Override
    public String toString() {
        return "ClusterWork[" + run + " " + kind + " on " + hosts.size() + " hosts]";
    }
}
