package io.conduit.core.inventory;

import java.io.IOException;
import java.lang.ref.SoftReference;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;

/**
 * Keeps the inventories {@link InventoryLoader} read, so that a second run from the same file in the same process
 * does not parse it again (a 200,000-host file takes a second or more): the same {@link Inventory} object comes
 * back as long as
 * <ul>
 * <li>every file it was read from (the file, or a directory's {@code hosts}, {@code groups} and {@code defaults}
 * files, including which of them exist) has the same size, modification time and file key (inode) as when it
 * was read;</li>
 * <li>no such file was modified within {@value #RACY_MILLIS} ms before it was read: a file system that keeps
 * coarse modification times could otherwise hide an edit made right after the read (git calls such entries
 * "racily clean"); such an entry is read again next time, and kept from then on;</li>
 * <li>every plugin whose {@code extras} it was checked against declares the same options (or is still not
 * installed).</li>
 * </ul>
 * A load that fails is not kept: it is tried again, and says again what is wrong. At most {@value #ENTRIES}
 * inventories are kept, each softly (the garbage collector may drop them when memory runs short). Thread safe;
 * two threads loading the same changed file at once may both read it.
 */
public final class InventoryCache {
    /** Modification times this close before the read are not trusted to show a later edit, in milliseconds. */
    static final long RACY_MILLIS = 2_000;
    /** Inventories kept, the least recently used dropped first. */
    static final int ENTRIES = 4;

    private static final List<String> LAYOUT = List.of("hosts.yaml", "hosts.yml", "hosts.json", "groups.yaml",
            "groups.yml", "groups.json", "defaults.yaml", "defaults.yml", "defaults.json");

    /**
     * One file as it was when read: absent files count too (one appearing changes the inventory). The status
     * change time (POSIX ctime) is kept where the file system has one: unlike the modification time, no copy
     * ({@code cp -p}, tar, rsync -t) can set it back, so a rewrite in place of the same size is seen too.
     */
    private record Stamp(Path file, boolean exists, long size, long modifiedMillis, Object fileKey,
            Object statusChanged) {
    }

    private record Kept(List<Stamp> stamps, long readMillis, Map<String, List<OptionDescriptor>> plugins,
            SoftReference<Inventory> inventory) {
    }

    private final Map<Path, Kept> kept = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Path, Kept> eldest) {
            return size() > ENTRIES;
        }
    };

    /**
     * Loads an inventory as {@link InventoryLoader#load(Path, Function)} does, or returns the one read before
     * from the same unchanged files.
     *
     * @param path a file or a directory in Nornir's layout
     * @param declared plugin name to the options it declares, {@code null} when not installed
     * @return the inventory, the same object as last time when nothing it depends on changed
     * @throws InventoryException as {@link InventoryLoader#load(Path, Function)}
     */
    public Inventory load(Path path, Function<String, List<OptionDescriptor>> declared) throws InventoryException {
        if (path == null) {
            return InventoryLoader.load(null, declared); // says what to do
        }
        Path key = path.toAbsolutePath().normalize();
        List<Stamp> stamps = stamps(path);
        Kept k;
        synchronized (kept) {
            k = kept.get(key);
        }
        Inventory inventory = k == null ? null : k.inventory().get();
        if (inventory != null && inventory.source().equals(path.toString()) && stamps != null
                && stamps.equals(k.stamps()) && !racy(k) && samePlugins(k.plugins(), declared)) {
            return inventory;
        }
        long readMillis = System.currentTimeMillis();
        InventoryLoader.Checked checked = InventoryLoader.loadChecked(path, declared);
        if (stamps != null && stamps.equals(stamps(path))) { // not changed while it was read
            synchronized (kept) {
                kept.put(key, new Kept(stamps, readMillis, checked.plugins(),
                        new SoftReference<>(checked.inventory())));
            }
        }
        return checked.inventory();
    }

    private static boolean racy(Kept k) {
        return k.stamps().stream().anyMatch(s -> s.exists() && s.modifiedMillis() > k.readMillis() - RACY_MILLIS);
    }

    private static boolean samePlugins(Map<String, List<OptionDescriptor>> plugins,
            Function<String, List<OptionDescriptor>> declared) {
        for (Map.Entry<String, List<OptionDescriptor>> e : plugins.entrySet()) {
            List<OptionDescriptor> now;
            try {
                now = declared.apply(e.getKey());
            } catch (RuntimeException ex) {
                now = null; // as the loader takes it
            }
            if (!Objects.equals(now, e.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** The files the inventory is read from, as they are now; {@code null} when they cannot be looked at. */
    private static List<Stamp> stamps(Path path) {
        try {
            if (!Files.isDirectory(path)) {
                return List.of(stamp(path));
            }
            List<Stamp> out = new ArrayList<>(LAYOUT.size());
            for (String name : LAYOUT) {
                out.add(stamp(path.resolve(name)));
            }
            return out;
        } catch (IOException e) {
            return null; // the loader says what is wrong with it
        }
    }

    private static Stamp stamp(Path file) throws IOException {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            return new Stamp(file, true, a.size(), a.lastModifiedTime().toMillis(), a.fileKey(),
                    statusChanged(file));
        } catch (NoSuchFileException e) {
            return new Stamp(file, false, 0, 0, null, null);
        }
    }

    private static Object statusChanged(Path file) throws IOException {
        try {
            return Files.getAttribute(file, "unix:ctime");
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return null; // no POSIX file system: size, modification time and file key only
        }
    }
}
