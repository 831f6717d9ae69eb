package io.conduit.api.inventory;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A whole inventory: defaults, groups and hosts, as loaded from one file, one directory in Nornir's layout,
 * or an {@link InventorySource}. Immutable; maps keep the order of the source.
 *
 * @param source where it came from (a path, or {@code docker:...}), for messages
 * @param defaults what applies to every host, last in precedence
 * @param groups the groups by name
 * @param hosts the hosts by name
 */
public record Inventory(String source, Attributes defaults, Map<String, Group> groups, Map<String, Host> hosts) {

    /** Copies the maps in. */
    public Inventory {
        Objects.requireNonNull(source, "source");
        defaults = defaults == null ? Attributes.NONE : defaults;
        groups = groups == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(groups));
        hosts = hosts == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(hosts));
    }
}
