package io.conduit.core.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.Optional;

import org.osgi.framework.Constants;
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
import io.conduit.core.inventory.AnsibleInventories;
import io.conduit.core.inventory.InventoryCache;
import io.conduit.core.inventory.LocalPaths;
import io.conduit.core.registry.RankedServices;

/**
 * Turns an inventory spec into an {@link Inventory}: {@code ansible:FILE} and {@code script:PATH} are built in
 * ({@link AnsibleInventories}, ahead of any registered source of those names, which is ignored with a warning);
 * {@code NAME:ARGUMENT} asks the {@link InventorySource}
 * of that name (tracked on the whiteboard, ranked and shadowed as connection plugins are: {@link RankedServices}),
 * anything else is a file or directory path, read from the working directory ({@link LocalPaths#typed}). The
 * configured default, read from the Conduit home, is {@link InventoryService}'s.
 */
@Component(service = InventoryCatalog.class)
public final class InventoryCatalog {
    private static final Logger LOG = LoggerFactory.getLogger(InventoryCatalog.class);

    /** The sources built in, ahead of registered ones, with their descriptions. */
    static final Map<String, String> BUILT_IN = Map.of(
            AnsibleInventories.FILE, "an Ansible inventory file (INI or YAML) or inventory directory, with"
                    + " host_vars/ and group_vars/: ansible:FILE or ansible:DIR",
            AnsibleInventories.SCRIPT, "an Ansible dynamic inventory script, run with --list: script:PATH");

    private final RankedServices<SourceBinding> sources = new RankedServices<>();
    /** Files read before: a second run from an unchanged file does not parse it again. */
    private final InventoryCache files = new InventoryCache();

    /**
     * One registered inventory source as the catalog tracks it.
     *
     * @param name its {@link InventorySource#NAME}
     * @param serviceId its {@code service.id}
     * @param ranking its {@code service.ranking}
     * @param bundle the providing bundle's symbolic name
     * @param source the service object
     */
    public record SourceBinding(String name, long serviceId, int ranking, String bundle, InventorySource source)
            implements RankedServices.Ranked {
    }

    @Reference(cardinality = ReferenceCardinality.MULTIPLE, policy = ReferencePolicy.DYNAMIC,
            policyOption = ReferencePolicyOption.GREEDY, unbind = "removed", updated = "updated")
    void added(InventorySource source, ServiceReference<InventorySource> ref) {
        Object name = ref.getProperty(InventorySource.NAME);
        if (!(name instanceof String s) || s.isBlank() || s.contains(":")) {
            LOG.warn("ignoring an InventorySource service of bundle {}: property {} is {}; set a name like \"docker\"",
                    ref.getBundle().getSymbolicName(), InventorySource.NAME, name);
            return;
        }
        if (BUILT_IN.containsKey(s)) {
            LOG.warn("ignoring the InventorySource service \"{}\" of bundle {}: {}: is built in; name the source"
                    + " otherwise", s, ref.getBundle().getSymbolicName(), s);
            return;
        }
        Object ranking = ref.getProperty(Constants.SERVICE_RANKING);
        add(new SourceBinding(s, (Long) ref.getProperty(Constants.SERVICE_ID), ranking instanceof Integer r ? r : 0,
                ref.getBundle() == null ? "?" : ref.getBundle().getSymbolicName(), source));
    }

    /** Rebinds when service properties change (name or ranking). */
    void updated(InventorySource source, ServiceReference<InventorySource> ref) {
        removed(source, ref);
        added(source, ref);
    }

    void removed(InventorySource source, ServiceReference<InventorySource> ref) {
        remove((Long) ref.getProperty(Constants.SERVICE_ID));
    }

    /**
     * Tracks a source; the best of its name (highest ranking, then oldest) serves it, the others are shadowed
     * until it goes. Public for tests and programs that embed the core without a service registry.
     *
     * @param binding the source service
     */
    public void add(SourceBinding binding) {
        if (BUILT_IN.containsKey(binding.name())) {
            LOG.warn("ignoring inventory source \"{}\" of {} (service {}): {}: is built in; name the source otherwise",
                    binding.name(), binding.bundle(), binding.serviceId(), binding.name());
            return;
        }
        Optional<SourceBinding> shadowed = sources.add(binding);
        LOG.info("inventory source \"{}\" added by {} (service {})", binding.name(), binding.bundle(),
                binding.serviceId());
        shadowed.ifPresent(old -> LOG.info("inventory source \"{}\": service {} of {} now shadowed by service {}",
                old.name(), old.serviceId(), old.bundle(), binding.serviceId()));
        if (shadowed.isEmpty() && !sources.serves(binding)) {
            LOG.info("inventory source \"{}\": service {} is shadowed by service {}", binding.name(),
                    binding.serviceId(), sources.best(binding.name()).map(SourceBinding::serviceId).orElse(0L));
        }
    }

