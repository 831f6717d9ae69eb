package io.conduit.api.support;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Checks a component's ConfigAdmin properties (read by FileInstall from {@code etc/PID.cfg}) against its
 * configuration annotation before Declarative Services converts them, so that a bad value is refused with the
 * PID, the key, the value and what to do. Without this, DS throws a bare {@code NumberFormatException} from
 * the annotation's method (99-156 lines of stack trace per command), and reads {@code yes} or {@code maybe} for
 * a boolean as {@code false} without a word.
 *
 * <p>A component keeps the outcome as a {@link Configured}: it activates either way, logs the problem once, and
 * each use says that the configuration is invalid instead of the component disappearing.
 */
public final class ConfigCheck {

    private ConfigCheck() {
    }

    /**
     * Validates a configuration into settings.
     *
     * @param <T> the settings record
     * @param pid the PID, for messages ({@code etc/PID.cfg})
     * @param type the configuration annotation (its methods name the keys, DS style: {@code __} is {@code _})
     * @param properties the component's properties as ConfigAdmin gave them
     * @param settings validates the annotation into settings; may throw {@link IllegalArgumentException} naming
     *        the PID, key and value
     * @return the settings, or the problem as one line: {@code PID: KEY: "VALUE" is not ...; fix etc/PID.cfg}
     */
    public static <T> Configured<T> validate(String pid, Class<?> type, Map<String, ?> properties,
            Supplier<T> settings) {
        try {
            types(pid, type, properties == null ? Map.of() : properties);
            return Configured.of(settings.get());
        } catch (RuntimeException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            if (!m.startsWith(pid)) {
                m = pid + ": " + m;
            }
            return Configured.invalid(pid, m + "; fix etc/" + pid + ".cfg");
        }
    }

    /**
     * Checks every key the annotation declares has a value of its type, and that no other plain key is set.
     *
     * @throws IllegalArgumentException naming the PID, the key and the value
     */
    static void types(String pid, Class<?> type, Map<String, ?> properties) {
        // sorted: getDeclaredMethods has no stable order, and the message lists the keys
        Map<String, Class<?>> keys = new java.util.TreeMap<>();
        for (Method m : type.getDeclaredMethods()) {
            keys.put(key(m.getName()), m.getReturnType());
        }
        for (Map.Entry<String, ?> e : properties.entrySet()) {
            String key = e.getKey();
            Class<?> expected = keys.get(key);
            if (expected == null) {
                // framework and FileInstall properties (service.pid, felix.fileinstall.filename...) have dots
                if (!key.contains(".")) {
                    String near = Suggestions.closest(key, keys.keySet());
                    throw new IllegalArgumentException(pid + ": " + key + ": unknown key"
                            + (near == null ? "" : "; did you mean \"" + near + "\"?") + " the keys are "
                            + String.join(", ", keys.keySet()));
                }
                continue;
            }
            if (!(e.getValue() instanceof String text)) {
                continue; // typed by a .config file: DS converts a number or boolean exactly
            }
            String t = text.trim();
            String problem = null;
            if (expected == int.class || expected == long.class) {
                try {
                    long v = Long.parseLong(t);
                    if (expected == int.class && (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE)) {
                        problem = "is too large";
                    }
                } catch (NumberFormatException ex) {
                    problem = "is not a whole number";
                }
            } else if (expected == double.class) {
                try {
                    Double.parseDouble(t);
                } catch (NumberFormatException ex) {
                    problem = "is not a number";
                }
            } else if (expected == boolean.class) {
                String b = t.toLowerCase(Locale.ROOT);
                if (!b.equals("true") && !b.equals("false")) {
                    problem = "is not true or false";
                }
            }
            if (problem != null) {
                throw new IllegalArgumentException(pid + ": " + key + ": \"" + shorten(text) + "\" " + problem);
            }
        }
    }

    /**
     * The property key of a configuration annotation's method, by the Declarative Services name mapping (OSGi
     * Compendium 112.8.2.2): {@code __} becomes {@code _}, a single {@code _} becomes {@code .}.
     *
     * @param method the method's name
     * @return the key in the {@code .cfg} file
     */
    public static String key(String method) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (c == '_' && i + 1 < method.length() && method.charAt(i + 1) == '_') {
                out.append('_');
                i++;
            } else if (c == '_') {
                out.append('.');
            } else if (c == '$' && i + 1 < method.length() && method.charAt(i + 1) == '$') {
                out.append('$');
                i++;
            } else if (c != '$') {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static String shorten(String value) {
        return value.length() > 60 ? value.substring(0, 57) + "..." : value;
    }

    /** @return the keys, for tests */
    static List<String> keys(Class<?> type) {
        List<String> out = new ArrayList<>();
        for (Method m : type.getDeclaredMethods()) {
            out.add(key(m.getName()));
        }
        return out;
    }
}
