package io.conduit.api.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * The rules every plugin and the core follow for the names of files they put and fetch, so that any file the
 * target accepts can be moved, the same way on every plugin:
 * <ul>
 * <li><b>Temporary names</b> have a fixed length whatever the target's name: {@link #temporaryName()} is
 * {@code .conduit-} + 16 random hex digits + {@code .tmp} ({@value #TEMPORARY_NAME_LENGTH} bytes), hidden, and
 * made in the target's own directory, so that the final rename stays on one file system and a target name of
 * up to 255 bytes (the usual {@code NAME_MAX}) still has a temporary name. Names made by adding to the target's
 * name fail with "File name too long" there.</li>
 * <li><b>A remote path ending in {@code /}</b> means "into this directory, under the local file's name", as
 * {@code cp} and {@code scp} read it ({@link #intoDirectory}).</li>
 * <li><b>On a command line</b>, every path is quoted with {@link ShellCommand#quotePath}: no name ever runs a
 * command or passes for an option.</li>
 * </ul>
 * A name may hold any bytes the target's file system accepts in a name (everything but {@code /} and NUL on
 * POSIX): spaces, quotes, {@code ;}, {@code &}, {@code $()}, newlines, a leading dash, unicode (sent as UTF-8).
 * A transfer method that cannot carry a name refuses it by name before anything is sent.
 *
 * @since 1.2
 */
public final class FileNames {
    /** What every temporary name starts with; a leading dot hides it from {@code ls} and globs. */
    public static final String TEMPORARY_PREFIX = ".conduit-";
    /** What every temporary name ends with. */
    public static final String TEMPORARY_SUFFIX = ".tmp";
    /** The length of every temporary name in bytes (ASCII): prefix, 16 hex digits, suffix. */
    public static final int TEMPORARY_NAME_LENGTH = 29;

    private static final SecureRandom RANDOM = new SecureRandom();

    private FileNames() {
    }

    /**
     * A new temporary file name: {@code .conduit-} + 16 random hex digits (64 bits from {@link SecureRandom},
     * so two transfers never meet) + {@code .tmp}, always {@value #TEMPORARY_NAME_LENGTH} bytes.
     *
     * @return the name, without a directory
     */
    public static String temporaryName() {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        return TEMPORARY_PREFIX + HexFormat.of().formatHex(random) + TEMPORARY_SUFFIX;
    }

    /**
     * A new temporary path next to a remote target: the target's directory (everything up to its last
     * {@code /}, nothing for a bare name, which then stays relative to the login directory) and
     * {@link #temporaryName()}.
     *
     * @param target the remote path that will be written, with {@code /} separators; its last part is a name
     * @return the temporary path, in the same form (absolute or relative) as the target
     */
    public static String temporarySibling(String target) {
        return target.substring(0, target.lastIndexOf('/') + 1) + temporaryName();
    }

    /**
     * Creates an empty temporary file next to a local target, readable and writable by its owner only
     * ({@code 0600} where the file system has POSIX permissions), under {@link #temporaryName()}.
     *
     * @param target the local file that will be replaced by a move of the temporary file
     * @return the new file, in the target's directory
     * @throws IOException the directory is missing or not writable
     */
    public static Path createTemporarySibling(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path temp = dir.resolve(temporaryName());
        try {
            return Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
                    "rw-------")));
        } catch (UnsupportedOperationException e) {
            return Files.createFile(temp);
        }
    }

    /**
     * Reads a remote path ending in {@code /} as "into this directory": the local file's name is added, as
     * {@code cp} and {@code scp} do. Any other path is returned as it is.
     *
     * @param remotePath the path given for put
     * @param localName the name of the file being put (no directory)
     * @return the path of the file to write
     */
    public static String intoDirectory(String remotePath, String localName) {
        return remotePath.endsWith("/") ? remotePath + localName : remotePath;
    }
}
