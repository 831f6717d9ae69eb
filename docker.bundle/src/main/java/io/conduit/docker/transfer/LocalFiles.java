package io.conduit.docker.transfer;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributeView;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.api.support.LocalCopy;
import io.conduit.api.support.LocalWriteFailed;

/** The local side of put and fetch: a fetched file's atomic write ({@link LocalCopy}), a local file's mode. */
final class LocalFiles {
    private LocalFiles() {
    }

    /** Copies a fetched file's bytes into a local stream. */
    interface Body {
        void copyTo(OutputStream out) throws IOException;
    }

    /**
     * Writes a fetched file to a temporary file next to {@code local}, sets mode and time, and renames it; removes
     * the temporary file on any failure. A local failure whose cause is known is a {@link TransferFailedException}
     * naming the local path; the body's own failures (the container's) pass unchanged.
     */
    static void receive(String remotePath, Path local, Body body, IntSupplier mode, LongSupplier mtime)
            throws IOException {
        Path target = local.toAbsolutePath();
        try (LocalCopy copy = LocalCopy.create(target)) {
            try (OutputStream out = copy.output()) {
                body.copyTo(out);
            }
            copy.setMode(mode.getAsInt());
            try {
                Files.setLastModifiedTime(copy.temporary(), FileTime.fromMillis(mtime.getAsLong() * 1000));
            } catch (IOException e) {
                throw new LocalWriteFailed(e);
            }
            copy.commit();
        } catch (LocalWriteFailed e) {
            throw localFailure(remotePath, target, e.getCause());
        }
    }

    /** A failure on the local side of a fetch: named by its type or errno text when it has one. */
    private static IOException localFailure(String remotePath, Path target, IOException e) {
        FileProblem problem = FileProblem.fromLocalFailure(e);
        return problem == null ? e : TransferFailedException.here(remotePath, target, problem, e);
    }

    /** @return the permission bits of a local file; {@code 0755} or {@code 0644} where there are none */
    static int localMode(Path local) throws IOException {
        if (Files.getFileAttributeView(local, PosixFileAttributeView.class) == null) {
            return Files.isExecutable(local) ? 0755 : 0644;
        }
        return LocalCopy.modeOf(local);
    }
}
