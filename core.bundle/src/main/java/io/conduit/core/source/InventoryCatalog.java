package io.conduit.core.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

import org.osgi.framework.ServiceReference;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.osgi.service.component.annotations.ReferencePolicy;
import org.osgi.service.component.annotations.ReferencePolicyOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;
import io.conduit.api.inventory.InventorySource;
import io.conduit.core.inventory.InventoryLoader;

/**
 * Turns an inventory spec into an {@link Inventory}: {@code NAME:ARGUMENT} asks the {@link InventorySource}
 * of that name (tracked on the whiteboard), anything else is a file or directory path. A path the operator
 * types is read from the working directory, as any command line tool does; the configured default is read
 * from the Conduit home ({@code conduit.home}), so it works wherever Conduit is started.
 */
@Component(service = InventoryCatalog.class)
public final class InventoryCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(InventoryCatalog.class);
    /** System property naming the Conduit home directory, set by the launcher. */
    public static final String HOME_PROPERTY = "conduit.home";

    private final Map<String, InventorySource> sources = new ConcurrentHashMap<>();

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removed")
    void added(InventorySource source, ServiceReference<InventorySource> ref) {
        Object name = ref.getProperty(InventorySource.NAME);
        if (!(name instanceof String s) || s.isBlank() || s.contains(":")) {
            LOG.warn("ignoring an InventorySource service of bundle {}: property {} is {}; set a name like \"docker\"",
                    ref.getBundle().getSymbolicName(), InventorySource.NAME, name);
            return;
        }
        sources.put(s, source);
        LOG.info("inventory source \"{}\" added by {}", s, ref.getBundle().getSymbolicName());
    }

    void removed(InventorySource source, ServiceReference<InventorySource> ref) {
        sources.values().remove(source);
    }

    /** @return the registered sources by name with their descriptions */
    public Map<String, String> sources() {
        Map<String, String> out = new TreeMap<>();
        sources.forEach((name, source) -> out.put(name, source.description()));
        return out;
    }

    /**
     * Loads an inventory.
     *
     * @param spec a path, or {@code NAME:ARGUMENT} for a registered source
     * @return the inventory
     * @throws InventoryException it cannot be loaded; the message says why and what to do
     */
    public Inventory load(String spec) throws InventoryException {
        return load(spec, plugin -> null);
    }

    /**
     * Loads an inventory, checking the {@code extras} of installed plugins against their options.
     *
     * @param spec a path, or {@code NAME:ARGUMENT} for a registered source
     * @param declared plugin name to its declared options, {@code null} when not installed (see
     *        {@link InventoryLoader#load(Path, java.util.function.Function)})
     * @return the inventory
     * @throws InventoryException it cannot be loaded; the message says why and what to do
     */
    public Inventory load(String spec, java.util.function.Function<String, java.util.List<
            io.conduit.api.connection.OptionDescriptor>> declared) throws InventoryException {
        int colon = spec.indexOf(':');
        if (colon > 0) {
            InventorySource source = sources.get(spec.substring(0, colon));
            if (source != null) {
                try {
                    return source.load(spec.substring(colon + 1));
                } catch (InventoryException e) {
                    throw e;
                } catch (IOException e) {
                    throw new InventoryException("inventory source \"" + spec.substring(0, colon) + "\": "
                            + e.getMessage(), e);
                }
            }
        }
        Path path = resolve(spec);
        if (!Files.exists(path) && colon > 0) {
            throw new InventoryException("no inventory file " + path + " and no inventory source named \""
                    + spec.substring(0, colon) + "\"; sources: " + sources.keySet());
        }
        return InventoryLoader.load(path, declared);
    }

    /**
     * Resolves a path the operator typed: {@code ~/} is the user's home, relative paths the working directory.
     *
     * @param path a path as the operator typed it
     * @return the absolute path
     */
    public static Path resolve(String path) {
        String expanded = path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path;
        return Path.of(expanded).toAbsolutePath().normalize();
    }

    /**
     * Resolves a configured path: relative paths are read from the Conduit home.
     *
     * @param path a path from a configuration file
     * @return the path, absolute when it names a file (a {@code SOURCE:ARGUMENT} spec is returned as it is)
     */
    public static String resolveFromHome(String path) {
        String home = System.getProperty(HOME_PROPERTY);
        if (home == null || path.startsWith("~/") || Path.of(path).isAbsolute()
                || !Files.exists(Path.of(home).resolve(path))) {
            return path;
        }
        return Path.of(home).resolve(path).normalize().toString();
    }
}
