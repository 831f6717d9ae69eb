package io.conduit.itests.slowtask;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.List;
import java.util.Map;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.task.TaskPlugin;

/**
 * A third-party style task plugin, packaged by the tests in two versions: each host takes {@code ms} milliseconds
 * (so that a run is in flight long enough to change the bundle under it) and answers {@code version V}, the
 * bundle version that ran it.
 */
public final class SlowTask implements TaskPlugin {
    private final String version;
    private volatile boolean closed;

    SlowTask(String version) {
        this.version = version;
    }

    /** Its bundle stops: calls that still run fail. */
    void close() {
        closed = true;
    }

    @Override
    public String description() {
        return "waits, then answers its bundle version " + version;
    }

    @Override
    public List<OptionDescriptor> parameters() {
        return List.of(OptionDescriptor.of("ms", OptionType.INTEGER, "40", "milliseconds each host takes"));
    }

    @Override
    public Task create(Map<String, Object> parameters) {
        long ms = (Long) parameters.get("ms");
        if (ms < 0 || ms > 10_000) {
            throw new IllegalArgumentException("ms: " + ms + " is out of range; use 0 to 10000");
        }
        return new Task() {
            @Override
            public HostResult execute(TaskContext context) throws IOException {
                // the host's work: bounded by the parameter and the host's deadline
                long wait = Math.min(ms, context.remaining().toMillis());
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("stopped");
                }
                if (closed) {
                    throw new IOException("the slow task's bundle stopped under this call (" + version + ")");
                }
                return HostResult.text(context.host().name(), Status.OK, "version " + version + "\n");
            }

            @Override
            public String describe() {
                return "slow: " + ms + " ms";
            }
        };
    }
}
