package io.conduit.ssh.transfer;

import static io.conduit.ssh.transfer.TransferFailures.here;
import static io.conduit.ssh.transfer.TransferFailures.inWords;
import static io.conduit.ssh.transfer.TransferFailures.isADirectoryToFetch;
import static io.conduit.ssh.transfer.TransferFailures.loginNoiseOr;
import static io.conduit.ssh.transfer.TransferFailures.notFound;
import static io.conduit.ssh.transfer.TransferFailures.problem;
import static io.conduit.ssh.transfer.TransferFailures.scpFetchFailure;
import static io.conduit.ssh.transfer.TransferFailures.sftpFailure;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.io.WritePendingException;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.support.FileNames;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.support.FileProblemProbe;
import io.conduit.api.support.LocalCopy;
import io.conduit.api.support.LocalWriteFailed;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.support.ShellCommand;
import io.conduit.api.connection.TransferFailedException;

/**
 * put and fetch over SFTP, SCP or a pipe through an exec channel ({@link TransferMethod}). Streams with fixed-size
 * buffers whatever the file size, writes to a temporary name next to the target and renames it into place (remote:
 * posix-rename or mv, local: atomic move by {@link LocalCopy}), so a broken transfer never leaves half a file under
 * the target name, and a failed one leaves nothing. Optionally compares sha256 of both ends before the rename.
 *
 * <p>A failure names its cause ({@link FileProblem}): from the SFTP status where it is specific, from the errno
 * text of the host's scp, cat or mv, and after a generic failure (OpenSSH's sftp-server answers
 * {@code SSH_FX_FAILURE} for ENOSPC, EROFS, EISDIR and ENAMETOOLONG alike) from {@link FileProblemProbe} run on
 * the same connection, never by a guess.
 *
 * <p>{@code transfer_method: auto} falls back from SFTP only when SFTP cannot start: to SCP when the server has no
 * SFTP subsystem, to the pipe when the login shell prints text on start (which breaks SCP too). The method is
 * remembered per connection, every transfer after a fallback is verified by sha256 (as with
 * {@code verify_checksum}), and {@link #fallback()} says it in each transfer's trace line ({@code -v}) and the log.
 */
public final class Transfers {
    private static final Logger LOG = LoggerFactory.getLogger(Transfers.class);
    private static final int BUFFER = 64 * 1024;
    private static final Duration HELPER_TIMEOUT = Duration.ofMinutes(10);

    private final ClientSession session;
    private final RemoteShell shell;
    private final TransferOptions options;
    private final String where;

    /**
     * @param session the connection's open session; transfers open their own channels on it
     * @param shell runs helper commands (sha256sum, mv, the probe) on the same session
     * @param options the host's transfer method and checksum choice, fixed for the connection
     * @param where {@code user@host:port}, for messages
     */
    public Transfers(ClientSession session, RemoteShell shell, TransferOptions options, String where) {
        this.session = session;
        this.shell = shell;
        this.options = options;
        this.where = where;
    }

    /** With {@code auto}: the method SFTP fell back to on this connection ({@code null}: none). */
    private volatile TransferMethod fallback;
    /** Why, in a phrase the same on every host (for the run's warning line). */
    private volatile String fallbackReason;

    /**
     * @return {@code sftp}, {@code scp} or {@code pipe}: the method the next transfer uses (after a fallback, the
     *         one the last transfer used), for the connection's trace
     */
    public String method() {
        return chosen().text();
    }

    /** @return the configured method, for the trace: {@code auto}, {@code sftp}, {@code scp} or {@code pipe} */
    public String configured() {
        return options.transferMethod().text();
    }

    /**
     * @return the fallback this connection took, as one phrase for the operator, or {@code null} when transfers use
     *         the configured method
     */
    public String fallback() {
        TransferMethod f = fallback;
        return f == null ? null : "transfer_method auto: " + fallbackReason + ", so files go over " + f.text()
                + ", verified by sha256";
    }

    private TransferMethod chosen() {
        TransferMethod f = fallback;
        TransferMethod m = options.transferMethod();
        return m != TransferMethod.AUTO ? m : f != null ? f : TransferMethod.SFTP;
    }

    /** A fallback's result is verified whatever verify_checksum says: it is a method the operator did not name. */
    private boolean verifying() {
        return options.verifyChecksum() || (options.transferMethod() == TransferMethod.AUTO && fallback != null);
    }

