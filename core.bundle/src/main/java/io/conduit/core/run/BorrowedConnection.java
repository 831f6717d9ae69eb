package io.conduit.core.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.FileAccess;
import io.conduit.api.connection.RemoteFile;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.StaleConnectionException;
import io.conduit.api.connection.Trace;

/**
 * A pooled connection as a task sees it: usable, but opening and closing belong to the pool. A command with
 * become gets the host's own become password ({@code data.become_password} in the inventory) where it has one;
 * otherwise it keeps the run's. Either becomes one of the run's secrets before the command is sent. A command or
 * file access without become of its own, on a host whose inventory data says {@code become: true}, gets the
 * host's escalation ({@link HostBecome}), as Ansible's {@code ansible_become} does; the plugin's own
 * {@link #put}/{@link #fetch} are not changed (the put and fetch tasks carry their files through commands with
 * that become instead, see {@code PutTask}).
 *
 * <p>Every call goes to the plugin with the borrowing run's {@link Trace}, which also gets the lines every plugin
 * shares (the command as the operator gave it, its exit and time, the transfer's paths and size): a pooled
 * connection opened by an earlier run traces into this one.
 *
 * <p>A call that fails with {@link StaleConnectionException} (the plugin found the connection dead before sending
 * anything) asks its {@link Renewal} for another connection and is sent once more on it; the renewal decides
 * whether that is allowed (once, and only for a connection reused from the pool).
 */
final class BorrowedConnection implements Connection {
    /** The host's become password, read from the inventory when first needed. */
    interface BecomePassword {
        /** @return the password, or {@code null} when the host sets none @throws IOException unreadable */
        Secret get() throws IOException;
    }

    /** The escalation the host's inventory data asks for every command, read when first needed. */
    interface HostBecome {
        /**
         * @return the escalation with the host's become password, or {@code null} when the inventory asks none
         * @throws IOException a become key of the inventory has a wrong value, or the password is unreadable
         */
        Become get() throws IOException;
    }

    /** Gives a call whose connection was found dead another connection, or refuses with the exception. */
    interface Renewal {
        /**
         * @param stale the connection the call found dead
         * @param e what the plugin said
         * @return a connection to send the call on once more
         * @throws IOException {@code e} when no second attempt is allowed, or why a new connection failed to open
         */
        Connection renew(Connection stale, StaleConnectionException e) throws IOException;
    }

    /** One call on a connection. */
    private interface Call<T> {
        T on(Connection connection) throws IOException;
    }

    private volatile Connection delegate;
    private final Renewal renewal;
    private final BecomePassword becomePassword;
    private final HostBecome hostBecome;
    private final RunSecrets secrets;
    private final Trace trace;

    BorrowedConnection(Connection delegate, Renewal renewal, BecomePassword becomePassword, HostBecome hostBecome,
            RunSecrets secrets, Trace trace) {
        this.delegate = delegate;
        this.renewal = renewal;
        this.becomePassword = becomePassword;
        this.hostBecome = hostBecome;
        this.secrets = secrets;
        this.trace = trace;
    }

    @Override
    public void open(ConnectionParams params) {
        throw new IllegalStateException("pooled connections are opened by the core");
    }

    /** Sends a call; once more on a new connection when the plugin says nothing of it was sent. */
    private <T> T call(Call<T> call) throws IOException {
        Connection used = delegate;
        try {
            return call.on(used);
        } catch (StaleConnectionException e) {
            Connection fresh = renewal.renew(used, e);
            delegate = fresh;
            return call.on(fresh);
        }
    }

