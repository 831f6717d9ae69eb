package io.conduit.api.connection;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A secret value (password, token, passphrase) that never prints: {@link #toString()} is {@code ***}. Only
 * {@link #reveal()} gives the value, and only a plugin about to use it should call it.
 */
public final class Secret {
    private final String value;

    private Secret(String value) {
        this.value = value;
    }

    /**
     * Wraps a value.
     *
     * @param value the secret text, not {@code null}
     * @return the secret
     */
    public static Secret of(String value) {
        if (value == null) {
            throw new NullPointerException("secret value");
        }
        return new Secret(value);
    }

    /**
     * Returns the value, for the plugin that sends it to the host. Never log or print it.
     *
     * @return the secret text
     */
    public String reveal() {
        return value;
    }

    /**
     * Tells whether the value is empty.
     *
     * @return {@code true} for an empty secret
     */
    public boolean isEmpty() {
        return value.isEmpty();
    }

    /** Constant-time comparison, so that equality checks leak no timing. */
    @Override
    public boolean equals(Object other) {
        return other instanceof Secret s
                && MessageDigest.isEqual(value.getBytes(StandardCharsets.UTF_8), s.value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public int hashCode() {
        return 0; // a hash of the value would leak information about it
    }

    /** Always {@code ***}. */
    @Override
    public String toString() {
        return "***";
    }
}
