package io.conduit.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;

/** A second load of unchanged files is the same inventory; any change is seen on the next load. */
class InventoryCacheTest {
    private static final Function<String, List<OptionDescriptor>> NONE = plugin -> null;

    @TempDir
    Path dir;

    private final InventoryCache cache = new InventoryCache();

    /** Writes a file as it would be if written a while ago (a file written just now is read again, see racy). */
    private static Path write(Path file, String text, int minutesAgo) throws IOException {
        Files.writeString(file, text);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(60L * minutesAgo)));
        return file;
    }

    @Test
    void anUnchangedFileIsParsedOnce() throws Exception {
        Path file = write(dir.resolve("inv.yaml"), "hosts:\n  web1: {hostname: 10.0.0.1}\n", 10);
        Inventory first = cache.load(file, NONE);
        assertSame(first, cache.load(file, NONE));
        assertEquals("10.0.0.1", first.hosts().get("web1").attributes().hostname());
    }

    @Test
    void anEditedFileIsReadAgain() throws Exception {
        Path file = write(dir.resolve("inv.yaml"), "hosts:\n  web1: {hostname: 10.0.0.1}\n", 10);
        cache.load(file, NONE);
        // an edit as an editor makes it: the modification time is now
        Files.writeString(file, "hosts:\n  web1: {hostname: 10.0.0.2}\n  web2: {}\n");
        Inventory edited = cache.load(file, NONE);
        assertEquals("10.0.0.2", edited.hosts().get("web1").attributes().hostname());
        assertEquals(List.of("web1", "web2"), List.copyOf(edited.hosts().keySet()));
    }

    @Test
    void anEditOfTheSameSizeIsSeenByItsModificationTime() throws Exception {
        Path file = write(dir.resolve("inv.yaml"), "hosts:\n  web1: {hostname: 10.0.0.1}\n", 10);
        cache.load(file, NONE);
        write(file, "hosts:\n  web1: {hostname: 10.0.0.9}\n", 9);
        assertEquals("10.0.0.9", cache.load(file, NONE).hosts().get("web1").attributes().hostname());
    }

    /**
     * {@code cp -p}, tar and reproducible builds give a rewritten file the old modification time: same size, same
     * time, same inode, other hosts. A run on the old addresses would reach the wrong machines.
     */
    @Test
    void aRewriteOfTheSameSizeAndModificationTimeIsSeen() throws Exception {
        Path file = write(dir.resolve("inv.yaml"), "hosts:\n  web1: {hostname: 10.0.0.1}\n", 10);
        FileTime old = Files.getLastModifiedTime(file);
        cache.load(file, NONE);
        Files.writeString(file, "hosts:\n  web1: {hostname: 10.0.0.9}\n");
        Files.setLastModifiedTime(file, old);
        assertEquals("10.0.0.9", cache.load(file, NONE).hosts().get("web1").attributes().hostname());
    }

    @Test
    void aFileModifiedJustBeforeItWasReadIsReadAgainUntilItSettles() throws Exception {
        // written now: a coarse clock could give an edit in the same tick the same time, so it is not trusted
        Path file = dir.resolve("inv.yaml");
        Files.writeString(file, "hosts:\n  web1: {}\n");
        Inventory first = cache.load(file, NONE);
        assertNotSame(first, cache.load(file, NONE));
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(600)));
        Inventory settled = cache.load(file, NONE);
        assertSame(settled, cache.load(file, NONE));
    }

    @Test
    void aDirectoryIsReadAgainWhenOneOfItsFilesAppears() throws Exception {
        write(dir.resolve("hosts.yaml"), "web1: {groups: [web]}\n", 10);
        assertThrows(InventoryException.class, () -> cache.load(dir, NONE)); // group web is not defined yet
        write(dir.resolve("groups.yaml"), "web: {port: 2200}\n", 10);
        Inventory inv = cache.load(dir, NONE);
        assertEquals(2200, inv.groups().get("web").attributes().port());
        assertSame(inv, cache.load(dir, NONE));
        Files.delete(dir.resolve("groups.yaml"));
        InventoryException e = assertThrows(InventoryException.class, () -> cache.load(dir, NONE));
        assertTrue(e.getMessage().contains("unknown group \"web\""), e.getMessage());
    }

    @Test
    void aPluginInstalledSinceIsCheckedAgainst() throws Exception {
        Path file = write(dir.resolve("inv.yaml"), "hosts:\n  web1:\n    connection_options:\n      ssh:\n"
                + "        extras: {conect_timeout: 10s}\n", 10);
        Inventory unchecked = cache.load(file, NONE);
        assertSame(unchecked, cache.load(file, NONE));
        Function<String, List<OptionDescriptor>> ssh = plugin -> plugin.equals("ssh")
                ? List.of(OptionDescriptor.of("connect_timeout", OptionType.DURATION, "10s", "connect timeout"))
                : null;
        InventoryException e = assertThrows(InventoryException.class, () -> cache.load(file, ssh));
        assertTrue(e.getMessage().contains("inv.yaml:5: hosts.web1.connection_options.ssh.extras.conect_timeout:"
                + " plugin ssh has no option"), e.getMessage());
    }

    @Test
    void sameFileThroughAnotherSpellingIsItsOwnSource() throws Exception {
        Path file = write(dir.resolve("inv.yaml"), "hosts:\n  web1: {}\n", 10);
        Inventory direct = cache.load(file, NONE);
        Path other = dir.resolve("sub").resolve("..").resolve("inv.yaml");
        Files.createDirectories(dir.resolve("sub"));
        Inventory spelled = cache.load(other, NONE);
        // its source is the path as given, which messages show
        assertEquals(other.toString(), spelled.source());
        assertEquals(Map.of("web1", direct.hosts().get("web1")), spelled.hosts());
    }
}
