package io.conduit.core.shell;

/**
 * A command's value that is plain text: a summary, a help page, a one-line report.
 *
 * @param text what the console prints, without a final line end; never {@code null}
 * @param exitStatus the exit status, see {@link CommandOutput#exitStatus()}
 */
public record Text(String text, int exitStatus) implements CommandOutput {

    /** Drops one final line end, so that the console's own line end does not add an empty line. */
    public Text {
        text = text == null ? "" : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }

    /**
     * @param text what to show
     * @return it, with exit status 0
     */
    static Text ok(String text) {
        return new Text(text, Args.EXIT_OK);
    }

    /**
     * @param exitStatus why nothing is shown: the message went to stderr
     * @return an empty value with that status
     */
    static Text failed(int exitStatus) {
        return new Text("", exitStatus);
    }
}
