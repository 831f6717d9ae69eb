package io.conduit.api.connection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * One open connection to one host, made by {@link ConnectionPlugin#create} and owned by the core's connection
 * manager, which reuses it across tasks and runs and closes it when idle, dead or no longer served.
 *
 * <p>Threading: {@link #open} is called once, before anything else. After that the core may call {@link #exec},
 * {@link #put} and {@link #fetch} from several threads at once (two tasks on the same host); a plugin whose
 * protocol cannot multiplex must serialize internally. {@link #isAlive} and {@link #close} may be called from
 * any thread at any time, {@link #close} also while another call is in progress, and must then make that call
 * fail promptly.
 *
 * <p>Every method that talks to the host throws an {@link IOException}, normally one of the
 * {@link ConnectionException} family, so that the runner can tell unreachable from failed.
 *
 * <p><b>What a plugin starts, it stops.</b> Every way {@link #exec} can end early must end the command's whole
 * process tree on the host: its own {@link Command#timeout()}, an interrupt of the calling thread (Ctrl-C, the
 * run's host deadline), and {@link #close()} while it runs (disconnect, a plugin upgrade past its drain grace,
 * shutdown). It must also hold when Conduit cannot say goodbye (the JVM killed, the link dropped): the command
 * then ends by itself within seconds. Shell-like plugins get all of this from {@link WrappedCommand}. The
 * exception says whether the host confirmed the stop ({@link StopOutcome}); a plugin that cannot confirm it
 * says {@link StopOutcome#UNCONFIRMED}, never that the command was stopped.
 *
 * <p><b>Tracing</b> (since 1.2): the core calls the variants that take a {@link Trace}; each defaults to the
 * untraced one, so a plugin that traces nothing needs no change. A plugin that traces overrides them and lets the
 * untraced ones pass {@link Trace#OFF}. The trace belongs to the call, not to the connection: a pooled
 * connection serves several runs, and each call's lines go to the run that made it.
 */
@ConsumerType
public interface Connection extends AutoCloseable {

    /** Value for {@code mode} in {@link #put}: give the remote file the local file's permission bits. */
    int KEEP_MODE = -1;

    /**
     * Connects and authenticates.
     *
     * @param params the resolved parameters for this host and plugin; secrets are already resolved
     * @throws ConnectFailedException the host could not be reached
     * @throws AuthenticationFailedException the host refused the credentials
     * @throws HostKeyRejectedException the host's identity could not be verified
     * @throws TimedOutException a connect deadline passed
     * @throws IOException any other failure
     */
    void open(ConnectionParams params) throws IOException;

    /**
     * Connects and authenticates, telling {@code trace} what it does (endpoint, authentication, host key or TLS
     * check). Defaults to {@link #open(ConnectionParams)}.
     *
     * @param params as for {@link #open(ConnectionParams)}
     * @param trace the opening run's trace; {@link Trace#OFF} when nobody asked
     * @throws IOException as {@link #open(ConnectionParams)}
     * @since 1.2
     */
    default void open(ConnectionParams params, Trace trace) throws IOException {
        open(params);
    }

    /**
     * Runs one command and waits for it to end or for {@link Command#timeout()} to pass.
     *
     * @param command what to run
     * @return exit code, stdout and stderr (each kept up to {@link Command#outputLimit()} bytes)
     * @throws TimedOutException the command's timeout passed; the plugin has stopped the command, and
     *         {@link TimedOutException#outcome()} says whether the host confirmed it
     * @throws CommandStoppedException the calling thread was interrupted or {@link #close()} was called while
     *         the command ran; the plugin has stopped it and says whether the host confirmed it (the thread's
     *         interrupt flag is kept)
     * @throws BecomeFailedException the command's become failed before it started; nothing ran
     * @throws IOException the connection failed; when it was lost while the command ran, the message ends with
     *         {@link StopOutcome#UNCONFIRMED}'s description (the command may still be running on the host)
     */
    ExecResult exec(Command command) throws IOException;

    /**
     * Runs one command as {@link #exec(Command)}, telling {@code trace} how (channel, requests, wrapper size,
     * stop reports). The core traces the command's text and exit itself. Defaults to {@link #exec(Command)}.
     *
     * @param command what to run
     * @param trace the calling run's trace; {@link Trace#OFF} when nobody asked
     * @return as {@link #exec(Command)}
     * @throws IOException as {@link #exec(Command)}
     * @since 1.2
     */
    default ExecResult exec(Command command, Trace trace) throws IOException {
        return exec(command);
    }

    /**
     * Copies a local file to the host. Implementations write to a temporary name and rename, so that a broken
     * transfer never leaves a partial file under {@code remotePath}; the temporary name follows
     * {@link FileNames} (fixed length, hidden, in the target's directory), so that any name the host accepts can
     * be written, and every path that reaches a command line on the host is quoted with
     * {@link ShellCommand#quotePath}. A name the transfer method cannot carry is refused by name before anything
     * is sent.
     *
     * @param local the file to send
     * @param remotePath the absolute path to write on the host; one ending in {@code /} means "into that
     *        directory, under the local file's name" ({@link FileNames#intoDirectory}; the core resolves it before
     *        calling, since API 1.2, and plugins resolve it too for other callers)
     * @param mode the permission bits to set (e.g. {@code 0644}) or {@link #KEEP_MODE}
     * @throws IOException the transfer failed
     */
    void put(Path local, String remotePath, int mode) throws IOException;

    /**
     * Copies a local file to the host as {@link #put(Path, String, int)}, telling {@code trace} the transfer
     * method and the bytes moved. Defaults to {@link #put(Path, String, int)}.
     *
     * @param local the file to send
     * @param remotePath the absolute path to write on the host
     * @param mode the permission bits to set or {@link #KEEP_MODE}
     * @param trace the calling run's trace; {@link Trace#OFF} when nobody asked
     * @throws IOException as {@link #put(Path, String, int)}
     * @since 1.2
     */
    default void put(Path local, String remotePath, int mode, Trace trace) throws IOException {
        put(local, remotePath, mode);
    }

    /**
     * Copies a file from the host to a local path, replacing it: written to a temporary name made by
     * {@link FileNames#createTemporarySibling}, then moved, so that a failed fetch leaves no file and changes none.
     *
     * @param remotePath the file to read on the host
     * @param local where to write it
     * @throws RemoteFileNotFoundException there is no such remote file
     * @throws IOException the transfer failed
     */
    void fetch(String remotePath, Path local) throws IOException;

    /**
     * Copies a file from the host as {@link #fetch(String, Path)}, telling {@code trace} the transfer method and
     * the bytes moved. Defaults to {@link #fetch(String, Path)}.
     *
     * @param remotePath the file to read on the host
     * @param local where to write it
     * @param trace the calling run's trace; {@link Trace#OFF} when nobody asked
     * @throws IOException as {@link #fetch(String, Path)}
     * @since 1.2
     */
    default void fetch(String remotePath, Path local, Trace trace) throws IOException {
        fetch(remotePath, local);
    }

    /**
     * Tells whether the connection can still serve calls, cheaply (no command is run where the protocol has a
     * lighter probe). Called before a pooled connection is reused.
     *
     * @return {@code true} when the next call is expected to work
     */
    boolean isAlive();

    /** Closes the connection and frees everything it holds. Never throws; safe to call more than once. */
    @Override
    void close();

    /**
     * The insecure choices this connection was opened with, for the operator's console: the runner hands them to
     * its {@code RunListener} once per host and run, and the shell prints one line per run naming them and the
     * hosts. Each is a short phrase naming the option, such as {@code "host_key_checking: off (host keys are not
     * checked)"}; the same phrase for the same choice on every host, so that they group. Never a secret.
     * Called after {@link #open} from the runner's worker threads; must not block.
     *
     * @return the phrases; empty (the default) when the connection is as safe as the plugin's defaults
     * @since 1.2
     */
    default List<String> warnings() {
        return List.of();
    }
}
