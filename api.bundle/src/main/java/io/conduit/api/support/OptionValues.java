package io.conduit.api.support;

import java.lang.annotation.Annotation;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.conduit.api.connection.OptionDescriptor;

/**
 * A plugin's option values, typed by their {@link PluginOption}s, in layers: a value set in a higher layer wins
 * key by key, and an option set nowhere has its declared default. The usual layers, lowest first: the declared
 * defaults, the plugin's configuration ({@code etc/PID.cfg}, {@link #ofConfiguration}), then a host's extras
 * ({@link #over}). A layer that leaves an option unset never hides a lower one: a timeout in the {@code .cfg}
 * file stays in force for a host that sets none, it is not replaced by the declared default. Immutable.
 */
public final class OptionValues {

    private final List<PluginOption<?>> options;
    private final Map<String, Object> values;

    private OptionValues(List<PluginOption<?>> options, Map<String, Object> values) {
        this.options = options;
        this.values = values;
    }

    /**
     * The values of a map, checked and typed.
     *
     * @param options the plugin's options
     * @param raw option name to raw or typed value; names of no option are ignored, blank text is unset
     * @return the values
     * @throws IllegalArgumentException a value does not fit its option; the message starts with the option name
     */
    public static OptionValues of(List<? extends PluginOption<?>> options, Map<String, ?> raw) {
        return new OptionValues(List.copyOf(options), Map.of()).over(raw);
    }

    /**
     * The values of a Declarative Services configuration annotation: each method names a key by the DS mapping
     * ({@link ConfigCheck#key}), and gives the configured value or the annotation's default.
     *
     * @param options the plugin's options; the annotation's methods must name options that are not
     *        {@linkplain PluginOption#isHostOnly host-only} (a drift test checks it, {@link OptionDocs})
     * @param config the configuration DS passed to the component
     * @return the values
     * @throws IllegalArgumentException a value does not fit its option; the message starts with the option name
     */
    public static OptionValues ofConfiguration(List<? extends PluginOption<?>> options, Annotation config) {
        return of(options, configuration(config));
    }

    /**
     * The raw values of a Declarative Services configuration annotation, to lay over another layer with
     * {@link #over}: each method names a key by the DS mapping ({@link ConfigCheck#key}).
     *
     * @param config the configuration DS passed to the component
     * @return key to the configured value or the annotation's default, as DS gives them
     */
    public static Map<String, Object> configuration(Annotation config) {
        Map<String, Object> raw = new HashMap<>();
        for (Method m : config.annotationType().getDeclaredMethods()) {
            try {
                raw.put(ConfigCheck.key(m.getName()), m.invoke(config));
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new IllegalStateException("cannot read " + m.getName() + " of " + config, e);
            }
        }
        return raw;
    }

    /**
     * Lays a higher layer over these values.
     *
     * @param higher option name to raw or typed value (a host's extras); set values win, unset ones leave these
     * @return the combined values
     * @throws IllegalArgumentException a value does not fit its option; the message starts with the option name
     */
    public OptionValues over(Map<String, ?> higher) {
        Map<String, Object> out = new LinkedHashMap<>(values);
        for (PluginOption<?> o : options) {
            Object v = o.in(higher);
            if (v != null) {
                out.put(o.name(), v);
            }
        }
        return new OptionValues(options, Map.copyOf(out));
    }

    /**
     * @param <T> the option's Java type
     * @param option one of these options
     * @return its value in the highest layer that sets it, else its declared default (may be {@code null})
     */
    @SuppressWarnings("unchecked")
    public <T> T get(PluginOption<T> option) {
        Object v = values.get(option.name());
        return v != null ? (T) v : option.defaultValue();
    }

    /**
     * @param option one of these options
     * @return whether a layer sets it (as opposed to its declared default applying)
     */
    public boolean isSet(PluginOption<?> option) {
        return values.containsKey(option.name());
    }

    /** @return the options, in their declared order */
    public List<PluginOption<?>> options() {
        return options;
    }

    /**
     * Describes every option with these values as the defaults shown: what a host gets when it sets none. A
     * blank value shows the option's {@linkplain PluginOption#shownDefault shown default}; a secret is never shown.
     *
     * @return the descriptors, in declared order
     */
    public List<OptionDescriptor> describe() {
        List<OptionDescriptor> out = new ArrayList<>();
        for (PluginOption<?> o : options) {
            String shown = o.type() == io.conduit.api.connection.OptionType.SECRET ? null
                    : PluginOption.text(values.get(o.name()));
            out.add(o.descriptor(shown == null || shown.isBlank() ? o.shownDefault() : shown));
        }
        return List.copyOf(out);
    }
}
