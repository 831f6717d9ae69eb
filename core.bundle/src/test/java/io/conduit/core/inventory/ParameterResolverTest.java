package io.conduit.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;
import io.conduit.api.connection.Secret;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;

class ParameterResolverTest {

    @TempDir
    Path dir;

    private static final Function<String, String> NO_ENV = name -> null;

    private Inventory inventory(String yaml) throws IOException {
        Path file = dir.resolve("inventory.yaml");
        Files.writeString(file, yaml);
        return InventoryLoader.load(file);
    }

    private ConnectionParams resolve(Inventory inv, String host, String plugin, List<OptionDescriptor> options)
            throws InventoryException {
        return ParameterResolver.resolve(inv, inv.hosts().get(host), plugin, options, true, NO_ENV, dir);
    }

    // ------------------------------------------------------------------ seed 002

    @Test
    void seed002RouterOneOverSsh() throws Exception {
        Inventory inv = InventoryLoader.load(InventoryLoaderTest.resource("seed002.yaml"));
        ConnectionParams ssh = resolve(inv, "router1", "ssh", null);
        assertEquals("10.0.0.1", ssh.hostname(), "the host's own hostname");
        assertEquals(22, ssh.port(), "router1's connection_options.ssh.port");
        // the host's own username comes before anything its groups set, even group core's connection_options.ssh
        assertEquals("admin", ssh.username());
        assertNull(ssh.password());
        assertEquals("ios", ssh.platform());
        // extras merge key by key: device_type from the host, timeout from defaults.connection_options.ssh
        assertEquals(Map.of("device_type", "cisco_ios", "timeout", 30L), ssh.extras());
        assertEquals(List.of("device_type", "timeout"), List.copyOf(ssh.extras().keySet()));
    }

    @Test
    void seed002GroupUsernameWhenTheHostHasNone() throws Exception {
        Inventory inv = InventoryLoader.load(InventoryLoaderTest.resource("seed002.yaml"));
        ConnectionParams ssh = resolve(inv, "router2", "ssh", null);
        assertEquals("10.0.0.2", ssh.hostname());
        assertEquals(0, ssh.port(), "no port anywhere: the plugin's default applies");
        assertEquals(22, ssh.portOr(22));
        assertEquals("automation", ssh.username(), "group core's connection_options.ssh.username");
        assertEquals(Map.of("timeout", 30L), ssh.extras());
    }

    @Test
    void seed002RouterOneOverNetconf() throws Exception {
        Inventory inv = InventoryLoader.load(InventoryLoaderTest.resource("seed002.yaml"));
        ConnectionParams netconf = resolve(inv, "router1", "netconf", null);
        assertEquals("10.0.0.1", netconf.hostname());
        assertEquals(830, netconf.port());
        assertEquals("admin", netconf.username());
        assertEquals("ios", netconf.platform());
        assertEquals(Map.of(), netconf.extras(), "ssh's extras do not leak into netconf");
        ConnectionParams router2 = resolve(inv, "router2", "netconf", null);
        assertNull(router2.username(), "core's username is for ssh only");
    }

    @Test
    void seed002Origins() throws Exception {
        Inventory inv = InventoryLoader.load(InventoryLoaderTest.resource("seed002.yaml"));
        Map<String, String> origins = ParameterResolver.origins(inv, inv.hosts().get("router1"), "ssh");
        assertEquals("host router1", origins.get("hostname"));
        assertEquals("host router1 connection_options.ssh", origins.get("port"));
        assertEquals("host router1", origins.get("username"));
        assertEquals("host router1", origins.get("extras.device_type"));
        assertEquals("defaults", origins.get("extras.timeout"));
        assertFalse(origins.containsKey("password"));
        Map<String, String> router2 = ParameterResolver.origins(inv, inv.hosts().get("router2"), "ssh");
        assertEquals("group core connection_options.ssh", router2.get("username"));
    }

