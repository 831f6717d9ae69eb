package io.conduit.core.inventory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.inventory.Attributes;
import io.conduit.api.inventory.ConnectionOptions;

/**
 * The five connection values every host, group, defaults and {@code connection_options.PLUGIN} may set, and every
 * plugin is given, in their one order: the keys the loader accepts, the values the resolver picks by precedence,
 * the lines a trace shows.
 */
public enum BaseField {
    /** The address to connect to; falls back to the host's inventory name. */
    HOSTNAME("hostname", ConnectionOptions::hostname, Attributes::hostname, ConnectionParams::hostname),
    /** The port; unset is the plugin's default (0 in the parameters). */
    PORT("port", ConnectionOptions::port, Attributes::port, p -> p.port() == 0 ? null : p.port()),
    /** The user to log in as. */
    USERNAME("username", ConnectionOptions::username, Attributes::username, ConnectionParams::username),
    /** The password, possibly a {@code ${env:}} or {@code ${file:}} reference: a secret. */
    PASSWORD("password", ConnectionOptions::password, Attributes::password, ConnectionParams::password),
    /** The platform name. */
    PLATFORM("platform", ConnectionOptions::platform, Attributes::platform, ConnectionParams::platform);

    private final String key;
    private final Function<ConnectionOptions, Object> inOptions;
    private final Function<Attributes, Object> inAttributes;
    private final Function<ConnectionParams, Object> inParams;

    BaseField(String key, Function<ConnectionOptions, Object> inOptions, Function<Attributes, Object> inAttributes,
            Function<ConnectionParams, Object> inParams) {
        this.key = key;
        this.inOptions = inOptions;
        this.inAttributes = inAttributes;
        this.inParams = inParams;
    }

    /** @return the key as inventories write it */
    public String key() {
        return key;
    }

    /** @param options plugin overrides @return this field's value there, or {@code null} when unset */
    public Object of(ConnectionOptions options) {
        return inOptions.apply(options);
    }

    /** @param attributes a host's, group's or the defaults' values @return this field's, or {@code null} */
    public Object of(Attributes attributes) {
        return inAttributes.apply(attributes);
    }

    /** @param params resolved parameters @return this field's value, or {@code null} when unset */
    public Object of(ConnectionParams params) {
        return inParams.apply(params);
    }

    /**
     * @param key a key as written
     * @return the field of that key, or {@code null} when it is none of the five
     */
    public static BaseField byKey(String key) {
        for (BaseField f : values()) {
            if (f.key.equals(key)) {
                return f;
            }
        }
        return null;
    }

    /**
     * @param more keys that follow the five
     * @return the five keys in their order, then {@code more}
     */
    public static List<String> keysAnd(String... more) {
        List<String> keys = new ArrayList<>();
        for (BaseField f : values()) {
            keys.add(f.key);
        }
        keys.addAll(Arrays.asList(more));
        return List.copyOf(keys);
    }
}
