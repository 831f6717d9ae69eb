package io.conduit.core.inventory;

import java.util.Collection;
import java.util.regex.Pattern;

import io.conduit.api.support.Suggestions;

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
     * @return the closest known name, or null ({@link Suggestions#closest})
     */
    public static String closest(String given, Collection<String> candidates) {
        return Suggestions.closest(given, candidates);
    }

    /** Quotes a value for a message, shortening long ones. */
    static String quote(String value) {
        String v = value.length() > 60 ? value.substring(0, 57) + "..." : value;
        return "\"" + v.replace("\n", "\\n") + "\"";
    }
}
