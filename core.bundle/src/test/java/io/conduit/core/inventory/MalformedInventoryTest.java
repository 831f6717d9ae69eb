package io.conduit.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;

/**
 * The corpus of malformed inventories: each is refused through the loader the commands use, with a message
 * that names where (file, line, key path) and what, within a second of CPU time per 1.5 MiB read and 256 MB of
 * heap (the {@link Limits}; the build runs this class with {@code -Xmx256m}, so a case that needs more fails:
 * 100 MB while files were limited to 1.5 MiB, but a malformed file just under 8 MiB is parsed to its last line). A refused load returns no inventory, so nothing can run from it; the end-to-end checks
 * through {@code bin/conduit -c} are in the launcher's {@code MalformedInputIT}.
 */
class MalformedInventoryTest {
    /** The budget of the issue: no malformed input may take more to refuse. */
    private static final long MAX_MILLIS = 1_000;
    /**
     * A file read whole gets MAX_MILLIS more per this many bytes: the budget was set when files were limited to
     * 1.5 MiB; issue 12 let them grow to 8 MiB so that 200,000 hosts fit in one file, and reading that many
     * bytes costs in proportion.
     */
    private static final long BYTES_PER_BUDGET = 3L << 19;

    /** A stand-in for an installed ssh plugin: what it declares is what the loader checks extras against. */
    static final List<OptionDescriptor> SSH = List.of(
            OptionDescriptor.of("port", OptionType.INTEGER, "22", "port"),
            OptionDescriptor.of("connect_timeout", OptionType.DURATION, "10s", "connect timeout"),
            OptionDescriptor.choice("host_key_checking", "strict", "strict, accept-new or off",
                    List.of("strict", "accept-new", "off")),
            OptionDescriptor.of("proxy_jump", OptionType.LIST, null, "jump hosts"),
            OptionDescriptor.of("look_for_keys", OptionType.BOOLEAN, "true", "offer ~/.ssh/id_*"),
            OptionDescriptor.secret("private_key_passphrase", "passphrase"));
    static final Function<String, List<OptionDescriptor>> PLUGINS = name -> name.equals("ssh") ? SSH : null;

    @TempDir
    static Path dir;

    private static final List<String> MEASURED = new ArrayList<>();

    /** One malformed input: written as {@code file} (or a directory of files), refused naming each fragment. */
    record Case(String name, String file, Object content, List<String> fragments) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case yaml(String name, String content, String... fragments) {
        return new Case(name, "inventory.yaml", content, List.of(fragments));
    }

    /** Big content is made when its case runs, so that the corpus itself does not fill the heap it is tested in. */
    private static Case yaml(String name, Supplier<String> content, String... fragments) {
        return new Case(name, "inventory.yaml", content, List.of(fragments));
    }

    private static Case json(String name, String content, String... fragments) {
        return new Case(name, "inventory.json", content, List.of(fragments));
    }