    @Test
    void theReadmeExampleResolvesAsTheReadmeSays() throws Exception {
        // its extras are options the ssh plugin declares: it loads with them checked
        Inventory inv = InventoryLoader.load(InventoryLoaderTest.resource("readme.yaml"),
                MalformedInventoryTest.PLUGINS);
        ConnectionParams ssh = resolve(inv, "router1", "ssh", null);
        assertEquals(22, ssh.port());
        assertEquals("admin", ssh.username());
        assertEquals(Map.of("proxy_jump", "bastion", "host_key_checking", "strict", "connect_timeout", 10L),
                ssh.extras());
        assertEquals(830, resolve(inv, "router1", "netconf", null).port());
        assertEquals("ssh", ParameterResolver.pluginFor(inv, inv.hosts().get("router1")));
        assertEquals(List.of("routers", "core"), ParameterResolver.groupOrder(inv, inv.hosts().get("router1")));
    }

    // ------------------------------------------------------------------ precedence in full

    private static final String LAYERS = """
            defaults:
              hostname: from-defaults
              port: 1
              username: u-defaults
              password: p-defaults
              platform: linux
              connection: local
              connection_options:
                ssh:
                  port: 2
                  extras: {a: defaults-ssh, b: defaults-ssh, c: defaults-ssh, d: defaults-ssh, e: defaults-ssh}
            groups:
              dc:
                username: u-dc
                connection_options:
                  ssh:
                    extras: {a: dc-ssh, b: dc-ssh, c: dc-ssh, d: dc-ssh}
              web:
                groups: [dc]
                port: 3
                connection: ssh
                connection_options:
                  ssh:
                    password: p-web-ssh
                    extras: {a: web-ssh, b: web-ssh, c: web-ssh}
              prod:
                groups: [dc]
                username: u-prod
                platform: bsd
                connection_options:
                  ssh:
                    extras: {a: prod-ssh, b: prod-ssh}
            hosts:
              web1:
                groups: [web, prod]
                connection_options:
                  ssh:
                    extras: {a: host-ssh}
              bare:
            """;

    @Test
    void groupOrderIsEachGroupThenItsParentsDepthFirst() throws Exception {
        Inventory inv = inventory(LAYERS);
        // web, then web's parent dc, then prod (whose parent dc is already placed)
        assertEquals(List.of("web", "dc", "prod"), ParameterResolver.groupOrder(inv, inv.hosts().get("web1")));
        assertEquals(List.of(), ParameterResolver.groupOrder(inv, inv.hosts().get("bare")));
    }

    @Test
    void eachValueFromTheFirstLevelThatSetsIt() throws Exception {
        Inventory inv = inventory(LAYERS);
        ConnectionParams p = resolve(inv, "web1", "ssh", null);
        assertEquals("from-defaults", p.hostname());
        assertEquals(3, p.port(), "group web's own port beats defaults.connection_options.ssh.port");
        assertEquals("u-dc", p.username(), "dc (web's parent) comes before prod");
        assertEquals(Secret.of("p-web-ssh"), p.password());
        assertEquals("bsd", p.platform());
        assertEquals(new LinkedHashMap<>(Map.of("a", "host-ssh", "b", "web-ssh", "c", "web-ssh", "d", "dc-ssh",
                "e", "defaults-ssh")), p.extras());

        ConnectionParams bare = resolve(inv, "bare", "ssh", null);
        assertEquals("from-defaults", bare.hostname());
        assertEquals(2, bare.port(), "defaults.connection_options.ssh before defaults");
        assertEquals("u-defaults", bare.username());

        ConnectionParams other = resolve(inv, "bare", "local", null);
        assertEquals(1, other.port());
        assertEquals(Map.of(), other.extras());
    }

    @Test
    void hostnameFallsBackToTheHostName() throws Exception {
        Inventory inv = inventory("hosts:\n  web1.example.net:\n");
        ConnectionParams p = resolve(inv, "web1.example.net", "ssh", List.of());
        assertEquals("web1.example.net", p.hostname());
        assertEquals("host name", ParameterResolver.origins(inv, inv.hosts().get("web1.example.net"), "ssh")
                .get("hostname"));
    }

    @Test
    void pluginForHostThenGroupsThenDefaults() throws Exception {
        Inventory inv = inventory(LAYERS + """
                  db1:
                    connection: docker
                  db2:
                    groups: [prod]
                """);
        assertEquals("ssh", ParameterResolver.pluginFor(inv, inv.hosts().get("web1")), "from group web");
        assertEquals("docker", ParameterResolver.pluginFor(inv, inv.hosts().get("db1")));
        assertEquals("local", ParameterResolver.pluginFor(inv, inv.hosts().get("db2")), "from defaults");
        Inventory none = inventory("hosts:\n  web1:\n");
        assertNull(ParameterResolver.pluginFor(none, none.hosts().get("web1")));
    }

