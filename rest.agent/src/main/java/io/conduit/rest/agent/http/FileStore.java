package io.conduit.rest.agent.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
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

import io.conduit.api.connection.FileNames;

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
     * Streams {@code in} into a temporary file next to {@code target}, then renames it over the target.
     *
     * @param mode permission bits, or -1 to keep the existing file's (0644 for a new file)
     * @param limit the most bytes accepted
     */
    static Written write(Path target, InputStream in, int mode, long limit) throws ApiError, IOException {
        Path dir = target.getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new ApiError(404, "directory " + dir + " does not exist; create it first");
        }
        if (Files.isDirectory(target)) {
            throw new ApiError(409, target + " is a directory");
        }
        int bits = mode >= 0 ? mode : Files.exists(target) ? modeOf(target) : 0644;
        Path temp;
        try {
            temp = FileNames.createTemporarySibling(target);
        } catch (AccessDeniedException e) {
            throw new ApiError(403, "permission denied writing in " + dir);
        }
        try {
            MessageDigest sha = sha256();
            long size = 0;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(temp, StandardOpenOption.WRITE), sha)) {
                byte[] buffer = new byte[65536];
                int n;
                while ((n = in.read(buffer)) >= 0) {
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
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    static Path readable(Path path) throws ApiError {
        if (!Files.exists(path)) {
            throw new ApiError(404, "no such file: " + path);
        }
        if (Files.isDirectory(path)) {
            throw new ApiError(400, path + " is a directory, not a file");
        }
        if (!Files.isReadable(path)) {
            throw new ApiError(403, "permission denied reading " + path);
        }
        return path;
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
