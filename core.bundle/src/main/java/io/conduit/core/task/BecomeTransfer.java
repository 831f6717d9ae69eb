package io.conduit.core.task;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.support.FileNames;
import io.conduit.api.support.LocalCopy;
import io.conduit.api.support.LocalWriteFailed;
import io.conduit.api.support.ShellCommand;

/**
 * {@code put} and {@code fetch} as another user ({@code --become}), the same way on every plugin: the file's
 * bytes travel through a command run with that become ({@code cat}), so the file is written and read with the
 * become user's rights, and the plugin's own file transfer (which logs in as the login user) is not used.
 * The file is held in memory on the way, so it is limited to {@link #MAX_BYTES}.
 */
final class BecomeTransfer {
    /** Largest file put or fetched with become: 64 MiB. */
    static final long MAX_BYTES = 64L << 20;

    private BecomeTransfer() {
    }

    /**
     * Writes {@code local} to {@code remotePath} as the become user: to a hidden temporary name of fixed length
     * in the target's directory, then {@code chmod} and {@code mv}; the temporary file is removed on failure.
     *
     * @param mode permission bits, or {@link Connection#KEEP_MODE} for the local file's
     * @param timeout how long the command may take
     * @throws IOException the file is too big, or the host refused (the message quotes the host's words)
     */
    static void put(Connection connection, String host, Path local, String remotePath, int mode, Become become,
            Duration timeout) throws IOException {
        long size = Files.size(local);
        if (size > MAX_BYTES) {
            throw new ConnectionException(host + ": " + local + " is " + size + " bytes; put --become carries at most "
                    + MAX_BYTES + " bytes (64 MiB): put it without --become to a place the login user can write,"
                    + " then move it with run --become");
        }
        int bits = mode == Connection.KEEP_MODE ? LocalFiles.mode(local) : mode;
        remotePath = FileNames.intoDirectory(remotePath, local.getFileName().toString());
        String temp = FileNames.temporarySibling(remotePath);
        String target = ShellCommand.quotePath(remotePath);
        String tmp = ShellCommand.quotePath(temp);
        String script = "if [ -d " + target + " ]; then echo " + ShellCommand.quote(remotePath + " is a directory;"
                + " give the file's path, or end it with / to put the file into it") + " >&2; exit 21; fi; "
                + "umask 077; cat > " + tmp + " && chmod " + Integer.toOctalString(bits) + " " + tmp + " && mv -f "
                + tmp + " " + target + " || { rc=$?; rm -f " + tmp + "; exit $rc; }";
        ExecResult r = connection.exec(Command.shell(script).withStdin(Files.readAllBytes(local)).withBecome(become)
                .withTimeout(timeout).withOutputLimit(64 * 1024));
        if (r.exitCode() != 0) {
            throw new ConnectionException(host + ": put " + remotePath + " as " + become.user() + " failed: "
                    + said(r));
        }
    }

    /**
     * Reads {@code remotePath} as the become user into {@code local} (written to a temporary name, then moved).
     *
     * @throws RemoteFileNotFoundException there is no such file
     * @throws IOException the file is too big or the host refused
     */
    static void fetch(Connection connection, String host, String remotePath, Path local, Become become,
            Duration timeout) throws IOException {
        String q = ShellCommand.quotePath(remotePath);
        // a device or a pipe (/dev/zero) never ends: only regular files, and never more than the limit
        ExecResult r = connection.exec(Command.shell("if [ -d " + q + " ]; then echo 'is a directory' >&2; exit 21;"
                + " elif [ -e " + q + " ] && [ ! -f " + q + " ]; then echo 'is not a regular file' >&2; exit 22; fi;"
                + " exec head -c " + (MAX_BYTES + 1) + " -- " + q).withBecome(become).withTimeout(timeout)
                .withOutputLimit(MAX_BYTES + 1));
        if (r.exitCode() != 0) {
            String said = said(r);
            if (said.contains("No such file")) {
                throw new RemoteFileNotFoundException(host + ": no such file " + remotePath);
            }
            throw new ConnectionException(host + ": fetch " + remotePath + " as " + become.user() + " failed: " + said);
        }
        if (r.stdoutTruncated()) {
            throw new ConnectionException(host + ": " + remotePath + " is larger than " + MAX_BYTES + " bytes; fetch"
                    + " --become carries at most 64 MiB: copy it with run --become to where the login user can read"
                    + " it, then fetch that");
        }
        try (LocalCopy copy = LocalCopy.beside(local)) {
            try (OutputStream out = copy.output()) {
                out.write(r.stdout());
            }
            copy.commit();
        } catch (LocalWriteFailed e) {
            throw e.getCause(); // the file system's own exception, as FetchTask names it
        }
    }

    private static String said(ExecResult r) {
        String err = r.stderrText().strip();
        return (err.isEmpty() ? "exit code " + r.exitCode() : err.replaceAll("\\p{Cntrl}", " "));
    }
}
