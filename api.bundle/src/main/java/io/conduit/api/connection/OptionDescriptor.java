package io.conduit.api.connection;

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
 */
public record OptionDescriptor(String name, OptionType type, String defaultValue, boolean required,
        boolean secret, String description) {

    /** Checks the name, type and description are present. */
    public OptionDescriptor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(description, "description");
        secret = secret || type == OptionType.SECRET;
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
}
