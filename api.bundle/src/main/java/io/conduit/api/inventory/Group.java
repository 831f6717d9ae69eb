package io.conduit.api.inventory;

import java.util.List;
import java.util.Objects;

/**
 * A group of hosts. Groups can have parent groups, which come after the group in precedence.
 *
 * @param name the group name, unique
 * @param groups the parent groups, in precedence order
 * @param attributes what the group sets for its hosts
 */
public record Group(String name, List<String> groups, Attributes attributes) {

    /** Checks the name and copies the parent list. */
    public Group {
        Objects.requireNonNull(name, "name");
        groups = groups == null ? List.of() : List.copyOf(groups);
        attributes = attributes == null ? Attributes.NONE : attributes;
    }
}
