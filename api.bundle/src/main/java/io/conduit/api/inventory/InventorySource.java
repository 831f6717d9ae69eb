package io.conduit.api.inventory;

import java.io.IOException;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A service that makes an inventory from somewhere other than a file (pyinfra's inventory connectors):
 * running containers, a CMDB, a cloud API. Registered with the property {@link #NAME}, normally through
 * {@link InventorySourceName}. The shell selects it with {@code -i NAME:} or {@code -i NAME:ARGUMENT}.
 * Called from any thread; must be thread safe.
 */
@ConsumerType
public interface InventorySource {

    /** Service property naming the source (type {@code String}, required). */
    String NAME = "conduit.inventory.source.name";

    /**
     * Loads the current inventory.
     *
     * @param argument what follows {@code NAME:} in the shell (a filter, say), empty when nothing does
     * @return the inventory
     * @throws InventoryException the argument is wrong, with a message that says how to write it
     * @throws IOException the source could not be read
     */
    Inventory load(String argument) throws IOException;

    /** @return one line describing the source and its argument syntax */
    default String description() {
        return "";
    }
}
