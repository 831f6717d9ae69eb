package io.conduit.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.inventory.InventoryException;
import io.conduit.core.inventory.AnsibleModel.Value;

/**
 * {@link AnsibleFiles}: Ansible's INI and YAML inventory files, with {@code group_vars/} and {@code host_vars/},
 * in the shapes Ansible's documentation shows ("How to build your inventory", the ini and yaml plugins).
 */
class AnsibleFilesTest {

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

    private static Object value(Map<String, Value> vars, String key) {
        assertTrue(vars.containsKey(key), () -> key + " missing in " + vars);
        return vars.get(key).value();
    }

    private static List<String> list(Iterable<String> names) {
        List<String> out = new ArrayList<>();
        names.forEach(out::add);
        return out;
    }

    // ------------------------------------------------------------------ INI

    @Test
    void readsIniGroupsChildrenVarsAndInlineHostVars() throws Exception {
        Path file = write("hosts", """
                # the lab
                bastion.lab.test

                [webservers]
                web-a.lab.test http_port=8080 enabled=True ratio=0.5 owner="Ops Team" code="'0755'"
                web-b.lab.test:2222   # a comment after the host

                ; another comment
                [dbservers]
                db-[a:c].lab.test

                [paris]
                web-a.lab.test

                [europe:children]
                paris
                dbservers

                [europe:vars]
                ntp_server = ntp.eu.lab.test
                backup=FALSE
                motd="hello world"
                """);
        AnsibleModel model = AnsibleFiles.read(file);
        String f = file.toString();
        assertEquals(List.of("ungrouped", "webservers", "dbservers", "paris", "europe", "all"),
                list(model.groups.keySet()));
        assertEquals(List.of("bastion.lab.test"), list(model.groups.get("ungrouped").hosts));
        assertEquals(List.of("web-a.lab.test", "web-b.lab.test"), list(model.groups.get("webservers").hosts));
        assertEquals(List.of("db-a.lab.test", "db-b.lab.test", "db-c.lab.test"),
                list(model.groups.get("dbservers").hosts));
        assertEquals(List.of("paris", "dbservers"), list(model.groups.get("europe").children));

        Map<String, Value> webA = model.hostVars.get("web-a.lab.test");
        assertEquals(8080L, value(webA, "http_port"));
        assertEquals(Boolean.TRUE, value(webA, "enabled"));
        assertEquals(0.5, value(webA, "ratio"));
        assertEquals("Ops Team", value(webA, "owner"));
        assertEquals("0755", value(webA, "code"), "a quoted Python string stays text");
        assertEquals(new Value(8080L, f, 5), webA.get("http_port"));
        assertEquals(f + ":5", model.hostWhere.get("web-a.lab.test"), "where first named, not the later [paris]");
        assertEquals(new Value(2222L, f, 6), model.hostVars.get("web-b.lab.test").get("ansible_port"));
        assertEquals(1, model.hostVars.get("web-b.lab.test").size(), "the comment is no variable");

        Map<String, Value> europe = model.groups.get("europe").vars;
        assertEquals(new Value("ntp.eu.lab.test", f, 20), europe.get("ntp_server"));
        assertEquals("FALSE", value(europe, "backup"), "FALSE is no Python literal: text");
        assertEquals("hello world", value(europe, "motd"));
        assertEquals(f + ":12", model.groups.get("paris").where);
        assertEquals("ansible:" + f, model.source);
    }

    @Test
    void groupNamedInChildrenOrVarsBeforeItsSectionIsFine() throws Exception {
        Path file = write("inventory.ini", """
                [prod:vars]
                tier=gold
                [prod:children]
                web
                [web]
                w1
                """);
        AnsibleModel model = AnsibleFiles.read(file);
        assertEquals(List.of("web"), list(model.groups.get("prod").children));
        assertEquals("gold", value(model.groups.get("prod").vars, "tier"));
        assertEquals(List.of("w1"), list(model.groups.get("web").hosts));
    }

