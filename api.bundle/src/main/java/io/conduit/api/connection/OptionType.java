package io.conduit.api.connection;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The type of a plugin option, which says how the core checks and converts the inventory's value. */
public enum OptionType {
    /** Text. */
    STRING,
    /** A whole number, given to the plugin as {@link Long}. */
    INTEGER,
    /** {@code true} or {@code false}, given as {@link Boolean}. */
    BOOLEAN,
    /** Seconds as a number, or text such as {@code 500ms}, {@code 30s}, {@code 5m}; given as {@link Duration}. */
    DURATION,
    /** A file system path, given as text; {@code ~/} is expanded to the user's home. */
    PATH,
    /** A secret (password, token), given as {@link Secret}. */
    SECRET,
    /** A list of text values (a YAML list, or one comma separated string), given as {@code List<String>}. */
    LIST,
    /**
     * One of a fixed set of words ({@link OptionDescriptor#choices()}), given as {@link String}: the choice as
     * the descriptor spells it. {@link #convert} only trims the text; {@link OptionDescriptor#convert} also
     * checks it is one of the choices. Added in package version 2.1.
     */
    CHOICE;

    private static final Pattern DURATION_TEXT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

    /**
     * Checks and converts a raw inventory value to this type.
     *
     * @param <T> the converted type
     * @param name the option name, for the error message
     * @param value the raw value
     * @return the converted value
     * @throws IllegalArgumentException the value does not fit, with a message naming the option and the value
     */
    @SuppressWarnings("unchecked")
    public <T> T convert(String name, Object value) {
        return (T) switch (this) {
            case STRING -> value instanceof Secret s ? s.reveal() : value.toString();
            case PATH -> expandHome(value.toString());
            case SECRET -> value instanceof Secret s ? s : Secret.of(value.toString());
            case INTEGER -> toLong(name, value);
            case BOOLEAN -> toBoolean(name, value);
            case DURATION -> toDuration(name, value);
            case LIST -> toList(value);
            case CHOICE -> value.toString().trim();
        };
    }

    private static String expandHome(String path) {
        return path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path;
    }

    private static Long toLong(String name, Object value) {
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
            return n.longValue();
        }
        try {
            return Long.parseLong(value.toString().trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + ": \"" + value + "\" is not a whole number");
        }
    }

    private static Boolean toBoolean(String name, Object value) {
        if (value instanceof Boolean b) {
            return b;
        }
        return switch (value.toString().trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> Boolean.TRUE;
            case "false", "no", "off" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException(name + ": \"" + value + "\" is not true or false");
        };
    }

    private static Duration toDuration(String name, Object value) {
        if (value instanceof Duration d) {
            return d;
        }
        if (value instanceof Number n) {
            return Duration.ofMillis(Math.round(n.doubleValue() * 1000));
        }
        Matcher m = DURATION_TEXT.matcher(value.toString().trim());
        if (!m.matches()) {
            throw new IllegalArgumentException(name + ": \"" + value
                    + "\" is not a duration; use seconds (30) or a unit (500ms, 30s, 5m, 1h)");
        }
        double amount = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double millis = switch (unit) {
            case "ms" -> amount;
            case "m" -> amount * 60_000;
            case "h" -> amount * 3_600_000;
            default -> amount * 1000;
        };
        return Duration.ofMillis(Math.round(millis));
    }

    private static List<String> toList(Object value) {
        List<String> out = new ArrayList<>();
        if (value instanceof Collection<?> c) {
            c.forEach(v -> out.add(String.valueOf(v)));
        } else {
            for (String part : value.toString().split(",")) {
                if (!part.isBlank()) {
                    out.add(part.trim());
                }
            }
        }
        return List.copyOf(out);
    }
}