    /**
     * Stops tracking a source; a shadowed one of its name, if any, serves the name from now on.
     *
     * @param serviceId the service's id
     */
    public void remove(long serviceId) {
        sources.remove(serviceId).ifPresent(b -> LOG.info("inventory source \"{}\" removed (service {})",
                b.name(), b.serviceId()));
    }

    /** @return the built-in and registered sources by name with their descriptions */
    public Map<String, String> sources() {
        Map<String, String> out = new TreeMap<>(BUILT_IN);
        sources.served().forEach((name, b) -> out.put(name, b.source().description()));
        return out;
    }

    /** @return every registered source by name, best first within a name (the others are shadowed) */
    public Map<String, java.util.List<SourceBinding>> all() {
        return sources.all();
    }

    /**
     * Loads an inventory.
     *
     * @param spec a path, or {@code NAME:ARGUMENT} for a registered source
     * @return the inventory
     * @throws InventoryException it cannot be loaded; the message says why and what to do
     */
    public Inventory load(String spec) throws InventoryException {
        return loaded(spec, plugin -> null).inventory();
    }

    /**
     * An inventory with the directory its relative references are read from.
     *
     * @param inventory the inventory
     * @param base the directory of its file, or the directory it was loaded from; {@code null} for a source's
     */
    public record Loaded(Inventory inventory, Path base) {
    }

    /**
     * Loads an inventory, checking the {@code extras} of installed plugins against their options, and tells the
     * directory its relative references are read from.
     *
     * @param spec a path, {@code ansible:FILE}, {@code script:PATH}, or {@code NAME:ARGUMENT} for a registered
     *        source
     * @param declared plugin name to its declared options, {@code null} when not installed
     * @return the inventory and its base directory
     * @throws InventoryException it cannot be loaded; the message says why and what to do
     */
    public Loaded loaded(String spec, java.util.function.Function<String, java.util.List<
            io.conduit.api.connection.OptionDescriptor>> declared) throws InventoryException {
        int colon = spec.indexOf(':');
        if (colon > 0 && BUILT_IN.containsKey(spec.substring(0, colon))) {
            return builtIn(spec.substring(0, colon), spec.substring(colon + 1), declared);
        }
        if (colon > 0) {
            InventorySource source = sources.best(spec.substring(0, colon)).map(SourceBinding::source).orElse(null);
            if (source != null) {
                try {
                    return new Loaded(source.load(spec.substring(colon + 1)), null);
                } catch (InventoryException e) {
                    throw e;
                } catch (IOException e) {
                    throw new InventoryException("inventory source \"" + spec.substring(0, colon) + "\": "
                            + e.getMessage(), e);
                }
            }
        }
        Path path = LocalPaths.typed(spec);
        if (!Files.exists(path) && colon > 0) {
            throw new InventoryException("no inventory file " + path + " and no inventory source named \""
                    + spec.substring(0, colon) + "\"; sources: " + sources().keySet());
        }
        Inventory inventory = files.load(path, declared);
        return new Loaded(inventory, LocalPaths.baseOf(path));
    }

    /**
     * Loads {@code ansible:FILE}, {@code ansible:DIR} or {@code script:PATH}: not cached (an Ansible inventory is
     * read with its {@code host_vars/} and {@code group_vars/}; a script is asked every time).
     */
    private static Loaded builtIn(String kind, String argument, java.util.function.Function<String,
            java.util.List<io.conduit.api.connection.OptionDescriptor>> declared) throws InventoryException {
        String example = kind + (AnsibleInventories.FILE.equals(kind) ? ":hosts.ini" : ":./inventory.py");
        if (argument.isBlank()) {
            throw new InventoryException("-i " + kind + ": names no file; write -i " + example);
        }
        Path path;
        try {
            path = LocalPaths.typed(argument.trim());
        } catch (java.nio.file.InvalidPathException e) {
            throw new InventoryException("-i " + kind + ":" + argument + ": not a path on this system; write -i "
                    + example);
        }
        if (AnsibleInventories.FILE.equals(kind)) {
            if (!Files.isRegularFile(path) && !Files.isDirectory(path)) {
                throw new InventoryException("no Ansible inventory file or directory " + path + "; write -i "
                        + example);
            }
            return new Loaded(AnsibleInventories.file(path, declared), LocalPaths.baseOf(path));
        }
        return new Loaded(AnsibleInventories.script(path, declared), path.getParent());
    }

    /**
     * Resolves a path the operator typed: {@code ~/} is the user's home, relative paths the working directory.
     *
     * @param path a path as the operator typed it
     * @return the absolute path
     * @deprecated {@link LocalPaths#typed(String)}, the one place of the path rules
     */
    @Deprecated
    public static Path resolve(String path) {
        return LocalPaths.typed(path);
    }

}
