package io.conduit.api.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.conduit.api.connection.Trace;

/** A {@link Trace} at a given level that keeps its lines, for plugin tests of {@code -v}. */
public final class RecordingTrace implements Trace {
    private final int level;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    /** @param level 1 to 3, as the shell's {@code -v} count */
    public RecordingTrace(int level) {
        this.level = level;
    }

    @Override
    public boolean on(int lineLevel) {
        return lineLevel <= level;
    }

    @Override
    public void line(int lineLevel, String text) {
        if (lineLevel > level) {
            throw new AssertionError("a level " + lineLevel + " line at level " + level + ": " + text);
        }
        lines.add(text);
    }

    /** @return the lines so far */
    public List<String> lines() {
        return List.copyOf(lines);
    }

    /** @param text a part of a line @return whether some line contains it */
    public boolean has(String text) {
        return lines.stream().anyMatch(l -> l.contains(text));
    }

    /** @return every line, one per line, for assertion messages */
    public String all() {
        return String.join("\n", lines);
    }
}
