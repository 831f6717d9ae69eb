package io.conduit.docker.transfer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;

import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.api.support.FileNames;

/** The local side of put and fetch: a fetched file's atomic write, and the mode of a local file. */
final class LocalFiles {
    private LocalFiles() {
    }

    /** Copies a fetched file's bytes into a local stream. */
    interface Body {
        void copyTo(OutputStream out) throws IOException;
    }

    /** A write to the local file failed (not the source). */
    private static final class LocalWriteFailed extends IOException {
        private static final long serialVersionUID = 1L;

        LocalWriteFailed(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * Writes a fetched file to a temporary file next to {@code local}, sets mode and time, and renames it; removes
     * the temporary file on any failure. A local failure whose cause is known is a {@link TransferFailedException}
     * naming the local path.
     */
    static void receive(String remotePath, Path local, Body body, java.util.function.IntSupplier mode,
            java.util.function.LongSupplier mtime) throws IOException {
        Path target = local.toAbsolutePath();
        Path temp;
        try {
            Files.createDirectories(target.getParent());
            temp = FileNames.createTemporarySibling(target);
        } catch (IOException e) {
            throw localFailure(remotePath, target, e);
        }
        try {
            OutputStream file = Files.newOutputStream(temp);
            try (file) {
                body.copyTo(new OutputStream() {
                    @Override
                    public void write(int b) throws IOException {
                        write(new byte[] {(byte) b}, 0, 1);
                    }

                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        try {
                            file.write(b, off, len);
                        } catch (IOException e) {
                            throw new LocalWriteFailed(e);
                        }
                    }
                });
            }
            try {
                PosixFileAttributeView posix = Files.getFileAttributeView(temp, PosixFileAttributeView.class);
                if (posix != null) {
                    posix.setPermissions(permissions(mode.getAsInt()));
                }
                Files.setLastModifiedTime(temp, java.nio.file.attribute.FileTime.fromMillis(mtime.getAsLong() * 1000));
                try {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw localFailure(remotePath, target, e);
            }
        } catch (LocalWriteFailed e) {
            throw localFailure(remotePath, target, (IOException) e.getCause());
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** A failure on the local side of a fetch: named by its type or errno text when it has one. */
    private static IOException localFailure(String remotePath, Path target, IOException e) {
        FileProblem problem = FileProblem.fromLocalFailure(e);
        return problem == null ? e : TransferFailedException.here(remotePath, target, problem, e);
    }

    static int localMode(Path local) throws IOException {
        PosixFileAttributeView posix = Files.getFileAttributeView(local, PosixFileAttributeView.class);
        if (posix == null) {
            return Files.isExecutable(local) ? 0755 : 0644;
        }
        int bits = 0;
        for (PosixFilePermission p : posix.readAttributes().permissions()) {
            bits |= 0400 >> p.ordinal();
        }
        return bits;
    }

    private static Set<PosixFilePermission> permissions(int mode) {
        Set<PosixFilePermission> out = java.util.EnumSet.noneOf(PosixFilePermission.class);
        for (PosixFilePermission p : PosixFilePermission.values()) {
            if ((mode & (0400 >> p.ordinal())) != 0) {
                out.add(p);
            }
        }
        return out;
    }
}