    @Test
    void expandsRanges() throws Exception {
        Path file = write("hosts.ini", """
                [www]
                www[01:50].example.test
                [odd]
                n[1:10:2]
                [grid]
                r[1:2]-[a:b]
                [noBegin]
                z[:2]
                """);
        AnsibleModel model = AnsibleFiles.read(file);
        List<String> www = list(model.groups.get("www").hosts);
        assertEquals(50, www.size());
        assertEquals("www01.example.test", www.get(0));
        assertEquals("www50.example.test", www.get(49));
        assertEquals(List.of("n1", "n3", "n5", "n7", "n9"), list(model.groups.get("odd").hosts));
        assertEquals(List.of("r1-a", "r1-b", "r2-a", "r2-b"), list(model.groups.get("grid").hosts));
        assertEquals(List.of("z0", "z1", "z2"), list(model.groups.get("noBegin").hosts));
    }

    @Test
    void readsPortsAndIpv6() throws Exception {
        Path file = write("hosts", """
                [net]
                192.0.2.10:2200
                2001:db8::10
                [2001:db8::11]:2201
                web[1:2]:2202
                """);
        AnsibleModel model = AnsibleFiles.read(file);
        assertEquals(List.of("192.0.2.10", "2001:db8::10", "2001:db8::11", "web1", "web2"),
                list(model.groups.get("net").hosts));
        assertEquals(2200L, value(model.hostVars.get("192.0.2.10"), "ansible_port"));
        assertTrue(model.hostVars.get("2001:db8::10").isEmpty(), "an IPv6 address without brackets has no port");
        assertEquals(2201L, value(model.hostVars.get("2001:db8::11"), "ansible_port"));
        assertEquals(2202L, value(model.hostVars.get("web2"), "ansible_port"));
    }

    @Test
    void iniLiteralsAndWords() {
        assertEquals(22L, AnsibleIni.literal("22"));
        assertEquals(-3L, AnsibleIni.literal("-3"));
        assertEquals(31L, AnsibleIni.literal("0x1F"));
        assertEquals(1000L, AnsibleIni.literal("1_000"));
        assertEquals("0755", AnsibleIni.literal("0755"), "no octal without 0o in Python 3: text");
        assertEquals(1e3, AnsibleIni.literal("1e3"));
        assertEquals(Boolean.FALSE, AnsibleIni.literal("False"));
        assertEquals("false", AnsibleIni.literal("false"), "Python's literals are capitalized");
        assertNull(AnsibleIni.literal("None"));
        assertEquals(List.of(1L, 2L), AnsibleIni.literal("[1, 2]"), "lists are lists, as literal_eval makes them");
        assertEquals("[1, 2", AnsibleIni.literal("[1, 2"), "what is not a literal stays text");
        assertEquals("", AnsibleIni.literal(""));
        assertEquals(List.of("h", "a=x y", "b=it's", "c=q\"", "d=e"),
                AnsibleIni.words("h a=\"x y\" b=\"it's\" c=q\\\" d=e#comment"));
    }

    @Test
    void varsValuesAreReadAsPythonLiteralsAsHostLineValuesAre() throws Exception {
        Path file = write("typed.ini", """
                [web]
                w1 c=[1,2] t=(1,2) d="{'a': 1, 'b': [True, None]}" s="'[1,2]'"
                [web:vars]
                maint=False
                workers=4
                ratio = 0.25
                quoted="4"
                single='it''s'
                tags=['a', "b"]
                nested={'x': {'y': (1, 'z')}}
                text=Plain words, kept
                broken=[1, 2
                """);
        AnsibleModel model = AnsibleFiles.read(file);
        Map<String, Value> web = model.groups.get("web").vars;
        assertEquals(Boolean.FALSE, value(web, "maint"));
        assertEquals(4L, value(web, "workers"), "a number, so that workers + 1 is 5");
        assertEquals(0.25, value(web, "ratio"));
        assertEquals("4", value(web, "quoted"), "quoted text stays text");
        assertEquals("its", value(web, "single"), "adjacent Python strings are joined");
        assertEquals(List.of("a", "b"), value(web, "tags"));
        assertEquals(Map.of("x", Map.of("y", List.of(1L, "z"))), value(web, "nested"));
        assertEquals("Plain words, kept", value(web, "text"));
        assertEquals("[1, 2", value(web, "broken"), "not a literal: kept as written, as Ansible keeps it");
        assertEquals(new Value(4L, file.toString(), 5), web.get("workers"));

        Map<String, Value> w1 = model.hostVars.get("w1");
        assertEquals(List.of(1L, 2L), value(w1, "c"));
        assertEquals(List.of(1L, 2L), value(w1, "t"), "a tuple is a list");
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("a", 1L);
        d.put("b", java.util.Arrays.asList(true, null));
        assertEquals(d, value(w1, "d"));
        assertEquals("[1,2]", value(w1, "s"), "a quoted list stays text");
    }

