package io.conduit.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.inventory.Attributes;
import io.conduit.api.inventory.ConnectionOptions;
import io.conduit.api.inventory.Group;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;

/**
 * Conditions from public bug reports of the peers' inventories, each written here in our own words and hosts:
 * what their users expected is what Conduit does.
 */
class InventoryPeerReportsTest {
    @TempDir
    Path dir;

    private Inventory ansible(String name, String text) throws Exception {
        return AnsibleInventories.file(Files.writeString(dir.resolve(name), text));
    }

    private static Object data(Inventory inv, String host, String key) {
        return ParameterResolver.data(inv, inv.hosts().get(host)).values().get(key);
    }

    /**
     * ansible/ansible#743 and #6012: a host line's value holding {@code =} (a base64 token, an SSH key) broke the
     * INI reader; #973 and #77369: a quoted value with spaces.
     */
    @Test
    void anIniValueKeepsItsEqualsSignsAndQuotedSpaces() throws Exception {
        Inventory inv = ansible("hosts.ini", """
                [api]
                gw1 token="c2VjcmV0OnZhbHVl==" owner="Night Shift" pubkey=ssh-ed25519=AAAA
                """);
        assertEquals("c2VjcmV0OnZhbHVl==", data(inv, "gw1", "token"));
        assertEquals("Night Shift", data(inv, "gw1", "owner"));
        assertEquals("ssh-ed25519=AAAA", data(inv, "gw1", "pubkey"));
    }

    /** ansible/ansible#22868: a quoted {@code :vars} value holding {@code #} came back with its quotes. */
    @Test
    void aQuotedGroupValueWithAHashIsTheTextInside() throws Exception {
        Inventory inv = ansible("hosts.ini", """
                [db]
                db1

                [db:vars]
                plain="k3y~x$y"
                hashed="k3y~x#y"
                """);
        assertEquals("k3y~x$y", data(inv, "db1", "plain"));
        assertEquals("k3y~x#y", data(inv, "db1", "hashed"));
    }

    /**
     * ansible/ansible#19604 and #14778: among groups at the same depth the later name wins, whatever the order
     * they are written in; #58643: a deeper group wins over a shallower one even when it is not its child.
     */
    @Test
    void groupsAtOneDepthGoByNameAndADeeperGroupWins() throws Exception {
        Inventory inv = ansible("inventory.yaml", """
                all:
                  vars: {tier: all}
                  children:
                    zeta:
                      hosts: {n1: null}
                      vars: {tier: zeta}
                    alpha:
                      hosts: {n1: null, n2: null}
                      vars: {tier: alpha}
                      children:
                        alpha_deep:
                          hosts: {n2: null}
                          vars: {tier: alpha_deep}
                    beta:
                      hosts: {n2: null}
                      vars: {tier: beta}
                """);
        assertEquals("zeta", data(inv, "n1", "tier")); // alpha and zeta at depth 1: the later name wins
        assertEquals("alpha_deep", data(inv, "n2", "tier")); // depth 2 beats beta at depth 1
    }

    /**
     * nornir-automation/nornir#452: a group's {@code extras} replaced the defaults' instead of merging with them;
     * #621: data was looked up host, g1, g1's parents, then defaults, skipping g2.
     */
    @Test
    void extrasMergeAcrossLevelsAndDataVisitsEveryGroupBeforeTheDefaults() throws Exception {
        Attributes defaults = new Attributes(null, null, null, null, null, null, Map.of("domain", "defaults.test"),
                Map.of("netconf", new ConnectionOptions(null, null, null, null, null,
                        Map.of("allow_agent", false, "hostkey_verify", false))));
        Group strict = new Group("strict", List.of(), new Attributes(null, null, null, null, null, null, null,
                Map.of("netconf", new ConnectionOptions(null, null, null, null, null, Map.of("hostkey_verify", true)))));
        Group g1 = new Group("g1", List.of("g11", "g12"), Attributes.NONE);
        Group g11 = new Group("g11", List.of(), Attributes.NONE);
        Group g12 = new Group("g12", List.of(), Attributes.NONE);
        Group g2 = new Group("g2", List.of(), new Attributes(null, null, null, null, null, null,
                Map.of("domain", "g2.test"), null));
        Host leaf = new Host("leaf1", List.of("strict", "g1", "g2"), Attributes.NONE);
        Inventory inv = new Inventory("inventory.yaml", defaults, Map.of("strict", strict, "g1", g1, "g11", g11,
                "g12", g12, "g2", g2), Map.of("leaf1", leaf));

        assertEquals(Map.of("allow_agent", false, "hostkey_verify", true),
                ParameterResolver.resolve(inv, leaf, "netconf", null, false, null).extras());
        assertEquals(List.of("strict", "g1", "g11", "g12", "g2"), ParameterResolver.groupOrder(inv, leaf));
        assertEquals("g2.test", data(inv, "leaf1", "domain"));
        assertEquals("group g2", ParameterResolver.data(inv, leaf).origin("domain"));
    }
}
