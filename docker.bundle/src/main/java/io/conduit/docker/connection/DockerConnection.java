package io.conduit.docker.connection;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.Trace;
import io.conduit.docker.client.DockerClients;
import io.conduit.docker.client.DockerDefaults;
import io.conduit.docker.client.DockerEndpoint;
import io.conduit.docker.exec.CommandRunner;
import io.conduit.docker.exec.Container;
import io.conduit.docker.exec.Execs;
import io.conduit.docker.transfer.Transfers;

/**
 * A connection to one running container: opens it (inspects the container), then hands commands to its
 * {@link CommandRunner} and files to its {@link Transfers}. Stateless towards the daemon apart from the exec streams
 * in flight, so exec, put and fetch may run concurrently; {@link #close} stops the commands and transfers in flight.
 */
final class DockerConnection implements Connection {
    private static final Logger LOG = LoggerFactory.getLogger(DockerConnection.class);

    /**
     * The opened container and what works on it.
     *
     * @param container the container as inspected at open
     * @param runner its commands
     * @param transfers its put and fetch
     */
    private record Opened(Container container, CommandRunner runner, Transfers transfers) {
    }

    private final DockerContext context;
    private final ConnectionKey key;
    private final DockerDefaults defaults;
    private volatile boolean closed;
    /** The container's name as configured until open finds its real one, for messages. */
    private volatile String container;
    private volatile Opened opened;

    /**
     * @param context what the plugin's connections share
     * @param key the connection's key
     * @param defaults the plugin's defaults when the connection was made
     */
    DockerConnection(DockerContext context, ConnectionKey key, DockerDefaults defaults) {
        this.context = context;
        this.key = key;
        this.defaults = defaults;
        context.open().add(this);
    }

    @Override
    public void open(ConnectionParams params) throws IOException {
        open(params, Trace.OFF);
    }

