package io.conduit.core.inventory;

import java.nio.file.Path;

import io.conduit.api.inventory.InventoryException;

/**
 * Reads an Ansible inventory file, INI or YAML, with the {@code host_vars/} and {@code group_vars/} directories
 * beside it, into an {@link AnsibleModel}.
 */
final class AnsibleFiles {
    private AnsibleFiles() {
    }

    /**
     * Reads an inventory file and the variable directories beside it.
     *
     * @param file the inventory file (INI or YAML, told apart by its content)
     * @return the model, every value with its file and line
     * @throws InventoryException it cannot be read or is malformed: every problem at once, each as
     *         {@code FILE:LINE: KEY: what is wrong; what to do}
     */
    static AnsibleModel read(Path file) throws InventoryException {
        throw new InventoryException("Ansible inventory files are not read yet: " + file);
    }
}