    static Stream<Arguments> corpus() {
        List<Case> c = new ArrayList<>();
        // ---- size and shape: the limits
        c.add(new Case("a file over the size limit", "big.yaml", 17L << 20, List.of("big.yaml: is 17 MiB, more than"
                + " the 8 MiB an inventory file may have; split it")));
        c.add(new Case("a JSON file over the size limit", "big.json", (16L << 20) + 1, List.of("big.json: is 16.0 MiB,"
                + " more than the 8 MiB")));
        c.add(yaml("a 13 MiB single-line plain scalar", () -> "hosts: {web1: {data: {blob: " + "x".repeat(13 << 20)
                + "}}}", "inventory.yaml: is 13.0 MiB, more than the 8 MiB an inventory file may have"));
        c.add(yaml("a 1 MiB single-line plain scalar", () -> "hosts: {web1: {data: {blob: " + "x".repeat(1 << 20)
                + "}}}", "inventory.yaml:1: the line is 1,048,607 characters long, more than the 65,536 a YAML"
                + " inventory line may have; break it up"));
        c.add(yaml("a 1 MiB single-line quoted scalar", () -> "hosts:\n  web1: {password: \"" + "p".repeat(1 << 20)
                + "\"}\n", "inventory.yaml:2: the line is", "more than the 65,536"));
        c.add(yaml("a 1 MiB single-line flow mapping", () -> "hosts: {" + flowHosts(60_000) + "}\n",
                "inventory.yaml:1: the line is", "break it up (block style, one key per line)"));
        c.add(yaml("a line just over the limit", "hosts:\n  web1:\n    data: {k: " + "v".repeat(65_537) + "}\n",
                "inventory.yaml:3: the line is 65,552 characters long"));
        c.add(yaml("flow lists nested 100 deep", "hosts:\n  web1:\n    data: {k: " + "[".repeat(100) + "]".repeat(100)
                + "}\n", "inventory.yaml:3: hosts.web1.data.k: mappings and lists nest deeper than 64 levels; an inventory needs a"
                + " handful"));
        c.add(yaml("block mappings nested 70 deep", "hosts:\n  web1:\n    data:\n" + blockNest(70),
                "inventory.yaml:65: hosts.web1.data.k0.k1.k2", "mappings and lists nest deeper than 64 levels"));
        c.add(json("JSON arrays nested 100 deep", "{\"hosts\": {\"web1\": {\"data\": {\"k\": " + "[".repeat(100)
                + "]".repeat(100) + "}}}}", "inventory.json:1: JSON syntax error at column",
                "objects and arrays nest deeper than 64 levels"));
        c.add(json("JSON objects nested 100 deep on many lines", "{\"hosts\": {\"web1\": {\"data\":\n"
                + "{\"k\":\n".repeat(100) + "1" + "}".repeat(100) + "}}}", "inventory.json:63: JSON syntax error",
                "nest deeper than 64 levels"));
        c.add(yaml("a 633-byte alias bomb in a host's data", BOMB, "inventory.yaml:10: hosts.web1.data.l7: aliases",
                "aliases (*name) make this value expand to more than 1,000,000 values"));
        c.add(yaml("an alias bomb through a merge key", """
                x-anchors:
                  a: &a {k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, k6: 6, k7: 7, k8: 8, k9: 9}
                  b: &b {d: [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]}
                  c: &c {d: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]}
                  d: &d {d: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]}
                  e: &e {d: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]}
                  f: &f {d: [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]}
                hosts:
                  web1:
                    data: {<<: *f}
                """, "inventory.yaml:7: x-anchors.f.d: aliases (*name) make this value expand to more than 1,000,000"));
        c.add(yaml("an alias bomb in a group's data", BOMB.replace("hosts:\n  web1:", "groups:\n  core:"),
                "inventory.yaml:10: groups.core.data.l7: aliases", "expand to more than 1,000,000 values"));
        c.add(yaml("an alias bomb in the defaults", BOMB.replace("hosts:\n  web1:", "defaults:"),
                "inventory.yaml:9: defaults.data.l7: aliases", "expand to more than 1,000,000 values"));
        c.add(yaml("an alias inside the list it names", "hosts:\n  web1:\n    data: &a {k: [*a]}\n",
                "inventory.yaml:3", "an alias refers to the value that contains it; remove the recursion"));
        c.add(yaml("an alias used as a key", "hosts:\n  web1:\n    data: &a {*a : 1}\n",
                "inventory.yaml:3: hosts.web1.data: an alias refers to the value that contains it"));
        c.add(yaml("more aliases than allowed", () -> "x: &x [1]\nhosts:\n  web1:\n    data:\n"
                + "      - *x\n".repeat(100_001), "inventory.yaml:100005: more than 100,000 aliases (*name) to mappings"));
        // ---- syntax
        c.add(yaml("a tab in the indentation", "hosts:\n\tweb1: {}\n", "inventory.yaml:2: YAML syntax error",
                "check the indentation"));
        c.add(yaml("an unclosed double quote", "hosts:\n  web1:\n    hostname: \"10.0.0.1\n  web2: {}\n",
                "inventory.yaml:", "YAML syntax error"));
        c.add(yaml("an unclosed flow mapping", "hosts:\n  web1: {hostname: a\n", "inventory.yaml:", "YAML syntax error"));
        c.add(yaml("a key indented less than its siblings", "hosts:\n    web1: {}\n  web2: {}\n",
                "inventory.yaml:3: YAML syntax error", "not indented like the keys above it"));
        c.add(yaml("a colon in a plain value", "hosts:\n  web1:\n    hostname: a: b\n",
                "inventory.yaml:3: YAML syntax error", "quote a value that contains ': '"));
        c.add(yaml("two YAML documents", "hosts: {a: {}}\n---\nhosts: {b: {}}\n", 
                "inventory.yaml:2: a second YAML document starts here (---)"));
        c.add(yaml("a NUL byte", "hosts:\n  web1: {hostname: \"a\u0000b\"}\n", "inventory.yaml:", "special characters are not allowed"));
        c.add(new Case("bytes that are not UTF-8", "inventory.yaml", new byte[] {'h', 'o', 's', 't', 's', ':',
                ' ', (byte) 0xff, (byte) 0xfe, '\n'}, List.of("inventory.yaml: is not UTF-8 text; save it as UTF-8")));
        c.add(yaml("a duplicate host", "hosts:\n  web1: {}\n  web1: {port: 22}\n",
                "inventory.yaml:3: hosts.web1: duplicate key \"web1\" (first at line 2)"));
        c.add(json("a JSON trailing comma", "{\"hosts\": {\"web1\": {},}}", "inventory.json:1: JSON syntax error",
                "a trailing comma is not allowed"));
        c.add(json("JSON in single quotes", "{'hosts': {}}", "inventory.json:1: JSON syntax error",
                "JSON strings use double quotes"));
        c.add(json("a JSON comment", "{\n// hosts\n\"hosts\": {}}", "inventory.json:2: JSON syntax error"));
        c.add(json("a truncated JSON file", "{\"hosts\": {\"web1\": {\"port\": 22", "inventory.json:1: JSON syntax"
                + " error", "but found the end of the file"));
        c.add(json("a duplicate JSON key", "{\"hosts\": {\n\"web1\": {},\n\"web1\": {}}}",
                "inventory.json:3: hosts.web1: duplicate key \"web1\" (first at line 2)"));
        // ---- structure
        c.add(yaml("a list at the top", "- web1\n- web2\n", "inventory.yaml:1: the top level is a list, not a mapping"));
        c.add(yaml("text at the top", "web1\n", "inventory.yaml:1: the top level is text, not a mapping"));
        c.add(yaml("a misspelt top-level key", "host:\n  web1: {}\n",
                "inventory.yaml:1: host: unknown key; did you mean \"hosts\"?"));
        c.add(yaml("a misspelt host key", "hosts:\n  web1:\n    hostnme: a\n",
                "inventory.yaml:3: hosts.web1.hostnme: unknown key; did you mean \"hostname\"?"));
        c.add(yaml("a port that is a word", "hosts:\n  web1:\n    port: eighty\n",
                "inventory.yaml:3: hosts.web1.port: \"eighty\" is not a port; use a number 1-65535"));
        c.add(yaml("a port out of range", "hosts:\n  web1:\n    port: 70000\n",
                "inventory.yaml:3: hosts.web1.port: 70000 is not a port"));
        c.add(yaml("a negative port", "hosts:\n  web1: {port: -1}\n", "inventory.yaml:2: hosts.web1.port: -1 is not a port"));
        c.add(yaml("hosts as a list", "hosts:\n  - web1\n",
                "inventory.yaml:2: hosts: is a list, not a mapping; write each host as NAME:"));
        c.add(yaml("groups as text", "groups: core\n", "inventory.yaml:1: groups: is text, not a mapping"));
        c.add(yaml("an unknown group", "groups:\n  core: {}\nhosts:\n  web1: {groups: [cor]}\n",
                "inventory.yaml:4: hosts.web1.groups: unknown group \"cor\"; did you mean \"core\"?"));
        c.add(yaml("cyclic group parents", "groups:\n  a: {groups: [b]}\n  b: {groups: [a]}\nhosts: {}\n",
                "inventory.yaml:", "cyclic group parents a -> b -> a"));
        c.add(yaml("groups as text on a host", "hosts:\n  web1: {groups: web}\n",
                "inventory.yaml:2: hosts.web1.groups: is text, not a list; write groups: [web]"));
        c.add(yaml("an invalid plugin name", "hosts:\n  web1: {connection: SSH!}\n",
                "inventory.yaml:2: hosts.web1.connection: \"SSH!\" is not a valid plugin name"));
        c.add(yaml("a misspelt connection option", "hosts:\n  web1:\n    connection_options:\n      ssh: {prot: 22}\n",
                "inventory.yaml:4: hosts.web1.connection_options.ssh.prot: unknown key; did you mean \"port\"?"));
        c.add(yaml("an invalid plugin name under connection_options", "hosts:\n  web1:\n    connection_options:\n"
                + "      Ssh: {}\n", "inventory.yaml:4: hosts.web1.connection_options.Ssh: \"Ssh\" is not a valid"
                + " plugin name"));
        c.add(yaml("extras as a list", "hosts:\n  web1:\n    connection_options:\n      local:\n        extras: [a]\n",
                "inventory.yaml:5: hosts.web1.connection_options.local.extras: is a list, not a mapping"));
        c.add(yaml("data as text", "hosts:\n  web1: {data: site}\n",
                "inventory.yaml:2: hosts.web1.data: is text, not a mapping"));
        c.add(yaml("an empty hostname", "hosts:\n  web1: {hostname: \"  \"}\n",
                "inventory.yaml:2: hosts.web1.hostname: is empty"));
        c.add(yaml("groups in the defaults", "defaults:\n  groups: [a]\n",
                "inventory.yaml:2: defaults.groups: unknown key; defaults apply to every host and have no groups"));
        c.add(yaml("a host with an empty name", "hosts:\n  \"\": {}\n", "inventory.yaml:2: hosts: a host has an empty name"));
        c.add(yaml("a list as a key", "hosts:\n  ? [a, b]\n  : {}\n", "inventory.yaml:2: hosts: a key must be text, not a"
                + " list"));
        c.add(yaml("a merge key on text", "hosts:\n  web1:\n    <<: text\n",
                "inventory.yaml:3: hosts.web1.<<: a merge key needs a mapping"));
        // ---- secret references
        c.add(yaml("an empty ${env:} password", "hosts:\n  web1:\n    password: ${env:}\n",
                "inventory.yaml:3: hosts.web1.password: ${env:} names no environment variable; write ${env:NAME}"));
        c.add(yaml("an empty ${file:} password", "hosts:\n  web1: {password: \"${file:}\"}\n",
                "inventory.yaml:2: hosts.web1.password: ${file:} names no file; write ${file:PATH}"));
        c.add(yaml("a blank ${env: } password", "defaults:\n  password: \"${env: }\"\n",
                "inventory.yaml:2: defaults.password: ${env:} names no environment variable"));
        c.add(yaml("a variable name with a space", "groups:\n  core: {password: \"${env:A B}\"}\n",
                "inventory.yaml:2: groups.core.password: ${env:...} names no valid environment variable"));
        c.add(yaml("an unknown kind of reference", "hosts:\n  web1: {password: \"${vault:web1}\"}\n",
                "inventory.yaml:2: hosts.web1.password: ${vault:...} is not a kind of secret reference Conduit reads"));
        c.add(yaml("an unclosed reference", "hosts:\n  web1: {password: \"${env:PW\"}\n",
                "inventory.yaml:2: hosts.web1.password: starts with ${ but is not a whole ${env:NAME} or ${file:PATH}"));
        c.add(yaml("a reference with text after it", "hosts:\n  web1: {password: \"${env:PW}x\"}\n",
                "inventory.yaml:2: hosts.web1.password: starts with ${ but is not a whole"));
        c.add(yaml("an empty become_password reference", "hosts:\n  web1:\n    data: {become_password: \"${env:}\"}\n",
                "inventory.yaml:3: hosts.web1.data.become_password: ${env:} names no environment variable"));
        c.add(yaml("an empty reference in a plugin password", "hosts:\n  web1:\n    connection_options:\n"
                + "      ssh: {password: \"${env:}\"}\n",
                "inventory.yaml:4: hosts.web1.connection_options.ssh.password: ${env:} names no environment variable"));
        c.add(yaml("an empty reference in an extra", "hosts:\n  web1:\n    connection_options:\n      ssh:\n"
                + "        extras: {private_key_passphrase: \"${file:}\"}\n",
                "inventory.yaml:5: hosts.web1.connection_options.ssh.extras.private_key_passphrase: ${file:} names no"
                        + " file"));
        c.add(yaml("an empty reference in a list extra", "hosts:\n  web1:\n    connection_options:\n      ssh:\n"
                + "        extras:\n          proxy_jump:\n            - ${env:}\n",
                "inventory.yaml:7: hosts.web1.connection_options.ssh.extras.proxy_jump: ${env:} names no"));
        // ---- plugin options, against what the installed plugin declares
        c.add(yaml("conect_timeout", "hosts:\n  web1:\n    connection_options:\n      ssh:\n"
                + "        extras: {conect_timeout: 10}\n", "inventory.yaml:5: hosts.web1.connection_options.ssh.extras"
                + ".conect_timeout: plugin ssh has no option \"conect_timeout\"; did you mean \"connect_timeout\"?"
                + " see conduit:plugins ssh"));
        c.add(yaml("host_key_cheking in the defaults", "defaults:\n  connection_options:\n    ssh:\n      extras:\n"
                + "        host_key_cheking: strict\n", "inventory.yaml:5: defaults.connection_options.ssh.extras"
                + ".host_key_cheking: plugin ssh has no option \"host_key_cheking\"; did you mean \"host_key_checking\"?"));
        c.add(yaml("proxy_jmp in a group", "groups:\n  core:\n    connection_options:\n      ssh:\n        extras:\n"
                + "          proxy_jmp: bastion\n", "inventory.yaml:6: groups.core.connection_options.ssh.extras"
                + ".proxy_jmp: plugin ssh has no option \"proxy_jmp\"; did you mean \"proxy_jump\"?"));
        c.add(yaml("an option nothing is close to", "hosts:\n  web1:\n    connection_options:\n      ssh:\n"
                + "        extras: {device_type: cisco_ios}\n", "inventory.yaml:5:", "plugin ssh has no option"
                + " \"device_type\"; see conduit:plugins ssh for the options it reads"));
        c.add(yaml("a duration that is a word", "hosts:\n  web1:\n    connection_options:\n      ssh:\n"
                + "        extras: {connect_timeout: ten}\n", "inventory.yaml:5: hosts.web1.connection_options.ssh"
                + ".extras.connect_timeout: \"ten\" is not a duration", "fix the value (see conduit:plugins ssh)"));
        c.add(yaml("a boolean that is a word", "hosts:\n  web1:\n    connection_options:\n      ssh:\n"
                + "        extras: {look_for_keys: maybe}\n", "inventory.yaml:5:", "extras.look_for_keys: \"maybe\" is"
                + " not true or false"));
        c.add(yaml("a choice that is none of the choices", "hosts:\n  web1:\n    connection_options:\n      ssh:\n"
                + "        extras: {host_key_checking: ask}\n", "inventory.yaml:5: hosts.web1.connection_options.ssh"
                + ".extras.host_key_checking: \"ask\" is not a choice; use strict, accept-new or off",
                "fix the value (see conduit:plugins ssh)"));
        c.add(json("a misspelt option in JSON", "{\"hosts\": {\"web1\": {\"connection_options\": {\"ssh\":\n"
                + "{\"extras\": {\"conect_timeout\": 10}}}}}}", "inventory.json:2: hosts.web1.connection_options.ssh"
                + ".extras.conect_timeout: plugin ssh has no option", "did you mean \"connect_timeout\"?"));
        // ---- many problems: found in one pass, shown capped, still fast
        c.add(yaml("50,000 unknown keys", () -> manyUnknownKeys(50_000), "inventory.yaml:3: hosts.web1.key0: unknown"
                + " key", "... and 49,980 more problems"));
        c.add(yaml("10,000 hosts naming groups that do not exist among 1,000", () -> unknownGroups(10_000, 1_000),
                "inventory.yaml:1003: hosts.h0.groups: unknown group \"gruop0\"; did you mean \"group0\"?",
                "more problems"));
        c.add(yaml("a file just under the size limit, wrong on its last line", () -> fleetEndingIn(
                Limits.MAX_FILE_BYTES, "  last:\n    prot: 22\n"), "hosts.last.prot: unknown key; did you mean"
                + " \"port\"?"));
        c.add(yaml("a file just under the size limit of tiny values, wrong on its last line", () -> {
            String keys = manyUnknownKeys((int) (Limits.MAX_FILE_BYTES / 12));
            return keys.substring(0, keys.lastIndexOf('\n', (int) Limits.MAX_FILE_BYTES - 100) + 1); // whole lines
        }, "hosts.web1.key0: unknown key"));
        return c.stream().map(Arguments::of);
    }

