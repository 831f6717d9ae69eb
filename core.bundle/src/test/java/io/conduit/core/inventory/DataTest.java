package io.conduit.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.inventory.Attributes;
import io.conduit.api.inventory.Group;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;

/** {@link ParameterResolver#data}, the extras' deep merge, and {@link ParameterResolver#become}. */
class DataTest {

    @TempDir
    Path dir;

    private Inventory inventory(String yaml) throws IOException {
        Path file = dir.resolve("inventory.yaml");
        Files.writeString(file, yaml);
        return InventoryLoader.load(file);
    }

    private static ParameterResolver.Data data(Inventory inv, String host) {
        return ParameterResolver.data(inv, inv.hosts().get(host));
    }

    /** web1 is in web (parent dc) and prod (parent dc): a diamond; dc counts once, after web. */
    private static final String DIAMOND = """
            defaults:
              data: {site: nowhere, ntp: {servers: [d1], prefer: d1}, only_defaults: 1}
            groups:
              dc:
                data: {site: dc-site, ntp: {servers: [dc1, dc2]}, rack: dc}
              web:
                groups: [dc]
                data: {role: web}
              prod:
                groups: [dc]
                data: {role: prod, rack: prod, tier: 1}
            hosts:
              web1:
                groups: [web, prod]
                data: {owner: ops}
              bare: {}
            """;

    @Test
    void groupAndDefaultsDataReachTheHostWithTheConnectionPrecedence() throws Exception {
        Inventory inv = inventory(DIAMOND);
        ParameterResolver.Data d = data(inv, "web1");
        assertEquals("ops", d.values().get("owner"));
        assertEquals("web", d.values().get("role"), "web is listed before prod");
        assertEquals("dc", d.values().get("rack"), "dc is reached through web, before prod");
        assertEquals(1L, d.values().get("tier"), "only prod sets it");
        assertEquals("dc-site", d.values().get("site"), "a group beats the defaults");
        assertEquals(1L, d.values().get("only_defaults"));
        assertEquals(Map.of("servers", List.of("dc1", "dc2"), "prefer", "d1"), d.values().get("ntp"),
                "mappings merge; the group's list replaces the defaults' whole");

        assertEquals("host web1", d.origins().get("owner"));
        assertEquals("group web", d.origins().get("role"));
        assertEquals("group dc", d.origins().get("rack"));
        assertEquals("group prod", d.origins().get("tier"));
        assertEquals("group dc", d.origins().get("ntp.servers"));
        assertEquals("defaults", d.origins().get("ntp.prefer"));
        assertEquals("group dc, defaults", d.origin("ntp"), "a merged mapping names every level it came from");
        // keys in precedence order: the host's, then each group's, then the defaults'
        assertEquals(List.of("owner", "role", "site", "ntp.servers", "ntp.prefer", "rack", "tier", "only_defaults"),
                List.copyOf(d.origins().keySet()));

        ParameterResolver.Data bare = data(inv, "bare");
        assertEquals(Map.of("site", "nowhere", "ntp", Map.of("servers", List.of("d1"), "prefer", "d1"),
                "only_defaults", 1L), bare.values());
        assertEquals("defaults", bare.origins().get("ntp.servers"));
    }

