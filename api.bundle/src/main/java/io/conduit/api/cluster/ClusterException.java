package io.conduit.api.cluster;

/**
 * The cluster could not do what was asked: the member is not in a cluster (yet, or any more), the owner of a
 * partition left and no member took its work over, or what came back could not be proven with the cluster key.
 * The message is one line for an operator, without class names.
 */
public class ClusterException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what went wrong, for an operator
     */
    public ClusterException(String message) {
        super(message);
    }

    /**
     * @param message what went wrong, for an operator
     * @param cause what the engine reported
     */
    public ClusterException(String message, Throwable cause) {
        super(message, cause);
    }
}