    @Override
    public ExecResult exec(Command command) throws IOException {
        Become become = command.become();
        if (become == null) {
            Become host = hostBecome.get(); // the inventory's become: true, with the host's own password
            if (host != null) {
                command = command.withBecome(host);
            }
        } else {
            Secret own = becomePassword.get();
            if (own != null) {
                command = command.withBecome(new Become(become.method(), become.user(), own));
            }
        }
        secrets.addAll(command);
        Command sent = command;
        if (!trace.on(Trace.CONNECTION)) {
            return call(c -> c.exec(sent, trace));
        }
        trace.line(Trace.CONNECTION, "exec: " + describe(command));
        long start = System.nanoTime();
        try {
            ExecResult result = call(c -> c.exec(sent, trace));
            trace.line(Trace.CONNECTION, "exit " + result.exitCode() + " in " + millis(start) + " (stdout "
                    + result.stdout().length + " bytes" + (result.stdoutTruncated() ? " kept" : "") + ", stderr "
                    + result.stderr().length + " bytes" + (result.stderrTruncated() ? " kept" : "") + ")");
            return result;
        } catch (IOException | RuntimeException e) {
            trace.line(Trace.CONNECTION, "exec failed after " + millis(start) + ": " + e.getMessage());
            throw e;
        }
    }

    /** The command as the operator gave it (not the plugin's wrapper): names of variables, never values. */
    private static String describe(Command command) {
        StringBuilder s = new StringBuilder(command.line() != null ? command.line()
                : "argv " + String.join(" ", command.argv()));
        if (command.become() != null) {
            s.append(" [as ").append(command.become().user()).append(" via ")
                    .append(command.become().method().name().toLowerCase(java.util.Locale.ROOT))
                    .append(command.become().password() != null ? ", password given" : "").append(']');
        }
        if (command.cwd() != null) {
            s.append(" [cwd ").append(command.cwd()).append(']');
        }
        if (!command.env().isEmpty()) {
            s.append(" [env ").append(String.join(" ", command.env().keySet())).append(']');
        }
        if (command.stdin().length > 0) {
            s.append(" [stdin ").append(command.stdin().length).append(" bytes]");
        }
        if (command.pty()) {
            s.append(" [pty]");
        }
        if (command.timeout() != null) {
            long ms = command.timeout().toMillis(); // the task's own limit, or what is left of the host's
            s.append(" [timeout ").append(ms < 10_000 ? ms + " ms" : Math.round(ms / 1000.0) + " s").append(']');
        }
        return s.toString();
    }

    @Override
    public void put(Path local, String remotePath, int mode) throws IOException {
        if (!trace.on(Trace.CONNECTION)) {
            call(c -> {
                c.put(local, remotePath, mode, trace);
                return null;
            });
            return;
        }
        trace.line(Trace.CONNECTION, "put: " + local + " -> " + remotePath + " (" + size(local) + " bytes"
                + (mode == KEEP_MODE ? "" : ", mode " + Integer.toOctalString(mode)) + ")");
        long start = System.nanoTime();
        try {
            call(c -> {
                c.put(local, remotePath, mode, trace);
                return null;
            });
            trace.line(Trace.CONNECTION, "put done in " + millis(start));
        } catch (IOException | RuntimeException e) {
            trace.line(Trace.CONNECTION, "put failed after " + millis(start) + ": " + e.getMessage());
            throw e;
        }
    }

    @Override
    public void fetch(String remotePath, Path local) throws IOException {
        if (!trace.on(Trace.CONNECTION)) {
            call(c -> {
                c.fetch(remotePath, local, trace);
                return null;
            });
            return;
        }
        trace.line(Trace.CONNECTION, "fetch: " + remotePath + " -> " + local);
        long start = System.nanoTime();
        try {
            call(c -> {
                c.fetch(remotePath, local, trace);
                return null;
            });
            trace.line(Trace.CONNECTION, "fetch done in " + millis(start) + " (" + size(local) + " bytes)");
        } catch (IOException | RuntimeException e) {
            trace.line(Trace.CONNECTION, "fetch failed after " + millis(start) + ": " + e.getMessage());
            throw e;
        }
    }

