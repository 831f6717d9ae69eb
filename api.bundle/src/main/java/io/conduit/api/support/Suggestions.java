package io.conduit.api.support;

import java.util.Collection;
import java.util.Locale;

/**
 * "Did you mean" for a misspelt name (an inventory key, a plugin option, a {@code .cfg} key, a command): the
 * known name closest in edits, where a swap of two neighbours counts as one edit ({@code prot} to {@code port}),
 * as the Damerau-Levenshtein distance does.
 */
public final class Suggestions {
    private Suggestions() {
    }

    /**
     * @param given what was typed
     * @param candidates the known names
     * @return the known name within a third of {@code given}'s length in edits (at least 2), ignoring case; or null
     */
    public static String closest(String given, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        int limit = Math.max(2, given.length() / 3);
        String typed = given.toLowerCase(Locale.ROOT);
        for (String candidate : candidates) {
            int d = distance(typed, candidate.toLowerCase(Locale.ROOT));
            if (d < bestDistance && d <= limit) {
                best = candidate;
                bestDistance = d;
            }
        }
        return best;
    }

    /** Levenshtein distance, counting a swap of two neighbours as one edit (prot -> port); three rows, so that
     * hints for thousands of names allocate next to nothing. */
    private static int distance(String a, String b) {
        int[] before = new int[b.length() + 1];
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(prev[j] + 1, cur[j - 1] + 1), prev[j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    cur[j] = Math.min(cur[j], before[j - 2] + 1);
                }
            }
            int[] recycled = before;
            before = prev;
            prev = cur;
            cur = recycled;
        }
        return prev[b.length()];
    }
}
