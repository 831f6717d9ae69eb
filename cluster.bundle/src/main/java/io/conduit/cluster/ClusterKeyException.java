package io.conduit.cluster;

/**
 * The cluster key file cannot be used: missing, not a regular file, open to group or others, too short or too long,
 * or unreadable. The message is one line naming the file and what to do; it never holds a byte of the key.
 */
public final class ClusterKeyException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message the file, what is wrong and what to do */
    public ClusterKeyException(String message) {
        super(message);
    }
}