    // ------------------------------------------------------------------ extras and option types

    private static final List<OptionDescriptor> SSH_OPTIONS = List.of(
            OptionDescriptor.of("timeout", OptionType.DURATION, "10s", "connect timeout"),
            OptionDescriptor.of("retries", OptionType.INTEGER, "3", "retries"),
            OptionDescriptor.of("strict", OptionType.BOOLEAN, "true", "check host keys"),
            OptionDescriptor.of("jump", OptionType.LIST, null, "jump hosts"),
            OptionDescriptor.secret("passphrase", "key passphrase"),
            new OptionDescriptor("token", OptionType.STRING, null, false, true, "a secret typed as text"));

    @Test
    void extrasAreConvertedWithThePluginsOptions() throws Exception {
        Inventory inv = inventory("""
                defaults:
                  connection_options:
                    ssh:
                      extras: {timeout: 30, retries: "5", strict: no, jump: "a, b"}
                groups:
                  core:
                    connection_options:
                      ssh:
                        extras: {timeout: 500ms, passphrase: s3cret, token: t0k}
                hosts:
                  r1:
                    groups: [core]
                """);
        ConnectionParams p = resolve(inv, "r1", "ssh", SSH_OPTIONS);
        assertEquals(Duration.ofMillis(500), p.extras().get("timeout"));
        assertEquals(5L, p.extras().get("retries"));
        assertEquals(false, p.extras().get("strict"));
        assertEquals(List.of("a", "b"), p.extras().get("jump"));
        assertEquals(Secret.of("s3cret"), p.extras().get("passphrase"));
        assertInstanceOf(Secret.class, p.extras().get("token"), "secret-flagged text becomes a Secret");
        assertFalse(p.extras().containsKey("missing"));
        assertFalse(p.toString().contains("s3cret"));
        assertFalse(p.toString().contains("t0k"));
    }

    @Test
    void anExtraThePluginDoesNotDeclareIsRefusedWithTheClosestName() throws Exception {
        Inventory inv = inventory("""
                groups:
                  core: {connection_options: {ssh: {extras: {timout: 30}}}}
                hosts:
                  r1: {groups: [core]}
                """);
        InventoryException e = assertThrows(InventoryException.class, () -> resolve(inv, "r1", "ssh", SSH_OPTIONS));
        assertEquals(inv.source() + ": hosts.r1: connection_options.ssh.extras.timout (from group core): plugin ssh"
                + " has no option \"timout\"; did you mean \"timeout\"? see conduit:plugins ssh for the options it"
                + " reads", e.getMessage());
        assertEquals(30L, resolve(inv, "r1", "ssh", null).extras().get("timout"),
                "a plugin that is not installed: its extras pass through unchecked");
    }

    @Test
    void declaredDefaultsAreNotFilledIn() throws Exception {
        Inventory inv = inventory("hosts:\n  r1:\n");
        assertEquals(Map.of(), resolve(inv, "r1", "ssh", SSH_OPTIONS).extras());
    }

    @Test
    void anExtraThatDoesNotConvertNamesWhereItCameFrom() throws Exception {
        Inventory inv = inventory("""
                groups:
                  core:
                    connection_options:
                      ssh:
                        extras: {timeout: soon}
                hosts:
                  r1:
                    groups: [core]
                """);
        InventoryException e = assertThrows(InventoryException.class, () -> resolve(inv, "r1", "ssh", SSH_OPTIONS));
        assertTrue(e.getMessage().startsWith(inv.source() + ": hosts.r1: connection_options.ssh.extras.timeout"
                + " (from group core): \"soon\" is not a duration"), e.getMessage());
    }

    @Test
    void aRequiredExtraMustBeSet() throws Exception {
        Inventory inv = inventory("hosts:\n  r1:\n");
        List<OptionDescriptor> options = List.of(new OptionDescriptor("api_key", OptionType.SECRET, null, true, true,
                "the device's API key"));
        InventoryException e = assertThrows(InventoryException.class, () -> resolve(inv, "r1", "rest", options));
        assertEquals(inv.source() + ": hosts.r1: connection_options.rest.extras.api_key is missing; plugin rest"
                + " requires it (the device's API key); set it for this host, one of its groups, or the defaults",
                e.getMessage());
    }

