package io.conduit.core.inventory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.Secret;
import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;

/** Ansible's groups and variables mapped to Conduit's, on models built here (the readers have their own tests). */
class AnsibleMappingTest {
    private static final String FILE = "/inv/hosts.ini";

    private final AnsibleModel model = new AnsibleModel("ansible:" + FILE);
    private int line = 1;

    /** Puts a variable on a group, on the next line. */
    private AnsibleMappingTest groupVar(String group, String key, Object value) {
        model.group(group, FILE + ":" + line).vars.put(key, new AnsibleModel.Value(value, FILE, line++));
        return this;
    }

    private AnsibleMappingTest hostVar(String host, String key, Object value) {
        model.host(host, FILE + ":" + line).put(key, new AnsibleModel.Value(value, FILE, line++));
        return this;
    }

    private AnsibleMappingTest member(String group, String... hosts) {
        AnsibleModel.Group g = model.group(group, FILE + ":" + line++);
        for (String h : hosts) {
            g.hosts.add(h);
            model.host(h, FILE + ":" + line);
        }
        return this;
    }

    private AnsibleMappingTest child(String parent, String child) {
        model.group(parent, FILE + ":" + line++).children.add(child);
        model.group(child, FILE + ":" + line);
        return this;
    }

    private static ConnectionParams params(Inventory inv, String host) throws InventoryException {
        return ParameterResolver.resolve(inv, inv.hosts().get(host), "ssh", null, false, name -> null, null);
    }

    private static Object data(Inventory inv, String host, String key) {
        Host h = inv.hosts().get(host);
        if (h.attributes().data().containsKey(key)) {
            return h.attributes().data().get(key);
        }
        for (String g : ParameterResolver.groupOrder(inv, h)) {
            Object v = inv.groups().get(g).attributes().data().get(key);
            if (v != null) {
                return v;
            }
        }
        return inv.defaults().data().get(key);
    }

    @Test
    void aChildGroupWinsOverItsParentAndAllAndTheHostOverThemAll() throws Exception {
        child("web", "frontend");
        member("frontend", "h1", "h2");
        groupVar("all", "ansible_user", "everyone").groupVar("all", "tier", "all");
        groupVar("web", "ansible_user", "webuser").groupVar("web", "tier", "web");
        groupVar("frontend", "tier", "frontend");
        hostVar("h2", "tier", "h2");

        Inventory inv = AnsibleMapping.toInventory(model);
        assertEquals("ansible:" + FILE, inv.source());
        assertEquals(List.of("frontend", "web"), inv.hosts().get("h1").groups());
        assertEquals(List.of("frontend", "web"), ParameterResolver.groupOrder(inv, inv.hosts().get("h1")));
        assertEquals("frontend", data(inv, "h1", "tier"));
        assertEquals("h2", data(inv, "h2", "tier"));
        assertEquals("webuser", params(inv, "h1").username(), "the parent's, over all's");
        assertEquals("everyone", inv.defaults().username());
        assertFalse(inv.groups().containsKey("all"), "all is the defaults, not a group");
        assertTrue(inv.groups().get("frontend").groups().isEmpty(), "the host's list holds the whole order");
    }

    @Test
    void aDiamondPutsBothChildrenBeforeTheirCommonParentAndTheLaterNameWins() throws Exception {
        // h is in a and b, both children of p; p's value must lose to both, b's (later name) win
        child("p", "a").child("p", "b");
        member("a", "h").member("b", "h");
        groupVar("p", "x", "p").groupVar("p", "only_p", "p");
        groupVar("a", "x", "a").groupVar("a", "ansible_port", 2201);
        groupVar("b", "x", "b");

        Inventory inv = AnsibleMapping.toInventory(model);
        Host h = inv.hosts().get("h");
        assertEquals(List.of("b", "a", "p"), ParameterResolver.groupOrder(inv, h));
        assertEquals("b", data(inv, "h", "x"));
        assertEquals("p", data(inv, "h", "only_p"));
        assertEquals(2201, params(inv, "h").port(), "a's port, over nothing set by b");
    }

