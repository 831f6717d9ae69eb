package io.conduit.cluster;

/**
 * A sealed piece could not be opened: its proof does not hold under this member's cluster key (another key, a
 * tampered byte, or a piece sealed for another context), or it is not a sealed piece at all. The message says which
 * piece, never what it held.
 */
public final class SealException extends Exception {
    private static final long serialVersionUID = 1L;

    /** @param message which piece and why, one line */
    public SealException(String message) {
        super(message);
    }
}
