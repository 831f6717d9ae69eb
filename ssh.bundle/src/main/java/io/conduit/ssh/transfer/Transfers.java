package io.conduit.ssh.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.client.extensions.openssh.OpenSSHPosixRenameExtension;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.FileNames;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.ShellCommand;
import io.conduit.ssh.SshSettings;
import io.conduit.ssh.TransferMethod;

/**
 * put and fetch over SFTP, or SCP when the server has no SFTP subsystem. Streams with fixed-size buffers
 * whatever the file size, writes to a temporary name next to the target and renames it into place (remote:
 * posix-rename, local: atomic move), so a broken transfer never leaves half a file under the target name.
 * Optionally compares sha256 of both ends before the rename.
 */
public final class Transfers {
    private static final Logger LOG = LoggerFactory.getLogger(Transfers.class);
    private static final int BUFFER = 64 * 1024;
    private static final Duration HELPER_TIMEOUT = Duration.ofMinutes(10);

    /** Runs helper commands (sha256sum, mv) on the same connection. */
    public interface Shell {
        /**
         * @param command the command
         * @return its result
         * @throws IOException the command could not run
         */
        ExecResult run(Command command) throws IOException;
    }

    /** Set once SFTP turned out to be missing, so that later transfers go straight to SCP. */
    private volatile boolean noSftp;

    /**
     * @param s the host's settings
     * @return {@code sftp} or {@code scp}: the method the next transfer uses (after a fallback, the one the last
     *         transfer used), for the connection's trace
     */
    public String method(SshSettings s) {
        return s.transferMethod() == TransferMethod.SCP || (s.transferMethod() == TransferMethod.AUTO && noSftp)
                ? "scp" : "sftp";
    }

    /**
     * Copies a local file to the host.
     *
     * @param session the open session
     * @param shell runs helper commands
     * @param s the host's settings
     * @param where {@code user@host:port}, for messages
     * @param local the file to send
     * @param remote the target path
     * @param mode permission bits or {@link Connection#KEEP_MODE}
     * @throws IOException the transfer failed; the target is unchanged
     */
    public void put(ClientSession session, Shell shell, SshSettings s, String where, Path local, String remote,
            int mode) throws IOException {
        if (!Files.isRegularFile(local)) {
            throw new NoSuchFileException(local.toString(), null, "put: no such local file");
        }
        int perms = mode == Connection.KEEP_MODE ? localMode(local) : mode & 07777;
        remote = FileNames.intoDirectory(remote, local.getFileName().toString());
        String tmp = FileNames.temporarySibling(remote);
        SftpClient sftp = sftp(session, s, where);
        if (sftp == null) {
            scpPut(session, shell, s, where, local, remote, tmp, perms);
            return;
        }
        boolean done = false;
        try (SftpClient client = sftp) {
            if (isDirectory(client, remote)) {
                throw new ConnectionException(where + ": put: " + isADirectory(remote));
            }
            MessageDigest sha = sha256();
            try (InputStream in = new DigestInputStream(Files.newInputStream(local), sha);
                    OutputStream out = client.write(tmp, BUFFER, SftpClient.OpenMode.Write, SftpClient.OpenMode.Create,
                            SftpClient.OpenMode.Truncate)) {
                in.transferTo(out);
            } catch (SftpException e) {
                throw sftpFailure(where, "put to " + remote, remote, e);
            }
            client.setStat(tmp, new SftpClient.Attributes().perms(perms));
            if (s.verifyChecksum()) {
                verify(shell, where, tmp, remote, sha);
            }
            rename(client, tmp, remote, where);
            done = true;
            LOG.debug("{}: put {} -> {} ({} bytes, mode {}) over SFTP", where, local, remote, Files.size(local),
                    Integer.toOctalString(perms));
        } finally {
            if (!done) {
                removeQuietly(session, s, where, tmp);
            }
        }
    }

