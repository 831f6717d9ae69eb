package io.conduit.ssh;

import static io.conduit.ssh.TestSupport.keygen;
import static io.conduit.ssh.TestSupport.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.AuthenticationFailedException;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.ssh.agent.AgentClient;

/**
 * Publickey authentication through a real OpenSSH {@code ssh-agent} ({@code ssh-agent -a SOCKET -D}, keys added
 * with {@code ssh-add}) against Debian's OpenSSH sshd (see {@link OpenSshd}), with no key file and no password;
 * agent forwarding checked with {@code ssh-add -l} on the host. Runs as root like {@link OpenSshInteropTest}.
 */
class SshAgentTest {
    @TempDir
    static Path base;
    private static OpenSshd target;
    private static Path keys;
    /** Holds the ed25519 and the rsa key, both authorized on the target. */
    private static Agent both;
    /** Holds the rsa key only. */
    private static Agent rsaOnly;
    /** Holds a key the target does not accept. */
    private static Agent stranger;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    /** An ssh-agent process this test started and stops (by its pid). */
    private record Agent(Process process, Path socket) implements AutoCloseable {
        static Agent start(Path socket, Path... keyFiles) throws Exception {
            ProcessBuilder pb = new ProcessBuilder("ssh-agent", "-a", socket.toString(), "-D").redirectErrorStream(true)
                    .redirectOutput(Path.of(socket + ".log").toFile());
            // a key added with ssh-add -c needs a confirmation: /bin/false always denies it
            pb.environment().put("SSH_ASKPASS", "/bin/false");
            pb.environment().put("SSH_ASKPASS_REQUIRE", "force");
            pb.environment().remove("DISPLAY");
            Process p = pb.start();
            Agent a = new Agent(p, socket);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!Files.exists(socket)) { // nothing signals "listening": poll for the socket with a deadline
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    a.close();
                    throw new IOException("ssh-agent did not create " + socket + ": "
                            + Files.readString(Path.of(socket + ".log")));
                }
                p.waitFor(20, TimeUnit.MILLISECONDS);
            }
            try {
                for (Path key : keyFiles) {
                    a.add(key.toString());
                }
            } catch (IOException | RuntimeException e) {
                a.close();
                throw e;
            }
            return a;
        }

        void add(String... args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of("ssh-add"));
            cmd.addAll(List.of(args));
            ProcessBuilder add = new ProcessBuilder(cmd).redirectErrorStream(true);
            add.environment().put("SSH_AUTH_SOCK", socket.toString());
            Process ap = add.start();
            String out = new String(ap.getInputStream().readAllBytes());
            if (!ap.waitFor(30, TimeUnit.SECONDS) || ap.exitValue() != 0) {
                throw new IOException(cmd + " failed: " + out);
            }
        }

        @Override
        public void close() throws InterruptedException {
            ProcessHandle h = ProcessHandle.of(process.pid()).orElse(null);
            if (h != null) {
                h.destroy(); // SIGTERM: ssh-agent removes its socket
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    h.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    @BeforeAll
    static void start() throws Exception {
        keys = Files.createDirectories(base.resolve("keys"));
        Path ed = keygen(keys, "agent_ed25519", "ed25519", "");
        Path rsa = keygen(keys, "agent_rsa", "rsa", "");
        Path other = keygen(keys, "stranger_ed25519", "ed25519", "");
        Path authorized = base.resolve("authorized_keys");
        Files.writeString(authorized, Files.readString(Path.of(ed + ".pub")) + Files.readString(Path.of(rsa + ".pub")));
        target = OpenSshd.start(base.resolve("target"), authorized);
        both = Agent.start(base.resolve("both.sock"), ed, rsa);
        rsaOnly = Agent.start(base.resolve("rsa.sock"), rsa);
        stranger = Agent.start(base.resolve("stranger.sock"), other);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {stranger, rsaOnly, both, target}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
    }

    private SshPlugin plugin(Object... kv) throws IOException {
        Path kh = Files.createTempFile(base, "known_hosts", "");
        Files.writeString(kh, target.knownHosts("ed25519"));
        SshPlugin p = TestSupport.plugin(kh, kv); // look_for_keys false: no ~/.ssh/id_* of the machine
        p.environment(name -> null); // no SSH_AUTH_SOCK of whoever runs the test
        cleanup.add(0, p::deactivate);
        return p;
    }

    private Connection open(SshPlugin p, ConnectionParams params) throws IOException {
        Connection c = p.create(new ConnectionKey("agent-target", "ssh"));
        cleanup.add(0, c);
        c.open(params);
        return c;
    }

    private Connection root(Object... extras) throws IOException {
        return open(plugin(), params(target.port, "root", null, extras));
    }

    @Test
    void agentKeysLogInWithNoKeyFileAndNoPassword() throws Exception {
        Connection c = root("identity_agent", both.socket().toString());
        assertEquals("root\n", c.exec(Command.shell("id -un")).stdoutText());
        assertTrue(c.isAlive());
    }

    @Test
    void anRsaKeyInTheAgentSignsWithRsaSha2() throws Exception {
        // this sshd (OpenSSH >= 8.8) refuses SHA-1 ssh-rsa signatures: a login proves rsa-sha2-256/512
        Process t = new ProcessBuilder("/usr/sbin/sshd", "-T", "-f", target.dir.resolve("sshd_config").toString())
                .redirectErrorStream(true).start();
        String config = new String(t.getInputStream().readAllBytes());
        assertTrue(t.waitFor(30, TimeUnit.SECONDS));
        String accepted = config.lines().filter(l -> l.startsWith("pubkeyacceptedalgorithms ")).findFirst()
                .orElseThrow();
        assertFalse(List.of(accepted.substring(accepted.indexOf(' ') + 1).split(",")).contains("ssh-rsa"), accepted);

        Connection c = root("identity_agent", rsaOnly.socket().toString());
        assertEquals("root\n", c.exec(Command.shell("id -un")).stdoutText());

        try (AgentClient agent = AgentClient.connect(rsaOnly.socket(), Duration.ofSeconds(10))) {
            List<AgentClient.Identity> ids = agent.identities();
            assertEquals(1, ids.size());
            assertEquals("ssh-rsa", ids.get(0).type());
            assertTrue(ids.get(0).comment().endsWith("agent_rsa"), ids.get(0).comment());
            byte[] data = "data to sign".getBytes();
            assertEquals("rsa-sha2-512", agent.sign(ids.get(0).blob(), data, AgentClient.SSH_AGENT_RSA_SHA2_512)
                    .algorithm());
            assertEquals("rsa-sha2-256", agent.sign(ids.get(0).blob(), data, AgentClient.SSH_AGENT_RSA_SHA2_256)
                    .algorithm());
        }
    }

    @Test
    void sshAuthSockOfConduitsEnvironmentIsTheDefault() throws Exception {
        SshPlugin p = plugin();
        p.environment(Map.of("SSH_AUTH_SOCK", both.socket().toString())::get);
        Connection c = open(p, params(target.port, "root", null));
        assertEquals("root\n", c.exec(Command.shell("id -un")).stdoutText());

        SshPlugin unset = plugin();
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                () -> open(unset, params(target.port, "root", null)));
        assertTrue(e.getMessage().contains("no credentials to offer"), e.getMessage());
        assertTrue(e.getMessage().contains("SSH_AUTH_SOCK is not set"), e.getMessage());
    }

    @Test
    void identityAgentNoneDisablesTheAgent() throws Exception {
        SshPlugin p = plugin();
        p.environment(Map.of("SSH_AUTH_SOCK", both.socket().toString())::get);
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                () -> open(p, params(target.port, "root", null, "identity_agent", "none")));
        assertTrue(e.getMessage().contains("no credentials to offer"), e.getMessage());
        assertTrue(e.getMessage().contains("identity_agent is none"), e.getMessage());
        assertFalse(e.getMessage().contains(both.socket().toString()), e.getMessage());
    }

    @Test
    void aMissingAgentSocketIsNamedInTheError() throws Exception {
        Path missing = base.resolve("no-agent-here.sock");
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                () -> root("identity_agent", missing.toString()));
        assertTrue(e.getMessage().contains("no credentials to offer"), e.getMessage());
        assertTrue(e.getMessage().contains("ssh-agent socket " + missing + " cannot be reached (no such file)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("is ssh-agent running?"), e.getMessage());

        // with a key file the server refuses, the failure lists the file and says why the agent was not used
        Path refused = keys.resolve("stranger_ed25519");
        e = assertThrows(AuthenticationFailedException.class,
                () -> root("identity_agent", missing.toString(), "private_key_file", refused.toString()));
        assertTrue(e.getMessage().contains("tried publickey (" + refused + "); not the agent: ssh-agent socket "
                + missing + " cannot be reached"), e.getMessage());
        assertTrue(e.getMessage().contains("is ssh-agent running?"), e.getMessage());
    }

    @Test
    void aKeyTheAgentWillNotSignWithIsSkippedForTheNext() throws Exception {
        Agent confirm = Agent.start(base.resolve("confirm.sock"));
        cleanup.add(confirm);
        confirm.add("-c", keys.resolve("agent_ed25519").toString()); // needs a confirmation, which is denied
        confirm.add(keys.resolve("agent_rsa").toString());
        Connection c = root("identity_agent", confirm.socket().toString());
        assertEquals("root\n", c.exec(Command.shell("id -un")).stdoutText());
    }

    @Test
    void anAgentWithoutKeysIsNamedInTheError() throws Exception {
        Agent empty = Agent.start(base.resolve("empty.sock"));
        cleanup.add(empty);
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                () -> root("identity_agent", empty.socket().toString()));
        assertTrue(e.getMessage().contains("no credentials to offer"), e.getMessage());
        assertTrue(e.getMessage().contains("the ssh-agent at " + empty.socket() + " holds no keys; add one with"
                + " ssh-add"), e.getMessage());
    }

    @Test
    void aFailedLoginListsTheAgentsKeysAmongWhatWasTried() {
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                () -> root("identity_agent", stranger.socket().toString()));
        assertTrue(e.getMessage().contains("authentication failed for user root (tried agent (1 key))"),
                e.getMessage());
    }

    @Test
    void keyFilesComeBeforeTheAgentAndDefaultKeysAfterItEachKeyOnce() throws Exception {
        PublicKey nobody = KeyUtils.generateKeyPair("ssh-ed25519", 256).getPublic();
        try (MinaServer server = MinaServer.start(o -> {
            o.password = false;
            o.authorizedKey = nobody; // registers publickey; the recording authenticator below replaces it
        })) {
            List<PublicKey> offered = Collections.synchronizedList(new ArrayList<>());
            server.server.setPublickeyAuthenticator((user, key, session) -> {
                if (offered.stream().noneMatch(k -> KeyUtils.compareKeys(k, key))) {
                    offered.add(key);
                }
                return false;
            });
            Path kh = Files.createTempFile(base, "known_hosts", "");
            server.trust(kh, false);
            PublicKey ed = TestSupport.publicKey(keys.resolve("agent_ed25519"));
            PublicKey rsa = TestSupport.publicKey(keys.resolve("agent_rsa"));
            PublicKey other = TestSupport.publicKey(keys.resolve("stranger_ed25519"));

            SshPlugin p = TestSupport.plugin(kh);
            cleanup.add(0, p::deactivate);
            p.environment(name -> null);
            Path file = keys.resolve("stranger_ed25519");
            AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class, () -> open(p,
                    params(server.port(), MinaServer.USER, null, "private_key_file", file.toString(),
                            "identity_agent", both.socket().toString())));
            assertTrue(e.getMessage().contains("(tried publickey (" + file + "); agent (2 keys))"), e.getMessage());
            assertKeys(List.of(other, ed, rsa), offered);

            // the agent holds the key file's key: offered once, as the file
            offered.clear();
            Path edFile = keys.resolve("agent_ed25519");
            assertThrows(AuthenticationFailedException.class, () -> open(p, params(server.port(), MinaServer.USER,
                    null, "private_key_file", edFile.toString(), "identity_agent", both.socket().toString())));
            assertKeys(List.of(ed, rsa), offered);

            // ~/.ssh/id_* come after the agent's keys
            offered.clear();
            Path home = Files.createDirectories(base.resolve("home"));
            Path dotSsh = Files.createDirectories(home.resolve(".ssh"));
            Files.copy(file, dotSsh.resolve("id_ed25519"));
            String previousHome = System.getProperty("user.home");
            System.setProperty("user.home", home.toString());
            try {
                SshPlugin withDefaults = TestSupport.plugin(kh, "look_for_keys", true);
                cleanup.add(0, withDefaults::deactivate);
                withDefaults.environment(name -> null);
                e = assertThrows(AuthenticationFailedException.class, () -> open(withDefaults, params(server.port(),
                        MinaServer.USER, null, "identity_agent", both.socket().toString())));
                Path defaultKey = dotSsh.resolve("id_ed25519");
                assertTrue(e.getMessage().contains("(tried agent (2 keys); publickey (" + defaultKey + "))"),
                        e.getMessage());
                assertKeys(List.of(ed, rsa, other), offered);
            } finally {
                System.setProperty("user.home", previousHome);
            }
        }
    }

    private static void assertKeys(List<PublicKey> expected, List<PublicKey> actual) {
        assertEquals(expected.size(), actual.size(), "offered " + actual.size() + " keys");
        for (int i = 0; i < expected.size(); i++) {
            assertTrue(KeyUtils.compareKeys(expected.get(i), actual.get(i)), "key " + i + " is "
                    + KeyUtils.getFingerPrint(actual.get(i)) + ", expected " + KeyUtils.getFingerPrint(expected.get(i)));
        }
    }

    @Test
    void forwardAgentLetsCommandsOnTheHostUseTheLocalAgent() throws Exception {
        Connection c = root("identity_agent", both.socket().toString(), "forward_agent", true);
        ExecResult list = c.exec(Command.shell("echo \"sock=$SSH_AUTH_SOCK\"; ssh-add -l"));
        assertEquals(0, list.exitCode(), list.stdoutText() + list.stderrText());
        assertTrue(list.stdoutText().matches("(?s)sock=/.+"), list.stdoutText());
        assertTrue(list.stdoutText().contains("agent_ed25519 (ED25519)"), list.stdoutText());
        assertTrue(list.stdoutText().contains("agent_rsa (RSA)"), list.stdoutText());
        // a second command gets its own forwarded connection; the forwarded agent also signs: ssh back in with it
        ExecResult hop = c.exec(Command.shell("ssh -F /dev/null -o BatchMode=yes -o StrictHostKeyChecking=no"
                + " -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p " + target.port + " root@127.0.0.1"
                + " echo signed through the forwarded agent"));
        assertEquals("signed through the forwarded agent\n", hop.stdoutText(), hop.stderrText());
    }

    @Test
    void withoutForwardAgentTheHostSeesNoAgent() throws Exception {
        for (Object forward : new Object[] {null, false}) {
            Connection c = forward == null ? root("identity_agent", both.socket().toString())
                    : root("identity_agent", both.socket().toString(), "forward_agent", forward);
            ExecResult list = c.exec(Command.shell("echo \"sock=$SSH_AUTH_SOCK\"; ssh-add -l"));
            assertNotEquals(0, list.exitCode(), list.stdoutText());
            assertEquals("sock=\n", list.stdoutText(), "forward_agent " + forward);
            assertTrue(list.stderrText().contains("Could not open a connection to your authentication agent"),
                    list.stderrText());
        }
    }

    @Test
    void optionsAreDeclaredAndCheckedLikeTheOthers() {
        SshSettings d = SshSettings.from(SshPlugin.PID, TestSupport.config(Map.of()));
        assertEquals("SSH_AUTH_SOCK", d.identityAgent());
        assertFalse(d.forwardAgent());
        assertEquals(Path.of("/run/a.sock"), d.identityAgentSocket(Map.of("SSH_AUTH_SOCK", "/run/a.sock")::get));
        assertEquals(null, d.identityAgentSocket(name -> null));
        assertEquals(null, d.identityAgentSocket(Map.of("SSH_AUTH_SOCK", "")::get));
        assertTrue(SshSettings.describe(TestSupport.config(Map.of())).stream().anyMatch(o -> o.name().equals("identity_agent")
                && "SSH_AUTH_SOCK".equals(o.defaultValue())));
        assertTrue(SshSettings.describe(TestSupport.config(Map.of())).stream().anyMatch(o -> o.name().equals("forward_agent")
                && "false".equals(o.defaultValue())));

        SshSettings cfg = SshSettings.from(SshPlugin.PID, TestSupport.config(Map.of("identity_agent", "none",
                "forward_agent", true)));
        assertEquals("none", cfg.identityAgent());
        assertTrue(cfg.forwardAgent());
        assertEquals(null, cfg.identityAgentSocket(Map.of("SSH_AUTH_SOCK", "/run/a.sock")::get));

        SshSettings host = d.forHost(new ConnectionParams("h", 0, null, null, null, Map.of(
                "identity_agent", "~/agent.sock", "forward_agent", "yes")));
        assertEquals(Path.of(System.getProperty("user.home"), "agent.sock"), host.identityAgentSocket(name -> null));
        assertTrue(host.forwardAgent());
        SshSettings variable = d.forHost(new ConnectionParams("h", 0, null, null, null, Map.of(
                "identity_agent", "${MY_AGENT}")));
        assertEquals(Path.of("/x/y"), variable.identityAgentSocket(Map.of("MY_AGENT", "/x/y")::get));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.forHost(
                new ConnectionParams("h", 0, null, null, null, Map.of("identity_agent", "agent.sock"))));
        assertTrue(e.getMessage().startsWith("extras.identity_agent: \"agent.sock\" is a relative path; use"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> d.forHost(
                new ConnectionParams("h", 0, null, null, null, Map.of("identity_agent", "yes"))));
        assertTrue(e.getMessage().contains("(forward_agent is the yes/no option)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> d.forHost(
                new ConnectionParams("h", 0, null, null, null, Map.of("identity_agent", "/" + "a".repeat(120)))));
        assertTrue(e.getMessage().contains("longer than the 107 bytes a UNIX socket path may have"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SshSettings.from(SshPlugin.PID,
                TestSupport.config(Map.of("identity_agent", "$1X"))));
        assertTrue(e.getMessage().startsWith("io.conduit.ssh: identity_agent: \"$1X\" is not an environment"
                + " variable"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> d.forHost(
                new ConnectionParams("h", 0, null, null, null, Map.of("forward_agent", "maybe"))));
        assertEquals("forward_agent: \"maybe\" is not true or false", e.getMessage());
    }
}
