package io.conduit.api.support;

/**
 * A component's validated settings, or why its configuration is invalid. A component holds one in a
 * {@code volatile} field and swaps it whole on {@code @Modified}; {@link #get()} is how each use refuses while
 * the configuration is invalid, with the same one line the log got once.
 *
 * @param <T> the settings record
 * @param settings the settings, {@code null} when invalid
 * @param pid the PID
 * @param problem {@code PID: KEY: "VALUE" is not ...; fix etc/PID.cfg}, {@code null} when valid
 */
public record Configured<T>(T settings, String pid, String problem) {

    /**
     * @param <T> the settings record
     * @param settings valid settings
     * @return them
     */
    public static <T> Configured<T> of(T settings) {
        return new Configured<>(settings, null, null);
    }

    /**
     * @param <T> the settings record
     * @param pid the PID
     * @param problem the one-line problem
     * @return an invalid configuration
     */
    public static <T> Configured<T> invalid(String pid, String problem) {
        return new Configured<>(null, pid, problem);
    }

    /** @return whether the settings are valid */
    public boolean valid() {
        return problem == null;
    }

    /**
     * Returns the settings.
     *
     * @param use what refuses to work meanwhile, for the message ("conduit:run, put, fetch and ping")
     * @return the settings
     * @throws InvalidConfigurationException the configuration is invalid: {@code configuration PID is invalid: ...}
     */
    public T get(String use) {
        if (problem != null) {
            throw new InvalidConfigurationException("configuration " + pid + " is invalid (" + use + " refuse to work until"
                    + " it is fixed): " + problem);
        }
        return settings;
    }
}