    /**
     * Copies a local file to the host.
     *
     * @param local the file to send
     * @param remote the target path
     * @param mode permission bits or {@link Connection#KEEP_MODE}
     * @throws TransferFailedException the host refused the file for a cause it named or the probe found; nothing
     *         was left there
     * @throws LostPut the session died during the put: the temporary file it names may be left on the host
     * @throws IOException the transfer failed otherwise; the target is unchanged
     */
    public void put(Path local, String remote, int mode) throws IOException {
        if (!Files.isRegularFile(local)) {
            throw new NoSuchFileException(local.toString(), null, "put: no such local file");
        }
        int perms = mode == Connection.KEEP_MODE ? localMode(local) : mode & 07777;
        remote = FileNames.intoDirectory(remote, local.getFileName().toString());
        String tmp = FileNames.temporarySibling(remote);
        SftpClient sftp = chosen() == TransferMethod.SFTP ? sftp() : null;
        try {
            if (sftp != null) {
                sftpPut(sftp, local, remote, tmp, perms);
            } else if (chosen() == TransferMethod.PIPE) {
                pipePut(local, remote, tmp, perms);
            } else {
                scpPut(local, remote, tmp, perms);
            }
        } catch (IOException e) {
            if (session.isOpen() || e instanceof TransferFailedException || e instanceof NoSuchFileException) {
                throw inWords(where, "put " + Scp.printable(remote), e);
            }
            // the session died: the host's end of the transfer died with it, and nothing there removed the file
            LOG.debug("{}: connection lost during the put to {}", where, remote, e);
            throw new LostPut(where, remote, tmp, e);
        }
    }

    private void sftpPut(SftpClient sftp, Path local, String remote, String tmp, int perms) throws IOException {
        long size = Files.size(local);
        boolean done = false;
        try (SftpClient client = sftp) {
            if (isDirectory(client, remote)) {
                throw new TransferFailedException("put", remote, FileProblem.IS_A_DIRECTORY, null);
            }
            MessageDigest sha = sha256();
            try (InputStream in = new DigestInputStream(Files.newInputStream(local), sha);
                    OutputStream out = client.write(tmp, BUFFER, SftpClient.OpenMode.Write, SftpClient.OpenMode.Create,
                            SftpClient.OpenMode.Truncate)) {
                in.transferTo(out);
            } catch (SftpException e) {
                throw sftpFailure(shell, where, "put", remote, size, e);
            } catch (WritePendingException e) {
                // MINA 2.15 SftpOutputStreamAsync.close: after the host refused a write, closing the handle finds
                // a write still pending and throws this over the refusal's SftpException; a write failure all the
                // same, and the probe finds its cause
                LOG.debug("{}: put {}: the SFTP write failed and MINA could not close the handle", where, remote, e);
                throw problem(shell, "put", remote, size, null, new ConnectionException(where + ": put "
                        + Scp.printable(remote) + " failed: the host's SFTP server refused a write without a"
                        + " reason, and no cause was found on the host",
                        e));
            }
            try {
                client.setStat(tmp, new SftpClient.Attributes().perms(perms));
            } catch (SftpException e) {
                throw sftpFailure(shell, where, "put", remote, size, e);
            }
            if (verifying()) {
                verify(tmp, remote, sha);
            }
            rename(shell, client, tmp, remote, size, where);
            done = true;
            LOG.debug("{}: put {} -> {} ({} bytes, mode {}) over SFTP", where, local, remote, size,
                    Integer.toOctalString(perms));
        } finally {
            if (!done) {
                removeQuietly(session, where, tmp);
            }
        }
    }

    /**
     * Copies a file from the host, replacing the local one atomically.
     *
     * @param remote the file to read
     * @param local where to write it
     * @throws RemoteFileNotFoundException no such file on the host
     * @throws TransferFailedException the host refused to give it (permission)
     * @throws IOException the transfer failed otherwise; the local file is unchanged and no other was created
     */
    public void fetch(String remote, Path local) throws IOException {
        try {
            fetchInto(remote, local);
        } catch (LocalWriteFailed e) {
            throw here(remote, local, e.getCause());
        } catch (WritePendingException e) {
            // MINA's SFTP stream closing its handle while a request is still being written: the channel's trouble
            throw inWords(where, "fetch " + Scp.printable(remote), new IOException(e.getMessage(), e));
        } catch (IOException e) {
            if (session.isOpen() || e instanceof ConnectionException) {
                throw inWords(where, "fetch " + Scp.printable(remote), e);
            }
            LOG.debug("{}: connection lost during the fetch of {}", where, remote, e);
            throw new ConnectFailedException(where + ": fetch " + Scp.printable(remote) + ": the connection was lost"
                    + " during the transfer (sshd on the host went away, or the network failed); nothing was left"
                    + " behind", e);
        }
    }

