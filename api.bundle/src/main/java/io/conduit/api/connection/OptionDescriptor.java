package io.conduit.api.connection;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Describes one option a plugin reads from {@link ConnectionParams#extras()}, like an entry in Ansible's
 * {@code DOCUMENTATION} or pyinfra's {@code DataMeta}.
 *
 * @param name the key under {@code connection_options.PLUGIN.extras}, in {@code snake_case}
 * @param type how the value is checked and converted
 * @param defaultValue the default as text, or {@code null} when there is none
 * @param required whether a host must set it
 * @param secret whether the value is a secret: masked everywhere the shell shows it
 * @param description what the option does, one or two sentences
 * @param choices for {@link OptionType#CHOICE}: the words the option accepts, the usual ones first (never empty
 *        then); empty for every other type. Added in package version 2.1.
 */
public record OptionDescriptor(String name, OptionType type, String defaultValue, boolean required,
        boolean secret, String description, List<String> choices) {

    /**
     * Checks the name, type and description are present, and that a {@link OptionType#CHOICE} has choices.
     *
     * @throws NullPointerException name, type or description is {@code null}
     * @throws IllegalArgumentException a choice option without choices, or choices on another type
     */
    public OptionDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(description, "description");
        choices = choices == null ? List.of() : List.copyOf(choices);
        if ((type == OptionType.CHOICE) == choices.isEmpty()) {
            throw new IllegalArgumentException(name + ": choices are given exactly for the CHOICE type");
        }
        secret = secret || type == OptionType.SECRET;
    }

    /**
     * A descriptor of any type but {@link OptionType#CHOICE}, as in package version 2.0.
     *
     * @param name the option name
     * @param type its type
     * @param defaultValue its default as text, or {@code null}
     * @param required whether a host must set it
     * @param secret whether it is a secret
     * @param description what it does
     * @throws IllegalArgumentException {@code type} is {@link OptionType#CHOICE}, which needs choices
     */
    public OptionDescriptor(String name, OptionType type, String defaultValue, boolean required, boolean secret,
            String description) {
        this(name, type, defaultValue, required, secret, description, List.of());
    }

    /**
     * An optional option with a default.
     *
     * @param name the option name
     * @param type its type
     * @param defaultValue its default as text, or {@code null}
     * @param description what it does
     * @return the descriptor
     */
    public static OptionDescriptor of(String name, OptionType type, String defaultValue, String description) {
        return new OptionDescriptor(name, type, defaultValue, false, false, description);
    }

    /**
     * An optional secret without a default.
     *
     * @param name the option name
     * @param description what it is
     * @return the descriptor
     */
    public static OptionDescriptor secret(String name, String description) {
        return new OptionDescriptor(name, OptionType.SECRET, null, false, true, description);
    }

    /**
     * An optional {@link OptionType#CHOICE} option. Added in package version 2.1.
     *
     * @param name the option name
     * @param defaultValue its default, one of the choices, or {@code null}
     * @param description what it does
     * @param choices the words it accepts, the usual ones first; at least one
     * @return the descriptor
     */
    public static OptionDescriptor choice(String name, String defaultValue, String description, List<String> choices) {
        return new OptionDescriptor(name, OptionType.CHOICE, defaultValue, false, false, description, choices);
    }

    /**
     * Checks and converts a raw value to this option's type ({@link OptionType#convert}); a
     * {@link OptionType#CHOICE} must also be one of {@link #choices()}, compared ignoring case and treating
     * {@code _} as {@code -}, and comes back spelled as the choice. Added in package version 2.1.
     *
     * @param <T> the converted type, as {@link OptionType} lists it
     * @param value the raw value, not {@code null}
     * @return the converted value
     * @throws IllegalArgumentException the value does not fit; the message starts with the option's name and
     *         quotes the value, unless the option is {@link #secret()}
     */
    @SuppressWarnings("unchecked")
    public <T> T convert(Object value) {
        Object converted = type.convert(name, value);
        if (type != OptionType.CHOICE) {
            return (T) converted;
        }
        String word = normal((String) converted);
        for (String c : choices) {
            if (normal(c).equals(word)) {
                return (T) c;
            }
        }
        throw new IllegalArgumentException(name + ": \"" + converted + "\" is not a choice; use "
                + (choices.size() == 1 ? choices.get(0)
                        : String.join(", ", choices.subList(0, choices.size() - 1)) + " or " + choices.get(
                                choices.size() - 1)));
    }

    private static String normal(String word) {
        return word.toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
