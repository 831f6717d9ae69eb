package io.conduit.docker.connection;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

import io.conduit.api.support.SharedResources;
import io.conduit.docker.client.DockerClients;

/**
 * What every connection of one docker plugin instance shares, handed to each connection when it is made (as ssh's
 * {@code ClientContext}): a connection holds this and never its component. Immutable; its parts are thread safe.
 *
 * @param clients the bundle's docker-java clients (the {@link DockerClients} component)
 * @param io the threads that read exec output, feed stdin and run stops; shut down by the plugin's deactivation
 * @param deadlines the timer that cuts a kill exec that does not end
 * @param open the plugin's open connections: a connection adds itself when made and removes itself on close
 */
record DockerContext(DockerClients clients, ExecutorService io, ScheduledExecutorService deadlines,
        SharedResources<DockerConnection> open) {
}