    private void fetchInto(String remote, Path local) throws IOException {
        SftpClient sftp = chosen() == TransferMethod.SFTP ? sftp() : null;
        if (chosen() == TransferMethod.SCP) {
            Scp.checkFetchable(where, remote); // before anything is sent or created
        }
        LocalCopy copy;
        try {
            copy = LocalCopy.create(local);
        } catch (IOException | RuntimeException e) {
            if (sftp != null) {
                sftp.close();
            }
            throw e;
        }
        try (copy) {
            MessageDigest sha = sha256();
            Integer perms = null;
            String hostSha = null;
            if (sftp != null) {
                try (SftpClient client = sftp) {
                    SftpClient.Attributes attrs;
                    try {
                        attrs = client.stat(remote);
                    } catch (SftpException e) {
                        throw sftpFailure(shell, where, "fetch", remote, 0, e);
                    }
                    if (attrs.isDirectory()) {
                        throw isADirectoryToFetch(where, remote);
                    }
                    perms = attrs.getPermissions() & 07777;
                    try (InputStream in = client.read(remote, BUFFER);
                            OutputStream out = new DigestOutputStream(copy.output(), sha)) {
                        in.transferTo(out);
                    } catch (SftpException e) {
                        throw sftpFailure(shell, where, "fetch", remote, 0, e);
                    }
                }
            } else if (chosen() == TransferMethod.PIPE) {
                Pipe.Fetched got;
                try (OutputStream out = new DigestOutputStream(copy.output(), sha)) {
                    got = Pipe.download(session, where, remote, out, verifying(), new Pipe.Failures() {
                        @Override
                        public IOException missing() {
                            return notFound(where, "fetch " + Scp.printable(remote) + " over a pipe", remote, null);
                        }

                        @Override
                        public IOException directory() {
                            return isADirectoryToFetch(where, remote);
                        }

                        @Override
                        public IOException denied() {
                            return new TransferFailedException("fetch", remote, FileProblem.PERMISSION, null);
                        }
                    });
                }
                if (!got.noise().isEmpty()) {
                    LOG.debug("{}: the login shell printed \"{}\" before the fetch's frame (not kept)", where,
                            got.noise());
                }
                perms = got.mode() < 0 ? null : got.mode();
                hostSha = got.sha256();
                if (verifying() && hostSha == null) {
                    throw noSha256sum(remote);
                }
            } else {
                try (OutputStream out = new DigestOutputStream(copy.output(), sha)) {
                    perms = Scp.download(session, where, remote, out);
                } catch (ProtocolException e) {
                    throw loginNoiseOr(session, where, e);
                } catch (ConnectionException e) {
                    throw scpFetchFailure(remote, e);
                }
            }
            if (hostSha != null) {
                compare(where, remote, HexFormat.of().formatHex(sha.digest()), hostSha);
            } else if (verifying()) {
                verify(remote, remote, sha);
            }
            if (perms != null) {
                setLocalMode(copy, perms);
            }
            copy.commit();
            LOG.debug("{}: fetched {} -> {}", where, remote, local);
        }
    }

    /**
     * Opens SFTP, or decides (with {@code auto}) that this connection cannot use it, and why.
     *
     * @return the client, or {@code null} when {@link #fallback} now names the method to use
     */
    private SftpClient sftp() throws IOException {
        try {
            return GuardedSftpClient.open(session);
        } catch (IOException e) {
            if (!session.isOpen()) {
                LOG.debug("{}: connection lost while SFTP started", where, e);
                throw new ConnectFailedException(where + ": the connection was lost while SFTP started (sshd on the"
                        + " host went away, or the network failed); nothing was sent", e);
            }
            // the subsystem started but its first packet was not SFTP: the login shell printed first
            String noise = LoginNoise.read(session);
            if (noise != null) {
                if (options.transferMethod() == TransferMethod.SFTP) {
                    throw new ProtocolException(where + ": SFTP could not start: " + LoginNoise.explain(where, noise),
                            e);
                }
                fallBack(where, TransferMethod.PIPE, "the login shell prints text on start, which breaks SFTP and SCP",
                        LoginNoise.explain(where, noise));
                return null;
            }
            LOG.debug("{}: SFTP did not start", where, e);
            if (options.transferMethod() == TransferMethod.SFTP) {
                throw new ProtocolException(where + ": the server has no SFTP subsystem (it closed the SFTP channel"
                        + " at its start); enable it in sshd_config (Subsystem sftp ...) or set transfer_method: scp"
                        + " or pipe", e);
            }
            fallBack(where, TransferMethod.SCP, "the server has no SFTP subsystem", "it closed the SFTP channel at its"
                    + " start");
            return null;
        }
    }

