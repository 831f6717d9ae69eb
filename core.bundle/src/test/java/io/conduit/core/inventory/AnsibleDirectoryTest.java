package io.conduit.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.inventory.InventoryException;
import io.conduit.core.inventory.AnsibleModel.Value;

/**
 * {@link AnsibleFiles} given an inventory directory (Ansible's "organizing inventory in a directory"), and mappings
 * set again for one group or host merging key by key ({@link AnsibleModel#set}).
 */
class AnsibleDirectoryTest {

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return file;
    }

    private String fails(Path path, String... fragments) {
        InventoryException e = assertThrows(InventoryException.class, () -> AnsibleFiles.read(path));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "expected \"" + fragment + "\" in:\n" + e.getMessage());
        }
        return e.getMessage();
    }

    private static List<String> list(Iterable<String> names) {
        List<String> out = new ArrayList<>();
        names.forEach(out::add);
        return out;
    }

    @Test
    void readsEveryFileByNameIntoOneInventoryWithTheDirectorysVariables() throws Exception {
        Path inv = dir.resolve("inventory");
        Path ini = write("inventory/01-hosts.ini", """
                [web]
                w1 port=80 colour=red
                [db]
                d1
                [web:vars]
                tier=bronze
                """);
        Path yml = write("inventory/02-db.yml", """
                db:
                  hosts:
                    d2:
                web:
                  hosts:
                    w2:
                    w1:
                      port: 8080
                  vars:
                    tier: silver
                prod:
                  children:
                    web:
                    db:
                """);
        Path sub = write("inventory/03-more/hosts", "[db]\nd3\n");
        write("inventory/group_vars/db.yml", "engine: postgres\n");
        write("inventory/host_vars/d3.yml", "primary: true\n");
        // skipped as Ansible skips them
        write("inventory/.hidden", "[web]\nhidden\n");
        write("inventory/01-hosts.ini~", "[web]\nbackup\n");
        write("inventory/hosts.bak", "[web]\nbak\n");
        write("inventory/hosts.orig", "[web]\norig\n");
        write("inventory/ansible.cfg", "[defaults]\nforks=5\n");
        write("inventory/site.retry", "retried\n");
        write("inventory/README.md", "# about\n");
        write("inventory/notes.txt", "notes\n");
        write("inventory/03-more/group_vars/db.yml", "engine: mysql\n");

        AnsibleModel model = AnsibleFiles.read(inv);

        assertEquals("ansible:" + inv, model.source);
        assertEquals(List.of("w1", "d1", "d2", "w2", "d3"), list(model.hostVars.keySet()), "files in name order");
        assertEquals(List.of("w1", "w2"), list(model.groups.get("web").hosts), "a later file adds hosts");
        assertEquals(List.of("d1", "d2", "d3"), list(model.groups.get("db").hosts));
        assertEquals(List.of("web", "db"), list(model.groups.get("prod").children));
        assertEquals(new Value(8080L, yml.toString(), 8), model.hostVars.get("w1").get("port"), "a later file wins");
        assertEquals(new Value("red", ini.toString(), 2), model.hostVars.get("w1").get("colour"));
        assertEquals(new Value("silver", yml.toString(), 10), model.groups.get("web").vars.get("tier"));
        assertEquals(ini + ":2", model.hostWhere.get("w1"));
        assertEquals(sub + ":2", model.hostWhere.get("d3"));
        assertEquals("postgres", model.groups.get("db").vars.get("engine").value(),
                "only the inventory directory's own group_vars/ is read");
        assertEquals(Boolean.TRUE, model.hostVars.get("d3").get("primary").value());
        assertTrue(model.groups.containsKey("all") && model.groups.containsKey("ungrouped"));
    }

    @Test
    void whatAnsibleIgnoresInAnInventoryDirectory() {
        for (String name : List.of(".git", "group_vars", "host_vars", "vars_plugins", "hosts~", "hosts.ini~",
                "x.pyc", "x.pyo", "x.swp", "x.bak", "x.rpm", "x.md", "x.txt", "x.rst", "x.orig", "ansible.cfg",
                "site.retry")) {
            assertTrue(AnsibleFiles.ignoredInInventoryDirectory(name), name);
        }
        for (String name : List.of("hosts", "01-hosts.ini", "db.yml", "db.yaml", "cloud.json", "prod", "md",
                "hosts.ini.d")) {
            assertFalse(AnsibleFiles.ignoredInInventoryDirectory(name), name);
        }
    }

    @Test
    void refusesAnExecutableByNameButReadsAnExecutableDataFile() throws Exception {
        write("inv/01-hosts.ini", "[web]\nw1\n");
        Path yml = write("inv/02-more.yml", "web:\n  hosts:\n    w2:\n");
        Files.setPosixFilePermissions(yml, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(List.of("w1", "w2"), list(AnsibleFiles.read(dir.resolve("inv")).hostVars.keySet()));

        Path script = write("inv/03-cloud.py", "#!/bin/sh\necho '{}'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertEquals(script + ": is executable, so Ansible would run it as a dynamic inventory script; Conduit runs"
                + " no program found in an inventory directory: give it on its own as -i script:" + script + ", or,"
                + " if it is a data file, remove its execute permission (chmod a-x)", fails(dir.resolve("inv")));
    }

    @Test
    void refusesABrokenLinkByName() throws Exception {
        write("inv/01-hosts.ini", "[web]\nw1\n");
        Path link = Files.createSymbolicLink(dir.resolve("inv/02-db.yml"), dir.resolve("gone.yml"));
        assertEquals(link + ": is neither a file nor a directory (a broken link, a pipe or a device); fix the link or"
                + " move it out of the inventory directory", fails(dir.resolve("inv")));
    }

    @Test
    void refusesAnEmptyDirectoryAndTooManyOrTooLargeFiles() throws Exception {
        Path empty = dir.resolve("empty");
        write("empty/README.md", "# nothing here\n");
        write("empty/group_vars/all.yml", "a: 1\n");
        fails(empty, empty + ": is a directory with no inventory file in it", "name the file with -i ansible:FILE");

        Path many = dir.resolve("many");
        write("many/h1", "");
        write("many/sub/h2", "");
        write("many/sub/h3", "");
        assertEquals(List.of(many.resolve("h1"), many.resolve("sub/h2"), many.resolve("sub/h3")),
                AnsibleFiles.inventoryFiles(many, 3));
        write("many/sub/h4", "");
        InventoryException e = assertThrows(InventoryException.class, () -> AnsibleFiles.inventoryFiles(many, 3));
        assertEquals(many.resolve("sub/h4") + ": an inventory directory may hold at most 3 inventory files; check"
                + " that -i names the inventory directory, or merge files", e.getMessage());

        Path large = dir.resolve("large");
        Files.createDirectories(large);
        for (int i = 0; i < 9; i++) { // 9 files of 8 MiB (sparse): each within its own limit, 72 MiB together
            try (RandomAccessFile raf = new RandomAccessFile(large.resolve("h" + i).toFile(), "rw")) {
                raf.setLength(Limits.MAX_FILE_BYTES);
            }
        }
        fails(large, large + ": its inventory files hold more than 64 MiB together (reached at " + large.resolve("h8")
                + ")");
    }

    @Test
    void problemsOfEveryFileAtOnceEachWithItsFileAndLine() throws Exception {
        Path a = write("inv/a.ini", "[web\nw1\n");
        Path b = write("inv/b.yml", "web: [1, 2]\n");
        String message = fails(dir.resolve("inv"), a + ":1:", b + ":1:");
        assertFalse(message.contains("Exception"), message);
    }

    // ------------------------------------------------------------------ mappings set again merge

    @Test
    void mappingsMergeAcrossGroupVarsFilesAndTheInventoryAtEveryDepth() throws Exception {
        Path hosts = write("inv/hosts.yml", """
                all:
                  children:
                    web:
                      hosts:
                        w1:
                          nested: {x: 1, deep: {a: 1, b: 1}}
                          ports: [80, 443]
                          plain: {k: v}
                      vars:
                        app: {name: shop, limits: {cpu: 1}}
                """);
        write("inv/group_vars/web/10-base.yml", "app:\n  limits:\n    mem: 2\n  owner: ops\n");
        Path over = write("inv/group_vars/web/20-over.yml", "app:\n  limits:\n    cpu: 4\n");
        Path w1 = write("inv/host_vars/w1.yml", """
                nested:
                  y: 2
                  deep: {b: 2}
                ports: [8080]
                plain: text
                """);
        AnsibleModel model = AnsibleFiles.read(hosts);

        Value app = model.groups.get("web").vars.get("app");
        assertEquals(Map.of("name", "shop", "owner", "ops", "limits", Map.of("cpu", 4L, "mem", 2L)), app.value());
        assertEquals(over + ":1", app.where(), "the merged value keeps the later definition's place");
        Map<String, Value> vars = model.hostVars.get("w1");
        assertEquals(Map.of("x", 1L, "y", 2L, "deep", Map.of("a", 1L, "b", 2L)), vars.get("nested").value());
        assertEquals(w1 + ":1", vars.get("nested").where());
        assertEquals(List.of(8080L), vars.get("ports").value(), "a list replaces whole");
        assertEquals("text", vars.get("plain").value(), "a scalar replaces a mapping whole");
    }

    @Test
    void mappingsMergeAcrossTheFilesOfAnInventoryDirectory() throws Exception {
        write("inv/1.yml", "web:\n  hosts:\n    w1:\n      nested: {x: 1}\n  vars:\n    app: {a: 1}\n");
        Path second = write("inv/2.yml", "web:\n  hosts:\n    w1:\n      nested: {y: 2}\n  vars:\n    app: {b: 2}\n");
        AnsibleModel model = AnsibleFiles.read(dir.resolve("inv"));
        assertEquals(Map.of("x", 1L, "y", 2L), model.hostVars.get("w1").get("nested").value());
        assertEquals(second + ":4", model.hostVars.get("w1").get("nested").where());
        assertEquals(Map.of("a", 1L, "b", 2L), model.groups.get("web").vars.get("app").value());
    }

    @Test
    void setMergesMappingsAndReplacesTheRest() {
        Map<String, Value> vars = new java.util.LinkedHashMap<>();
        AnsibleModel.set(vars, "m", new Value(Map.of("a", Map.of("x", 1L), "l", List.of(1L)), "f", 1));
        AnsibleModel.set(vars, "m", new Value(Map.of("a", Map.of("y", 2L), "l", List.of(2L)), "g", 2));
        assertEquals(new Value(Map.of("a", Map.of("x", 1L, "y", 2L), "l", List.of(2L)), "g", 2), vars.get("m"));
        java.util.HashMap<String, Object> withNull = new java.util.HashMap<>();
        withNull.put("a", null);
        AnsibleModel.set(vars, "m", new Value(withNull, "h", 3));
        assertEquals(withNull.get("a"), ((Map<?, ?>) vars.get("m").value()).get("a"), "a later null is a value");
        assertTrue(((Map<?, ?>) vars.get("m").value()).containsKey("l"));
        AnsibleModel.set(vars, "m", new Value(new AnsibleModel.Vaulted(), "i", 4));
        assertEquals(new Value(new AnsibleModel.Vaulted(), "i", 4), vars.get("m"));
        AnsibleModel.set(vars, "m", new Value(Map.of("z", 1L), "j", 5));
        assertEquals(new Value(Map.of("z", 1L), "j", 5), vars.get("m"), "a mapping replaces a non-mapping whole");
    }
}