    @Test
    void pythonLiteralReaderIsStrict() {
        assertEquals("a\nb\tc\\'\"\u00e9\u00e9\u20ac\uD83D\uDE00\u0007A", PythonLiteral.read(
                "'a\\nb\\tc\\\\\\'\"\\xe9\\u00e9\\u20ac\\U0001F600\\a\\101'").value());
        assertEquals("\\d", PythonLiteral.read("'\\d'").value(), "an unknown escape keeps its backslash");
        assertEquals(-1.5e-3, PythonLiteral.read("-1.5e-3").value());
        assertEquals(0.5, PythonLiteral.read(".5").value());
        assertEquals(5L, PythonLiteral.read("0b101").value());
        assertEquals(15L, PythonLiteral.read("0o17").value());
        assertEquals(7L, PythonLiteral.read("(7)").value(), "parentheses alone make no tuple");
        assertEquals(List.of(7L), PythonLiteral.read("(7,)").value());
        assertEquals(List.of(), PythonLiteral.read("()").value());
        assertEquals(Map.of(), PythonLiteral.read("{}").value());
        assertEquals(List.of(1L, List.of(2L, 3L)), PythonLiteral.read(" [1, [2, 3,], ] ").value());
        assertEquals(Map.of("k", 2L), PythonLiteral.read("{'k': 1, 'k': 2}").value(), "the later key wins");
        for (String no : List.of("{1, 2}", "{1: 'a'}", "b'x'", "r'x'", "'''x'''", "'open", "[1 2]", "1 + 2",
                "99999999999999999999", "0755", "true", "[".repeat(Limits.MAX_DEPTH + 2) + "]".repeat(Limits.MAX_DEPTH + 2), "1j", "x", "--1",
                "'a'b", "[1,,2]")) {
            assertFalse(PythonLiteral.read(no).ok(), no);
        }
        assertTrue(PythonLiteral.read("[".repeat(Limits.MAX_DEPTH) + "]".repeat(Limits.MAX_DEPTH)).ok());
    }

    // ------------------------------------------------------------------ YAML

    @Test
    void readsYamlNestedChildrenVarsAndRanges() throws Exception {
        Path file = write("inventory.yml", """
                all:
                  hosts:
                    mail.example.test:
                  vars:
                    ntp: ntp.example.test
                  children:
                    europe:
                      vars:
                        region: eu
                      children:
                        paris:
                          vars:
                            dc: par1
                          children:
                            paris_web:
                              hosts:
                                web[01:03].par.test:
                                  http_port: 8080
                                  tags: [a, b]
                              vars:
                                role: web
                    db:
                      hosts: db-[a:b].example.test
                """);
        AnsibleModel model = AnsibleFiles.read(file);
        String f = file.toString();
        assertEquals(List.of("all", "europe", "paris", "paris_web", "db", "ungrouped"), list(model.groups.keySet()));
        assertEquals(List.of("mail.example.test"), list(model.groups.get("all").hosts));
        assertEquals(List.of("europe", "db"), list(model.groups.get("all").children));
        assertEquals(List.of("paris"), list(model.groups.get("europe").children));
        assertEquals(List.of("paris_web"), list(model.groups.get("paris").children));
        assertEquals(List.of("web01.par.test", "web02.par.test", "web03.par.test"),
                list(model.groups.get("paris_web").hosts));
        assertEquals(List.of("db-a.example.test", "db-b.example.test"), list(model.groups.get("db").hosts));
        assertEquals(new Value("ntp.example.test", f, 5), model.groups.get("all").vars.get("ntp"));
        assertEquals(new Value("eu", f, 9), model.groups.get("europe").vars.get("region"));
        assertEquals(new Value("par1", f, 13), model.groups.get("paris").vars.get("dc"));
        assertEquals(new Value("web", f, 21), model.groups.get("paris_web").vars.get("role"));
        assertEquals(new Value(8080L, f, 18), model.hostVars.get("web02.par.test").get("http_port"));
        assertEquals(List.of("a", "b"), value(model.hostVars.get("web03.par.test"), "tags"));
        assertTrue(model.hostVars.get("mail.example.test").isEmpty());
        assertEquals(f + ":17", model.hostWhere.get("web01.par.test"));
    }