    @Test
    void aDeeperGroupWinsOverAShallowerOneWhateverTheNamesAndPriorities() throws Exception {
        // h in deep (depth 2, child of p) and in zzz (depth 1): deep wins, then zzz, then p
        child("p", "deep");
        member("deep", "h").member("zzz", "h");
        groupVar("zzz", "ansible_group_priority", 100);
        groupVar("p", "x", "p").groupVar("zzz", "x", "zzz").groupVar("deep", "y", "deep").groupVar("zzz", "y", "zzz");

        Inventory inv = AnsibleMapping.toInventory(model);
        assertEquals(List.of("deep", "zzz", "p"), ParameterResolver.groupOrder(inv, inv.hosts().get("h")));
        assertEquals("zzz", data(inv, "h", "x"), "zzz over p: same depth, higher priority (and later name)");
        assertEquals("deep", data(inv, "h", "y"));
        assertFalse(inv.groups().get("zzz").attributes().data().containsKey("ansible_group_priority"));
    }

    @Test
    void atTheSameDepthAHigherPriorityWinsThenTheLaterName() throws Exception {
        member("alpha", "h").member("beta", "h").member("gamma", "h");
        groupVar("alpha", "ansible_group_priority", "10"); // INI writes it as text
        groupVar("gamma", "ansible_group_priority", 1);

        Inventory inv = AnsibleMapping.toInventory(model);
        assertEquals(List.of("alpha", "gamma", "beta"), inv.hosts().get("h").groups());
    }

    @Test
    void ungroupedHoldsTheHostsOfNoOtherGroup() throws Exception {
        member("ungrouped", "lonely").member("all", "alone").member("web", "w1").member("ungrouped", "w1");
        model.host("bare", FILE + ":" + line++);

        Inventory inv = AnsibleMapping.toInventory(model);
        assertEquals(List.of("ungrouped"), inv.hosts().get("lonely").groups());
        assertEquals(List.of("ungrouped"), inv.hosts().get("alone").groups());
        assertEquals(List.of("ungrouped"), inv.hosts().get("bare").groups());
        assertEquals(List.of("web"), inv.hosts().get("w1").groups(), "out of ungrouped once in another group");
        assertEquals(Set.of("lonely", "alone", "bare"), HostPattern.select(inv, "ungrouped").stream()
                .map(Host::name).collect(java.util.stream.Collectors.toSet()));
        assertEquals(4, HostPattern.select(inv, "all").size());

        AnsibleModel grouped = new AnsibleModel("ansible:x");
        grouped.group("web", "x:1").hosts.add("w");
        grouped.host("w", "x:1");
        assertFalse(AnsibleMapping.toInventory(grouped).groups().containsKey("ungrouped"), "no empty group");
    }

    @Test
    void connectionVariablesMapToConduitsFields() throws Exception {
        hostVar("h", "ansible_host", "10.0.0.5").hostVar("h", "ansible_port", "2222")
                .hostVar("h", "ansible_user", "deploy").hostVar("h", "ansible_password", "${env:H_PASS}")
                .hostVar("h", "ansible_private_key_file", "keys/id_h");
        hostVar("s", "ansible_ssh_host", "s.example").hostVar("s", "ansible_ssh_port", 22L)
                .hostVar("s", "ansible_ssh_user", "root").hostVar("s", "ansible_ssh_pass", "hunter2")
                .hostVar("s", "ansible_ssh_private_key_file", "/abs/key");
        hostVar("t", "ansible_ssh_password", 1234L).hostVar("t", "ansible_port", 8022.0); // JSON number

        Inventory inv = AnsibleMapping.toInventory(model, Path.of("/inv"));
        ConnectionParams h = params(inv, "h");
        assertEquals("10.0.0.5", h.hostname());
        assertEquals(2222, h.port());
        assertEquals("deploy", h.username());
        assertEquals("${env:H_PASS}", h.password().reveal(), "references kept for the resolver");
        assertEquals(List.of("/inv/keys/id_h"), h.list("private_key_file"), "read from the inventory's directory");
        ConnectionParams s = params(inv, "s");
        assertEquals(List.of("s.example", 22, "root", "hunter2"),
                List.of(s.hostname(), s.port(), s.username(), s.password().reveal()));
        assertEquals(List.of("/abs/key"), s.list("private_key_file"));
        assertEquals("1234", params(inv, "t").password().reveal(), "YAML's number is the password's text");
        assertEquals(8022, params(inv, "t").port());
        assertTrue(inv.hosts().get("h").attributes().data().isEmpty(), "mapped keys are not also data");
    }

