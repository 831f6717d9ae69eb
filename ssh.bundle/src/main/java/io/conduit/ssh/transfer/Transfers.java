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
import java.security.SecureRandom;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.scp.client.ScpClient;
import org.apache.sshd.scp.client.ScpClientCreator;
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
    private static final SecureRandom RANDOM = new SecureRandom();
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
        String tmp = tempName(remote);
        SftpClient sftp = sftp(session, s, where);
        if (sftp == null) {
            scpPut(session, shell, s, where, local, remote, tmp, perms);
            return;
        }
        boolean done = false;
        try (SftpClient client = sftp) {
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
        Path tmp = Files.createTempFile(dir, "." + local.getFileName() + ".", ".conduit-tmp");
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
                ScpClient scp = ScpClientCreator.instance().createScpClient(session);
                try (OutputStream out = new DigestOutputStream(Files.newOutputStream(tmp), sha)) {
                    scp.download(remote, out);
                } catch (IOException e) {
                    String m = String.valueOf(e.getMessage());
                    String lower = m.toLowerCase(java.util.Locale.ROOT);
                    if (lower.contains("no such file") || lower.contains("not found")) {
                        throw new RemoteFileNotFoundException(where + ": fetch " + remote
                                + ": no such file on the host; check the path", e);
                    }
                    throw new ConnectionException(where + ": fetch " + remote + " over SCP failed: " + m, e);
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
        ScpClient scp = ScpClientCreator.instance().createScpClient(session);
        MessageDigest sha = sha256();
        boolean done = false;
        try {
            try (InputStream in = new DigestInputStream(Files.newInputStream(local), sha)) {
                scp.upload(in, tmp, Files.size(local), permissions(perms), null);
            } catch (IOException e) {
                throw new ConnectionException(where + ": put to " + remote + " over SCP failed: " + e.getMessage(), e);
            }
            if (s.verifyChecksum()) {
                verify(shell, where, tmp, remote, sha);
            }
            ExecResult mv = shell.run(Command.shell("chmod " + Integer.toOctalString(perms) + " "
                    + ShellCommand.quote(tmp) + " && mv -f " + ShellCommand.quote(tmp) + " "
                    + ShellCommand.quote(remote)).withTimeout(HELPER_TIMEOUT));
            if (mv.exitCode() != 0) {
                throw new ConnectionException(where + ": put: could not rename the uploaded file to " + remote + ": "
                        + mv.stderrText().trim());
            }
            done = true;
            LOG.debug("{}: put {} -> {} over SCP", where, local, remote);
        } finally {
            if (!done && session.isOpen()) {
                try {
                    shell.run(Command.shell("rm -f " + ShellCommand.quote(tmp)).withTimeout(Duration.ofSeconds(30)));
                } catch (IOException e) {
                    LOG.debug("{}: could not remove {}: {}", where, tmp, e.toString());
                }
            }
        }
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
        ExecResult r = shell.run(Command.shell("sha256sum -- " + ShellCommand.quote(remoteFile))
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

    private static String tempName(String remote) {
        int slash = remote.lastIndexOf('/');
        String dir = slash >= 0 ? remote.substring(0, slash + 1) : "";
        String name = remote.substring(slash + 1);
        return dir + "." + name + ".conduit-" + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp";
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
