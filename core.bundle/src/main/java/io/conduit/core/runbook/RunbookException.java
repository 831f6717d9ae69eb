package io.conduit.core.runbook;

import java.util.List;

/**
 * A runbook that cannot run: every problem found in the file, each as {@code FILE:LINE: KEY: what is wrong; what
 * to do}. Nothing ran.
 */
public final class RunbookException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<String> problems;

    /** @param problems the problems, in the file's order; at least one */
    public RunbookException(List<String> problems) {
        super(String.join("\n", problems));
        this.problems = List.copyOf(problems);
    }

    /** @return the problems, one line each */
    public List<String> problems() {
        return problems;
    }
}