    @Test
    void connectionNamesMapToConduitsPlugins() {
        for (String ssh : List.of("ssh", "paramiko", "smart", "ansible.builtin.ssh", "ansible.builtin.paramiko_ssh")) {
            assertEquals("ssh", AnsibleMapping.plugin(ssh), ssh);
        }
        for (String docker : List.of("docker", "community.docker.docker", "community.docker.docker_api")) {
            assertEquals("docker", AnsibleMapping.plugin(docker), docker);
        }
        assertEquals("local", AnsibleMapping.plugin("ansible.builtin.local"));
        assertEquals("local", AnsibleMapping.plugin("local"));
        assertEquals("winrm", AnsibleMapping.plugin("ansible.builtin.winrm"));
        assertEquals("kubectl", AnsibleMapping.plugin("kubernetes.core.kubectl"));
    }

    @Test
    void aConnectionIsTheHostsPluginAtWhateverLevelItIsSet() throws Exception {
        groupVar("all", "ansible_connection", "smart");
        member("containers", "c1").groupVar("containers", "ansible_connection", "community.docker.docker_api");
        member("win", "w1").groupVar("win", "ansible_connection", "ansible.windows.winrm");
        hostVar("l", "ansible_connection", "local");

        Inventory inv = AnsibleMapping.toInventory(model);
        assertEquals("ssh", inv.defaults().connection());
        assertEquals("docker", ParameterResolver.pluginFor(inv, inv.hosts().get("c1")));
        assertEquals("winrm", ParameterResolver.pluginFor(inv, inv.hosts().get("w1")));
        assertEquals("local", ParameterResolver.pluginFor(inv, inv.hosts().get("l")));
    }

    @Test
    void becomeVariablesBecomeData() throws Exception {
        groupVar("all", "ansible_become", "yes").groupVar("all", "ansible_become_method", "su");
        hostVar("h", "ansible_become", "0").hostVar("h", "ansible_become_user", "postgres")
                .hostVar("h", "ansible_become_pass", "${file:become.txt}");
        hostVar("g", "ansible_become", true).hostVar("g", "ansible_become_password", "s3cret");
        hostVar("n", "ansible_become", "False");

        Inventory inv = AnsibleMapping.toInventory(model);
        assertEquals(true, inv.defaults().data().get("become"));
        assertEquals("su", inv.defaults().data().get("become_method"));
        Map<String, Object> h = inv.hosts().get("h").attributes().data();
        assertEquals(false, h.get("become"));
        assertEquals("postgres", h.get("become_user"));
        assertInstanceOf(Secret.class, h.get("become_password"), "a secret, never printed");
        assertEquals("s3cret", ParameterResolver.becomePassword(inv, inv.hosts().get("g"), null).reveal());
        assertEquals(false, inv.hosts().get("n").attributes().data().get("become"));
        assertNull(h.get("ansible_become_user"));
    }

    @Test
    void everythingElseIsKeptAsDataAsWritten() throws Exception {
        Map<String, Object> nested = Map.of("listen", List.of(80L, 443L), "tls", true);
        hostVar("h", "nginx", nested).hostVar("h", "ansible_python_interpreter", "/usr/bin/python3")
                .hostVar("h", "nothing", null);
        Inventory inv = AnsibleMapping.toInventory(model);
        Map<String, Object> data = inv.hosts().get("h").attributes().data();
        assertEquals(nested, data.get("nginx"));
        assertEquals("/usr/bin/python3", data.get("ansible_python_interpreter"));
        assertTrue(data.containsKey("nothing") && data.get("nothing") == null, "an empty value kept as null");
    }

