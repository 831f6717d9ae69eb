package io.conduit.api.task;

import java.io.IOException;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Work to do on one host. The runner calls {@link #execute} once per selected host, on its worker threads,
 * concurrently for different hosts. Tasks that operators call by name come from a {@link TaskPlugin} service,
 * which carries {@link #NAME}.
 */
@ConsumerType
public interface Task {

    /**
     * Service property naming a {@link TaskPlugin} (type {@code String}, required; set it with {@link TaskName}).
     * A service without a valid name is ignored.
     */
    String NAME = "conduit.task.name";

    /**
     * Does the work on the context's host.
     *
     * @param context the host and its connections
     * @return the host's result
     * @throws IOException a connection failed; the runner turns it into {@link Status#UNREACHABLE} or
     *         {@link Status#FAILED} with the exception's message
     */
    HostResult execute(TaskContext context) throws IOException;

    /** @return a short description for logs and progress lines, such as {@code command: uptime} */
    String describe();
}
