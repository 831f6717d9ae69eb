package io.conduit.core.task;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

import io.conduit.api.support.LocalCopy;

/** What put and fetch read and set on this machine's side: permission bits and a file's SHA-256. */
final class LocalFiles {
    private LocalFiles() {
    }

    /**
     * @return the file's permission bits: 0 to 07777 where the JDK reads {@code unix:mode} (Linux, macOS), else 0 to
     *         0777 (no set-user-ID, set-group-ID or sticky bit)
     */
    static int mode(Path file) throws IOException {
        try {
            return (Integer) Files.getAttribute(file, "unix:mode") & 07777;
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            // no "unix" view on this platform: the POSIX one has the nine bits
        }
        return LocalCopy.modeOf(file);
    }

    /** Gives a file the bits 0 to 0777 of {@code mode}; the special bits are not kept locally. */
    static void setMode(Path file, int mode) throws IOException {
        Files.setPosixFilePermissions(file, LocalCopy.permissions(mode));
    }

    /** @return the content's SHA-256 in lowercase hex, as {@code sha256sum} prints it */
    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0;) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** @return {@code 0644}: four octal digits, as operators write modes */
    static String octal(int mode) {
        return String.format(Locale.ROOT, "%04o", mode);
    }
}
