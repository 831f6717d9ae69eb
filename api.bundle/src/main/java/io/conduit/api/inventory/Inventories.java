package io.conduit.api.inventory;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.osgi.annotation.versioning.ProviderType;

/**
 * The inventories Conduit works on: where they come from (files, directories in Nornir's layout, and the
 * {@link InventorySource} services), loading them, and the rules every user of an inventory shares: which plugin
 * a host connects with and which directory its relative references are read from. The core provides it as a
 * service; the shell, the command line and the runner use it, so that each rule lives in one place.
 *
 * <p>Paths: {@code ~/} is the home of the user running Conduit; a relative path a caller gives is read from the
 * working directory, as any command line tool does, and the configured default from the Conduit home
 * ({@link #home()}), so that it works wherever Conduit is started.
 */
@ProviderType
public interface Inventories {

    /**
     * The inventory used when a caller names none: the runner's configured {@code inventory}.
     *
     * @return a path or {@code SOURCE:ARG}, never {@code null}
     */
    String defaultInventory();

    /**
     * The Conduit home: the directory the configured default inventory's relative path is read from (the
     * distribution's folder, set by the launcher).
     *
     * @return an absolute, normalized path
     */
    Path home();

    /**
     * Loads an inventory: a YAML or JSON file, a directory in Nornir's layout ({@code hosts.yaml},
     * {@code groups.yaml}, {@code defaults.yaml}), or {@code SOURCE:ARG} for a registered {@link InventorySource}.
     * Every problem of a file is reported at once, each with its file, line, key and value.
     *
     * @param spec what to load, or {@code null} for {@link #defaultInventory()}
     * @return the inventory
     * @throws InventoryException it cannot be loaded; the message says why and what to do
     */
    Inventory load(String spec) throws InventoryException;

    /**
     * The plugin a host connects with: its own {@code connection}, else that of its first group in precedence
     * order that sets one, else the inventory's defaults, else the runner's configured default connection (as
     * Ansible's {@code ansible_connection}).
     *
     * @param inventory the inventory
     * @param host one of its hosts
     * @return the plugin name, never {@code null}
     */
    String pluginOf(Inventory inventory, Host host);

    /**
     * The directory the inventory's relative references ({@code ${file:...}}, key files) are read from: the
     * directory of the file or the directory it was loaded from.
     *
     * @param inventory a loaded inventory
     * @return the directory, or empty for an inventory from a source (relative references are then refused)
     */
    Optional<Path> baseDirectory(Inventory inventory);

    /**
     * The registered inventory sources that are served (a source shadowed by a better-ranked one of the same
     * name is left out).
     *
     * @return source name to the source's own one-line description, in name order
     */
    Map<String, String> sources();
}
