// TEMPORARY: replaced by core's InventoryService at merge
package io.conduit.core.source;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventories;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;
import io.conduit.api.task.RunOptions;
import io.conduit.core.inventory.ParameterResolver;
import io.conduit.core.run.ForkingRunner;

/**
 * TEMPORARY: the {@link Inventories} service over today's runner and catalog, so that the shell commands can
 * depend on the API service before core's {@code InventoryService} exists. Nothing may name this class: it is
 * deleted when that service is merged.
 */
@Component(service = Inventories.class)
public final class InventoriesAdapter implements Inventories {
    private final ForkingRunner runner;
    private final InventoryCatalog catalog;

    /**
     * @param runner the configured default inventory and connection, and loading with the plugins' options
     * @param catalog the inventory sources
     */
    @Activate
    public InventoriesAdapter(@Reference ForkingRunner runner, @Reference InventoryCatalog catalog) {
        this.runner = runner;
        this.catalog = catalog;
    }

    @Override
    public String defaultInventory() {
        return runner.defaults().inventory();
    }

    @Override
    public Path home() {
        return Path.of(System.getProperty(InventoryCatalog.HOME_PROPERTY, "")).toAbsolutePath().normalize();
    }

    @Override
    public Inventory load(String spec) throws InventoryException {
        return runner.inventory(new RunOptions(spec, null, null, null));
    }

    @Override
    public String pluginOf(Inventory inventory, Host host) {
        String named = ParameterResolver.pluginFor(inventory, host);
        return named != null ? named : runner.defaultConnection();
    }

    @Override
    public Optional<Path> baseDirectory(Inventory inventory) {
        Path source = Path.of(inventory.source());
        if (!Files.exists(source)) {
            return Optional.empty();
        }
        return Optional.of(Files.isDirectory(source) ? source : source.toAbsolutePath().getParent());
    }

    @Override
    public Map<String, String> sources() {
        return catalog.sources();
    }
}
