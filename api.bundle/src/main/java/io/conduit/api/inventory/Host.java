package io.conduit.api.inventory;

import java.util.List;
import java.util.Objects;

/**
 * A host of the inventory.
 *
 * @param name the inventory name, unique; also the hostname when {@code attributes.hostname()} is not set
 * @param groups the groups it belongs to, in precedence order (first wins)
 * @param attributes what the host sets itself
 */
public record Host(String name, List<String> groups, Attributes attributes) {

    /** Checks the name and copies the group list. */
    public Host {
        Objects.requireNonNull(name, "name");
        groups = groups == null ? List.of() : List.copyOf(groups);
        attributes = attributes == null ? Attributes.NONE : attributes;
    }
}
