package io.conduit.core.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventorySource;

/** Inventory sources on the whiteboard: ranked and shadowed as plugins are; the service's path rules. */
class InventoryCatalogTest {
    @TempDir
    Path dir;

    private static InventorySource source(String from) {
        return new InventorySource() {
            @Override
            public Inventory load(String argument) {
                return new Inventory(from + ":" + argument, null, null, null);
            }

            @Override
            public String description() {
                return "from " + from;
            }
        };
    }

    @Test
    void aSecondSourceOfTheSameNameDoesNotSilentlyReplaceTheFirst() throws Exception {
        InventoryCatalog catalog = new InventoryCatalog();
        catalog.add(new InventoryCatalog.SourceBinding("cmdb", 20, 0, "a", source("a")));
        catalog.add(new InventoryCatalog.SourceBinding("cmdb", 21, 0, "b", source("b")));
        assertEquals("a:x", catalog.load("cmdb:x").source(), "the first keeps serving at equal ranking");
        assertEquals(2, catalog.all().get("cmdb").size(), "the second is kept, shadowed");

        catalog.add(new InventoryCatalog.SourceBinding("cmdb", 22, 10, "c", source("c")));
        assertEquals("c:x", catalog.load("cmdb:x").source(), "a higher ranking serves the name");
        catalog.remove(22);
        assertEquals("a:x", catalog.load("cmdb:x").source(), "and its going unshadows the first");
        catalog.remove(20);
        assertEquals("b:x", catalog.load("cmdb:x").source());
        assertEquals(Map.of("cmdb", "from b"), catalog.sources());
    }

    @Test
    void theServiceReadsTheConfiguredInventoryFromTheHomeAndKnowsItsDirectory() throws Exception {
        Path home = Files.createDirectories(dir.resolve("home"));
        Files.createDirectories(home.resolve("inv"));
        Files.writeString(home.resolve("inv/hosts.yaml"), "hosts:\n  web1: {connection: docker}\n  db1: {}\n");
        InventoryService service = new InventoryService(new InventoryCatalog(), plugin -> null, "inv/hosts.yaml",
                "ssh", home);
        assertEquals(home.resolve("inv/hosts.yaml").toString(), service.defaultInventory());
        assertEquals(home.toAbsolutePath().normalize(), service.home());

        Inventory inventory = service.load(null);
        assertEquals(home.resolve("inv"), service.baseDirectory(inventory).orElseThrow());
        assertEquals("docker", service.pluginOf(inventory, inventory.hosts().get("web1")));
        assertEquals("ssh", service.pluginOf(inventory, inventory.hosts().get("db1")), "the configured default");
        assertTrue(service.baseDirectory(new Inventory("elsewhere", null, null, null)).isEmpty());
    }
}
