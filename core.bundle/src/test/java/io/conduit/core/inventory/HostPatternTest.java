package io.conduit.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;

class HostPatternTest {

    @TempDir
    Path dir;

    private Inventory inv;

    @BeforeEach
    void load() throws Exception {
        Path file = dir.resolve("inventory.yaml");
        Files.writeString(file, """
                groups:
                  europe:
                  paris:
                    groups: [europe]
                  web:
                  db:
                  prod:
                  staging:
                hosts:
                  web1:   {groups: [web, prod, paris]}
                  web2:   {groups: [web, prod]}
                  web3:   {groups: [web, staging]}
                  db1:    {groups: [db, prod, paris]}
                  db2:    {groups: [db, staging]}
                  db10:   {groups: [db]}
                  lb-eu:  {groups: [europe]}
                """);
        inv = InventoryLoader.load(file);
    }

    private List<String> select(String pattern) throws InventoryException {
        return HostPattern.select(inv, pattern).stream().map(Host::name).toList();
    }

    private String fails(String pattern) {
        return assertThrows(InventoryException.class, () -> HostPattern.select(inv, pattern)).getMessage();
    }

    private static final List<String> ALL = List.of("web1", "web2", "web3", "db1", "db2", "db10", "lb-eu");

    @Test
    void allAndStar() throws Exception {
        assertEquals(ALL, select("all"));
        assertEquals(ALL, select("*"));
    }

    @Test
    void exactHostAndGroupNames() throws Exception {
        assertEquals(List.of("db2"), select("db2"));
        assertEquals(List.of("web3", "db2"), select("staging"));
    }

    @Test
    void aGroupIncludesTheHostsOfItsChildGroups() throws Exception {
        // paris lists europe as its parent: europe holds paris's hosts and its own
        assertEquals(List.of("web1", "db1", "lb-eu"), select("europe"));
        assertEquals(List.of("web1", "db1"), select("paris"));
    }

    @Test
    void globs() throws Exception {
        assertEquals(List.of("web1", "web2", "web3"), select("web*"));
        assertEquals(List.of("db1", "db2"), select("db?"));
        assertEquals(List.of("web2", "web3"), select("web[2-3]"));
        assertEquals(List.of("db1", "db10"), select("db[!2]*"));
        assertEquals(List.of("web1", "db1", "lb-eu"), select("e*"), "a glob matches group names too (europe)");
    }

    @Test
    void regex() throws Exception {
        assertEquals(List.of("db1", "db10"), select("~^db1"));
    }

    @Test
    void unionWithColonOrComma() throws Exception {
        assertEquals(List.of("web3", "db1", "db2"), select("db1:staging"));
        assertEquals(List.of("web3", "db1", "db2"), select("db1,staging"));
    }

    @Test
    void intersection() throws Exception {
        assertEquals(List.of("web1", "web2"), select("web:&prod"));
        assertEquals(List.of("db1"), select("db*:&prod:&paris"));
    }

    @Test
    void exclusion() throws Exception {
        assertEquals(List.of("web1", "web2"), select("prod:!db*:db1"),
                "as in Ansible, unions first then exclusions: a:!b:c is a:c:!b, and db1 is excluded by db*");
        assertEquals(List.of("web1", "web2", "db1"), select("prod:!nothing*"), "an exclusion glob may match nothing");
        assertEquals(List.of("web1", "web2", "db1", "db10", "lb-eu"), select("!staging"),
                "only exclusions start from all");
        assertEquals(List.of("web3"), select("&staging:web"), "intersections apply after unions, wherever written");
    }

    @Test
    void resultInInventoryOrderWithoutDuplicates() throws Exception {
        assertEquals(List.of("web1", "web2", "web3", "db1"), select("db1:web*:prod:web1"));
    }

    @Test
    void noMatchNamesThePartAndTheInventory() {
        assertEquals("pattern \"nope\" matches no host in " + inv.source() + "; see conduit:hosts", fails("nope"));
        assertEquals("pattern \"web*:&prd\" matches no host in " + inv.source() + ": \"&prd\" names no host or"
                + " group; did you mean \"prod\"? see conduit:hosts", fails("web*:&prd"));
        assertEquals("pattern \"zz*\" matches no host in " + inv.source() + "; see conduit:hosts", fails("zz*"));
        assertEquals("pattern \"web:&db\" matches no host in " + inv.source() + " (\"&db\" left nothing);"
                + " see conduit:hosts", fails("web:&db"));
    }

    @Test
    void aTypoInAnExclusionIsAnError() {
        assertEquals("pattern \"all:!stagin\" matches no host in " + inv.source() + ": \"!stagin\" names no host or"
                + " group; did you mean \"staging\"? see conduit:hosts", fails("all:!stagin"));
    }

    @Test
    void malformedPatterns() {
        assertEquals("empty host pattern; use all, a host or group name, a glob like web*, or a:b, a:&b, a:!b"
                + " (see conduit:hosts)", fails("  "));
        assertEquals("pattern \"web::db\": an empty part between separators; write a:b, a:&b or a:!b",
                fails("web::db"));
        assertEquals("pattern \"web:!\": an empty part between separators; write a:b, a:&b or a:!b", fails("web:!"));
        fails("~[unclosed");
    }

    @Test
    void hostNamesWithColonsAreNotSplit() throws Exception {
        Path file = dir.resolve("v6.yaml");
        Files.writeString(file, "hosts:\n  \"fe80::1\":\n  other:\n");
        Inventory v6 = InventoryLoader.load(file);
        assertEquals(List.of("fe80::1"), HostPattern.select(v6, "fe80::1").stream().map(Host::name).toList());
    }
}
