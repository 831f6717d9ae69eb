package io.conduit.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Secret;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;

class InventoryLoaderTest {

    @TempDir
    Path dir;

    static Path resource(String name) {
        try {
            return Path.of(InventoryLoaderTest.class.getResource("/inventory/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private Path write(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
        return file;
    }

    /** Loads, expects failure, and checks the message contains every fragment (file:line: key: what). */
    private String fails(Path path, String... fragments) {
        InventoryException e = assertThrows(InventoryException.class, () -> InventoryLoader.load(path));
        for (String fragment : fragments) {
            assertTrue(e.getMessage().contains(fragment), () -> "expected \"" + fragment + "\" in:\n" + e.getMessage());
        }
        return e.getMessage();
    }

    // ------------------------------------------------------------------ what loads

    @Test
    void loadsSeed002Example() throws Exception {
        Inventory inv = InventoryLoader.load(resource("seed002.yaml"));
        assertEquals(List.of("router1", "router2"), List.copyOf(inv.hosts().keySet()));
        Host router1 = inv.hosts().get("router1");
        assertEquals("10.0.0.1", router1.attributes().hostname());
        assertEquals("ios", router1.attributes().platform());
        assertEquals(List.of("core"), router1.groups());
        assertEquals(22, router1.attributes().optionsFor("ssh").port());
        assertEquals(Map.of("device_type", "cisco_ios"), router1.attributes().optionsFor("ssh").extras());
        assertEquals(830, router1.attributes().optionsFor("netconf").port());
        assertEquals("automation", inv.groups().get("core").attributes().optionsFor("ssh").username());
        assertEquals(Map.of("timeout", 30L), inv.defaults().optionsFor("ssh").extras());
        assertEquals(resource("seed002.yaml").toString(), inv.source());
    }

    @Test
    void jsonLoadsTheSameInventory() throws Exception {
        Inventory yaml = InventoryLoader.load(resource("seed002.yaml"));
        Inventory json = InventoryLoader.load(resource("seed002.json"));
        assertEquals(yaml.hosts(), json.hosts());
        assertEquals(yaml.groups(), json.groups());
        assertEquals(yaml.defaults(), json.defaults());
    }

    @Test
    void jsonEscapesAndTypes() throws Exception {
        Path file = write("inv.json", "{\"hosts\": {\"h\": {\"data\": {\"s\": \"a\\/b \\u00e9\\n\", \"i\": -5,"
                + " \"f\": 1.5e2, \"b\": false, \"n\": null, \"l\": [1, \"x\"]}}}}");
        Map<String, Object> data = InventoryLoader.load(file).hosts().get("h").attributes().data();
        assertEquals("a/b \u00e9\n", data.get("s"));
        assertEquals(-5L, data.get("i"));
        assertEquals(150.0, data.get("f"));
        assertEquals(false, data.get("b"));
        assertTrue(data.containsKey("n"));
        assertNull(data.get("n"));
        assertEquals(List.of(1L, "x"), data.get("l"));
    }

    @Test
    void nornirDirectoryLayout() throws Exception {
        Inventory inv = InventoryLoader.load(resource("nornir"));
        assertEquals(List.of("spine00", "leaf00", "web1"), List.copyOf(inv.hosts().keySet()));
        assertEquals(List.of("fabric", "spines", "leaves"), List.copyOf(inv.groups().keySet()));
        assertEquals(List.of("fabric"), inv.groups().get("spines").groups());
        assertEquals("conduit", inv.defaults().username());
        assertEquals("local", inv.defaults().connection());
        assertEquals(Map.of("site", "earth", "role", "spine"), inv.hosts().get("spine00").attributes().data());
        assertEquals(2222, inv.hosts().get("leaf00").attributes().port());
    }

    @Test
    void hostWithoutBodyAndHostnameLeftUnset() throws Exception {
        Path file = write("inventory.yaml", """
                hosts:
                  web1:
                  web2: {}
                """);
        Inventory inv = InventoryLoader.load(file);
        assertEquals(List.of("web1", "web2"), List.copyOf(inv.hosts().keySet()));
        assertNull(inv.hosts().get("web1").attributes().hostname(), "the resolver falls back to the name");
        assertTrue(inv.hosts().get("web1").groups().isEmpty());
    }

    @Test
    void emptyFileIsAnEmptyInventory() throws Exception {
        Inventory inv = InventoryLoader.load(write("empty.yaml", "# nothing yet\n"));
        assertTrue(inv.hosts().isEmpty());
    }

    @Test
    void valuesKeepTheirTextAndSecretsStayReferences() throws Exception {
        Path file = write("inventory.yaml", """
                hosts:
                  db1:
                    hostname: 10.0.0.5
                    username: no
                    password: ${env:DB_PASS}
                    port: "5432"
                    connection_options:
                      ssh:
                        extras:
                          timeout: 30s
                          unset: null
                """);
        Host db1 = InventoryLoader.load(file).hosts().get("db1");
        assertEquals("no", db1.attributes().username(), "YAML 1.1's 'no' is a username here, not false");
        assertEquals(Secret.of("${env:DB_PASS}"), db1.attributes().password());
        assertEquals(5432, db1.attributes().port());
        assertEquals(Map.of("timeout", "30s"), db1.attributes().optionsFor("ssh").extras());
    }

    @Test
    void yamlMergeKeys() throws Exception {
        Path file = write("inventory.yaml", """
                hosts:
                  web1: &web
                    port: 2222
                    username: deploy
                  web2:
                    <<: *web
                    port: 2200
                """);
        Host web2 = InventoryLoader.load(file).hosts().get("web2");
        assertEquals(2200, web2.attributes().port());
        assertEquals("deploy", web2.attributes().username());
    }

    @Test
    void manyHostsSharingAnAnchor() throws Exception {
        StringBuilder yaml = new StringBuilder("hosts:\n  base: &base\n    port: 2222\n    data: {rack: [a, b]}\n");
        for (int i = 0; i < 500; i++) {
            yaml.append("  web").append(i).append(":\n    <<: *base\n    hostname: 10.0.").append(i / 250).append('.')
                    .append(i % 250).append('\n');
        }
        Inventory inv = InventoryLoader.load(write("inventory.yaml", yaml.toString()));
        assertEquals(501, inv.hosts().size());
        assertEquals(2222, inv.hosts().get("web499").attributes().port());
        assertEquals(Map.of("rack", List.of("a", "b")), inv.hosts().get("web7").attributes().data());
    }

    @Test
    void recursiveAliasIsAnErrorNotAHang() throws Exception {
        Path file = write("inventory.yaml", "hosts:\n  web1:\n    data: &d\n      self: *d\n");
        fails(file, file + ":", "hosts.web1.data", "an alias refers to the value that contains it");
    }

    // ------------------------------------------------------------------ bad input: one test each

    @Test
    void yamlSyntaxErrorNamesTheLine() throws Exception {
        Path file = write("inventory.yaml", """
                hosts:
                  web1:
                    hostname: a
                   port: 22
                """);
        fails(file, file + ":4: YAML syntax error");
    }

    @Test
    void yamlUnclosedQuoteNamesTheLine() throws Exception {
        Path file = write("inventory.yaml", "hosts:\n  web1:\n    hostname: \"a\n    port: 22\n");
        String message = fails(file, file + ":", "YAML syntax error");
        assertTrue(message.startsWith(file + ":3:") || message.startsWith(file + ":5:"), message);
    }

    @Test
    void jsonSyntaxErrorNamesTheLine() throws Exception {
        Path file = write("inventory.json", """
                {
                  "hosts": {
                    "web1": {"port": 22}
                    "web2": {}
                  }
                }
                """);
        fails(file, file + ":4: JSON syntax error at column 5: expected ',' or '}' after the value of \"web1\"");
    }

    @Test
    void jsonTrailingCommaNamesTheLine() throws Exception {
        Path file = write("inventory.json", "{\"hosts\": {\n  \"web1\": {},\n}}\n");
        fails(file, file + ":3: JSON syntax error", "trailing comma");
    }

    @Test
    void portThatIsNotANumber() throws Exception {
        Path file = write("inventory.yaml", """
                hosts:
                  web1:
                    hostname: 10.0.0.1
                    port: eighty
                """);
        fails(file, file + ":4: hosts.web1.port: \"eighty\" is not a port; use a number 1-65535");
    }

    @Test
    void portOutOfRangeInConnectionOptions() throws Exception {
        Path file = write("inventory.yaml", """
                groups:
                  core:
                    connection_options:
                      ssh:
                        port: 70000
                """);
        fails(file, file + ":5: groups.core.connection_options.ssh.port: 70000 is not a port; use a number 1-65535");
    }

    @Test
    void groupsThatAreNotAList() throws Exception {
        Path file = write("inventory.yaml", """
                hosts:
                  web1:
                    groups: web
                groups:
                  web:
                """);
        fails(file, file + ":3: hosts.web1.groups: is text, not a list; write groups: [web]");
    }

    @Test
    void dataThatIsNotAMapping() throws Exception {
        Path file = write("inventory.yaml", """
                hosts:
                  web1:
                    data: [1, 2]
                """);
        fails(file, file + ":3: hosts.web1.data: is a list, not a mapping");
    }

    @Test
    void hostThatIsNotAMapping() throws Exception {
        Path file = write("inventory.yaml", """
                hosts:
                  web1: 10.0.0.1
                """);
        fails(file, file + ":2: hosts.web1: is text, not a mapping");
    }

    @Test
    void unknownKeySuggestsTheClosest() throws Exception {
        Path file = write("inventory.yaml", """
                hosts:
                  web1:
                    hostnme: 10.0.0.1
                """);
        fails(file, file + ":3: hosts.web1.hostnme: unknown key; did you mean \"hostname\"?");
    }

    @Test
    void unknownTopLevelKey() throws Exception {
        Path file = write("inventory.yaml", """
                host:
                  web1:
                """);
        fails(file, file + ":1: host: unknown key; did you mean \"hosts\"?");
    }

    @Test
    void unknownKeyInConnectionOptions() throws Exception {
        Path file = write("inventory.yaml", """
                defaults:
                  connection_options:
                    ssh:
                      extra:
                        timeout: 3
                """);
        fails(file, file + ":4: defaults.connection_options.ssh.extra: unknown key; did you mean \"extras\"?");
    }

    @Test
    void defaultsHaveNoGroups() throws Exception {
        Path file = write("inventory.yaml", """
                defaults:
                  groups: [a]
                """);
        fails(file, file + ":2: defaults.groups: unknown key", "defaults apply to every host and have no groups");
    }

    @Test
    void unknownGroupOnAHost() throws Exception {
        Path file = write("inventory.yaml", """
                groups:
                  prod:
                hosts:
                  web1:
                    groups:
                      - prdo
                """);
        fails(file, file + ":6: hosts.web1.groups: unknown group \"prdo\"; did you mean \"prod\"?");
    }

    @Test
    void unknownParentGroup() throws Exception {
        Path file = write("inventory.yaml", """
                groups:
                  web:
                    groups: [datacenter]
                """);
        fails(file, file + ":3: groups.web.groups: unknown group \"datacenter\"; define it under groups");
    }

    @Test
    void cyclicGroupParentsNameTheCycle() throws Exception {
        Path file = write("inventory.yaml", """
                groups:
                  a:
                    groups: [b]
                  b:
                    groups: [c]
                  c:
                    groups: [a]
                hosts:
                  web1:
                    groups: [a]
                """);
        String message = fails(file, file + ":7: groups.c.groups: cyclic group parents a -> b -> c -> a");
        assertEquals(1, message.lines().count(), "one cycle is reported once:\n" + message);
    }

    @Test
    void groupThatIsItsOwnParent() throws Exception {
        Path file = write("inventory.yaml", """
                groups:
                  a:
                    groups: [a]
                """);
        fails(file, file + ":3: groups.a.groups: cyclic group parents a -> a");
    }

    @Test
    void duplicateHostsNameBothLines() throws Exception {
        Path file = write("inventory.yaml", """
                hosts:
                  web1:
                    port: 22
                  web2:
                  web1:
                    port: 2222
                """);
        fails(file, file + ":5: hosts.web1: duplicate key \"web1\" (first at line 2)");
    }

    @Test
    void duplicateHostsInJson() throws Exception {
        Path file = write("inventory.json", "{\"hosts\": {\n \"web1\": {},\n \"web1\": {}\n}}");
        fails(file, file + ":3: hosts.web1: duplicate key \"web1\" (first at line 2)");
    }

    @Test
    void invalidPluginNames() throws Exception {
        Path file = write("inventory.yaml", """
                hosts:
                  web1:
                    connection: SSH
                    connection_options:
                      "my plugin":
                        port: 22
                """);
        String message = fails(file,
                file + ":3: hosts.web1.connection: \"SSH\" is not a valid plugin name; use lowercase letters",
                file + ":5: hosts.web1.connection_options.my plugin: \"my plugin\" is not a valid plugin name");
        assertEquals(2, message.lines().count(), "every problem is listed:\n" + message);
    }

    @Test
    void fileNotFound() {
        Path file = dir.resolve("missing.yaml");
        fails(file, file + ": no such file");
    }

    @Test
    void fileThatCannotBeRead() throws Exception {
        Path notADirectory = write("inventory.yaml", "hosts:\n");
        Path file = notADirectory.resolve("hosts.yaml");
        fails(file, file + ": cannot be read (Not a directory); check the inventory path (-i)");
    }

    @Test
    void directoryWithoutHostsFile() throws Exception {
        Path inv = Files.createDirectories(dir.resolve("inv"));
        write("inv/groups.yaml", "core:\n");
        fails(inv, inv + ": no hosts.yaml in this directory");
    }

    @Test
    void unknownExtension() throws Exception {
        Path file = write("inventory.ini", "[web]\nweb1\n");
        fails(file, file + ": not an inventory file; use a .yaml, .yml or .json file");
        fails(file, "(an Ansible inventory? read it with -i ansible:" + file + ")");
        Path script = write("inventory.py", "#!/bin/sh\necho {}\n");
        script.toFile().setExecutable(true);
        fails(script, "(a dynamic inventory script? run it with -i script:" + script + ")");
    }

    @Test
    void anAnsibleYamlInventoryIsPointedToItsReader() throws Exception {
        Path file = write("hosts.yaml", "all:\n  hosts:\n    web1:\n");
        fails(file, file + ":1: all: unknown key; the top level takes only defaults, groups and hosts (an Ansible"
                + " inventory? read it with -i ansible:" + file + ")");
    }

    @Test
    void notUtf8() throws Exception {
        Path file = dir.resolve("inventory.yaml");
        Files.write(file, new byte[] {'h', 'o', 's', 't', 's', ':', ' ', (byte) 0xff, '\n'});
        fails(file, file + ": is not UTF-8 text");
    }

    @Test
    void errorsInNornirLayoutNameTheirFile() throws Exception {
        Path inv = Files.createDirectories(dir.resolve("inv"));
        write("inv/hosts.yaml", "web1:\n  groups: [web]\n");
        Path groups = write("inv/groups.yaml", "web:\n  port: eighty\n");
        fails(inv, groups + ":2: web.port: \"eighty\" is not a port");
    }

    @Test
    void allProblemsAreReportedTogether() throws Exception {
        Path file = write("inventory.yaml", """
                hosts:
                  web1:
                    port: eighty
                  web2:
                    groups: [nope]
                  web3:
                    platfrom: linux
                """);
        String message = fails(file, file + ":3:", file + ":5:", file + ":7:");
        assertEquals(3, message.lines().count());
        assertFalse(message.contains("Exception"));
    }
}
