package io.conduit.core.inventory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.conduit.api.inventory.InventoryException;

/**
 * Collects what is wrong with an inventory, so that an operator sees every mistake at once rather than one
 * per attempt. Each message reads {@code FILE:LINE: KEY.PATH: what is wrong; what to do}.
 */
final class Problems {
    /** More than this many messages would bury the first (and usually causal) one. */
    private static final int MAX_SHOWN = 20;

    private record Problem(String file, int line, String message) {
    }

    private final List<Problem> problems = new ArrayList<>();
    private final List<String> files = new ArrayList<>();
    /** Problems found beyond {@link Limits#MAX_PROBLEMS_KEPT}: a malformed file of a million lines must not
     * cost a million messages. */
    private int dropped;

    void add(String file, int line, String path, String what) {
        if (problems.size() >= Limits.MAX_PROBLEMS_KEPT) {
            dropped++;
            return;
        }
        if (!files.contains(file)) {
            files.add(file);
        }
        // line 0: a format without lines (a script's JSON); FILE alone, not FILE:0
        problems.add(new Problem(file, line, (line > 0 ? file + ":" + line : file) + ": "
                + (path == null || path.isEmpty() ? "" : path + ": ") + what));
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    /** @return whether so many problems were found that hints ("did you mean") are no longer worth computing:
     * only the first {@value #MAX_SHOWN} are shown, and a hint against thousands of names costs time */
    boolean isFull() {
        return problems.size() >= 5 * MAX_SHOWN;
    }

    /** Throws one exception carrying every problem, one per line, the first one first. */
    void throwIfAny() throws InventoryException {
        if (problems.isEmpty()) {
            return;
        }
        // found in several passes (syntax, types, references): shown in the order of the file, as an editor would
        List<String> messages = problems.stream()
                .sorted(Comparator.comparingInt((Problem p) -> files.indexOf(p.file())).thenComparingInt(Problem::line))
                .map(Problem::message).toList();
        StringBuilder text = new StringBuilder(messages.get(0));
        for (int i = 1; i < messages.size() && i < MAX_SHOWN; i++) {
            text.append('\n').append(messages.get(i));
        }
        if (messages.size() + dropped > MAX_SHOWN) {
            text.append("\n... and ").append(Limits.count(messages.size() + dropped - MAX_SHOWN))
                    .append(" more problems");
        }
        throw new InventoryException(text.toString());
    }
}