    // The file methods go to the plugin (which may answer without a shell) with the run's trace, and with the
    // host's own become password as exec gives it: the task passes Trace.OFF, not knowing the run's.

    @Override
    public Optional<RemoteFile> stat(String path, boolean checksum, FileAccess access, Trace ignored)
            throws IOException {
        FileAccess as = access(access);
        Optional<RemoteFile> file = call(c -> c.stat(path, checksum, as, trace));
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "stat: " + path + as(access) + ": " + file.map(BorrowedConnection::describe)
                    .orElse("no such file"));
        }
        return file;
    }

    @Override
    public List<RemoteFile> list(String directory, boolean checksums, FileAccess access, Trace ignored)
            throws IOException {
        FileAccess as = access(access);
        List<RemoteFile> files = call(c -> c.list(directory, checksums, as, trace));
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "list: " + directory + as(access) + ": " + (files.isEmpty() ? "no such file"
                    : files.size() + " entries"));
        }
        return files;
    }

    @Override
    public void makeDirectory(String path, int mode, FileAccess access, Trace ignored) throws IOException {
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "mkdir: " + path + as(access) + " (mode " + Integer.toOctalString(mode) + ")");
        }
        FileAccess as = access(access);
        call(c -> {
            c.makeDirectory(path, mode, as, trace);
            return null;
        });
    }

    @Override
    public void setAttributes(String path, int mode, String owner, String group, FileAccess access, Trace ignored)
            throws IOException {
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "chown/chmod: " + path + as(access) + " (" + (mode < 0 ? "" : "mode "
                    + Integer.toOctalString(mode)) + (owner == null ? "" : " owner " + owner) + (group == null ? ""
                    : " group " + group) + ")");
        }
        FileAccess as = access(access);
        call(c -> {
            c.setAttributes(path, mode, owner, group, as, trace);
            return null;
        });
    }

    private static String as(FileAccess access) {
        return access.become() == null ? "" : " [as " + access.become().user() + "]";
    }

    private static String describe(RemoteFile f) {
        return f.type().name().toLowerCase(java.util.Locale.ROOT) + (f.symlink() ? " (by a symbolic link)" : "")
                + " mode " + Integer.toOctalString(f.mode()) + " " + f.owner() + ":" + f.group()
                + (f.type() == RemoteFile.Type.FILE ? ", " + f.size() + " bytes" : "")
                + (f.sha256() == null ? "" : ", sha256 " + f.sha256().substring(0, 12) + "…");
    }

    private FileAccess access(FileAccess access) throws IOException {
        Become become = access.become();
        if (become == null) {
            become = hostBecome.get(); // the inventory's become: true, with the host's own password
            if (become == null) {
                return access;
            }
        } else {
            Secret own = becomePassword.get();
            if (own != null) {
                become = new Become(become.method(), become.user(), own);
            }
        }
        secrets.addAll(Command.shell("true").withBecome(become));
        return new FileAccess(become, access.timeout());
    }

    private static String size(Path file) {
        try {
            return Long.toString(Files.size(file));
        } catch (IOException e) {
            return "?";
        }
    }

    private static String millis(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000 + " ms";
    }

    /**
     * A reused connection that died in the pool is replaced once, as for a call (a ping of a reachable host
     * must not fail because the server closed an idle session).
     */
    @Override
    public boolean isAlive() {
        Connection used = delegate;
        if (used.isAlive()) {
            return true;
        }
        try {
            Connection fresh = renewal.renew(used, new StaleConnectionException("the pooled connection is no longer"
                    + " alive"));
            delegate = fresh;
            return fresh.isAlive();
        } catch (IOException e) {
            return false; // a fresh connection that is not alive: the host fails as before
        }
    }

    @Override
    public List<String> warnings() {
        return delegate.warnings();
    }

    @Override
    public List<String> notices() {
        return delegate.notices();
    }

    @Override
    public void close() {
        // the pool owns the connection: a task's close must not end it for the next run
    }
}
