package io.conduit.ssh.transfer;

import java.io.IOException;
import java.nio.file.Path;

import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.sftp.common.SftpConstants;
import org.apache.sshd.sftp.common.SftpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.api.support.FileProblemProbe;

/**
 * What a failed transfer says to the operator: a cause of {@link FileProblem} where the SFTP status, the errno text
 * of the host's scp, cat or mv, or {@link FileProblemProbe} on the same session names one, never a guess; else the
 * library's failure in words, its details in the log at DEBUG.
 */
final class TransferFailures {
    private static final Logger LOG = LoggerFactory.getLogger(TransferFailures.class);

    private TransferFailures() {
    }

    /**
     * A failure of a transfer on a session that is still open, for the operator: ours and the JDK's as they are,
     * a library's (MINA's messages name its objects: {@code ClientSessionImpl[...]}) in words, its details in the
     * log at DEBUG.
     */
    static IOException inWords(String where, String what, IOException e) {
        if (e instanceof ConnectionException || e instanceof java.nio.file.FileSystemException) {
            return e;
        }
        LOG.debug("{}: {} failed", where, what, e);
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof org.apache.sshd.common.channel.exception.SshChannelOpenException) {
                return new ConnectionException(where + ": " + what + " failed: the server refused to open a channel"
                        + " for it; if many commands and transfers run at once, lower max_channels below the server's"
                        + " MaxSessions", e);
            }
        }
        return new ConnectionException(where + ": " + what + " failed: the SSH channel of the transfer broke"
                + " (the log file has the details at DEBUG); try again, and check sshd's log on the host", e);
    }

    /**
     * A fetch could not write its copy here: in the words every plugin uses when the cause is one of
     * {@link FileProblem}'s ({@link TransferFailedException#here}), else the system's words as they are.
     */
    static IOException here(String remote, Path local, IOException e) {
        FileProblem p = FileProblem.fromLocalFailure(e);
        return p == null ? e : TransferFailedException.here(remote, local, p, e);
    }

    /**
     * SCP's answer was not the protocol: when the login shell printed text on start, that is the cause, named with
     * the fix; otherwise the protocol error as it was.
     */
    static IOException loginNoiseOr(ClientSession session, String where, ProtocolException e) {
        String noise = session.isOpen() ? LoginNoise.read(session) : null;
        return noise == null ? e : new ProtocolException(where + ": SCP could not start: " + LoginNoise.explain(where,
                noise), e);
    }

    /** The host's scp refused a fetch: a cause it named in errno words, or its words as they were. */
    static IOException scpFetchFailure(String remote, ConnectionException e) {
        if (e instanceof RemoteFileNotFoundException || e instanceof TransferFailedException) {
            return e;
        }
        FileProblem p = FileProblem.fromErrorText(e.getMessage());
        return p == FileProblem.PERMISSION ? new TransferFailedException("fetch", remote, p, e) : e;
    }

    /**
     * The cause of a failed write of {@code size} bytes to {@code target}: named in {@code said} (an errno text of
     * the host's scp, cat, mv), else found by {@link FileProblemProbe} on the host.
     *
     * @return a {@link TransferFailedException} naming the cause, or {@code otherwise} when none was found
     */
    static IOException problem(RemoteShell shell, String operation, String target, long size, String said,
            IOException otherwise) {
        FileProblem p = FileProblem.fromErrorText(said);
        if (p == null) {
            p = probe(shell, target, size);
        }
        return p == null ? otherwise : new TransferFailedException(operation, target, p, otherwise);
    }

    static FileProblem probe(RemoteShell shell, String target, long size) {
        return probed(shell, target, size).problem();
    }

    /**
     * @param problem the cause found, or {@code null}
     * @param cleared the probe ran to its end and found nothing ({@code unknown}): room, a writable directory, no
     *        read-only mount
     */
    record Probed(FileProblem problem, boolean cleared) {
    }

    static Probed probed(RemoteShell shell, String target, long size) {
        try {
            ExecResult r = shell.run(FileProblemProbe.command(target, size));
            FileProblem p = FileProblemProbe.read(r);
            String out = r.stdoutText().strip();
            return new Probed(p, p == null && r.exitCode() == 0 && out.endsWith("unknown"));
        } catch (IOException | RuntimeException e) {
            LOG.debug("the probe for {} did not run: {}", target, e.toString());
            return new Probed(null, false);
        }
    }

    static IOException isADirectoryToFetch(String where, String remote) {
        return new ConnectionException(where + ": fetch " + Scp.printable(remote) + ": it is a directory; fetch"
                + " copies single files");
    }

    static RemoteFileNotFoundException notFound(String where, String what, String path, Exception cause) {
        return new RemoteFileNotFoundException(where + ": " + what + ": no such file or directory "
                + Scp.printable(path) + " on the host; check the path", cause);
    }

    /**
     * The cause of an SFTP failure. OpenSSH's sftp-server (protocol 3) names only ENOENT and EACCES/EPERM and
     * answers SSH_FX_FAILURE for everything else; servers of protocol 5 and later name more (draft-ietf-secsh-
     * filexfer-13, section 9.1). After a generic failure of a put the probe finds the cause on the host.
     */
    static IOException sftpFailure(RemoteShell shell, String where, String operation, String path, long size,
            SftpException e) {
        FileProblem p = switch (e.getStatus()) {
            case SftpConstants.SSH_FX_PERMISSION_DENIED -> FileProblem.PERMISSION;
            case SftpConstants.SSH_FX_NO_SPACE_ON_FILESYSTEM -> FileProblem.NO_SPACE;
            case SftpConstants.SSH_FX_QUOTA_EXCEEDED -> FileProblem.QUOTA;
            case SftpConstants.SSH_FX_FILE_IS_A_DIRECTORY -> FileProblem.IS_A_DIRECTORY;
            case SftpConstants.SSH_FX_WRITE_PROTECT -> FileProblem.READ_ONLY;
            case SftpConstants.SSH_FX_NOT_A_DIRECTORY -> FileProblem.NOT_A_DIRECTORY;
            // for a put: a missing directory, or a part of the path that is a file (OpenSSH answers ENOTDIR so
            // too); the probe tells them apart
            default -> null;
        };
        boolean noSuchFile = e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_FILE
                || e.getStatus() == SftpConstants.SSH_FX_NO_SUCH_PATH;
        if (p == null && operation.equals("fetch") && noSuchFile) {
            return notFound(where, "fetch " + Scp.printable(path), path, e);
        }
        boolean cleared = false;
        if (p == null && operation.equals("put")) {
            Probed probed = probed(shell, path, size);
            p = probed.problem();
            cleared = probed.cleared();
            if (p == null && noSuchFile) {
                p = FileProblem.MISSING_DIRECTORY; // the probe did not run: what the status says
            }
        }
        if (p != null) {
            return new TransferFailedException(operation, path, p, e);
        }
        if (cleared && e.getStatus() == SftpConstants.SSH_FX_FAILURE) {
            // what is left once the probe saw room, a writable directory and no read-only mount
            return new ConnectionException(where + ": put " + Scp.printable(path) + " failed: the host's SFTP server"
                    + " answered only \"Failure\", and the directory exists, is writable, is not read-only and has"
                    + " room; a disk quota (which only the host's quota tools show) or an I/O error remain", e);
        }
        return new ConnectionException(where + ": " + operation + " " + Scp.printable(path) + " failed: the host's"
                + " SFTP server answered \"" + Scp.printable(String.valueOf(e.getMessage())) + "\"", e);
    }
}
