/**
 * The inventory: hosts, groups and defaults as immutable values ({@link io.conduit.api.inventory.Inventory}),
 * and {@link io.conduit.api.inventory.InventorySource}, the service through which inventories come from
 * elsewhere than a file (running containers, a CMDB, a cloud API).
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.0.0")
package io.conduit.api.inventory;
