package io.conduit.docker.transfer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;

import com.github.dockerjava.api.command.InspectContainerResponse;

import io.conduit.api.connection.Trace;
import io.conduit.docker.exec.CommandRunner;
import io.conduit.docker.exec.Execs;

/**
 * Put and fetch for one container: through the archive API, or through an exec for the paths it cannot see. What
 * a connection holds for its transfers; it never calls back into the connection (the commands it needs, a rename
 * and a probe, go through the connection's {@link CommandRunner}). Thread safe: transfers may run concurrently.
 */
public final class Transfers {
    private final ArchiveView view;
    private final ExecStreams streams;
    private final Put put;
    private final Fetch fetch;

    /**
     * @param execs the container's exec calls
     * @param runner the container's commands (a put's {@code mv}, the file probe)
     * @param io the threads that read a transfer's output and run its cleanup
     * @param info the container's inspection at open: which paths the archive API cannot see
     */
    public Transfers(Execs execs, CommandRunner runner, ExecutorService io, InspectContainerResponse info) {
        this.view = ArchiveView.of(info);
        this.streams = new ExecStreams(execs, runner, io);
        TemporaryFiles temporaries = new TemporaryFiles(execs, io);
        this.put = new Put(execs.container(), runner, streams, temporaries, new Ownership(execs.container(), runner),
                view);
        this.fetch = new Fetch(execs.container(), runner, streams, view);
    }

    /**
     * Puts a local file; see {@link io.conduit.api.connection.Connection#put(Path, String, int, Trace)}.
     *
     * @param local the local file
     * @param remotePath the target, absolute or relative to the container's working directory
     * @param mode the permission bits, or {@link io.conduit.api.connection.Connection#KEEP_MODE}
     * @param trace where the steps are told
     * @throws IOException as {@link Put}'s javadoc says
     */
    public void put(Path local, String remotePath, int mode, Trace trace) throws IOException {
        put.put(local, remotePath, mode, trace);
    }

    /**
     * Fetches a file; see {@link io.conduit.api.connection.Connection#fetch(String, Path, Trace)}.
     *
     * @param remotePath the file, absolute or relative to the container's working directory
     * @param local where it goes
     * @param trace where the steps are told
     * @throws IOException as {@link Fetch}'s javadoc says
     */
    public void fetch(String remotePath, Path local, Trace trace) throws IOException {
        fetch.fetch(remotePath, local, trace);
    }

    /** @return the mounts under which transfers go through an exec, for the trace */
    public List<String> hidden() {
        return view.hidden();
    }

    /** Breaks the transfers in flight (exec streams and downloads). Never throws. */
    public void close() {
        streams.close();
        fetch.close();
    }

    /** @return how many puts and fetches through an exec are in flight, for tests */
    public int inFlight() {
        return streams.inFlight();
    }
}
