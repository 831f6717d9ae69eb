package io.conduit.api.support;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;
import io.conduit.api.connection.Secret;

/**
 * One option of a plugin, declared once: its name, type, typed default, whether it is required or secret, its
 * description and, for a {@link OptionType#CHOICE}, its choices. A plugin lists its options in one place and
 * derives from that list what {@code conduit:plugins NAME} shows ({@link #descriptor}), the typed values it reads
 * ({@link #in}, {@link OptionValues}), and the checks of its documentation ({@link OptionDocs}). Immutable; the
 * {@code with...} methods return a changed copy.
 *
 * @param <T> the Java type the value is given as: {@link String} for {@link OptionType#STRING},
 *        {@link OptionType#PATH} and {@link OptionType#CHOICE}, {@link Long}, {@link Boolean}, {@link Duration},
 *        {@link Secret}, {@code List<String>}
 */
public final class PluginOption<T> {

    private final String name;
    private final OptionType type;
    private final T defaultValue;
    /** The default as an operator writes it in a {@code .cfg} file, or {@code null}. */
    private final String written;
    /** What the documentation shows instead, when the default is no value ("the user running Conduit"). */
    private final String shownDefault;
    private final boolean required;
    private final boolean hostOnly;
    private final String description;
    private final List<String> choices;