    @Test
    void readsJsonInventory() throws Exception {
        Path file = write("inventory.json", """
                {"all": {"children": {"web": {"hosts": {"w1:2022": {"x": 1}}}}}}
                """);
        AnsibleModel model = AnsibleFiles.read(file);
        assertEquals(List.of("w1"), list(model.groups.get("web").hosts));
        assertEquals(2022L, value(model.hostVars.get("w1"), "ansible_port"));
        assertEquals(1L, value(model.hostVars.get("w1"), "x"));
    }

    @Test
    void readsOneHostOrChildWrittenAsTextAsAnsibleDoes() throws Exception {
        Path file = write("inventory.yaml", """
                all:
                  children: web
                web:
                  hosts: w1.example.test
                """);
        AnsibleModel model = AnsibleFiles.read(file);
        assertEquals(List.of("web"), list(model.groups.get("all").children));
        assertEquals(List.of("w1.example.test"), list(model.groups.get("web").hosts));
        assertEquals(file + ":4", model.hostWhere.get("w1.example.test"));
    }

    @Test
    void readsWindowsLineEndsAndAByteOrderMark() throws Exception {
        Path file = write("hosts", "\uFEFF[web]\r\nw1 a=1\r\n[web:vars]\r\nb=two\r\n");
        AnsibleModel model = AnsibleFiles.read(file);
        assertEquals(List.of("w1"), list(model.groups.get("web").hosts));
        assertEquals(new Value(1L, file.toString(), 2), model.hostVars.get("w1").get("a"));
        assertEquals(new Value("two", file.toString(), 4), model.groups.get("web").vars.get("b"));
    }

    @Test
    void vaultTaggedValueBecomesVaulted() throws Exception {
        Path file = write("inventory.yaml", """
                all:
                  vars:
                    db_password: !vault |
                      $ANSIBLE_VAULT;1.1;AES256
                      62313365396662343061393464336163383764373764613633653634306231386433626436623361
                    plain: text
                """);
        AnsibleModel model = AnsibleFiles.read(file);
        Value secret = model.groups.get("all").vars.get("db_password");
        assertInstanceOf(AnsibleModel.Vaulted.class, secret.value());
        assertEquals(3, secret.line());
        assertEquals("text", value(model.groups.get("all").vars, "plain"));
    }

    @Test
    void yamlTreeReadsVaultOnlyWhenAsked() throws Exception {
        String text = "a: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  6231\nb: !custom x\nc: [1, *missing]\n";
        Problems problems = new Problems();
        Tree.MapVal plain = (Tree.MapVal) YamlTree.parse("a: !vault |\n  $ANSIBLE_VAULT;1.1\nb: !custom x\n",
                "f.yaml", problems);
        assertEquals("$ANSIBLE_VAULT;1.1\n", ((Tree.Scalar) plain.entries().get("a").value()).value(),
                "Conduit's own inventory keeps reading tags as before");
        Tree.MapVal vault = (Tree.MapVal) YamlTree.parse("a: !vault |\n  $ANSIBLE_VAULT;1.1\nb: !custom x\n",
                "f.yaml", problems, true);
        assertInstanceOf(AnsibleModel.Vaulted.class, ((Tree.Scalar) vault.entries().get("a").value()).value());
        assertEquals("x", ((Tree.Scalar) vault.entries().get("b").value()).value(), "other tags are unchanged");
        InventoryException e = assertThrows(InventoryException.class,
                () -> YamlTree.parse(text, "f.yaml", problems, true));
        assertTrue(e.getMessage().contains("f.yaml:5: c: *missing refers to no anchor"), e.getMessage());
        assertTrue(problems.isEmpty());
    }

    // ------------------------------------------------------------------ group_vars and host_vars

