package io.conduit.ssh;

import static io.conduit.ssh.TestSupport.keygen;
import static io.conduit.ssh.TestSupport.params;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.BecomeFailedException;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.HostKeyRejectedException;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.TimedOutException;

/**
 * The plugin against Debian's OpenSSH sshd on 127.0.0.1, started here with its own config (see {@link OpenSshd}).
 * Needs root (CI runs as root): the sudo test creates a local user and a sudoers.d entry.
 */
class OpenSshInteropTest {
    private static final String SUDO_USER = TestUsers.SUDO;
    private static final Secret SUDO_PW = TestUsers.PASSWORD;

    @TempDir
    static Path base;
    private static OpenSshd target;
    private static OpenSshd jump;
    private static Path keys;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeAll
    static void startServers() throws Exception {
        keys = Files.createDirectories(base.resolve("keys"));
        StringBuilder authorized = new StringBuilder();
        for (String[] k : new String[][] {{"ed25519", ""}, {"ecdsa", ""}, {"rsa", ""}, {"ed25519", "pass word"}}) {
            Path key = keygen(keys, "id_" + k[0] + (k[1].isEmpty() ? "" : "_enc"), k[0], k[1]);
            authorized.append(Files.readString(Path.of(key + ".pub")));
        }
        // sshd reads authorized_keys as the user logging in: conduit-sudo must be able to read it
        Files.setPosixFilePermissions(base, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path authorizedKeys = base.resolve("authorized_keys");
        Files.writeString(authorizedKeys, authorized);
        Files.setPosixFilePermissions(authorizedKeys,
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        target = OpenSshd.start(base.resolve("target"), authorizedKeys);
        jump = OpenSshd.start(base.resolve("jump"), authorizedKeys);
        TestUsers.ensure();
    }

    @AfterAll
    static void stopServers() throws IOException {
        if (jump != null) {
            jump.close();
        }
        if (target != null) {
            target.close();
        }
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
    }

    private Path knownHosts(String content) throws IOException {
        Path kh = Files.createTempFile(base, "known_hosts", "");
        Files.writeString(kh, content);
        return kh;
    }

    private SshPlugin plugin(Path knownHosts, Object... kv) {
        SshPlugin p = TestSupport.plugin(knownHosts, kv);
        cleanup.add(0, p::deactivate);
        return p;
    }

    private Connection open(SshPlugin p, ConnectionParams params) throws IOException {
        Connection c = p.create(new ConnectionKey("target", "ssh"));
        c.open(params);
        cleanup.add(0, c);
        return c;
    }

    private Connection root(Path knownHosts, String key, Object... extras) throws IOException {
        Object[] x = new Object[extras.length + 2];
        x[0] = "private_key_file";
        x[1] = keys.resolve(key).toString();
        System.arraycopy(extras, 0, x, 2, extras.length);
        return open(plugin(knownHosts), params(target.port, "root", null, x));
    }

    @Test
    void everyUserKeyTypeLogsIn() throws Exception {
        Path kh = knownHosts(target.knownHosts("ed25519"));
        for (String key : List.of("id_ed25519", "id_ecdsa", "id_rsa")) {
            assertEquals("root\n", root(kh, key).exec(Command.shell("id -un")).stdoutText(), key);
        }
        Connection enc = root(kh, "id_ed25519_enc", "private_key_passphrase", Secret.of("pass word"));
        assertEquals("ok\n", enc.exec(Command.shell("echo ok")).stdoutText());
    }

    @Test
    void hashedKnownHostsOfEachHostKeyTypeAreHonoured() throws Exception {
        for (String type : List.of("ecdsa", "rsa", "ed25519")) {
            Path kh = knownHosts(target.knownHosts(type));
            TestUsers.check(TestUsers.run("ssh-keygen", "-q", "-H", "-f", kh.toString()), "ssh-keygen -H");
            assertTrue(Files.readString(kh).startsWith("|1|"), "hashed by ssh-keygen -H");
            // only this type is known: the plugin must ask the server for it first, as OpenSSH does
            assertEquals("ok\n", root(kh, "id_ed25519").exec(Command.shell("echo ok")).stdoutText(), type);
        }
    }

    @Test
    void aChangedHostKeyFailsWithFingerprintFileAndLine() throws Exception {
        Path kh = knownHosts("# first line\n" + jump.knownHosts("ed25519").replace(":" + jump.port, ":" + target.port));
        HostKeyRejectedException e = assertThrows(HostKeyRejectedException.class, () -> root(kh, "id_ed25519"));
        assertTrue(e.getMessage().contains("HOST KEY CHANGED"), e.getMessage());
        assertTrue(e.getMessage().contains(kh + ":2"), e.getMessage());
        assertTrue(e.getMessage().contains("SHA256:"), e.getMessage());
    }

    @Test
    void jumpHostThroughASecondSshdWithItsOwnKeyCheck() throws Exception {
        Path kh = knownHosts(target.knownHosts("ed25519") + jump.knownHosts("ecdsa"));
        Connection c = root(kh, "id_ed25519", "proxy_jump", "root@127.0.0.1:" + jump.port);
        assertEquals("via jump\n", c.exec(Command.shell("echo via jump")).stdoutText());
        assertTrue(c.isAlive());
        Path strangers = knownHosts(target.knownHosts("ed25519"));
        HostKeyRejectedException e = assertThrows(HostKeyRejectedException.class,
                () -> root(strangers, "id_ed25519", "proxy_jump", "root@127.0.0.1:" + jump.port));
        assertTrue(e.getMessage().contains("[127.0.0.1]:" + jump.port), "names the jump host: " + e.getMessage());
    }

    @Test
    void sshConfigSuppliesHostNamePortUserAndIdentity() throws Exception {
        Path kh = knownHosts(target.knownHosts("ed25519"));
        Path cfg = base.resolve("ssh_config");
        Files.writeString(cfg, "Host web-alias\n  HostName 127.0.0.1\n  Port " + target.port + "\n  User root\n"
                + "  IdentityFile " + keys.resolve("id_ecdsa") + "\n");
        Connection c = open(plugin(kh), new ConnectionParams("web-alias", 0, null, null, null,
                java.util.Map.of("use_ssh_config", true, "ssh_config_file", cfg.toString())));
        assertEquals("root\n", c.exec(Command.shell("id -un")).stdoutText());
    }

    @Test
    void sudoToAnotherUserWithThePasswordOnStdinOnly() throws Exception {
        Path kh = knownHosts(target.knownHosts("ed25519"));
        Connection c = open(plugin(kh), params(target.port, SUDO_USER, null, "private_key_file",
                keys.resolve("id_ed25519").toString()));
        assertEquals(SUDO_USER + "\n", c.exec(Command.shell("id -un")).stdoutText());
        ExecResult r = c.exec(Command.shell("id -un; ps -eo args").withBecome(Become.sudo("root", SUDO_PW)));
        assertEquals(0, r.exitCode(), r.stderrText());
        assertTrue(r.stdoutText().startsWith("root\n"), r.stdoutText());
        assertFalse(r.stdoutText().contains(SUDO_PW.reveal()), "the password shows in no process' arguments");
        ExecResult nobody = c.exec(Command.shell("id -un").withBecome(Become.sudo("nobody", SUDO_PW)));
        assertEquals("nobody\n", nobody.stdoutText());
        ExecResult withInput = c.exec(Command.shell("cat").withStdin("data after the password\n".getBytes())
                .withBecome(Become.sudo("root", SUDO_PW)));
        assertEquals("data after the password\n", withInput.stdoutText());
        BecomeFailedException wrong = assertThrows(BecomeFailedException.class,
                () -> c.exec(Command.shell("id -un").withBecome(Become.sudo("root", Secret.of("wrong")))));
        assertTrue(wrong.getMessage().contains("refused the become password"), wrong.getMessage());
    }

    @Test
    void commandTimeoutStopsTheRemoteProcess() throws Exception {
        // OpenSSH delivers "signal" requests only to sessions under privilege separation, i.e. not for root
        // logins ("session signalling requires privilege separation"): log in as an ordinary user
        Connection c = open(plugin(knownHosts(target.knownHosts("ed25519"))), params(target.port, SUDO_USER, null,
                "private_key_file", keys.resolve("id_ed25519").toString()));
        for (boolean pty : new boolean[] {false, true}) {
            Path pidFile = Files.createTempFile("conduit-timeout-pid", "");
            Files.setPosixFilePermissions(pidFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-rw-rw-"));
            cleanup.add(() -> Files.deleteIfExists(pidFile));
            long t0 = System.nanoTime();
            TimedOutException e = assertThrows(TimedOutException.class, () -> c.exec(Command.shell(
                    "echo $$ > " + pidFile + "; exec sleep 120").withPty(pty).withTimeout(Duration.ofSeconds(1))));
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 6000, e.getMessage());
            String pid = Files.readString(pidFile).trim();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (Files.exists(Path.of("/proc", pid)) && System.nanoTime() < deadline) {
                Thread.onSpinWait(); // nothing tells us a foreign process ended: poll /proc with a deadline
            }
            assertFalse(Files.exists(Path.of("/proc", pid)), "remote process " + pid + " stopped (pty " + pty + ")");
        }
        assertEquals("alive\n", c.exec(Command.shell("echo alive")).stdoutText());
    }

    @Test
    void megabytesOfStdinAndOutputStayBinary() throws Exception {
        Connection c = root(knownHosts(target.knownHosts("ed25519")), "id_ed25519");
        byte[] data = new byte[4 << 20];
        new Random(3).nextBytes(data);
        ExecResult r = c.exec(Command.shell("cat").withStdin(data).withOutputLimit(8 << 20));
        assertArrayEquals(data, r.stdout());
    }

    @Test
    void twoHundredMebibyteRoundTripKeepsTheSha256() throws Exception {
        Connection c = root(knownHosts(target.knownHosts("ed25519")), "id_ed25519", "verify_checksum", true);
        Path big = base.resolve("big.bin");
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        Random random = new Random(200);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(big)) {
            for (int i = 0; i < 200; i++) {
                random.nextBytes(chunk);
                sha.update(chunk);
                out.write(chunk);
            }
        }
        String expected = HexFormat.of().formatHex(sha.digest());
        Path remoteDir = Files.createDirectories(base.resolve("remote-big"));
        String remote = remoteDir.resolve("big.bin").toString();
        c.put(big, remote, 0600);
        Files.delete(big);
        Path back = base.resolve("big.back");
        c.fetch(remote, back);
        assertEquals(expected, sha256(back));
        assertEquals(List.of("big.bin"), Files.list(remoteDir).map(p -> p.getFileName().toString()).toList());
        Files.delete(back);
        Files.delete(Path.of(remote));
        assertThrows(RemoteFileNotFoundException.class, () -> c.fetch(remote, back));
        assertFalse(Files.exists(back));
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buf)) > 0;) {
                sha.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
