package io.conduit.core.source;

/**
 * The two keys of the runner's configuration ({@code etc/io.conduit.runner.cfg}) that say where inventories come
 * from and which plugin a host uses. {@code RunnerConfig} declares them for Metatype and validates the whole file;
 * this reads them for {@link InventoryService}, with the same defaults.
 */
public @interface InventoriesConfig {
    /** The inventory used when a command has none: relative paths read from the Conduit home. */
    String DEFAULT_INVENTORY = "examples/inventory.yaml";
    /** The plugin of hosts whose inventory names none. */
    String DEFAULT_CONNECTION = "ssh";

    /** @return the default inventory: a path or {@code SOURCE:ARGUMENT} */
    String inventory() default DEFAULT_INVENTORY;

    /** @return the plugin of hosts that name none */
    String default__connection() default DEFAULT_CONNECTION;
}