    private PluginOption(String name, OptionType type, T defaultValue, String written, String shownDefault,
            boolean required, boolean hostOnly, String description, List<String> choices) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.defaultValue = defaultValue;
        this.written = written != null ? written : text(defaultValue);
        this.shownDefault = shownDefault;
        this.required = required;
        this.hostOnly = hostOnly;
        this.description = Objects.requireNonNull(description, "description");
        this.choices = List.copyOf(choices);
        descriptor(); // checks the name, description and choices now, where the option is declared
    }

    /**
     * A text option.
     *
     * @param name the option name, {@code snake_case}
     * @param defaultValue the default, or {@code null} for none
     * @param description what it does, one or two sentences
     * @return the option
     */
    public static PluginOption<String> string(String name, String defaultValue, String description) {
        return new PluginOption<>(name, OptionType.STRING, defaultValue, null, null, false, false, description,
                List.of());
    }

    /**
     * A file system path option, given as text with {@code ~/} expanded.
     *
     * @param name the option name
     * @param defaultValue the default as written ({@code ~/.ssh/known_hosts}), or {@code null}
     * @param description what it does
     * @return the option; its default is expanded as a value would be, and shown as written
     */
    public static PluginOption<String> path(String name, String defaultValue, String description) {
        return new PluginOption<>(name, OptionType.PATH,
                defaultValue == null ? null : OptionType.PATH.<String>convert(name, defaultValue), defaultValue,
                null, false, false, description, List.of());
    }

    /**
     * A whole number option.
     *
     * @param name the option name
     * @param defaultValue the default
     * @param description what it does
     * @return the option
     */
    public static PluginOption<Long> integer(String name, long defaultValue, String description) {
        return new PluginOption<>(name, OptionType.INTEGER, defaultValue, null, null, false, false, description,
                List.of());
    }

    /**
     * A {@code true}/{@code false} option.
     *
     * @param name the option name
     * @param defaultValue the default
     * @param description what it does
     * @return the option
     */
    public static PluginOption<Boolean> bool(String name, boolean defaultValue, String description) {
        return new PluginOption<>(name, OptionType.BOOLEAN, defaultValue, null, null, false, false, description,
                List.of());
    }

    /**
     * A duration option.
     *
     * @param name the option name
     * @param defaultValue the default as an operator writes it ({@code 10s}, {@code 0}), or {@code null}
     * @param description what it does
     * @return the option
     * @throws IllegalArgumentException the default is not a duration
     */
    public static PluginOption<Duration> duration(String name, String defaultValue, String description) {
        return new PluginOption<>(name, OptionType.DURATION,
                defaultValue == null ? null : OptionType.DURATION.<Duration>convert(name, defaultValue), defaultValue,
                null, false, false, description, List.of());
    }

    /**
     * A list option (a YAML list, or one comma separated string), without a default.
     *
     * @param name the option name
     * @param description what it does
     * @return the option
     */
    public static PluginOption<List<String>> list(String name, String description) {
        return new PluginOption<>(name, OptionType.LIST, null, null, null, false, false, description, List.of());
    }

    /**
     * A secret, set per host only (never in a {@code .cfg} file, which anyone reading {@code etc/} could see).
     *
     * @param name the option name
     * @param description what it is
     * @return the option
     */
    public static PluginOption<Secret> secret(String name, String description) {
        return new PluginOption<>(name, OptionType.SECRET, null, null, null, false, true, description, List.of());
    }

    /**
     * One of a fixed set of words.
     *
     * @param name the option name
     * @param defaultValue the default, one of the choices
     * @param description what it does
     * @param choices the words accepted, the usual ones first
     * @return the option
     * @throws IllegalArgumentException no choices, or the default is not one of them
     */
    public static PluginOption<String> choice(String name, String defaultValue, String description,
            String... choices) {
        PluginOption<String> o = new PluginOption<>(name, OptionType.CHOICE, defaultValue, null, null, false, false,
                description, List.of(choices));
        if (defaultValue != null && !o.descriptor().convert(defaultValue).equals(defaultValue)) {
            throw new IllegalArgumentException(name + ": the default " + defaultValue + " is not a choice");
        }
        return o;
    }

    /**
     * @param text what {@code conduit:plugins} and the documentation show as the default when it is not a value
     *        ({@code the user running Conduit}, {@code $DOCKER_HOST, else unix:///var/run/docker.sock})
     * @return a copy that shows that text
     */
    public PluginOption<T> withShownDefault(String text) {
        return new PluginOption<>(name, type, defaultValue, written, text, required, hostOnly, description, choices);
    }

    /** @return a copy that hosts must set */
    public PluginOption<T> asRequired() {
        return new PluginOption<>(name, type, defaultValue, written, shownDefault, true, hostOnly, description, choices);
    }

    /**
     * @return a copy that only a host's extras set: not a key of the plugin's configuration ({@code etc/PID.cfg},
     *         Metatype)
     */
    public PluginOption<T> hostOnly() {
        return new PluginOption<>(name, type, defaultValue, written, shownDefault, required, true, description, choices);
    }

    /** @return the option name */
    public String name() {
        return name;
    }

    /** @return the type */
    public OptionType type() {
        return type;
    }

    /** @return the typed default, or {@code null} when there is none */
    public T defaultValue() {
        return defaultValue;
    }

    /** @return whether only a host's extras set it, not the plugin's configuration */
    public boolean isHostOnly() {
        return hostOnly;
    }

    /** @return what it does */
    public String description() {
        return description;
    }

    /** @return the choices of a {@link OptionType#CHOICE}, else empty */
    public List<String> choices() {
        return choices;
    }

    /** @return the default as the documentation shows it, or {@code null} when there is none */
    public String shownDefault() {
        return shownDefault != null ? shownDefault : written;
    }

    /**
     * @return the default of the plugin's configuration key as the {@code .cfg} file and Metatype write it: the
     *         default as written, or empty when there is none or when it is not a value ({@link #withShownDefault})
     */
    public String configDefault() {
        return shownDefault != null || written == null ? "" : written;
    }

    /** @return the descriptor, with {@link #shownDefault()} as its default */
    public OptionDescriptor descriptor() {
        return descriptor(shownDefault());
    }

    /**
     * @param shown the default to show: the configured value, say
     * @return the descriptor
     */
    public OptionDescriptor descriptor(String shown) {
        return new OptionDescriptor(name, type, shown, required, type == OptionType.SECRET, description, choices);
    }

    /**
     * Checks and converts a raw value, as the core does for a host's extras.
     *
     * @param value the raw value, not {@code null}
     * @return the typed value
     * @throws IllegalArgumentException it does not fit; the message starts with the option's name
     */
    public T convert(Object value) {
        return descriptor().convert(value);
    }

    /**
     * The host's value of this option. The core has already typed it ({@link ConnectionParams}); a value of
     * another Java type (a {@code ConnectionParams} built without the core) is converted here.
     *
     * @param params the host's parameters
     * @return the value, or {@code null} when the host does not set it
     * @throws IllegalArgumentException an untyped value does not fit; the message starts with the option's name
     */
    public T in(ConnectionParams params) {
        return in(params.extras());
    }

    /**
     * The value of this option in a map of option name to value (raw or typed); blank text counts as unset for
     * every type but {@link OptionType#STRING}, as an empty {@code key =} line in a {@code .cfg} file.
     *
     * @param values option name to value
     * @return the typed value, or {@code null} when unset
     * @throws IllegalArgumentException a value does not fit; the message starts with the option's name
     */
    @SuppressWarnings("unchecked")
    public T in(Map<String, ?> values) {
        Object v = values.get(name);
        if (v == null || (type != OptionType.STRING && v instanceof String s && s.isBlank())) {
            return null;
        }
        if (typed(v)) {
            return (T) v;
        }
        return convert(v);
    }

    /**
     * @param params the host's parameters
     * @param fallback the value when the host sets none (the plugin's configured one)
     * @return the host's value, else {@code fallback}
     */
    public T in(ConnectionParams params, T fallback) {
        T v = in(params);
        return v != null ? v : fallback;
    }

    private boolean typed(Object v) {
        return switch (type) {
            case STRING, PATH -> false; // PATH still expands ~/, cheap and idempotent
            case CHOICE -> choices.contains(v);
            case INTEGER -> v instanceof Long;
            case BOOLEAN -> v instanceof Boolean;
            case DURATION -> v instanceof Duration;
            case SECRET -> v instanceof Secret;
            case LIST -> v instanceof List<?>;
        };
    }

    /**
     * Renders a value as an operator writes it: durations as {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1h}
     * or {@code 0}; lists comma separated; a secret as {@code ***}.
     *
     * @param value a value of this option's type, or {@code null}
     * @return the text, or {@code null} for {@code null}
     */
    public static String text(Object value) {
        if (value == null) {
            return null;
        }
        if (value instanceof Duration d) {
            return durationText(d);
        }
        if (value instanceof Collection<?> c) {
            return String.join(",", c.stream().map(String::valueOf).toList());
        }
        return value.toString();
    }

    private static String durationText(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0";
        }
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
    }

    @Override
    public String toString() {
        return "PluginOption[" + name + " " + type + ", default " + shownDefault() + "]";
    }
}