    @Test
    void vaultJinjaAndWrongTypesAreRefusedAllAtOnceWithFileAndLine() {
        hostVar("h", "ansible_password", new AnsibleModel.Vaulted()); // line 1
        hostVar("h", "motd", "Welcome to {{ inventory_hostname }}"); // 2
        hostVar("h", "ansible_port", "eighty"); // 3
        hostVar("h", "rules", List.of(Map.of("cmd", "{% if x %}y{% endif %}"))); // 4
        groupVar("db", "ansible_become_method", "pbrun"); // 5
        groupVar("db", "ansible_become", "maybe"); // 6
        hostVar("h", "ansible_host", List.of("a", "b")); // 7
        hostVar("h", "ansible_connection", "My.Plugin"); // 8
        hostVar("h", "ansible_become_password", "${env:}"); // 9
        groupVar("db", "ansible_group_priority", "high"); // 10
        hostVar("h", "braces", "{ not jinja }"); // 11: fine
        hostVar("h", "ansible_ssh_pass", "p{{w}}rd"); // 12: refused, not shown

        InventoryException e = assertThrows(InventoryException.class, () -> AnsibleMapping.toInventory(model));
        String[] lines = e.getMessage().split("\n");
        assertEquals(11, lines.length, e.getMessage());
        assertTrue(lines[0].startsWith(FILE + ":1: ansible_password (host h): is encrypted with ansible-vault"),
                lines[0]);
        assertTrue(lines[0].contains("${file:PATH}"), lines[0]);
        assertTrue(lines[1].startsWith(FILE + ":2: motd (host h): holds a Jinja template"), lines[1]);
        assertTrue(lines[1].contains("move it to a runbook's vars"), lines[1]);
        assertEquals(FILE + ":3: ansible_port (host h): \"eighty\" is not a port; use a number 1-65535", lines[2]);
        assertTrue(lines[3].startsWith(FILE + ":4: rules (host h): holds a Jinja template"), lines[3]);
        assertTrue(lines[4].startsWith(FILE + ":5: ansible_become_method (group db): become method \"pbrun\""),
                lines[4]);
        assertTrue(lines[4].contains("use sudo or su"), lines[4]);
        assertTrue(lines[5].startsWith(FILE + ":6: ansible_become (group db): \"maybe\" is not a boolean"), lines[5]);
        assertTrue(lines[6].startsWith(FILE + ":7: ansible_host (host h): is a list, not text"), lines[6]);
        assertTrue(lines[7].startsWith(FILE + ":8: ansible_connection (host h): \"My.Plugin\" names no"), lines[7]);
        assertTrue(lines[8].startsWith(FILE + ":9: ansible_become_password (host h): ${env:} names no"), lines[8]);
        assertTrue(lines[9].startsWith(FILE + ":10: ansible_group_priority (group db): \"high\" is not a whole"),
                lines[9]);
        assertTrue(lines[10].startsWith(FILE + ":12: ansible_ssh_pass (host h): holds a Jinja template: Conduit"),
                lines[10]);
        assertFalse(e.getMessage().contains("p{{w}}rd"), "a password is never shown");
        assertFalse(e.getMessage().contains("Exception"), "no Java names for the operator");
    }

    @Test
    void aValueWithoutALineNamesItsFileAlone() {
        model.host("h", "/s/inv.py").put("ansible_port", new AnsibleModel.Value(0L, "/s/inv.py", 0));
        InventoryException e = assertThrows(InventoryException.class, () -> AnsibleMapping.toInventory(model));
        assertEquals("/s/inv.py: ansible_port (host h): 0 is not a port; use a number 1-65535", e.getMessage());
    }

    @Test
    void cyclicChildrenAreRefused() {
        child("a", "b").child("b", "a");
        member("a", "h");
        InventoryException e = assertThrows(InventoryException.class, () -> AnsibleMapping.toInventory(model));
        assertTrue(e.getMessage().contains("cyclic children"), e.getMessage());
    }

