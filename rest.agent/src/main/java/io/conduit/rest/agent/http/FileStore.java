package io.conduit.rest.agent.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Set;

import io.conduit.api.support.FileNames;
import io.conduit.api.connection.FileProblem;

/**
 * Reads and writes files for the API: absolute paths only, writes to a temporary name then renames. Temporary
 * names follow Conduit's one rule ({@link FileNames}: fixed length, hidden, in the target's directory), so that a
 * target name of up to 255 bytes can be written.
 */
final class FileStore {

    /** What a write produced. */
    record Written(Path path, long size, String sha256) {
    }

    private FileStore() {
    }

    static Path resolve(String path) throws ApiError {
        if (path == null || path.isEmpty()) {
            throw new ApiError(400, "missing \"path\"; give the absolute path of the file");
        }
        if (path.indexOf('\0') >= 0) {
            throw new ApiError(400, "\"path\" contains a NUL character");
        }
        Path p;
        try {
            p = Path.of(path);
        } catch (InvalidPathException e) {
            throw new ApiError(400, "\"path\" cannot be represented on this host (" + e.getReason()
                    + "); non-ASCII names need the agent to run in a UTF-8 locale, e.g. LC_ALL=C.UTF-8");
        }
        if (!p.isAbsolute()) {
            throw new ApiError(400, "\"path\" must be absolute: " + path);
        }
        return p.normalize();
    }

    /**
     * Streams {@code in} into a temporary file next to {@code target}, then renames it over the target. On any
     * failure the temporary file is removed before this returns, so that nothing is left behind.
     *
     * @param mode permission bits, or -1 to keep the existing file's (0644 for a new file)
     * @param limit the most bytes accepted
     * @throws ApiError the file cannot be written; {@link ApiError#problem()} names the file system's cause when
     *         it is one of {@link FileProblem}'s
     * @throws IOException reading {@code in} failed (the client went away)
     */
    static Written write(Path target, InputStream in, int mode, long limit) throws ApiError, IOException {
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw missingDirectory(dir);
        }
        if (Files.isDirectory(target)) {
            throw ApiError.file(FileProblem.IS_A_DIRECTORY, "cannot write " + target + ": it is a directory");
        }
        int bits = mode >= 0 ? mode : Files.exists(target) ? modeOf(target) : 0644;
        Path temp;
        try {
            temp = FileNames.createTemporarySibling(target);
        } catch (IOException e) {
            throw refusal("write", target, e);
        }
        ClientBody body = new ClientBody(in);
        try {
            MessageDigest sha = sha256();
            long size = 0;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp, StandardOpenOption.WRITE), sha)) {
                byte[] buffer = new byte[65536];
                int n;
                while ((n = body.read(buffer)) >= 0) {
                    size += n;
                    if (size > limit) {
                        throw new ApiError(413, "file larger than the agent's limit of " + limit
                                + " bytes; start the agent with a larger --max-file-size or --max-request-size");
                    }
                    out.write(buffer, 0, n);
                }
            }
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            setMode(temp, bits);
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return new Written(target, size, HexFormat.of().formatHex(sha.digest()));
        } catch (IOException e) {
            if (body.failure == e) {
                throw e; // the client's side, not the file's
            }
            throw refusal("write", target, e);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /**
     * The file system's refusal in the protocol's words: the cause the JDK's exception type or the system's
     * {@code errno} text names ({@link FileProblem#fromErrorText}), and the system's own words for the log and
     * older clients. A cause that is none of {@link FileProblem}'s is a {@code 500} with the system's words.
     *
     * @param verb {@code "write"} or {@code "read"}
     */
    static ApiError refusal(String verb, Path file, IOException e) {
        String said = e instanceof FileSystemException f ? f.getReason() : e.getMessage();
        FileProblem problem = e instanceof AccessDeniedException ? FileProblem.PERMISSION
                : e instanceof NotDirectoryException ? FileProblem.NOT_A_DIRECTORY
                : e instanceof NoSuchFileException && verb.equals("write") ? FileProblem.MISSING_DIRECTORY
                : FileProblem.fromErrorText(said);
        if (said == null) {
            said = problem == null ? e.getClass().getSimpleName() : problem.reason();
        }
        String message = "cannot " + verb + " " + file + ": " + said;
        return problem == null ? new ApiError(500, message) : ApiError.file(problem, message);
    }

    /** A missing directory, a part of its path that is a file, or a directory the agent may not look into. */
    private static ApiError missingDirectory(Path dir) {
        try {
            Files.readAttributes(dir, java.nio.file.attribute.BasicFileAttributes.class);
        } catch (AccessDeniedException e) {
            return ApiError.file(FileProblem.PERMISSION, "cannot write in " + dir + ": permission denied (the agent"
                    + " runs as " + System.getProperty("user.name") + ")");
        } catch (IOException e) {
            // missing, or not a directory: below
        }
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    return ApiError.file(FileProblem.NOT_A_DIRECTORY, "cannot write in " + dir + ": " + p
                            + " is not a directory");
                }
                break;
            }
        }
        return ApiError.file(FileProblem.MISSING_DIRECTORY, "directory " + dir + " does not exist; create it first");
    }

    static Path readable(Path path) throws ApiError {
        try {
            Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class);
        } catch (NoSuchFileException | NotDirectoryException e) {
            throw new ApiError(404, "no such file: " + path);
        } catch (IOException e) {
            if (FileProblem.fromErrorText(e.getMessage()) == FileProblem.NOT_A_DIRECTORY) {
                // a file on the way (ENOTDIR): no such file, as sftp and the other plugins say it
                throw new ApiError(404, "no such file: " + path);
            }
            // a directory on the way the agent may not look into: the file may well exist
            throw refusal("read", path, e);
        }
        if (Files.isDirectory(path)) {
            throw ApiError.file(FileProblem.IS_A_DIRECTORY, path + " is a directory, not a file");
        }
        if (!Files.isReadable(path)) {
            throw ApiError.file(FileProblem.PERMISSION, "permission denied reading " + path);
        }
        return path;
    }

    /** The request body, remembering its own read failure, which is the client's and not the file system's. */
    private static final class ClientBody {
        private final InputStream in;
        private IOException failure;

        ClientBody(InputStream in) {
            this.in = in;
        }

        int read(byte[] buffer) throws IOException {
            try {
                return in.read(buffer);
            } catch (IOException e) {
                failure = e;
                throw e;
            }
        }
    }

    static int modeOf(Path path) {
        try {
            int bits = 0;
            for (PosixFilePermission p : Files.getPosixFilePermissions(path)) {
                bits |= 1 << (8 - p.ordinal());
            }
            return bits;
        } catch (IOException | UnsupportedOperationException e) {
            return 0644;
        }
    }

    static int parseMode(String text) throws ApiError {
        if (text == null || text.isEmpty()) {
            return -1;
        }
        try {
            int mode = Integer.parseInt(text.startsWith("0o") ? text.substring(2) : text, 8);
            if (mode < 0 || mode > 07777) {
                throw new NumberFormatException();
            }
            return mode;
        } catch (NumberFormatException e) {
            throw new ApiError(400, "\"mode\" must be octal digits like \"0644\", not \"" + text + "\"");
        }
    }

    private static void setMode(Path file, int bits) throws IOException {
        Set<PosixFilePermission> perms = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((bits & (1 << (8 - p.ordinal()))) != 0) {
                perms.add(p);
            }
        }
        try {
            Files.setPosixFilePermissions(file, perms);
        } catch (UnsupportedOperationException e) {
            // not POSIX: the file keeps the default permissions
        } catch (NoSuchFileException e) {
            throw e;
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
