package io.conduit.core.inventory;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;

/**
 * The built-in inventory sources for Ansible's inventories: {@code -i ansible:FILE} (an INI or YAML inventory file
 * with {@code host_vars/} and {@code group_vars/} beside it, or an inventory directory of such files with them in
 * it) and {@code -i script:PATH} (a dynamic inventory
 * script). Both are read into an {@link AnsibleModel} and mapped by {@link AnsibleMapping}. Stateless.
 */
public final class AnsibleInventories {
    /** The spec prefix of an Ansible inventory file. */
    public static final String FILE = "ansible";
    /** The spec prefix of an Ansible dynamic inventory script. */
    public static final String SCRIPT = "script";

    private AnsibleInventories() {
    }

    /**
     * Reads and maps an Ansible inventory file, every time it is asked (it is not cached: the variables of
     * {@code host_vars/} and {@code group_vars/} would each need watching).
     *
     * @param file the inventory file or directory, absolute
     * @return the inventory, its source {@code ansible:FILE}; relative key files are read from the file's directory
     *         (from the inventory directory itself)
     * @throws InventoryException the file cannot be read, or a value cannot be mapped: every problem with
     *         {@code FILE:LINE}, the key and what to do
     */
    public static Inventory file(Path file) throws InventoryException {
        return file(file, plugin -> null);
    }

    /**
     * {@link #file(Path)}, checking the extras of {@code conduit_connection_options} against the options of
     * installed plugins.
     *
     * @param file the inventory file, absolute
     * @param declared plugin name to its declared options, {@code null} when not installed
     * @return the inventory
     * @throws InventoryException as {@link #file(Path)}, and for an extras key the plugin does not declare
     */
    public static Inventory file(Path file, Function<String, List<OptionDescriptor>> declared)
            throws InventoryException {
        return AnsibleMapping.toInventory(AnsibleFiles.read(file), LocalPaths.baseOf(file), declared);
    }

    /**
     * Runs a dynamic inventory script ({@code PATH --list}, and {@code PATH --host HOST} when it prints no
     * {@code _meta.hostvars}) and maps what it prints; run again on every load.
     *
     * @param script the executable, absolute
     * @return the inventory, its source {@code script:PATH}; relative key files are read from the script's
     *         directory
     * @throws InventoryException the script cannot be run, fails, passes its deadline of
     *         {@value AnsibleScript#DEADLINE_SECONDS} s, prints too much or the wrong JSON, or a value cannot be
     *         mapped
     */
    public static Inventory script(Path script) throws InventoryException {
        return script(script, plugin -> null);
    }

    /**
     * {@link #script(Path)}, checking the extras of {@code conduit_connection_options} against the options of
     * installed plugins.
     *
     * @param script the executable, absolute
     * @param declared plugin name to its declared options, {@code null} when not installed
     * @return the inventory
     * @throws InventoryException as {@link #script(Path)}, and for an extras key the plugin does not declare
     */
    public static Inventory script(Path script, Function<String, List<OptionDescriptor>> declared)
            throws InventoryException {
        return AnsibleMapping.toInventory(AnsibleScript.read(script), script.getParent(), declared);
    }
}