    @Test
    void readsGroupVarsAndHostVarsAsFilesAndDirectories() throws Exception {
        Path file = write("inv/hosts", """
                [web]
                w1 colour=red
                w2
                [web:vars]
                tier=bronze
                keep=inventory
                """);
        Path all = write("inv/group_vars/all.yml", "ntp: ntp.example.test\n");
        write("inv/group_vars/web/10-base.yml", "tier: silver\nport: 80\n");
        Path later = write("inv/group_vars/web/20-over.yaml", "# overrides\nport: 8080\n");
        write("inv/group_vars/web/notes.txt", "not: read\n");
        write("inv/group_vars/web/.hidden.yml", "not: read\n");
        write("inv/group_vars/web/backup.yml~", "not: read\n");
        Path nested = write("inv/group_vars/web/sub/30.json", "{\"deep\": true}");
        write("inv/group_vars/nosuchgroup.yml", "ignored: true\n");
        Path w1 = write("inv/host_vars/w1", "colour: blue\n");
        write("inv/host_vars/w1.yml", "colour: green\n"); // Ansible reads the first of NAME, NAME.yml...
        write("inv/host_vars/w2.json", "{\"size\": 3}");
        AnsibleModel model = AnsibleFiles.read(file);

        Map<String, Value> web = model.groups.get("web").vars;
        assertEquals(new Value("silver", dir.resolve("inv/group_vars/web/10-base.yml").toString(), 1),
                web.get("tier"), "group_vars win over the inventory file");
        assertEquals(new Value(8080L, later.toString(), 2), web.get("port"), "a later file wins a key");
        assertEquals(new Value(Boolean.TRUE, nested.toString(), 1), web.get("deep"));
        assertEquals("inventory", value(web, "keep"));
        assertFalse(web.containsKey("not"));
        assertEquals(new Value("ntp.example.test", all.toString(), 1), model.groups.get("all").vars.get("ntp"));
        assertFalse(model.groups.containsKey("nosuchgroup"), "a file for an unknown group is ignored");
        assertEquals(new Value("blue", w1.toString(), 1), model.hostVars.get("w1").get("colour"));
        assertEquals(3L, value(model.hostVars.get("w2"), "size"));
    }

    @Test
    void varsFilesRefuseWhatIsNotAMappingAndWholeVaultFiles() throws Exception {
        Path file = write("inv/hosts.yml", "all:\n  hosts:\n    h1:\n");
        Path list = write("inv/group_vars/all.yml", "- a\n- b\n");
        Path vault = write("inv/host_vars/h1.yml", "$ANSIBLE_VAULT;1.1;AES256\n6231\n");
        fails(file, list + ":1: the top level is a list, not a mapping of variables",
                vault + ":1: this variables file is encrypted with ansible-vault");
    }

    // ------------------------------------------------------------------ detection

    @Test
    void tellsIniFromYamlByNameThenContent() {
        Path noExt = Path.of("hosts");
        assertTrue(AnsibleFiles.isIni(noExt, "# c\n\n[web]\nw1\n"));
        assertTrue(AnsibleFiles.isIni(noExt, "w1\n"));
        assertTrue(AnsibleFiles.isIni(noExt, "; c\nw1 ansible_host=192.0.2.1\n"));
        assertTrue(AnsibleFiles.isIni(noExt, "db1:2222\n"));
        assertFalse(AnsibleFiles.isIni(noExt, "all:\n  hosts:\n"));
        assertFalse(AnsibleFiles.isIni(noExt, "---\nall:\n"));
        assertFalse(AnsibleFiles.isIni(noExt, "{\"all\": {}}"));
        assertTrue(AnsibleFiles.isIni(Path.of("x.ini"), "all:\n"));
        assertFalse(AnsibleFiles.isIni(Path.of("x.yaml"), "[web]\n"));
    }

    // ------------------------------------------------------------------ malformed