    @Test
    void fiveThousandHostsMapQuickly() throws Exception {
        for (int g = 0; g < 50; g++) {
            child("region" + g % 5, "g" + g);
            groupVar("g" + g, "ansible_user", "u" + g);
            for (int h = 0; h < 100; h++) {
                member("g" + g, "host" + g + "-" + h);
                hostVar("host" + g + "-" + h, "ansible_host", "10.0." + g + "." + h);
            }
        }
        Inventory inv = AnsibleMapping.toInventory(model); // its time: bench/core-scale.sh, not a timed test
        assertEquals(5000, inv.hosts().size());
        assertEquals(List.of("g7", "region2"), inv.hosts().get("host7-3").groups());
    }

    @Test
    void vaultInItsJsonAndTextFormsIsRefusedAtAnyDepth() {
        String vault = "$ANSIBLE_VAULT;1.1;AES256\n6162636465\n";
        hostVar("h", "ansible_password", Map.of("__ansible_vault", vault));
        hostVar("h", "token", vault);
        groupVar("web", "api", Map.of("clients", List.of(Map.of("secret", Map.of("__ansible_vault", vault)))));
        member("web", "h");
        hostVar("h", "plain", "$ANSIBLE_VAULT is a word in this text"); // no ';' right after: not a vault value
        String m = assertThrows(InventoryException.class, () -> AnsibleMapping.toInventory(model)).getMessage();
        assertTrue(m.contains(FILE + ":1: ansible_password (host h): is encrypted with ansible-vault: Conduit cannot"
                + " decrypt it; put the secret in a file and write ${file:PATH}"), m);
        assertTrue(m.contains(FILE + ":2: token (host h): is encrypted with ansible-vault"), m);
        assertTrue(m.contains(FILE + ":3: api (group web): is encrypted with ansible-vault"), m);
        assertFalse(m.contains("plain"), m);
        assertFalse(m.contains("6162636465"), "the ciphertext is not shown");
        assertTrue(AnsibleMapping.vaulted("  $ANSIBLE_VAULT;1.2;AES256;dev\n00"));
        assertFalse(AnsibleMapping.vaulted(Map.of("vault", "x")));
    }

    @Test
    void conduitConnectionOptionsGiveEachPluginItsOptionsWithInventoryLoadersChecks() throws Exception {
        hostVar("api1", "ansible_connection", "rest");
        hostVar("api1", "conduit_connection_options", Map.of("rest", Map.of("port", 8443L,
                "extras", Map.of("token", "${env:API_TOKEN}"))));
        groupVar("all", "conduit_connection_options", Map.of("ssh", Map.of("extras",
                Map.of("proxy_jump", List.of("jump@bastion:22"), "host_key_checking", "accept-new"))));
        hostVar("s1", "ansible_private_key_file", "/k/id");
        hostVar("s1", "conduit_connection_options", Map.of("ssh", Map.of("extras",
                Map.of("known_hosts_file", "/k/known"))));
        java.util.function.Function<String, List<io.conduit.api.connection.OptionDescriptor>> declared = p -> switch (p) {
            case "rest" -> List.of(io.conduit.api.connection.OptionDescriptor.secret("token", "bearer token"));
            default -> null;
        };
        Inventory inv = AnsibleMapping.toInventory(model, Path.of("/inv"), declared);
        var rest = inv.hosts().get("api1").attributes().connectionOptions().get("rest");
        assertEquals(8443, rest.port());
        assertEquals("${env:API_TOKEN}", rest.extras().get("token"), "a reference, resolved when connecting");
        assertEquals(Map.of("proxy_jump", List.of("jump@bastion:22"), "host_key_checking", "accept-new"),
                inv.defaults().connectionOptions().get("ssh").extras());
        assertEquals(Map.of("known_hosts_file", "/k/known", "private_key_file", List.of("/k/id")),
                inv.hosts().get("s1").attributes().connectionOptions().get("ssh").extras(),
                "ansible_private_key_file joins the options given");
        assertFalse(inv.hosts().get("api1").attributes().data().containsKey("conduit_connection_options"));

        AnsibleModel bad = new AnsibleModel("ansible:" + FILE);
        bad.host("b", FILE + ":7").put("conduit_connection_options", new AnsibleModel.Value(Map.of("rest",
                Map.of("prot", 1L, "extras", Map.of("tokn", "x", "token", "${env:}"))), FILE, 7));
        bad.host("c", FILE + ":8").put("conduit_connection_options",
                new AnsibleModel.Value(List.of("ssh"), FILE, 8));
        String m = assertThrows(InventoryException.class,
                () -> AnsibleMapping.toInventory(bad, null, declared)).getMessage();
        assertTrue(m.contains(FILE + ":7: host b: conduit_connection_options.rest.prot: unknown key; did you mean"
                + " \"port\"?"), m);
        assertTrue(m.contains(FILE + ":7: host b: conduit_connection_options.rest.extras.tokn: plugin rest has no"
                + " option \"tokn\"; did you mean \"token\"?"), m);
        assertTrue(m.contains(FILE + ":7: host b: conduit_connection_options.rest.extras.token: "), m);
        assertTrue(m.contains(FILE + ":8: host c: conduit_connection_options: is a list, not a mapping"), m);
    }

