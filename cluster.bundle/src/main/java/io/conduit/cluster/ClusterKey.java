package io.conduit.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The cluster key, read from its file, and the two keys derived from it: one proves (HMAC-SHA256), the other
 * encrypts (AES-256-GCM). Every member of a cluster holds the same file; a member with another key can neither
 * prove nor read what the others seal (see {@link Seal}).
 *
 * <p>The file is refused unless it is a regular file, readable and writable by its owner only (POSIX permissions
 * {@code 0600} or {@code 0400}), and holds {@value #MIN_BYTES} to {@value #MAX_BYTES} bytes (all of them are the
 * key; a trailing newline is part of it, the same on every member that copies the file). The key itself is never
 * logged, printed, or kept as text.
 */
public final class ClusterKey {
    /** Fewest bytes of key accepted: 256 bits. */
    public static final int MIN_BYTES = 32;
    /** Most bytes of key accepted. */
    public static final int MAX_BYTES = 4096;
    /** Label of the proving key: HMAC-SHA256(cluster key, label). Changing it breaks every cluster. */
    static final String MAC_LABEL = "conduit-cluster-mac-v1";
    /** Label of the encrypting key: HMAC-SHA256(cluster key, label). Changing it breaks every cluster. */
    static final String ENC_LABEL = "conduit-cluster-enc-v1";
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private final byte[] macKey;
    private final byte[] encKey;

    private ClusterKey(byte[] key) {
        this.macKey = derive(key, MAC_LABEL);
        this.encKey = derive(key, ENC_LABEL);
    }

    /**
     * Reads and checks the key file.
     *
     * @param file the key file
     * @return the key
     * @throws ClusterKeyException the file is missing, not a regular file, open to group or others, shorter than
     *         {@value #MIN_BYTES} or longer than {@value #MAX_BYTES} bytes, or unreadable: one line naming the file
     *         and what to do
     */
    public static ClusterKey read(Path file) throws ClusterKeyException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS) && !Files.exists(file)) {
            throw new ClusterKeyException("cluster key file " + file + " does not exist; create it on one member with"
                    + " 'head -c 64 /dev/urandom > " + file + "; chmod 600 " + file + "' and copy it to every member");
        }
        if (!Files.isRegularFile(file)) {
            throw new ClusterKeyException("cluster key file " + file + " is not a regular file; point key_file at the"
                    + " file holding the cluster key");
        }
        PosixFileAttributeView posix = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        try {
            if (posix != null) {
                Set<PosixFilePermission> perms = posix.readAttributes().permissions();
                if (perms.stream().anyMatch(OTHERS::contains)) {
                    throw new ClusterKeyException("cluster key file " + file + " can be read or written by group or"
                            + " others (" + PosixFilePermissions.toString(perms) + "); run 'chmod 600 " + file + "'");
                }
            }
            long size = Files.size(file);
            if (size < MIN_BYTES || size > MAX_BYTES) {
                throw new ClusterKeyException("cluster key file " + file + " holds " + size + " bytes; the key must be "
                        + MIN_BYTES + " to " + MAX_BYTES + " bytes, e.g. 'head -c 64 /dev/urandom > " + file + "'");
            }
            byte[] key = Files.readAllBytes(file);
            try {
                if (key.length < MIN_BYTES || key.length > MAX_BYTES) { // changed between size and read
                    throw new ClusterKeyException("cluster key file " + file + " changed while it was read; try again");
                }
                return new ClusterKey(key);
            } finally {
                Arrays.fill(key, (byte) 0);
            }
        } catch (NoSuchFileException e) {
            throw new ClusterKeyException("cluster key file " + file + " disappeared while it was read; try again");
        } catch (IOException e) {
            throw new ClusterKeyException("cluster key file " + file + " cannot be read (" + e.getMessage()
                    + "); check its owner and permissions (chmod 600)");
        }
    }

    /**
     * A key from bytes held elsewhere (tests, tools); the caller keeps them secret.
     *
     * @param key {@value #MIN_BYTES} to {@value #MAX_BYTES} bytes
     * @return the key
     * @throws IllegalArgumentException the length is out of range
     */
    public static ClusterKey of(byte[] key) {
        if (key.length < MIN_BYTES || key.length > MAX_BYTES) {
            throw new IllegalArgumentException("a cluster key is " + MIN_BYTES + " to " + MAX_BYTES + " bytes, not "
                    + key.length);
        }
        return new ClusterKey(key);
    }

    byte[] macKey() {
        return macKey;
    }

    byte[] encKey() {
        return encKey;
    }

    private static byte[] derive(byte[] key, String label) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(label.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available in this JDK", e); // every JDK 17 has it
        }
    }

    /** @return never the key */
    @Override
    public String toString() {
        return "ClusterKey[***]";
    }
}