    @Test
    void malformedIniLinesEachNamedWithFileAndLine() throws Exception {
        Path file = write("hosts", """
                [web
                w1
                [web]
                w2 novalue
                w3 =x
                w4 a="open
                www[10:1]
                www[01:9]
                db-[a:5]
                bad:port
                ends:
                [web:weird]
                ignored line
                [web:vars]
                justakey
                [prod:children]
                missing
                [ghost:vars]
                x=1
                [bad group]
                [web:children]
                web
                """);
        String f = file.toString();
        String message = fails(file,
                f + ":1: \"[web\" opens a section with '[' but has no ']'",
                f + ":4: w2: \"novalue\" is not KEY=VALUE",
                f + ":5: w3: \"=x\" has no variable name",
                f + ":6: the quote \" opened on this line is not closed",
                f + ":7: www[10:1]: the range [10:1] begins after its end",
                f + ":8: www[01:9]: the range [01:9] pads its begin to 2 digits but not its end",
                f + ":9: db-[a:5]: the range [a:5] mixes a letter and a number",
                f + ":10: bad:port: the port \"port\" after ':' is not a number",
                f + ":11: ends:: the host ends in ':' without a port",
                f + ":12: [web:weird]: unknown section kind \"weird\"",
                f + ":15: \"justakey\" is not KEY=VALUE",
                f + ":17: [prod:children] names group \"missing\", which has no [missing] or [missing:children]",
                f + ":18: [ghost:vars] sets variables of group \"ghost\"",
                f + ":20: \"[bad group]\" is not a section header",
                f + ":22: web: group \"web\" cannot be its own child");
        assertFalse(message.contains(":2:"), "the line after a bad header is skipped, not reported again");
        assertFalse(message.contains(":13:"));
    }

    @Test
    void malformedYamlEntriesEachNamedWithFileAndLine() throws Exception {
        Path file = write("inventory.yml", """
                all:
                  host:
                    h1:
                  children:
                    - web
                  vars: [a]
                web:
                  hosts:
                    - w1
                db:
                  hosts:
                    d1: just-text
                    d[3:1]:
                    "":
                lb: [x]
                """);
        String f = file.toString();
        fails(file,
                f + ":2: all.host: unknown key in group \"all\"; did you mean \"hosts\"?",
                f + ":5: all.children: children is a list, not a mapping",
                f + ":6: all.vars: vars is a list, not a mapping",
                f + ":9: web.hosts: hosts is a list, not a mapping",
                f + ":12: db.hosts.d1: the host's variables are text, not a mapping",
                f + ":13: db.hosts.d[3:1]: the range [3:1] begins after its end",
                f + ":14: db.hosts.: the host name is empty",
                f + ":15: lb: group \"lb\" is a list, not a mapping");
    }

    @Test
    void refusesPluginConfigurationTopLevelListAndSyntaxErrors() throws Exception {
        Path plugin = write("aws_ec2.yml", "plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n");
        fails(plugin, plugin + ":1: plugin: this file configures an Ansible inventory plugin",
                "ansible-inventory -i " + plugin + " --list --yaml");
        Path list = write("list.yaml", "- a\n- b\n");
        fails(list, list + ":1: the top level is a list, not a mapping of groups");
        Path syntax = write("bad.yaml", "all:\n  hosts:\n    h1:\n   h2:\n");
        fails(syntax, syntax + ":4: YAML syntax error");
        Path iniAsYamlDoc = write("hosts", "h1\n---\n");
        fails(iniAsYamlDoc, iniAsYamlDoc + ":2: \"---\" starts a YAML document");
    }

    @Test
    void refusesMissingFileEmptyDirectoryHugeFileAndHugeRange() throws Exception {
        fails(dir.resolve("nope"), dir.resolve("nope") + ": no such file; check the inventory path");
        fails(dir, dir + ": is a directory with no inventory file in it");
        Path huge = dir.resolve("huge");
        try (RandomAccessFile raf = new RandomAccessFile(huge.toFile(), "rw")) {
            raf.setLength(Limits.MAX_FILE_BYTES + 1);
        }
        assertEquals(huge + ": is 8.0 MiB, more than the 8 MiB an inventory file may have; split it"
                + " (group_vars/ and host_vars/ files), or check that -i names the inventory", fails(huge));
        Path range = write("range", "[big]\nh[0:9999999]\n");
        fails(range, range + ":2: h[0:9999999]: the range [0:9999999] stands for more than 250,000 hosts");
        Path many = write("many", "[big]\nh[0:999]-[0:999]\n");
        fails(many, many + ":2: h[0:999]-[0:999]: ranges in this file stand for more than 250,000 hosts");
    }

    @Test
    void emptyFileIsAnEmptyInventory() throws Exception {
        AnsibleModel model = AnsibleFiles.read(write("empty", "\n# nothing\n"));
        assertEquals(List.of("all", "ungrouped"), list(model.groups.keySet()));
        assertTrue(model.hostVars.isEmpty());
        assertEquals(List.of("all", "ungrouped"), list(AnsibleFiles.read(write("e.yml", "")).groups.keySet()));
    }
}
