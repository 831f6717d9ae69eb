package io.conduit.api.connection;

import java.time.Duration;
import java.util.Objects;

/**
 * How the core reaches files on a host for {@link Connection#stat}, {@link Connection#list},
 * {@link Connection#makeDirectory} and {@link Connection#setAttributes}: as which user, and within what time.
 * A put or fetch with {@code --become} reads and writes as the become user, so the checks before it (type, mode,
 * owner, sha256) run as that user too.
 *
 * @param become run as this user (sudo or su), or {@code null} for the login user
 * @param timeout how long each call may take on the host; never {@code null}, positive
 * @since 1.3
 */
public record FileAccess(Become become, Duration timeout) {

    /** @throws IllegalArgumentException the timeout is missing, zero or negative */
    public FileAccess {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }

    /**
     * As the login user.
     *
     * @param timeout how long each call may take on the host
     * @return the access
     */
    public static FileAccess of(Duration timeout) {
        return new FileAccess(null, timeout);
    }

    /**
     * A shell command that runs {@code script} with this access's become and timeout.
     *
     * @param script a POSIX sh script; every path in it quoted with {@link Command#quotePath}
     * @return the command
     */
    public Command command(String script) {
        Command c = Command.shell(script).withTimeout(timeout);
        return become == null ? c : c.withBecome(become);
    }
}