    // ------------------------------------------------------------------ secrets

    private static final String SECRETS = """
            groups:
              core:
                password: ${env:CORE_PASS}
                connection_options:
                  rest:
                    extras:
                      token: ${file:%s}
                      note: ${env:NOTE}
            hosts:
              r1:
                groups: [core]
            """;

    @Test
    void aRelativePathOptionIsReadFromTheInventorysDirectoryLikeAFileReference() throws Exception {
        // a key or CA file beside the inventory must be found wherever Conduit was started, as ${file:...} is
        Inventory inv = inventory("""
                hosts:
                  r1:
                    connection_options:
                      rest:
                        extras: {ca_file: certs/ca.pem, client_key: /etc/abs.pem}
                """);
        List<OptionDescriptor> options = List.of(
                new OptionDescriptor("ca_file", OptionType.PATH, null, false, false, "CA"),
                new OptionDescriptor("client_key", OptionType.PATH, null, false, false, "key"));

        ConnectionParams p = resolve(inv, "r1", "rest", options);

        assertEquals(dir.resolve("certs/ca.pem").toString(), p.extras().get("ca_file"));
        assertEquals("/etc/abs.pem", p.extras().get("client_key"), "an absolute path stays as written");
    }

    @Test
    void secretsFromEnvironmentAndFile() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "tok-123\n");
        Inventory inv = inventory(SECRETS.formatted(token));
        Map<String, String> env = Map.of("CORE_PASS", "hunter2", "NOTE", "from-env");
        ConnectionParams p = ParameterResolver.resolve(inv, inv.hosts().get("r1"), "rest",
                null, true, env::get, dir);
        assertEquals("hunter2", p.password().reveal());
        assertEquals("tok-123", ((Secret) p.extras().get("token")).reveal(), "one trailing newline stripped");
        assertEquals(Secret.of("from-env"), p.extras().get("note"), "an undeclared extra read from env stays secret");
        assertFalse(p.toString().contains("hunter2"));
        assertFalse(p.toString().contains("tok-123"));
    }

    @Test
    void secretsStayAsWrittenForDisplay() throws Exception {
        Inventory inv = inventory(SECRETS.formatted("/nonexistent/token"));
        ConnectionParams p = ParameterResolver.resolve(inv, inv.hosts().get("r1"), "rest",
                List.of(OptionDescriptor.secret("token", "API token"), OptionDescriptor.secret("note", "a note")),
                false, NO_ENV, dir);
        assertEquals("${env:CORE_PASS}", p.password().reveal());
        assertEquals("${file:/nonexistent/token}", p.extras().get("token"));
    }

    @Test
    void secretFileUnderHomeAndOnlyOneNewlineStripped() throws Exception {
        String home = System.getProperty("user.home");
        System.setProperty("user.home", dir.toString());
        try {
            Files.writeString(dir.resolve("pass"), "line\n\n");
            Inventory inv = inventory("hosts:\n  r1:\n    password: ${file:~/pass}\n");
            assertEquals("line\n", resolve(inv, "r1", "ssh", null).password().reveal());
        } finally {
            System.setProperty("user.home", home);
        }
    }

    @Test
    void relativeSecretFilesAreRelativeToTheInventory() throws Exception {
        Files.createDirectories(dir.resolve("secrets"));
        Files.writeString(dir.resolve("secrets/web"), "pw");
        Inventory inv = inventory("hosts:\n  r1:\n    password: ${file:secrets/web}\n");
        assertEquals("pw", resolve(inv, "r1", "ssh", null).password().reveal());
    }

    @Test
    void realEnvironmentIsUsedByThePublicMethod() throws Exception {
        // PATH is set wherever the tests run; the public method reads System.getenv
        Inventory inv = inventory("hosts:\n  r1:\n    password: ${env:PATH}\n");
        ConnectionParams p = ParameterResolver.resolve(inv, inv.hosts().get("r1"), "ssh", null, true, dir);
        assertEquals(System.getenv("PATH"), p.password().reveal());
    }

    @Test
    void unsetVariableNamesHostKeyAndReference() throws Exception {
        Path token = Files.writeString(dir.resolve("token"), "tok");
        Inventory inv = inventory(SECRETS.formatted(token));
        InventoryException e = assertThrows(InventoryException.class, () -> resolve(inv, "r1", "rest", null));
        assertEquals(inv.source() + ": hosts.r1: password (from group core): ${env:CORE_PASS} is not set; set the"
                + " environment variable CORE_PASS where Conduit runs, or change the reference", e.getMessage());
    }

    @Test
    void unreadableFileNamesHostKeyAndReferenceButNoValue() throws Exception {
        Inventory inv = inventory(SECRETS.formatted(dir.resolve("missing")));
        InventoryException e = assertThrows(InventoryException.class, () -> ParameterResolver.resolve(inv,
                inv.hosts().get("r1"), "rest", null, true, Map.of("CORE_PASS", "hunter2", "NOTE", "n")::get, dir));
        assertTrue(e.getMessage().startsWith(inv.source() + ": hosts.r1: connection_options.rest.extras.token"
                + " (from group core): ${file:" + dir.resolve("missing") + "} cannot be read"), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"));
    }

    @Test
    void aSecretThatDoesNotConvertIsNotPrinted() throws Exception {
        Inventory inv = inventory("hosts:\n  r1:\n    connection_options:\n      ssh:\n        extras:\n"
                + "          retries: ${env:RETRIES}\n");
        InventoryException e = assertThrows(InventoryException.class, () -> ParameterResolver.resolve(inv,
                inv.hosts().get("r1"), "ssh", SSH_OPTIONS, true, Map.of("RETRIES", "many-s3cret")::get, dir));
        assertTrue(e.getMessage().contains("extras.retries (from host r1): ${env:RETRIES} gives a value that is not"
                + " a valid integer"), e.getMessage());
        assertFalse(e.getMessage().contains("many-s3cret"));
    }

    // ------------------------------------------------------------------ become_password

    @Test
    void becomePasswordComesFromTheHostThenItsGroupsThenTheDefaults() throws Exception {
        Files.writeString(dir.resolve("db.pw"), "from-file\n");
        Inventory inv = inventory("""
                defaults:
                  data: {become_password: from-defaults}
                groups:
                  db:
                    data: {become_password: "${file:db.pw}"}
                hosts:
                  web1: {}
                  db1: {groups: [db]}
                  db2: {groups: [db], data: {become_password: "${env:DB2_PW}"}}
                """);
        assertEquals("from-defaults", ParameterResolver.becomePassword(inv, inv.hosts().get("web1"), NO_ENV, dir).reveal());
        assertEquals("from-file", ParameterResolver.becomePassword(inv, inv.hosts().get("db1"), NO_ENV, dir).reveal());
        assertEquals("env-pw", ParameterResolver.becomePassword(inv, inv.hosts().get("db2"),
                n -> n.equals("DB2_PW") ? "env-pw" : null, dir).reveal());
    }

    @Test
    void aMalformedEmptyOrMissingBecomePasswordIsRefusedByName() throws Exception {
        InventoryException empty = assertThrows(InventoryException.class,
                () -> inventory("hosts:\n  h1: {data: {become_password: \"${env:}\"}}\n"));
        assertTrue(empty.getMessage().endsWith("inventory.yaml:2: hosts.h1.data.become_password: ${env:} names no"
                + " environment variable; write ${env:NAME}"), "refused when loading: " + empty.getMessage());
        for (String bad : List.of("\"\"", "\"${env:NOT_SET_ANYWHERE}\"", "[a, b]")) {
            Inventory inv = inventory("hosts:\n  h1: {data: {become_password: " + bad + "}}\n");
            InventoryException e = assertThrows(InventoryException.class,
                    () -> ParameterResolver.becomePassword(inv, inv.hosts().get("h1"), NO_ENV, dir), bad);
            assertTrue(e.getMessage().contains("hosts.h1: data.become_password (from host h1)"), e.getMessage());
        }
        Inventory none = inventory("hosts:\n  h1: {}\n");
        assertEquals(null, ParameterResolver.becomePassword(none, none.hosts().get("h1"), NO_ENV, dir));
    }
}