    private static final String BOMB = """
            hosts:
              web1:
                data:
                  l1: &l1 [lol, lol, lol, lol, lol, lol, lol, lol, lol]
                  l2: &l2 [*l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1, *l1]
                  l3: &l3 [*l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2, *l2]
                  l4: &l4 [*l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3, *l3]
                  l5: &l5 [*l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4, *l4]
                  l6: &l6 [*l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5, *l5]
                  l7: &l7 [*l6, *l6, *l6, *l6, *l6, *l6, *l6, *l6, *l6]
                  l8: &l8 [*l7, *l7, *l7, *l7, *l7, *l7, *l7, *l7, *l7]
                  l9: &l9 [*l8, *l8, *l8, *l8, *l8, *l8, *l8, *l8, *l8]
            """;

    private static String flowHosts(int n) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ", ").append("h").append(i).append(": {}");
        }
        return b.toString();
    }

    private static String blockNest(int depth) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < depth; i++) {
            b.append("  ".repeat(i + 3)).append("k").append(i).append(":\n");
        }
        b.append("  ".repeat(depth + 3)).append("leaf: 1\n");
        return b.toString();
    }

    private static String manyUnknownKeys(int n) {
        StringBuilder b = new StringBuilder("hosts:\n  web1:\n");
        for (int i = 0; i < n; i++) {
            b.append("    key").append(i).append(": 1\n");
        }
        return b.toString();
    }

    private static String unknownGroups(int hosts, int groups) {
        StringBuilder b = new StringBuilder("groups:\n");
        for (int i = 0; i < groups; i++) {
            b.append("  group").append(i).append(": {}\n");
        }
        b.append("hosts:\n");
        for (int i = 0; i < hosts; i++) {
            b.append("  h").append(i).append(": {groups: [gruop").append(i % groups).append("]}\n");
        }
        return b.toString();
    }

    /** Hosts of a few lines each, filling {@code bytes} but for the last lines. */
    private static String fleetEndingIn(long bytes, String last) {
        StringBuilder b = new StringBuilder("groups:\n  web: {}\nhosts:\n");
        for (int i = 0; b.length() < bytes - 200; i++) {
            b.append("  host").append(i).append(":\n    hostname: 10.0.").append(i / 250 % 250).append('.')
                    .append(i % 250).append("\n    groups: [web]\n    data: {rack: r").append(i % 40).append("}\n");
        }
        return b.append(last).toString();
    }

    private static Path write(Case c) throws IOException {
        Path caseDir = Files.createTempDirectory(dir, "case");
        Path file = caseDir.resolve(c.file());
        if (c.content() instanceof Long size) {
            try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
                f.setLength(size); // sparse: refused by its size before a byte is read
            }
        } else if (c.content() instanceof Supplier<?> lazy) {
            Files.writeString(file, (String) lazy.get(), StandardCharsets.UTF_8);
        } else if (c.content() instanceof byte[] bytes) {
            Files.write(file, bytes);
        } else {
            Files.writeString(file, (String) c.content(), StandardCharsets.UTF_8);
        }
        return file;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void isRefusedQuicklyNamingWhereAndWhat(Case c) throws Exception {
        Path file = write(c);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long allocated = threads.getCurrentThreadAllocatedBytes();
        long t0 = System.nanoTime();
        long cpu0 = threads.getCurrentThreadCpuTime();
        InventoryException e = assertThrows(InventoryException.class, () -> InventoryLoader.load(file, PLUGINS),
                "refused, so no inventory to run anything from");
        // CPU time: five engineers share two cores here, and wall time measures them more than the loader
        long millis = (threads.getCurrentThreadCpuTime() - cpu0) / 1_000_000;
        long wall = (System.nanoTime() - t0) / 1_000_000;
        long bytes = threads.getCurrentThreadAllocatedBytes() - allocated;
        MEASURED.add(String.format("%6d ms cpu %6d ms wall %8.1f MB allocated  %s", millis, wall, bytes / 1e6,
                c.name()));
        String message = e.getMessage().replace(file.getParent().toString() + "/", "");
        for (String fragment : c.fragments()) {
            assertTrue(message.contains(fragment), () -> "expected \"" + fragment + "\" in:\n" + message);
        }
        assertFalse(message.contains("Exception") || message.contains("\tat "), () -> "no Java in: " + message);
        assertFalse(message.contains("org.yaml") || message.contains("snakeyaml"), () -> "no library in: " + message);
        assertTrue(message.lines().count() <= 21, "at most 20 problems and a count:\n" + message);
        long budget = MAX_MILLIS * (1 + Math.min(Files.size(file), Limits.MAX_FILE_BYTES) / BYTES_PER_BUDGET);
        assertTrue(millis < budget, c.name() + " took " + millis + " ms of CPU to refuse");
    }

    @Test
    void theCorpusCoversSixtyInputs() {
        assertTrue(corpus().count() >= 60, "the issue asks for at least 60 malformed inputs");
    }

    @Test
    void aValidFiveThousandHostInventoryStillLoads() throws Exception {
        StringBuilder b = new StringBuilder("""
                defaults:
                  connection: ssh
                  connection_options:
                    ssh:
                      extras: {connect_timeout: 10, host_key_checking: strict}
                groups:
                """);
        for (int g = 0; g < 50; g++) {
            b.append("  g").append(g).append(": {data: {site: s").append(g).append("}}\n");
        }
        b.append("hosts:\n");
        for (int i = 0; i < 5_000; i++) {
            b.append("  host").append(i).append(":\n    hostname: 10.0.").append(i / 250).append('.').append(i % 250)
                    .append("\n    port: 22\n    groups: [g").append(i % 50).append("]\n    data: {tier: web}\n");
        }
        String valid = b.toString();
        Path ok = Files.writeString(Files.createTempDirectory(dir, "valid").resolve("fleet.yaml"), valid);
        long t0 = System.nanoTime();
        Inventory inv = InventoryLoader.load(ok, PLUGINS);
        long millis = (System.nanoTime() - t0) / 1_000_000;
        MEASURED.add(String.format("%6d ms %8s     %s (%d bytes)", millis, "", "a valid 5,000-host inventory loads",
                valid.length()));
        assertEquals(5_000, inv.hosts().size());
        assertEquals(Map.of("tier", "web"), inv.hosts().get("host4999").attributes().data());
    }

    @AfterAll
    static void report() {
        // the measurements the README's limits rest on, in the test output
        System.out.println("time and allocation to refuse each malformed input:");
        MEASURED.forEach(System.out::println);
    }
}