    /**
     * Copies a file from the host, replacing the local one atomically.
     *
     * @param session the open session
     * @param shell runs helper commands
     * @param s the host's settings
     * @param where {@code user@host:port}, for messages
     * @param remote the file to read
     * @param local where to write it
     * @throws IOException the transfer failed; the local file is unchanged
     */
    public void fetch(ClientSession session, Shell shell, SshSettings s, String where, String remote, Path local)
            throws IOException {
        Path dir = local.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = FileNames.createTemporarySibling(local);
        boolean done = false;
        try {
            SftpClient sftp = sftp(session, s, where);
            MessageDigest sha = sha256();
            Integer perms = null;
            if (sftp != null) {
                try (SftpClient client = sftp) {
                    SftpClient.Attributes attrs;
                    try {
                        attrs = client.stat(remote);
                    } catch (SftpException e) {
                        throw sftpFailure(where, "fetch " + remote, remote, e);
                    }
                    if (attrs.isDirectory()) {
                        throw new ConnectionException(where + ": fetch " + remote + ": it is a directory; fetch"
                                + " copies single files");
                    }
                    perms = attrs.getPermissions() & 07777;
                    try (InputStream in = client.read(remote, BUFFER);
                            OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), sha)) {
                        in.transferTo(out);
                    } catch (SftpException e) {
                        throw sftpFailure(where, "fetch " + remote, remote, e);
                    }
                }
            } else {
                try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), sha)) {
                    perms = Scp.download(session, where, remote, out);
                }
            }
            if (s.verifyChecksum()) {
                verify(shell, where, remote, remote, sha);
            }
            if (perms != null) {
                setLocalMode(tmp, perms);
            }
            try {
                Files.move(tmp, local, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, local, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            LOG.debug("{}: fetched {} -> {}", where, remote, local);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private SftpClient sftp(ClientSession session, SshSettings s, String where) throws IOException {
        if (s.transferMethod() == TransferMethod.SCP || (s.transferMethod() == TransferMethod.AUTO && noSftp)) {
            return null;
        }
        try {
            return SftpClientFactory.instance().createSftpClient(session);
        } catch (IOException e) {
            if (!session.isOpen()) {
                throw e;
            }
            if (s.transferMethod() == TransferMethod.SFTP) {
                throw new ProtocolException(where + ": the server has no SFTP subsystem (" + e.getMessage()
                        + "); enable it in sshd_config (Subsystem sftp ...) or set transfer_method: scp", e);
            }
            noSftp = true;
            LOG.info("{}: no SFTP subsystem ({}); using SCP for this connection", where, e.getMessage());
            return null;
        }
    }

    private void scpPut(ClientSession session, Shell shell, SshSettings s, String where, Path local, String remote,
            String tmp, int perms) throws IOException {
        MessageDigest sha = sha256();
        boolean done = false;
        try {
            try (InputStream in = new DigestInputStream(Files.newInputStream(local), sha)) {
                Scp.upload(session, where, tmp, in, Files.size(local), perms);
            }
            if (s.verifyChecksum()) {
                verify(shell, where, tmp, remote, sha);
            }
            // mv would move the file into a directory of the target's name: refuse that by name
            String target = ShellCommand.quotePath(remote);
            ExecResult mv = shell.run(Command.shell("if [ -d " + target + " ]; then exit 21; fi; chmod "
                    + Integer.toOctalString(perms) + " " + ShellCommand.quotePath(tmp) + " && mv -f "
                    + ShellCommand.quotePath(tmp) + " " + target).withTimeout(HELPER_TIMEOUT));
            if (mv.exitCode() == 21) {
                throw new ConnectionException(where + ": put: " + isADirectory(remote));
            }
            if (mv.exitCode() != 0) {
                throw new ConnectionException(where + ": put: could not rename the uploaded file to "
                        + Scp.printable(remote) + ": " + mv.stderrText().trim());
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

    private static String isADirectory(String remote) {
        return Scp.printable(remote) + " is a directory; give the file's path, or end it with / to put the file"
                + " into it";
    }

    private static void rename(SftpClient client, String tmp, String remote, String where) throws IOException {
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
            throw sftpFailure(where, "rename to " + remote, remote, e);
        }
    }

    private void removeQuietly(ClientSession session, SshSettings s, String where, String tmp) {
        if (!session.isOpen()) {
            return;
        }
        try (SftpClient client = SftpClientFactory.instance().createSftpClient(session)) {
            client.remove(tmp);
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: could not remove {}: {}", where, tmp, e.toString());
        }
    }

    private static void verify(Shell shell, String where, String remoteFile, String target, MessageDigest local)
            throws IOException {
        String expected = HexFormat.of().formatHex(local.digest());
        // read from stdin: sha256sum escapes a name holding \ or a line break in its output line
        ExecResult r = shell.run(Command.shell("sha256sum < " + ShellCommand.quotePath(remoteFile))
                .withTimeout(HELPER_TIMEOUT));
        String out = r.stdoutText().trim();
        if (r.exitCode() != 0 || out.length() < 64) {
            throw new ConnectionException(where + ": verify_checksum: sha256sum failed on the host for " + target
                    + " (" + r.stderrText().trim() + "); install coreutils or turn verify_checksum off");
        }
        String actual = out.substring(0, 64);
        if (!actual.equalsIgnoreCase(expected)) {
            throw new ConnectionException(where + ": checksum mismatch for " + target + ": local sha256 " + expected
                    + ", remote " + actual + "; the transfer was corrupted and not kept");
        }
    }

    private static IOException sftpFailure(String where, String what, String path, SftpException e) {
        int status = e.getStatus();
        if (status == SftpConstants.SSH_FX_NO_SUCH_FILE || status == SftpConstants.SSH_FX_NO_SUCH_PATH) {
            return new RemoteFileNotFoundException(where + ": " + what + ": no such file or directory " + path
                    + " on the host; check the path", e);
        }
        if (status == SftpConstants.SSH_FX_PERMISSION_DENIED) {
            return new ConnectionException(where + ": " + what + ": permission denied for " + path
                    + "; check the remote user's rights", e);
        }
        return new ConnectionException(where + ": " + what + " failed: " + e.getMessage(), e);
    }

    private static int localMode(Path local) {
        try {
            int mode = 0;
            for (PosixFilePermission p : Files.getPosixFilePermissions(local)) {
                mode |= 1 << (8 - p.ordinal());
            }
            return mode;
        } catch (IOException | UnsupportedOperationException e) {
            return 0644;
        }
    }

    private static void setLocalMode(Path file, int mode) {
        try {
            Files.setPosixFilePermissions(file, permissions(mode));
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("cannot set mode of {}: {}", file, e.toString());
        }
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (1 << (8 - p.ordinal()))) != 0) {
                set.add(p);
            }
        }
        return set;
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
