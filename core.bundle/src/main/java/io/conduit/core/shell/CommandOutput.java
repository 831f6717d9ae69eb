package io.conduit.core.shell;

/**
 * What a Conduit command returns: the text the console shows for it, and the exit status {@code bin/conduit}
 * ends with. Gogo prints a command's value through {@link OutputConverter}; {@code bin/conduit -c} and
 * {@code bin/conduit COMMAND} read {@link #exitStatus()} from the value itself (a line of several statements
 * ends with the worst of them). What a command streams while it works (each host's result as it finishes, the
 * {@code -v} trace, progress on stderr) is printed at once and is not part of the value.
 */
public interface CommandOutput {

    /**
     * @return 0 ok, 2 a host failed or was unreachable, 64 bad input (nothing ran), 70 an internal error,
     *         130 interrupted
     */
    int exitStatus();

    /**
     * @return what the console prints for this value, without a final line end; empty when everything was said
     *         already (a refused line, a failure whose message went to stderr)
     */
    String text();
}
