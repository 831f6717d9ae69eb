package io.conduit.api.support;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * A local file written the way every transfer writes one: under a temporary name next to its target
 * ({@link FileNames#createTemporarySibling}), given its mode, then moved over the target in one step (atomically
 * where the file system can), so that a failed write never leaves half a file under the target's name and
 * {@link #close} leaves no temporary file behind. Every failure of the local file system is a
 * {@link LocalWriteFailed}, so that a caller tells it apart from the host's failures on the same stream.
 *
 * <pre>{@code
 * try (LocalCopy copy = LocalCopy.create(local)) {
 *     try (OutputStream out = copy.output()) {
 *         remote.transferTo(out);
 *     }
 *     copy.setMode(mode);
 *     copy.commit();
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one thread writes one copy.
 *
 * @since 2.1.0
 */
public final class LocalCopy implements Closeable {
    private final Path target;
    private final Path temporary;
    private boolean committed;

    private LocalCopy(Path target, Path temporary) {
        this.target = target;
        this.temporary = temporary;
    }

    /**
     * Creates the target's missing directories and the temporary file next to it.
     *
     * @param target the file to write or replace
     * @return the copy, empty
     * @throws LocalWriteFailed a directory or the temporary file could not be created
     */
    public static LocalCopy create(Path target) throws LocalWriteFailed {
        try {
            Files.createDirectories(target.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new LocalWriteFailed(e);
        }
        return beside(target);
    }

    /**
     * Creates the temporary file next to the target, in a directory that must exist.
     *
     * @param target the file to write or replace
     * @return the copy, empty
     * @throws LocalWriteFailed the directory is missing or refuses the temporary file
     */
    public static LocalCopy beside(Path target) throws LocalWriteFailed {
        try {
            return new LocalCopy(target, FileNames.createTemporarySibling(target));
        } catch (IOException e) {
            throw new LocalWriteFailed(e);
        }
    }

    /** @return the file this copy replaces when it is {@linkplain #commit committed} */
    public Path target() {
        return target;
    }

    /** @return the temporary file, for writers that take a path (it exists, empty, mode {@code 0600}) */
    public Path temporary() {
        return temporary;
    }

    /**
     * @return a stream over the temporary file from its start; its write and close failures are
     *         {@link LocalWriteFailed}. The caller closes it before {@link #commit}.
     * @throws LocalWriteFailed the file could not be opened
     */
    public OutputStream output() throws LocalWriteFailed {
        OutputStream file;
        try {
            file = Files.newOutputStream(temporary);
        } catch (IOException e) {
            throw new LocalWriteFailed(e);
        }
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                try {
                    file.write(b);
                } catch (IOException e) {
                    throw new LocalWriteFailed(e);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    file.write(b, off, len);
                } catch (IOException e) {
                    throw new LocalWriteFailed(e);
                }
            }

            @Override
            public void flush() throws IOException {
                try {
                    file.flush();
                } catch (IOException e) {
                    throw new LocalWriteFailed(e);
                }
            }

            @Override
            public void close() throws IOException {
                try {
                    file.close();
                } catch (IOException e) {
                    throw new LocalWriteFailed(e);
                }
            }
        };
    }

    /**
     * Gives the temporary file the permission bits {@code 0} to {@code 0777} of {@code mode}; the set-user-ID,
     * set-group-ID and sticky bits are not kept locally.
     *
     * @param mode permission bits, as {@code chmod} takes them in octal
     * @return {@code true} when set, {@code false} when the file system has no POSIX permissions
     * @throws LocalWriteFailed the file system refused
     */
    public boolean setMode(int mode) throws LocalWriteFailed {
        PosixFileAttributeView posix = Files.getFileAttributeView(temporary, PosixFileAttributeView.class);
        if (posix == null) {
            return false;
        }
        try {
            posix.setPermissions(permissions(mode));
            return true;
        } catch (IOException e) {
            throw new LocalWriteFailed(e);
        }
    }

    /**
     * Moves the temporary file over the target: atomically where the file system can, else by a plain replace
     * (never half a file either way, as the temporary file is complete).
     *
     * @throws LocalWriteFailed the move failed; the target is unchanged and {@link #close} removes the copy
     */
    public void commit() throws LocalWriteFailed {
        try {
            try {
                Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new LocalWriteFailed(e);
        }
        committed = true;
    }

    /**
     * Removes the temporary file unless it was committed.
     *
     * @throws IOException the file could not be removed
     */
    @Override
    public void close() throws IOException {
        if (!committed) {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * @param file a local file
     * @return its permission bits {@code 0} to {@code 0777}
     * @throws IOException the file cannot be read
     * @throws UnsupportedOperationException the file system has no POSIX permissions
     */
    public static int modeOf(Path file) throws IOException {
        int mode = 0;
        for (PosixFilePermission p : Files.getPosixFilePermissions(file)) {
            mode |= 1 << (8 - p.ordinal());
        }
        return mode;
    }

    /**
     * @param mode permission bits; only {@code 0} to {@code 0777} are read
     * @return the same as POSIX permissions
     */
    public static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (1 << (8 - p.ordinal()))) != 0) {
                set.add(p);
            }
        }
        return set;
    }
}
