package io.conduit.core.shell;

import io.conduit.api.task.RunResult;

/**
 * What {@code run}, {@code put}, {@code fetch} and {@code ping} return: the run's result, and what is left to
 * print once each host was shown as it finished (the summary line, or with {@code --json} the whole document).
 *
 * @param result the run's per-host results, or {@code null} when nothing ran (interrupted while loading)
 * @param text the summary or document, without a final line end
 * @param exitStatus 0 every host ok, 2 a host failed or was unreachable (or its {@code -o}/{@code -e} file could
 *        not be written), 130 interrupted
 */
public record RunReport(RunResult result, String text, int exitStatus) implements CommandOutput {

    /** Drops one final line end (the console adds its own). */
    public RunReport {
        text = text == null ? "" : text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }
}
