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
     * @param operation {@code "put"} or {@code "fetch"}; a fetch gets the advice for reading on the host
     * @param path the target path on the host (for a fetch, the file read), as the operator gave it
     * @param problem the cause, never {@code null}
     * @param cause the underlying failure, or {@code null}
     */
    public TransferFailedException(String operation, String path, FileProblem problem, Throwable cause) {
        this(operation + " " + path + ": " + problem.reason() + " (" + problem.advice(operation.startsWith("fetch")
                ? FileProblem.Side.HOST_READ : FileProblem.Side.HOST_WRITE) + ")", cause, problem, path);
    }

    private TransferFailedException(String said, Throwable cause, FileProblem problem, String path) {
        super(said + "; nothing was left behind", cause);
        this.problem = problem;
        this.path = path;
    }

    /**
     * A fetch that read the host's file but could not write its copy on this machine, e.g.
     * {@code fetch /etc/app.conf into /backup/web1/app.conf: no space left on the file system here (free some
     * space on this machine (df -h) or fetch elsewhere); nothing was left behind}.
     *
     * @param remotePath the file read on the host
     * @param local the local file that could not be written; {@link #path()} is this one
     * @param problem the cause, never {@code null}
     * @param cause the underlying failure, or {@code null}
     * @return the exception
     */
    public static TransferFailedException here(String remotePath, java.nio.file.Path local, FileProblem problem,
            Throwable cause) {
        return new TransferFailedException("fetch " + remotePath + " into " + local + ": " + problem.reason()
                + " here (" + problem.advice(FileProblem.Side.HERE_WRITE) + ")", cause, problem, local.toString());
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
