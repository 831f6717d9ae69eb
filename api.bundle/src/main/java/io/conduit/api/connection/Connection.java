package io.conduit.api.connection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

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
 * then ends by itself within seconds. Shell-like plugins get all of this from
 * {@code io.conduit.api.support.WrappedCommand}. The exception says whether the host confirmed the stop
 * ({@link StopOutcome}); a plugin that cannot confirm it says {@link StopOutcome#UNCONFIRMED}, never that the
 * command was stopped.
 *
 * <p><b>Tracing</b> (since 1.2): the core calls the variants that take a {@link Trace}; each defaults to the
 * untraced one, so a plugin that traces nothing needs no change. A plugin that traces overrides them and lets the
 * untraced ones pass {@link Trace#OFF}. The trace belongs to the call, not to the connection: a pooled
 * connection serves several runs, and each call's lines go to the run that made it.
 *
 * <p><b>Files on the host</b> (since 1.3): {@link #stat}, {@link #list}, {@link #makeDirectory} and
 * {@link #setAttributes} tell the core what it needs to put and fetch the same way on every plugin (refuse a
 * directory by name, keep modes both ways, copy trees with {@code -r}, set owner and group, and report a put as
 * changed only when content, mode or owner differ). They default to POSIX sh scripts run through
 * {@link #exec(Command, Trace)} ({@code ls -ldLn}, {@code find}, {@code sha256sum}, {@code mkdir}, {@code chown},
 * {@code chmod}; every path quoted with {@link Command#quotePath}), so a plugin whose host has a shell needs
 * no change; a plugin whose device has no shell overrides them.
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
     * {@code io.conduit.api.support.FileNames} (fixed length, hidden, in the target's directory), so that any name the
     * host accepts can be written, and every path that reaches a command line on the host is quoted with
     * {@link Command#quotePath}. A name the transfer method cannot carry is refused by name before anything
     * is sent.
     *
     * @param local the file to send
     * @param remotePath the absolute path to write on the host; one ending in {@code /} means "into that
     *        directory, under the local file's name" ({@code io.conduit.api.support.FileNames#intoDirectory}; the core
     *        resolves it before calling, since API 1.2, and plugins resolve it too for other callers)
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
     * {@code io.conduit.api.support.FileNames#createTemporarySibling}, then moved, so that a failed fetch leaves no
     * file and changes none.
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
     * What a path names on the host, following a symbolic link ({@code ls -lL}): its type, size, mode, owner and
     * group, and with {@code checksum} the SHA-256 of a regular file's content. Defaults to a POSIX sh script run
     * through {@link #exec(Command, Trace)} with the access's become and timeout.
     *
     * @param path the path on the host, absolute or relative to the login directory
     * @param checksum also compute the SHA-256 of a regular file (reads the whole file on the host)
     * @param access as which user and within what time
     * @param trace the calling run's trace; {@link Trace#OFF} when nobody asked
     * @return the file, or empty when there is none (also a symbolic link whose target is missing)
     * @throws IOException the host could not be asked, or its answer could not be read
     * @since 1.3
     */
    default Optional<RemoteFile> stat(String path, boolean checksum, FileAccess access, Trace trace)
            throws IOException {
        ExecResult r = exec(access.command(PosixFiles.statScript(path, checksum)).withOutputLimit(1 << 16), trace);
        if (r.exitCode() != 0) {
            throw new ConnectionException("stat " + path + ": " + said(r));
        }
        return PosixFiles.single(PosixFiles.parse(r.stdout(), false));
    }

    /**
     * A directory and everything below it, as {@link #stat} sees each entry: the directory first (path
     * {@code ""}), then every entry below it, each before what it holds, with paths relative to the directory.
     * Symbolic links below the directory are not followed into: a link is listed as what it points to (its
     * {@link RemoteFile#symlink()} set, {@link RemoteFile.Type#MISSING} when the target is missing), and a link
     * to a directory is listed without its contents. A path that is not a directory gives that one entry; a
     * missing one gives an empty list.
     *
     * @param directory the directory on the host; a symbolic link to one is followed
     * @param checksums also compute the SHA-256 of every regular file
     * @param access as which user and within what time
     * @param trace the calling run's trace
     * @return the entries, the directory first
     * @throws IOException the host could not be asked (also an unreadable directory below), or the listing is
     *         longer than 16 MiB (about 100,000 files)
     * @since 1.3
     */
    default List<RemoteFile> list(String directory, boolean checksums, FileAccess access, Trace trace)
            throws IOException {
        ExecResult r = exec(access.command(PosixFiles.listScript(directory, checksums))
                .withOutputLimit(PosixFiles.MAX_LISTING), trace);
        if (r.exitCode() != 0) {
            throw new ConnectionException("list " + directory + ": " + said(r));
        }
        if (r.stdoutTruncated()) {
            throw new ConnectionException("list " + directory + ": more files than one listing carries (16 MiB of"
                    + " names); copy smaller directories");
        }
        List<RemoteFile> files = PosixFiles.parse(r.stdout(), true);
        return files.isEmpty() || files.get(0).type() == RemoteFile.Type.MISSING ? List.of() : files;
    }

    /**
     * Makes a directory and its missing parents ({@code mkdir -p}), and gives the directory {@code mode}.
     *
     * @param path the directory on the host
     * @param mode its permission bits, {@code 0} to {@code 07777}
     * @param access as which user and within what time
     * @param trace the calling run's trace
     * @throws IOException the host refused (the message quotes its words)
     * @since 1.3
     */
    default void makeDirectory(String path, int mode, FileAccess access, Trace trace) throws IOException {
        ExecResult r = exec(access.command(PosixFiles.makeDirectoryScript(path, mode)).withOutputLimit(1 << 16),
                trace);
        if (r.exitCode() != 0) {
            throw new ConnectionException("mkdir " + path + ": " + said(r));
        }
    }

    /**
     * Sets the owner, group and mode of a file or directory that exists ({@code chown}, then {@code chmod}, since
     * a change of owner clears the set-user-ID bit on some systems). A symbolic link's target is changed.
     *
     * @param path the file on the host
     * @param mode permission bits {@code 0} to {@code 07777}, or {@link #KEEP_MODE} to leave the mode
     * @param owner a user name or numeric id, or {@code null} to leave the owner
     * @param group a group name or numeric id, or {@code null} to leave the group
     * @param access as which user (changing the owner usually takes root) and within what time
     * @param trace the calling run's trace
     * @throws IOException the host refused (the message quotes its words: no such user, not permitted)
     * @since 1.3
     */
    default void setAttributes(String path, int mode, String owner, String group, FileAccess access, Trace trace)
            throws IOException {
        if (mode < 0 && owner == null && group == null) {
            return;
        }
        ExecResult r = exec(access.command(PosixFiles.setAttributesScript(path, mode, owner, group))
                .withOutputLimit(1 << 16), trace);
        if (r.exitCode() != 0) {
            throw new ConnectionException("chown/chmod " + path + ": " + said(r));
        }
    }

    private static String said(ExecResult r) {
        String err = r.stderrText().strip().replaceAll("\\p{Cntrl}", " ");
        return err.isEmpty() ? "exit code " + r.exitCode() : err;
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

    /**
     * What this connection chose on its own that changes how it works without making it less safe, for the
     * operator to read in the result of the task it affected: e.g. {@code "transfer_method auto: the login shell
     * prints text on start, which breaks SFTP and SCP, so files go over pipe, verified by sha256"}. The core reads
     * them after each put and fetch and adds each as a line {@code note: PHRASE} to the host's output, so that a
     * fallback is said in the result, not only in a trace. A phrase stays as long as the choice holds (the same
     * phrase after every transfer on the connection). Never a secret; must not block.
     *
     * @return the phrases; empty (the default) when the connection works as configured
     * @since 1.3
     */
    default List<String> notices() {
        return List.of();
    }
}
