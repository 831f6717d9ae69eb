package io.conduit.api.inventory;

import java.io.IOException;

/**
 * An inventory could not be loaded or used: unreadable file, syntax error (with line), wrong type, unknown
 * group, cyclic parents, duplicate host, a pattern that matches nothing. The message names the source and
 * key path and says what to do. Nothing runs when it is thrown.
 */
public class InventoryException extends IOException {
    private static final long serialVersionUID = 1L;

    /** @param message where and what is wrong, and what to do */
    public InventoryException(String message) {
        super(message);
    }

    /**
     * @param message where and what is wrong, and what to do
     * @param cause the underlying failure
     */
    public InventoryException(String message, Throwable cause) {
        super(message, cause);
    }
}
