package io.conduit.core.task;

import java.io.IOException;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;

/** Opens (or reuses) the host's connection and checks it is alive: the reachability test of a fleet. */
public final class PingTask implements Task {

    @Override
    public HostResult execute(TaskContext context) throws IOException {
        boolean alive = context.connection().isAlive();
        return alive ? HostResult.text(context.host().name(), Status.OK, "pong\n")
                : HostResult.of(context.host().name(), Status.FAILED, "connected, but the connection is not alive");
    }

    @Override
    public String describe() {
        return "ping";
    }
}