    @Test
    void mappingsMergeAtEveryDepthAndListsAndScalarsReplaceWhole() throws Exception {
        Inventory inv = inventory("""
                defaults:
                  data:
                    app: {limits: {cpu: 1, mem: 512, disk: {root: 10}}, ports: [80, 443], name: base}
                groups:
                  big:
                    data:
                      app: {limits: {cpu: 4, disk: {data: 100}}, ports: [8080]}
                hosts:
                  h1:
                    groups: [big]
                    data:
                      app: {limits: {disk: {root: 20}}, name: h1-app}
                  h2:
                    groups: [big]
                    data:
                      app: {limits: 8}
                """);
        ParameterResolver.Data d = data(inv, "h1");
        Map<String, Object> limits = new LinkedHashMap<>();
        limits.put("disk", Map.of("root", 20L, "data", 100L));
        limits.put("cpu", 4L);
        limits.put("mem", 512L);
        assertEquals(Map.of("limits", limits, "name", "h1-app", "ports", List.of(8080L)), d.values().get("app"));
        assertEquals("host h1", d.origins().get("app.limits.disk.root"));
        assertEquals("group big", d.origins().get("app.limits.disk.data"));
        assertEquals("group big", d.origins().get("app.limits.cpu"));
        assertEquals("defaults", d.origins().get("app.limits.mem"));
        assertEquals("group big", d.origins().get("app.ports"), "a list is one leaf");
        assertNull(d.origins().get("app.ports.0"));
        assertThrows(UnsupportedOperationException.class,
                () -> ((Map<String, Object>) ((Map<?, ?>) d.values().get("app")).get("limits")).put("x", 1),
                "the merged data cannot be changed by a task");

        ParameterResolver.Data h2 = data(inv, "h2");
        assertEquals(8L, ((Map<?, ?>) h2.values().get("app")).get("limits"), "a scalar replaces a mapping whole");
        assertEquals("host h2", h2.origins().get("app.limits"));
        assertNull(h2.origins().get("app.limits.cpu"));
        // the loaded inventory is not changed by merging
        assertEquals(Map.of("limits", 8L), inv.hosts().get("h2").attributes().data().get("app"));
    }

    @Test
    void anExplicitNullIsAValueThatClearsALowerLevels() throws Exception {
        Inventory inv = inventory("""
                groups:
                  g: {data: {proxy: http://p, become_password: group-pw}}
                hosts:
                  h1: {groups: [g], data: {proxy: null, become_password: null}}
                """);
        ParameterResolver.Data d = data(inv, "h1");
        assertTrue(d.values().containsKey("proxy"));
        assertNull(d.values().get("proxy"));
        assertEquals("host h1", d.origins().get("proxy"));
        assertNull(ParameterResolver.becomePassword(inv, inv.hosts().get("h1"), name -> null, dir),
                "the host clears its group's become password");
    }

    @Test
    void becomePasswordFollowsTheMergedDataAndNamesItsOrigin() throws Exception {
        Inventory inv = inventory("""
                groups:
                  parent: {data: {become_password: [not, text]}}
                  child: {groups: [parent]}
                hosts:
                  h1: {groups: [child]}
                """);
        InventoryException e = assertThrows(InventoryException.class,
                () -> ParameterResolver.becomePassword(inv, inv.hosts().get("h1"), name -> null, dir));
        assertTrue(e.getMessage().contains("hosts.h1: data.become_password (from group parent) must be text"),
                e.getMessage());
    }

    @Test
    void extrasMergeDeeplyWithAnOriginPerLeaf() throws Exception {
        Inventory inv = inventory("""
                defaults:
                  connection_options:
                    http: {extras: {headers: {Accept: json, X-Team: core}, retries: 1}}
                groups:
                  api:
                    connection_options:
                      http: {extras: {headers: {X-Team: api, X-Env: prod}, tags: [a, b]}}
                hosts:
                  h1:
                    groups: [api]
                    connection_options:
                      http: {extras: {headers: {X-Host: h1}, tags: [c]}}
                """);
        ConnectionParams p = ParameterResolver.resolve(inv, inv.hosts().get("h1"), "http", null, true, n -> null, dir);
        Map<String, Object> headers = new LinkedHashMap<>();
        headers.put("X-Host", "h1");
        headers.put("X-Team", "api");
        headers.put("X-Env", "prod");
        headers.put("Accept", "json");
        assertEquals(headers, p.extras().get("headers"));
        assertEquals(List.copyOf(headers.keySet()), List.copyOf(((Map<?, ?>) p.extras().get("headers")).keySet()));
        assertEquals(List.of("c"), p.extras().get("tags"), "lists replace");
        assertEquals(1L, p.extras().get("retries"));

        Map<String, String> origins = ParameterResolver.origins(inv, inv.hosts().get("h1"), "http");
        assertEquals("host h1", origins.get("extras.headers.X-Host"));
        assertEquals("group api", origins.get("extras.headers.X-Team"));
        assertEquals("defaults", origins.get("extras.headers.Accept"));
        assertEquals("host h1", origins.get("extras.tags"));
        assertEquals("defaults", origins.get("extras.retries"));
    }

