package io.conduit.core.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;
import io.conduit.api.inventory.InventorySource;
import io.conduit.core.inventory.LocalPaths;

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
        assertEquals("from b", catalog.sources().get("cmdb"));
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

    @Test
    void scriptPathsAreBuiltInReadFromTheWorkingDirectoryAndBasedBesideTheScript() throws Exception {
        Path sub = Files.createDirectories(dir.resolve("inv"));
        Path script = sub.resolve("cmdb.sh");
        Files.writeString(script, "#!/bin/sh\necho '{\"web\": {\"hosts\": [\"w1\"], \"vars\": {\"ansible_user\":"
                + " \"deploy\"}}, \"_meta\": {\"hostvars\": {\"w1\": {\"ansible_private_key_file\": \"id_w1\"}}}}'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        InventoryCatalog catalog = new InventoryCatalog();
        catalog.add(new InventoryCatalog.SourceBinding("script", 30, 100, "x", source("x")));

        InventoryCatalog.Loaded loaded = LocalPaths.inWorkingDirectory(dir, () -> {
            try {
                return catalog.loaded("script:inv/cmdb.sh", plugin -> null);
            } catch (InventoryException e) {
                throw new AssertionError(e.getMessage(), e);
            }
        });
        assertEquals("script:" + script, loaded.inventory().source(), "built in, ahead of a registered one");
        assertEquals(sub, loaded.base());
        Host w1 = loaded.inventory().hosts().get("w1");
        assertEquals(List.of("web"), w1.groups());
        assertEquals(List.of(sub.resolve("id_w1").toString()),
                w1.attributes().optionsFor("ssh").extras().get("private_key_file"));
        assertTrue(catalog.all().isEmpty(), "a registered source named script is ignored");
        assertEquals(Set.of("ansible", "script"), catalog.sources().keySet());
    }

    @Test
    void ansibleFilesAndDirectoriesAreBuiltInAndAMissingOneSaysWhatToWrite() throws Exception {
        InventoryCatalog catalog = new InventoryCatalog();
        catalog.add(new InventoryCatalog.SourceBinding("ansible", 31, 0, "x", source("x")));
        Path missing = dir.resolve("hosts.ini");
        assertEquals("no Ansible inventory file or directory " + missing + "; write -i ansible:hosts.ini",
                assertThrows(InventoryException.class, () -> catalog.load("ansible:" + missing)).getMessage());
        Path inventory = Files.createDirectories(dir.resolve("inventory"));
        assertTrue(assertThrows(InventoryException.class, () -> catalog.load("ansible:" + inventory)).getMessage()
                .startsWith(inventory + ": is a directory with no inventory file in it"));
        Files.writeString(inventory.resolve("01-web.ini"), "[web]\nw1\n");
        Files.writeString(inventory.resolve("02-db.yml"), "db:\n  hosts:\n    d1:\n");
        Files.createDirectories(inventory.resolve("group_vars"));
        Files.writeString(inventory.resolve("group_vars/db.yml"), "ansible_user: postgres\n");
        Inventory loaded = catalog.load("ansible:" + inventory);
        assertEquals(Set.of("w1", "d1"), loaded.hosts().keySet(), "an inventory directory loads as Ansible reads it");
        assertEquals("ansible:" + inventory, loaded.source());
        assertEquals("postgres", loaded.groups().get("db").attributes().username(), "the directory's group_vars/");
        assertEquals("-i ansible: names no file; write -i ansible:hosts.ini",
                assertThrows(InventoryException.class, () -> catalog.load("ansible:")).getMessage());
        assertTrue(catalog.sources().get("ansible").contains("host_vars/"));
        String unknown = assertThrows(InventoryException.class, () -> catalog.load("cmdb:x")).getMessage();
        assertTrue(unknown.endsWith(" and no inventory source named \"cmdb\"; sources: [ansible, script]"), unknown);
    }

    @Test
    void anAnsibleIniWithGroupVarsLoadsAsItIsAndFiveThousandHostsLoadQuickly() throws Exception {
        Path inv = Files.createDirectories(dir.resolve("ansible"));
        Files.createDirectories(inv.resolve("group_vars"));
        Files.writeString(inv.resolve("hosts.ini"), """
                [web]
                web1 ansible_host=10.0.0.11
                web2 ansible_port=2222

                [db]
                db1 ansible_become=yes ansible_become_user=postgres

                [prod:children]
                web
                db

                [prod:vars]
                ansible_user=deploy
                ansible_private_key_file=keys/deploy
                """);
        Files.writeString(inv.resolve("group_vars/web.yml"), "ansible_user: www\nrole: frontend\n");
        InventoryCatalog catalog = new InventoryCatalog();
        InventoryCatalog.Loaded loaded = catalog.loaded("ansible:" + inv.resolve("hosts.ini"), plugin -> null);
        Inventory i = loaded.inventory();
        assertEquals("ansible:" + inv.resolve("hosts.ini"), i.source());
        assertEquals(inv, loaded.base());
        Host web2 = i.hosts().get("web2");
        assertEquals(List.of("web", "prod"), web2.groups());
        assertEquals(2222, web2.attributes().port());
        assertEquals("www", i.groups().get("web").attributes().username(), "group_vars/web.yml");
        assertEquals("deploy", i.groups().get("prod").attributes().username());
        assertEquals(List.of(inv.resolve("keys/deploy").toString()),
                i.groups().get("prod").attributes().optionsFor("ssh").extras().get("private_key_file"));
        assertEquals(Map.of("become", true, "become_user", "postgres"), i.hosts().get("db1").attributes().data());

        StringBuilder big = new StringBuilder();
        for (int g = 0; g < 50; g++) {
            big.append("[g").append(g).append("]\n");
            for (int h = 0; h < 100; h++) {
                big.append("host").append(g).append('-').append(h).append(" ansible_host=10.1.").append(g).append('.')
                        .append(h).append(" ansible_user=u").append(h).append('\n');
            }
            big.append("[g").append(g).append(":vars]\nansible_port=22").append(g % 10).append('\n');
        }
        Path large = Files.writeString(inv.resolve("large.ini"), big);
        Inventory five = catalog.load("ansible:" + large); // its time: bench/core-scale.sh, not a timed test
        assertEquals(5000, five.hosts().size());
        assertEquals(227, five.groups().get("g7").attributes().port()); // [g7:vars] ansible_port=227
    }
}
