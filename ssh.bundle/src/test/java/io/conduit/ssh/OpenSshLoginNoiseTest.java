package io.conduit.ssh;

import static io.conduit.ssh.TestSupport.keygen;
import static io.conduit.ssh.TestSupport.params;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.Trace;

/**
 * A user whose login shell prints a line on start ({@link TestUsers#NOISY}: bash, whose ~/.bashrc echoes), on
 * Debian's OpenSSH sshd with the external sftp-server, which sshd starts through that shell (as Debian's default
 * {@code Subsystem sftp /usr/lib/openssh/sftp-server} does): SFTP and SCP fail naming the cause and the fix, the
 * pipe works and keeps the greeting out of fetched files, and auto falls back to the pipe, verified and said.
 */
class OpenSshLoginNoiseTest {
    @TempDir
    static Path base;
    private static OpenSshd sshd;
    private static Path key;
    private static Path knownHosts;
    private static Path hostDir;
    /** Bytes that hold the greeting itself and a line that looks like the pipe's frame. */
    private static final byte[] CONTENT = ("first line\n" + TestUsers.NOISE + "conduit-0000000000000000 0 644\n\0\1"
            + "last").getBytes(StandardCharsets.UTF_8);

    @BeforeAll
    static void start() throws Exception {
        TestUsers.ensure();
        key = keygen(Files.createDirectories(base.resolve("keys")), "id_ed25519", "ed25519", "");
        Path authorized = Files.writeString(base.resolve("authorized_keys"), Files.readString(Path.of(key + ".pub")));
        // sshd reads authorized_keys as the user logging in
        Files.setPosixFilePermissions(base, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(authorized, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        // the user's own HOME (so bash reads its ~/.bashrc), and an sftp-server started through the login shell
        sshd = OpenSshd.start(base.resolve("sshd"), authorized, "Subsystem sftp /usr/lib/openssh/sftp-server",
                "SetEnv CONDUIT_TEST=1");
        knownHosts = Files.writeString(base.resolve("known_hosts"), sshd.knownHosts("ed25519"));
        hostDir = Path.of("/home/" + TestUsers.NOISY + "/conduit-noise-" + Long.toHexString(System.nanoTime()));
        Files.createDirectories(hostDir);
        TestUsers.check(TestUsers.run("chown", TestUsers.NOISY, hostDir.toString()), "chown");
    }

    @AfterAll
    static void stop() throws Exception {
        if (sshd != null) {
            sshd.close();
        }
        if (hostDir != null) {
            TestUsers.run("rm", "-rf", hostDir.toString());
        }
    }

    private static Connection open(SshPlugin plugin, String method, Trace trace) throws IOException {
        Connection c = plugin.create(new ConnectionKey("noisy", "ssh"));
        c.open(params(sshd.port, TestUsers.NOISY, null, "private_key_file", key.toString(), "transfer_method",
                method), trace);
        return c;
    }

    private static Set<String> hostFiles() throws IOException {
        try (Stream<Path> s = Files.list(hostDir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sftp", "scp"})
    void sftpAndScpNameTheLoginShellAndTheFixAndLeaveNothing(String method) throws Exception {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        Path local = Files.write(base.resolve("in-" + method), CONTENT);
        Files.write(hostDir.resolve("there-" + method), CONTENT);
        Set<String> before = hostFiles();
        try (Connection c = open(plugin, method, Trace.OFF)) {
            ConnectionException put = assertThrows(ConnectionException.class,
                    () -> c.put(local, hostDir + "/new-" + method, 0644));
            Path back = base.resolve("back-" + method);
            ConnectionException fetch = assertThrows(ConnectionException.class,
                    () -> c.fetch(hostDir + "/there-" + method, back));
            for (ConnectionException e : List.of(put, fetch)) {
                String m = e.getMessage();
                assertTrue(m.contains("the login shell of " + TestUsers.NOISY + " on 127.0.0.1:" + sshd.port
                        + " prints text on start (\"Welcome to the conduit-noisy shell\")"), m);
                assertTrue(m.contains("[ -t 0 ] || return") && m.contains("transfer_method: pipe"), m);
            }
            assertEquals(before, hostFiles(), "nothing left on the host");
            // MINA closed the whole session on SFTP's garbled first packet; the connection must stay usable
            assertEquals(0, c.exec(io.conduit.api.connection.Command.shell("true")).exitCode());
            assertFalse(Files.exists(back), "no local file");
            try (Stream<Path> s = Files.list(base)) {
                assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".conduit-")), "no local temporary");
            }
        } finally {
            plugin.deactivate();
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void thePipeCarriesTheFileAndNeverTheGreeting(boolean verify) throws Exception {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        Path local = Files.write(base.resolve("pipe-in-" + verify), CONTENT);
        String name = "pipe \n'$(touch x)'-" + verify;
        try (Connection c = plugin.create(new ConnectionKey("noisy", "ssh"))) {
            c.open(params(sshd.port, TestUsers.NOISY, null, "private_key_file", key.toString(), "transfer_method",
                    "pipe", "verify_checksum", verify));
            c.put(local, hostDir + "/" + name, 0640);
            assertArrayEquals(CONTENT, Files.readAllBytes(hostDir.resolve(name)));
            assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(Files
                    .getPosixFilePermissions(hostDir.resolve(name))));
            Path back = base.resolve("pipe-back-" + verify);
            c.fetch(hostDir + "/" + name, back);
            assertArrayEquals(CONTENT, Files.readAllBytes(back), "the greeting stays out of the fetched file");
            assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(Files
                    .getPosixFilePermissions(back)));
            assertTrue(hostFiles().stream().noneMatch(f -> f.startsWith(".conduit-")), hostFiles().toString());
        } finally {
            plugin.deactivate();
        }
    }

    @Test
    void autoFallsBackToThePipeVerifiedAndSaysSo() throws Exception {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        List<String> lines = new ArrayList<>();
        Trace trace = new Trace() {
            @Override
            public boolean on(int level) {
                return level <= Trace.CONNECTION;
            }

            @Override
            public void line(int level, String text) {
                synchronized (lines) {
                    lines.add(text);
                }
            }
        };
        Path local = Files.write(base.resolve("auto-in"), CONTENT);
        try (Connection c = open(plugin, "auto", trace)) {
            c.put(local, hostDir + "/auto", 0600, trace);
            assertArrayEquals(CONTENT, Files.readAllBytes(hostDir.resolve("auto")));
            Path back = base.resolve("auto-back");
            c.fetch(hostDir + "/auto", back, trace);
            assertArrayEquals(CONTENT, Files.readAllBytes(back));
            String said = "transfer_method auto: the login shell prints text on start, which breaks SFTP and SCP,"
                    + " so files go over pipe, verified by sha256";
            assertTrue(c.warnings().isEmpty(), "a verified fallback is no insecure choice: " + c.warnings());
            assertEquals(java.util.List.of(said), c.notices(), "the core says it in each transfer's result");
            assertTrue(lines.contains("ssh: sent over pipe (" + said + ")"), lines.toString());
            assertTrue(lines.contains("ssh: received over pipe (" + said + ")"), lines.toString());
        } finally {
            plugin.deactivate();
        }
    }

    @Test
    void theCoresPutAndFetchCompareAndCopyThroughTheNoise() throws Exception {
        // the core asks the host for the file's sha256 and mode by a script whose output the greeting precedes
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        Path local = Files.write(base.resolve("core-in"), CONTENT);
        try (Connection c = open(plugin, "auto", Trace.OFF)) {
            io.conduit.core.testing.TaskTransfers core = new io.conduit.core.testing.TaskTransfers(c, "noisy");
            io.conduit.api.testing.PutFetchScenario.How keep = new io.conduit.api.testing.PutFetchScenario.How(0640,
                    null, null, false, false);
            io.conduit.api.testing.PutFetchScenario.Outcome first = core.put(local, hostDir + "/core", keep);
            assertEquals("changed", first.status(), String.valueOf(first.error()));
            assertTrue(first.output().contains("note: transfer_method auto:"), first.output());
            assertEquals("ok", core.put(local, hostDir + "/core", keep).status(), "the same file is not sent again");
            Path back = Files.createDirectories(base.resolve("core-back"));
            io.conduit.api.testing.PutFetchScenario.Outcome fetched = core.fetch(hostDir + "/core", back, false);
            assertEquals("ok", fetched.status(), String.valueOf(fetched.error()));
            assertArrayEquals(CONTENT, Files.readAllBytes(back.resolve("noisy/core")));
            assertEquals("rw-r-----", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(back.resolve("noisy/core"))));
        } finally {
            plugin.deactivate();
        }
    }
}
