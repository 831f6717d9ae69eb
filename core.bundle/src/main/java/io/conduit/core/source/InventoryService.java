package io.conduit.core.source;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import java.util.function.Function;

import org.osgi.framework.BundleContext;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventories;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;
import io.conduit.core.inventory.LocalPaths;
import io.conduit.core.inventory.ParameterResolver;
import io.conduit.core.registry.PluginRegistry;

/**
 * The {@link Inventories} service: where inventories come from and the rules every user of one shares. It reads
 * the runner's configuration ({@value #PID}: {@code inventory}, {@code default_connection}) and the Conduit home
 * from the framework property {@value #HOME_PROPERTY} the launcher sets, once, at activation; the files and
 * sources themselves are read by {@link InventoryCatalog}. An inventory loaded here is checked against the
 * options of the plugins installed now, as a run checks it.
 */
@Component(service = {Inventories.class, InventoryService.class}, configurationPid = InventoryService.PID)
public final class InventoryService implements Inventories {
    /** The runner's configuration PID, whose {@code inventory} and {@code default_connection} are read here. */
    public static final String PID = "io.conduit.runner";
    /** Framework property naming the Conduit home directory, set by the launcher. */
    public static final String HOME_PROPERTY = "conduit.home";

    private final InventoryCatalog catalog;
    private final Function<String, List<OptionDescriptor>> declared;
    private final Path home;
    /**
     * The directory of each inventory loaded here, for as long as the inventory is in use. Looked up by identity
     * first: an {@link Inventory}'s hash walks all its hosts, and a caller may ask once per host.
     */
    private final Map<Inventory, Path> bases = Collections.synchronizedMap(new WeakHashMap<>());
    /** The last inventory loaded here and its directory, compared by identity (the common case of a run). */
    private volatile Base last;

    private record Base(java.lang.ref.WeakReference<Inventory> inventory, Path base) {
    }
    private volatile Settings settings;

    private record Settings(String inventory, String defaultConnection) {
        static Settings from(String inventory, String defaultConnection, Path home) {
            return new Settings(LocalPaths.configured(orDefault(inventory, InventoriesConfig.DEFAULT_INVENTORY),
                    home), orDefault(defaultConnection, InventoriesConfig.DEFAULT_CONNECTION));
        }

        /** A blank value is refused by the runner's validation, which then refuses every run; here it is ignored. */
        private static String orDefault(String value, String fallback) {
            return value == null || value.isBlank() ? fallback : value.trim();
        }
    }

    /**
     * For DS: the home from the framework property {@value #HOME_PROPERTY}, else the working directory.
     *
     * @param catalog the files and sources
     * @param registry the installed plugins, whose options check the inventory's {@code extras}
     * @param config the runner's configuration
     * @param context the bundle's context, for the framework property
     */
    @Activate // the only public constructor of 4 arguments: SCR picks its constructor by their count
    public InventoryService(@Reference InventoryCatalog catalog, @Reference PluginRegistry registry,
            InventoriesConfig config, BundleContext context) {
        this(catalog, name -> registry.best(name).map(b -> b.plugin().options()).orElse(null), config.inventory(),
                config.default__connection(), homeOf(context.getProperty(HOME_PROPERTY)));
    }

    /**
     * For tests and programs that embed the core.
     *
     * @param catalog the files and sources
     * @param declared plugin name to its declared options, {@code null} when not installed
     * @param inventory the default inventory: a path (relative: from the home) or {@code SOURCE:ARGUMENT}
     * @param defaultConnection the plugin of hosts that name none
     * @param home the Conduit home; {@code null} for the working directory
     */
    public InventoryService(InventoryCatalog catalog, Function<String, List<OptionDescriptor>> declared,
            String inventory, String defaultConnection, Path home) {
        this.catalog = catalog;
        this.declared = declared;
        this.home = (home == null ? Path.of("") : home).toAbsolutePath().normalize();
        this.settings = Settings.from(inventory, defaultConnection, this.home);
    }

    @Modified
    void modified(InventoriesConfig config) {
        settings = Settings.from(config.inventory(), config.default__connection(), home);
    }

    private static Path homeOf(String property) {
        return property == null || property.isBlank() ? null : Path.of(property);
    }

    @Override
    public String defaultInventory() {
        return settings.inventory();
    }

    @Override
    public Path home() {
        return home;
    }

    @Override
    public Inventory load(String spec) throws InventoryException {
        InventoryCatalog.Loaded loaded = catalog.loaded(spec == null ? defaultInventory() : spec, declared);
        if (loaded.base() != null) {
            // an equal inventory loaded before keeps its key object: replace it, so the entry lives as long as
            // the newest one (the runner asks right after loading)
            Base b = last;
            if (b == null || b.inventory().get() != loaded.inventory() || !b.base().equals(loaded.base())) {
                bases.remove(loaded.inventory());
                bases.put(loaded.inventory(), loaded.base());
                last = new Base(new java.lang.ref.WeakReference<>(loaded.inventory()), loaded.base());
            }
        }
        return loaded.inventory();
    }

    @Override
    public String pluginOf(Inventory inventory, Host host) {
        String named = ParameterResolver.pluginFor(inventory, host);
        return named != null ? named : settings.defaultConnection();
    }

    /** @return the plugin of hosts whose inventory names none */
    public String defaultConnection() {
        return settings.defaultConnection();
    }

    /**
     * {@inheritDoc} An inventory this service did not load (or an equal one) has none.
     */
    @Override
    public Optional<Path> baseDirectory(Inventory inventory) {
        Base b = last;
        if (b != null && b.inventory().get() == inventory) {
            return Optional.of(b.base());
        }
        return Optional.ofNullable(bases.get(inventory));
    }

    @Override
    public Map<String, String> sources() {
        return catalog.sources();
    }
}
