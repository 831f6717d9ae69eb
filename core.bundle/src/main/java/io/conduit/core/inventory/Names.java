package io.conduit.core.inventory;

import java.util.Collection;
import java.util.regex.Pattern;

/** Name rules and "did you mean" suggestions shared by the loader and the pattern matcher. */
public final class Names {
    /** The registry's rule for plugin names ({@code conduit.connection.name}). */
    static final Pattern PLUGIN_NAME = Pattern.compile("[a-z][a-z0-9_-]*");

    private Names() {
    }

    /**
     * Returns {@code ; did you mean "x"? ADVICE} for the closest candidate, or {@code ; ADVICE} when nothing is
     * close.
     */
    static String hint(String given, Collection<String> candidates, String advice) {
        String best = closest(given, candidates);
        return best == null ? "; " + advice : "; did you mean \"" + best + "\"? " + advice;
    }

    /**
     * @param given what was typed
     * @param candidates the known names
     * @return the known name within a third of {@code given}'s length in edits (at least 2), or null
     */
    public static String closest(String given, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        int limit = Math.max(2, given.length() / 3);
        for (String candidate : candidates) {
            int d = distance(given.toLowerCase(), candidate.toLowerCase());
            if (d < bestDistance && d <= limit) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance, counting a swap of two neighbours as one edit (prot -> port). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }

    /** Quotes a value for a message, shortening long ones. */
    static String quote(String value) {
        String v = value.length() > 60 ? value.substring(0, 57) + "..." : value;
        return "\"" + v.replace("\n", "\\n") + "\"";
    }
}
