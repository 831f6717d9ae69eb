package io.conduit.core.shell;

import java.util.ArrayList;
import java.util.List;

/**
 * A command's value that is a listing: a plain text table with aligned columns, as Karaf's shell prints them,
 * with lines of text above and below it. Its exit status is 0.
 */
public final class Table implements CommandOutput {
    private final List<String[]> rows = new ArrayList<>();
    private final List<String> above = new ArrayList<>();
    private final List<String> below = new ArrayList<>();
    private final int columns;

    Table(String... header) {
        columns = header.length;
        rows.add(header);
    }

    Table row(Object... cells) {
        String[] row = new String[columns];
        for (int i = 0; i < columns; i++) {
            row[i] = i < cells.length && cells[i] != null ? cells[i].toString() : "";
        }
        rows.add(row);
        return this;
    }

    /** Adds a line above the table (after those added before). */
    Table above(String line) {
        above.add(line);
        return this;
    }

    /** Adds a line below the table (after those added before). */
    Table below(String line) {
        below.add(line);
        return this;
    }

    @Override
    public int exitStatus() {
        return Args.EXIT_OK;
    }

    @Override
    public String text() {
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        List<String> lines = new ArrayList<>(above);
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < columns; i++) {
                line.append(row[i]);
                if (i < columns - 1) {
                    line.append(" ".repeat(widths[i] - row[i].length() + 2));
                }
            }
            lines.add(line.toString().stripTrailing());
        }
        lines.addAll(below);
        return String.join("\n", lines);
    }

    @Override
    public String toString() {
        return text();
    }
}
