package io.conduit.api.connection;

/**
 * A put or fetch failed on the host for a cause the plugin found ({@link FileProblem}); the message names the
 * operation, the path, the cause and what to do, in the same words on every plugin, and says that nothing was left
 * behind (every plugin removes its temporary file before throwing this).
 *
 * @since 1.3
 */
public class TransferFailedException extends ConnectionException {
    private static final long serialVersionUID = 1L;

    private final transient FileProblem problem;
    private final String path;

    /**
     * @param operation {@code "put"} or {@code "fetch"}
     * @param path the target path on the host (for a fetch, the file read), as the operator gave it
     * @param problem the cause, never {@code null}
     * @param cause the underlying failure, or {@code null}
     */
    public TransferFailedException(String operation, String path, FileProblem problem, Throwable cause) {
        super(operation + " " + path + ": " + problem.reason() + " (" + problem.advice() + "); nothing was left"
                + " behind", cause);
        this.problem = problem;
        this.path = path;
    }

    /** @return the cause */
    public FileProblem problem() {
        return problem;
    }

    /** @return the target path on the host */
    public String path() {
        return path;
    }
}