    @Test
    void becomeFromTheInventory() throws Exception {
        Inventory inv = inventory("""
                groups:
                  admin: {data: {become: true, become_user: deploy}}
                  su: {data: {become: "yes", become_method: su}}
                hosts:
                  a1: {groups: [admin]}
                  a2: {groups: [admin], data: {become: false}}
                  s1: {groups: [su]}
                  plain: {}
                """);
        assertEquals(new Become(Become.Method.SUDO, "deploy", null),
                ParameterResolver.become(inv, inv.hosts().get("a1")));
        assertNull(ParameterResolver.become(inv, inv.hosts().get("a2")), "the host's become: false wins");
        assertEquals(new Become(Become.Method.SU, "root", null), ParameterResolver.become(inv, inv.hosts().get("s1")));
        assertNull(ParameterResolver.become(inv, inv.hosts().get("plain")));
    }

    @Test
    void wrongBecomeValuesNameTheHostTheKeyTheValueAndTheOrigin() throws Exception {
        Inventory inv = inventory("""
                groups:
                  m: {data: {become: true, become_method: pbrun}}
                  u: {data: {become: "yes", become_user: ""}}
                hosts:
                  h2: {groups: [m]}
                  h3: {groups: [u]}
                  h5: {data: {become: false, become_method: pbrun}}
                """);
        String source = inv.source();
        assertEquals(source + ": hosts.h2: data.become_method (from group m) is \"pbrun\"; Conduit becomes with sudo"
                + " or su: set one of them, or remove the key for sudo", message(inv, "h2"));
        assertEquals(source + ": hosts.h3: data.become_user (from group u) is \"\"; set a user name, or remove the"
                + " key for root", message(inv, "h3"));
        assertNull(ParameterResolver.become(inv, inv.hosts().get("h5")),
                "with become off, the method is not used: an Ansible inventory may name one for later");

        // an inventory source's data is not checked by the loader: the resolver says the same
        Inventory source2 = new Inventory("docker:", Attributes.NONE, Map.of("g", new Group("g", List.of(),
                new Attributes(null, null, null, null, null, null, Map.of("become", "maybe"), null))),
                Map.of("h1", new Host("h1", List.of("g"), null)));
        assertEquals("docker:: hosts.h1: data.become (from group g) is \"maybe\"; it must be true or false"
                + " (yes/no, on/off and 1/0 are read too)",
                message(source2, "h1"));
    }

    @Test
    void aBecomeThatIsNotTrueOrFalseIsRefusedWhenTheInventoryIsLoaded() throws Exception {
        for (String bad : List.of("maybe", "2", "[a]", "{x: 1}")) {
            InventoryException e = assertThrows(InventoryException.class,
                    () -> inventory("groups:\n  g:\n    data: {become: " + bad + "}\nhosts:\n  h1: {groups: [g]}\n"));
            assertTrue(e.getMessage().contains("inventory.yaml:3: groups.g.data.become: "), e.getMessage());
            assertTrue(e.getMessage().contains("; write become: true to run the hosts' commands with become, or"
                    + " become: false"), e.getMessage());
        }
        for (String good : List.of("yes", "\"No\"", "1", "0", "on", "\"True\"", "~")) {
            Inventory inv = inventory("hosts:\n  h1: {data: {become: " + good + "}}\n");
            assertEquals(List.of("yes", "1", "on", "\"True\"").contains(good),
                    ParameterResolver.become(inv, inv.hosts().get("h1")) != null, good);
        }
    }

    private static String message(Inventory inv, String host) {
        return assertThrows(InventoryException.class, () -> ParameterResolver.become(inv, inv.hosts().get(host)))
                .getMessage();
    }
}