    private void fallBack(String where, TransferMethod to, String reason, String detail) {
        fallbackReason = reason;
        fallback = to;
        LOG.info("{}: {} ({}); using {} for this connection, verified by sha256", where, reason, detail, to.text());
    }

    private void pipePut(Path local, String remote, String tmp, int perms) throws IOException {
        long size = Files.size(local);
        String sha = null;
        if (verifying()) {
            MessageDigest d = sha256();
            try (InputStream in = new DigestInputStream(Files.newInputStream(local), d)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
            sha = HexFormat.of().formatHex(d.digest());
        }
        Pipe.Put r;
        try (InputStream in = Files.newInputStream(local)) {
            r = Pipe.upload(session, tmp, remote, in, size, perms, sha);
        }
        // the script removed its temporary file on every failure (or never made it)
        String what = "put to " + Scp.printable(remote) + " over a pipe";
        switch (r.exit()) {
            case 0 -> LOG.debug("{}: put {} -> {} over a pipe", where, local, remote);
            case Pipe.IS_A_DIRECTORY -> throw new TransferFailedException("put", remote, FileProblem.IS_A_DIRECTORY,
                    null);
            case Pipe.SHORT -> throw new ConnectionException(where + ": " + what + " failed: the host "
                    + r.stderr() + " (the connection broke); nothing was left behind");
            case Pipe.NO_SHA256SUM -> throw noSha256sum(remote);
            case Pipe.MISMATCH -> throw new ConnectionException(where + ": checksum mismatch for " + remote
                    + ": local sha256 " + sha + ", remote " + r.stderr() + "; the transfer was corrupted and not kept");
            case -1 -> throw new ConnectionException(where + ": " + what + " failed: the host's sh ended without an"
                    + " exit status" + (r.stderr().isEmpty() ? "" : " (" + Scp.printable(r.stderr()) + ")"));
            default -> throw problem(shell, "put", remote, size, r.stderr(), new ConnectionException(where + ": "
                    + what + " failed: the host's sh exited with " + r.exit() + (r.stderr().isEmpty() ? ""
                            : " (" + Scp.printable(r.stderr()) + ")")));
        }
    }

    private void scpPut(Path local, String remote, String tmp, int perms) throws IOException {
        long size = Files.size(local);
        MessageDigest sha = sha256();
        boolean done = false;
        try {
            try (InputStream in = new DigestInputStream(Files.newInputStream(local), sha)) {
                Scp.upload(session, where, tmp, in, size, perms);
            } catch (ProtocolException e) {
                throw loginNoiseOr(session, where, e);
            } catch (ConnectionException e) {
                throw session.isOpen() ? problem(shell, "put", remote, size, e.getMessage(), e) : e;
            }
            if (verifying()) {
                verify(tmp, remote, sha);
            }
            // mv would move the file into a directory of the target's name: refuse that by name
            String target = ShellCommand.quotePath(remote);
            ExecResult mv = shell.run(Command.shell("if [ -d " + target + " ]; then exit 21; fi; chmod "
                    + Integer.toOctalString(perms) + " " + ShellCommand.quotePath(tmp) + " && mv -f "
                    + ShellCommand.quotePath(tmp) + " " + target).withTimeout(HELPER_TIMEOUT));
            if (mv.exitCode() == 21) {
                throw new TransferFailedException("put", remote, FileProblem.IS_A_DIRECTORY, null);
            }
            if (mv.exitCode() != 0) {
                throw problem(shell, "put", remote, size, mv.stderrText(), new ConnectionException(where
                        + ": put: could not rename the uploaded file to " + Scp.printable(remote) + ": "
                        + Scp.printable(mv.stderrText().trim())));
            }
            done = true;
            LOG.debug("{}: put {} -> {} over SCP", where, local, remote);
        } finally {
            if (!done && session.isOpen()) {
                try {
                    shell.run(Command.shell("rm -f " + ShellCommand.quotePath(tmp)).withTimeout(Duration.ofSeconds(30)));
                } catch (IOException e) {
                    LOG.debug("{}: could not remove {}: {}", where, tmp, e.toString());
                }
            }
        }
    }

    private static boolean isDirectory(SftpClient client, String remote) {
        try {
            return client.stat(remote).isDirectory();
        } catch (IOException e) {
            return false; // missing (the usual case) or unreadable: the write says what is wrong
        }
    }

    private static void rename(RemoteShell shell, SftpClient client, String tmp, String remote, long size, String where)
            throws IOException {
        OpenSSHPosixRenameExtension posix = client.getExtension(OpenSSHPosixRenameExtension.class);
        try {
            if (posix != null && posix.isSupported()) {
                posix.posixRename(tmp, remote);
            } else if (client.getVersion() >= SftpConstants.SFTP_V5) {
                client.rename(tmp, remote, SftpClient.CopyMode.Atomic, SftpClient.CopyMode.Overwrite);
            } else {
                try {
                    client.rename(tmp, remote);
                } catch (SftpException e) {
                    // SFTP v3 rename fails when the target exists: replace it (not atomic, but never half a file)
                    client.remove(remote);
                    client.rename(tmp, remote);
                }
            }
        } catch (SftpException e) {
            throw sftpFailure(shell, where, "put", remote, size, e);
        }
    }

    private static void removeQuietly(ClientSession session, String where, String tmp) {
        if (!session.isOpen()) {
            return;
        }
        try (SftpClient client = GuardedSftpClient.open(session)) {
            client.remove(tmp);
        } catch (SftpException e) {
            if (e.getStatus() != SftpConstants.SSH_FX_NO_SUCH_FILE) {
                LOG.debug("{}: could not remove {}: {}", where, tmp, e.toString());
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: could not remove {}: {}", where, tmp, e.toString());
        }
    }

    /** Compares sha256 of {@code remoteFile} on the host with the local digest, with sha256sum on the host. */
    private void verify(String remoteFile, String target, MessageDigest local) throws IOException {
        String expected = HexFormat.of().formatHex(local.digest());
        // read from stdin: sha256sum escapes a name holding \ or a line break in its output line
        ExecResult r = shell.run(Command.shell("sha256sum < " + ShellCommand.quotePath(remoteFile))
                .withTimeout(HELPER_TIMEOUT));
        // the last line: a login shell may print text before it
        String[] lines = r.stdoutText().strip().split("\n");
        String out = lines[lines.length - 1].strip();
        if (r.exitCode() != 0 || !out.matches("[0-9a-fA-F]{64}\\b.*")) {
            throw noSha256sum(target);
        }
        compare(where, target, expected, out.substring(0, 64));
    }

    private static void compare(String where, String target, String expected, String actual) throws IOException {
        if (!actual.equalsIgnoreCase(expected)) {
            throw new ConnectionException(where + ": checksum mismatch for " + Scp.printable(target) + ": local sha256 "
                    + expected + ", remote " + actual + "; the transfer was corrupted and not kept");
        }
    }

    private ConnectionException noSha256sum(String target) {
        return new ConnectionException(where + ": sha256sum failed on the host for " + Scp.printable(target)
                + (options.verifyChecksum()
                        ? " (verify_checksum is true); install coreutils or turn verify_checksum off"
                        : " (transfer_method auto fell back to " + method() + " and verifies it); install coreutils,"
                                + " or set transfer_method: " + method() + " to use it unverified")
                + "; nothing was kept");
    }

    private static int localMode(Path local) {
        try {
            return LocalCopy.modeOf(local);
        } catch (IOException | UnsupportedOperationException e) {
            return 0644;
        }
    }

    /** The host's mode on the local copy, where the file system takes it; a refusal keeps the copy's own. */
    private static void setLocalMode(LocalCopy copy, int mode) {
        try {
            copy.setMode(mode);
        } catch (LocalWriteFailed e) {
            LOG.debug("cannot set mode of {}: {}", copy.temporary(), e.getCause().toString());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
