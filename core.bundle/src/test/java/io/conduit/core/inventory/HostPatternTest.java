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
        assertEquals(List.of("web1", "web2", "web3"), select("w[a-e]b?"), "a class inside a glob");
        assertEquals(List.of("db1", "db10"), select("db[!2]*"), "a negated class, not at the end");
        assertEquals(List.of("lb-eu"), select("lb-e[!x]"), "a trailing bracket that is not digits is a class");
        assertEquals(List.of("web1", "db1", "lb-eu"), select("e*"), "a glob matches group names too (europe)");
        assertEquals("pattern \"web[z-a]\": \"web[z-a]\" is not a valid glob (Illegal character range);"
                + " check its [...] ranges, such as [a-z]", fails("web[z-a]"));
    }

    @Test
    void subscriptsCountPositionsInWhatTheNameSelectsInInventoryOrder() throws Exception {
        // web is web1, web2, web3; db is db1, db2, db10; europe is web1, db1, lb-eu
        assertEquals(List.of("web1"), select("web[0]"));
        assertEquals(List.of("web3"), select("web[-1]"));
        assertEquals(List.of("web1"), select("web[-0]"), "-0 is 0, as in Ansible");
        assertEquals(List.of("web1", "web2"), select("web[0:1]"), "the end is included, as in Ansible");
        assertEquals(List.of("web2"), select("web[1:1]"));
        assertEquals(List.of("web2", "web3"), select("web[1:]"));
        assertEquals(List.of("web1", "web2"), select("web[:1]"));
        assertEquals(List.of("db2", "db10"), select("db[1:3]"),
                "the issue's example: positions 1 to 3 of the group db, the end stopping at its last host");
        assertEquals(List.of("lb-eu"), select("europe[-1]"), "a child group's hosts count in inventory order");
        assertEquals(List.of("db2"), select("db2[0]"), "a subscript of a host name");
        assertEquals(List.of("web1"), select("all[0]"));
        assertEquals(List.of("lb-eu"), select("*[-1]"));
        assertEquals(List.of("web3"), select("web*[2]"), "a subscript of a glob");
    }

    @Test
    void subscriptsInEveryKindOfPart() throws Exception {
        assertEquals(List.of("web1", "web2", "db1"), select("web[0:1]:db[0]"), "':' inside brackets is no separator");
        assertEquals(List.of("web1", "web2", "db1"), select("web[0:1],db[0]"));
        assertEquals(List.of("web1"), select("web:&prod[0]"), "prod is web1, web2, db1");
        assertEquals(List.of("web1", "web2"), select("web:!web[-1]"));
        assertEquals(List.of("web1", "web2", "web3"), select("web:!nothing*[0]"), "an exclusion glob may match nothing");
    }

    @Test
    void aSubscriptOutOfRangeIsAnError() {
        assertEquals("pattern \"web[3]\": web selects 3 hosts (positions 0 to 2, or -3 to -1 from the end), so [3]"
                + " selects none; see conduit:hosts web", fails("web[3]"));
        assertEquals("pattern \"web[-4]\": web selects 3 hosts (positions 0 to 2, or -3 to -1 from the end), so"
                + " [-4] selects none; see conduit:hosts web", fails("web[-4]"));
        assertEquals("pattern \"web[3:]\": web selects 3 hosts (positions 0 to 2, or -3 to -1 from the end), so"
                + " [3:] selects none; see conduit:hosts web", fails("web[3:]"));
        assertEquals("pattern \"all:!db2[1]\": db2 selects 1 host (position 0, or -1 from the end), so [1]"
                + " selects none; see conduit:hosts db2", fails("all:!db2[1]"),
                "also in an exclusion: excluding nothing by mistake would run everywhere");
        fails("web[99999999999]");
    }

    @Test
    void malformedSubscriptsSayWhatToWrite() {
        assertEquals("pattern \"web[1:2:3]\": \"[1:2:3]\" is not a subscript; write [i], [-i], [i:j], [i:] or [:j]"
                + " with whole numbers (positions from 0, j included), a negative one only alone ([-1] is the last"
                + " host)", fails("web[1:2:3]"));
        assertEquals("pattern \"prod:web[-2:]\": in \"web[-2:]\", \"[-2:]\" is not a subscript; write [i], [-i],"
                + " [i:j], [i:] or [:j] with whole numbers (positions from 0, j included), a negative one only alone"
                + " ([-1] is the last host)", fails("prod:web[-2:]"));
        assertEquals("pattern \"web[]\": \"[]\" is not a subscript; write [i], [-i], [i:j], [i:] or [:j] with whole"
                + " numbers (positions from 0, j included), a negative one only alone ([-1] is the last host)",
                fails("web[]"));
        assertEquals("pattern \"web[:]\": \"[:]\" names no position; write [i:] or [:j], or drop it to keep every"
                + " host web selects", fails("web[:]"));
        assertEquals("pattern \"web[2:1]\": \"[2:1]\" starts after it ends; write [1:2] (both ends are included)",
                fails("web[2:1]"));
    }

    @Test
    void aTrailingDigitRangeIsRefusedNotReadAsACharacterClass() {
        // Conduit read this as a class (web2, web3); Ansible reads it as its removed [x-y] subscript
        assertEquals("pattern \"web[2-3]\": \"[2-3]\" is Ansible's removed [x-y] subscript, not a character class;"
                + " write web[2:3] for those positions among the hosts web selects, or ~web[2-3]$ for names ending in"
                + " such a character", fails("web[2-3]"));
    }

    @Test
    void anInventoryNameRangeInAPatternIsRefused() {
        assertEquals("pattern \"db[01:10]\": \"[01:10]\" is a subscript (positions among the hosts db selects), not"
                + " a name range as in an inventory file; write db[1:10] for positions, or select names with a glob"
                + " or ~regex such as db*", fails("db[01:10]"));
        assertEquals("pattern \"cache[1:2]\" matches no host in " + inv.source() + ": \"cache\" names no host or"
                + " group ([1:2] selects positions among the hosts cache selects, not names; to select by name use a"
                + " glob like cache* or a ~regex); see conduit:hosts", fails("cache[1:2]"));
    }

    @Test
    void regexMatchesFromTheStartOfTheNameAsPythonsReMatch() throws Exception {
        assertEquals(List.of("db1", "db10"), select("~^db1"));
        assertEquals(List.of("db1", "db10"), select("~db1"), "not anchored at the end");
        assertEquals(List.of("web1", "web2"), select("~web[12]$"), "a class at the end of a regex is no subscript");
        assertEquals(List.of("db10"), select("~db1[0]"), "a regex is never subscripted");
        assertEquals("pattern \"~eb\" matches no host in " + inv.source() + "; see conduit:hosts", fails("~eb"),
                "anchored at the start: eb is not found inside web1");
        assertEquals(List.of("web1", "web2", "web3"), select("~(?:we|xy)b,web1"),
                "with ',' a ':' in a regex does not separate");
        assertEquals("pattern \"~(?P<n>web)\": \"~(?P<n>web)\" is not a valid regular expression (Unknown inline"
                + " modifier); Java writes Python's (?P<name>...) as (?<name>...) and (?P=name) as \\k<name>; fix it"
                + " or use a glob like web*", fails("~(?P<n>web)"));
    }

    @Test
    void unionWithColonOrComma() throws Exception {
        assertEquals(List.of("web3", "db1", "db2"), select("db1:staging"));
        assertEquals(List.of("web3", "db1", "db2"), select("db1,staging"));
    }

    @Test
    void withCommasAColonDoesNotSeparate() throws Exception {
        assertEquals(List.of("web1"), select("web,&prod,!web2"));
        assertEquals("pattern \"web,db:&prod\" matches no host in " + inv.source() + ": \"db:&prod\" names no host or"
                + " group (in a pattern with ',' a ':' does not separate, as in Ansible; write a,b,&c or a:b:&c);"
                + " see conduit:hosts", fails("web,db:&prod"));
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
    void hostNamesWithColonsWorkAloneOrBetweenCommas() throws Exception {
        Path file = dir.resolve("v6.yaml");
        Files.writeString(file, "hosts:\n  \"fe80::1\":\n  other:\n  \"db[1]\":\n");
        inv = InventoryLoader.load(file);
        assertEquals(List.of("fe80::1"), select("fe80::1"));
        assertEquals(List.of("fe80::1", "other"), select("other,fe80::1"));
        assertEquals(List.of("other", "db[1]"), select("all,!fe80::1"));
        assertEquals(List.of("fe80::1", "other"), select("other[0],fe80::1[-1]"), "a subscript of an IPv6 name");
        assertEquals(List.of("db[1]"), select("db[1]"), "an exact host name is never read as a subscript");
        assertEquals("pattern \"other:fe80::1\": an empty part between separators; write a:b, a:&b or a:!b (a host"
                + " name with ':', such as an IPv6 address, is written alone or between commas: web,fe80::1)",
                fails("other:fe80::1"));
    }
}