    @Test
    void sshProgramArgumentsAreRefusedAndHostKeyCheckingMapsToTheSshOption() throws Exception {
        for (String key : AnsibleMapping.SSH_PROGRAM_VARIABLES) {
            hostVar("h", key, "-o ProxyJump=bastion");
        }
        String m = assertThrows(InventoryException.class, () -> AnsibleMapping.toInventory(model)).getMessage();
        assertTrue(m.contains(FILE + ":1: ansible_ssh_common_args (host h): hands arguments to OpenSSH's programs,"
                + " which Conduit does not run"), m);
        assertTrue(m.contains("conduit_connection_options: {ssh: {extras: {...}}}: proxy_jump for -J or ProxyJump"),
                m);
        assertEquals(AnsibleMapping.SSH_PROGRAM_VARIABLES.size(), m.split("hands arguments").length - 1, m);

        AnsibleModel ok = new AnsibleModel("ansible:" + FILE);
        ok.host("strict", FILE + ":1").put("ansible_host_key_checking", new AnsibleModel.Value("True", FILE, 1));
        ok.host("off", FILE + ":2").put("ansible_ssh_host_key_checking", new AnsibleModel.Value(false, FILE, 2));
        ok.host("mine", FILE + ":3").put("ansible_host_key_checking", new AnsibleModel.Value(false, FILE, 3));
        ok.host("mine", FILE + ":4").put("conduit_connection_options", new AnsibleModel.Value(Map.of("ssh",
                Map.of("extras", Map.of("host_key_checking", "accept-new"))), FILE, 4));
        ok.host("py", FILE + ":5").put("ansible_python_interpreter", new AnsibleModel.Value("/usr/bin/python3",
                FILE, 5));
        Inventory inv = AnsibleMapping.toInventory(ok);
        assertEquals("strict", inv.hosts().get("strict").attributes().connectionOptions().get("ssh").extras()
                .get("host_key_checking"));
        assertEquals("off", inv.hosts().get("off").attributes().connectionOptions().get("ssh").extras()
                .get("host_key_checking"), "the operator's false is honoured; the ssh plugin announces off");
        assertEquals("accept-new", inv.hosts().get("mine").attributes().connectionOptions().get("ssh").extras()
                .get("host_key_checking"), "conduit_connection_options wins at the same level");
        assertEquals("/usr/bin/python3", inv.hosts().get("py").attributes().data().get("ansible_python_interpreter"));

        AnsibleModel wrong = new AnsibleModel("ansible:" + FILE);
        wrong.host("h", FILE + ":9").put("ansible_host_key_checking", new AnsibleModel.Value("maybe", FILE, 9));
        assertTrue(assertThrows(InventoryException.class, () -> AnsibleMapping.toInventory(wrong)).getMessage()
                .contains(FILE + ":9: ansible_host_key_checking (host h): \"maybe\" is not a boolean"));
    }
}