    @Override
    public void open(ConnectionParams params, Trace trace) throws IOException {
        DockerDefaults.Host host;
        try {
            host = defaults.forHost(params);
        } catch (IllegalArgumentException e) {
            throw new ConnectFailedException(key.host() + ": " + e.getMessage(), e);
        }
        DockerEndpoint endpoint = host.endpoint();
        Duration killGrace = host.killGrace();
        container = host.container();
        String user = host.user();
        DockerClients.Client c = context.clients().get(endpoint);
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "docker: daemon " + endpoint.address() + (endpoint.usesTls() ? " (TLS, "
                    + (endpoint.tlsVerify() ? "verified)" : "NOT verified)") : "")
                    + ", container \"" + container + "\"");
        }
        InspectContainerResponse info;
        try {
            info = c.api().inspectContainerCmd(container).exec();
        } catch (NotFoundException e) {
            throw new ConnectFailedException("no container \"" + container + "\" on the docker daemon at "
                    + endpoint.address() + "; check the name with docker ps -a, or set the host's"
                    + " connection_options.docker.extras.container", e);
        } catch (RuntimeException e) {
            throw DockerClients.describe(e, endpoint);
        }
        InspectContainerResponse.ContainerState state = info.getState();
        if (state == null || !Boolean.TRUE.equals(state.getRunning())) {
            throw new ConnectFailedException(notRunning(endpoint, state));
        }
        if (Boolean.TRUE.equals(state.getPaused())) {
            throw new ConnectFailedException("container \"" + container + "\" on " + endpoint.address()
                    + " is paused (docker pause); resume it with: docker unpause " + container);
        }
        if (info.getName() != null && !info.getName().isBlank()) {
            // messages name the container as docker ps shows it, even when the inventory gave its id
            container = info.getName().startsWith("/") ? info.getName().substring(1) : info.getName();
        }
        String imageUser = info.getConfig() == null ? null : info.getConfig().getUser();
        String wd = info.getConfig() == null ? null : info.getConfig().getWorkingDir();
        Container target = new Container(c, key.host(), container, info.getId(), user, imageUser,
                wd == null || wd.isBlank() ? "/" : wd.trim(), killGrace);
        Execs execs = new Execs(target, context.deadlines());
        CommandRunner runner = new CommandRunner(execs, context.io());
        Transfers transfers = new Transfers(execs, runner, context.io(), info);
        opened = new Opened(target, runner, transfers);
        if (trace.on(Trace.DETAIL)) {
            trace.line(Trace.DETAIL, "docker: container " + container + " (" + target.shortId() + ", image "
                    + (info.getConfig() == null ? "?" : info.getConfig().getImage()) + ") is running; exec user "
                    + (user != null ? user + " (inventory)" : imageUser == null || imageUser.isBlank()
                            ? "the image's default (root)" : imageUser + " (the image's)") + ", kill_grace "
                    + killGrace.toMillis() + " ms; put and fetch go through an exec under " + transfers.hidden()
                    + " (the archive API cannot see them)");
        }
        LOG.debug("{}: container {} ({}) on {} is running", key.host(), container, target.shortId(),
                endpoint.address());
        if (closed) {
            runner.close();
            transfers.close();
            throw new ConnectionException("connection to container \"" + container + "\" was closed while opening");
        }
    }

    private String notRunning(DockerEndpoint endpoint, InspectContainerResponse.ContainerState state) {
        String status = state == null ? "unknown" : state.getStatus();
        Long code = state == null ? null : state.getExitCodeLong();
        return "container \"" + container + "\" on " + endpoint.address() + " is not running (status " + status
                + (code != null && !"created".equals(status) ? ", exit code " + code : "") + "); start it with: docker start "
                + container;
    }

    /**
     * Runs the command through Conduit's command wrapper; see {@link CommandRunner#exec}.
     */
    @Override
    public ExecResult exec(Command command) throws IOException {
        return exec(command, Trace.OFF);
    }

    @Override
    public ExecResult exec(Command command, Trace trace) throws IOException {
        return ready().runner().exec(command, trace);
    }

    @Override
    public void put(Path local, String remotePath, int mode) throws IOException {
        put(local, remotePath, mode, Trace.OFF);
    }

    /**
     * Puts through the archive API, or through an exec where it cannot see; see {@link Transfers#put}.
     */
    @Override
    public void put(Path local, String remotePath, int mode, Trace trace) throws IOException {
        ready().transfers().put(local, remotePath, mode, trace);
    }

    @Override
    public void fetch(String remotePath, Path local) throws IOException {
        fetch(remotePath, local, Trace.OFF);
    }

    /**
     * Fetches through the archive API, or through an exec where it cannot see; see {@link Transfers#fetch}.
     */
    @Override
    public void fetch(String remotePath, Path local, Trace trace) throws IOException {
        ready().transfers().fetch(remotePath, local, trace);
    }

    @Override
    public boolean isAlive() {
        Opened o = opened;
        return !closed && o != null && o.container().isRunning();
    }

    /**
     * Stops the commands in flight (their stdin is closed: the wrapper ends each process group, on I/O threads that
     * a plugin's deactivation waits for; the threads running them report the outcome) and the transfers.
     */
    @Override
    public void close() {
        closed = true;
        Opened o = opened;
        if (o != null) {
            o.runner().close();
            o.transfers().close();
        }
        context.open().remove(this);
    }

    private Opened ready() throws ConnectionException {
        Opened o = opened;
        if (closed) {
            throw new ConnectionException("connection to container \"" + container + "\" is closed");
        }
        if (o == null) {
            throw new IllegalStateException("open() was not called");
        }
        return o;
    }

    /** @return how many puts and fetches through an exec are in flight, for tests */
    int transfersInFlight() {
        Opened o = opened;
        return o == null ? 0 : o.transfers().inFlight();
    }

    /** @return how many exec streams are open, for tests */
    int streamsInFlight() {
        Opened o = opened;
        return o == null ? 0 : o.runner().streamsInFlight();
    }
}
