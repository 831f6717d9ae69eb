package io.conduit.ssh;

import static io.conduit.ssh.TestSupport.keygen;
import static io.conduit.ssh.TestSupport.open;
import static io.conduit.ssh.TestSupport.params;
import static io.conduit.ssh.TestSupport.plugin;
import static io.conduit.ssh.TestSupport.publicKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.AuthenticationFailedException;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.HostKeyRejectedException;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.TimedOutException;
import io.conduit.ssh.hostkey.KnownHosts;

/** The plugin against in-JVM MINA SSHD servers on 127.0.0.1. */
class SshConnectionTest {
    private static final Secret PW = Secret.of(MinaServer.PASSWORD);

    @TempDir
    Path dir;
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    private <T extends AutoCloseable> T closeLater(T c) {
        cleanup.add(0, c);
        return c;
    }

    private SshPlugin plugin(Object... kv) {
        SshPlugin p = TestSupport.plugin(dir.resolve("known_hosts"), kv);
        cleanup.add(0, p::deactivate);
        return p;
    }

    private MinaServer server() throws Exception {
        MinaServer s = closeLater(MinaServer.start(o -> { }));
        s.trust(dir.resolve("known_hosts"), false);
        return s;
    }

    @AfterEach
    void tearDown() throws Exception {
        for (AutoCloseable c : cleanup) {
            c.close();
        }
    }

    @Test
    void execKeepsStdoutStderrAndExitCodeApartAndReusesOneSession() throws Exception {
        MinaServer s = server();
        SshPlugin p = plugin();
        Connection c = closeLater(open(p, params(s.port(), MinaServer.USER, PW)));
        ExecResult r = c.exec(Command.shell("printf 'out\\000put'; printf err >&2; exit 3"));
        assertEquals(3, r.exitCode());
        assertArrayEquals("out\0put".getBytes(StandardCharsets.UTF_8), r.stdout());
        assertEquals("err", r.stderrText());
        for (int i = 0; i < 5; i++) {
            assertEquals("x" + i + "\n", c.exec(Command.shell("echo x" + i)).stdoutText());
            assertTrue(c.isAlive());
        }
        assertEquals(1, s.sessions.get(), "one SSH session serves every command");
    }

    @Test
    void stdinEnvironmentAndWorkingDirectory() throws Exception {
        MinaServer s = server();
        Connection c = closeLater(open(plugin(), params(s.port(), MinaServer.USER, PW)));
        // under 64 KiB: MINA's test shell pumps stdin and stdout in one thread, so more would deadlock the
        // server (OpenSSH has no such limit; the interop test sends megabytes)
        byte[] data = new byte[40_000];
        new Random(7).nextBytes(data);
        ExecResult cat = c.exec(Command.shell("cat").withStdin(data).withOutputLimit(1 << 20));
        assertArrayEquals(data, cat.stdout());
        ExecResult env = c.exec(Command.shell("echo \"$GREETING\"; pwd").withEnv(Map.of("GREETING", "it's me"))
                .withCwd(dir.toString()));
        assertEquals("it's me\n" + dir.toRealPath() + "\n", env.stdoutText());
    }

    @Test
    void outputAboveTheLimitIsCountedAndDropped() throws Exception {
        MinaServer s = server();
        Connection c = closeLater(open(plugin(), params(s.port(), MinaServer.USER, PW)));
        ExecResult r = c.exec(Command.shell("head -c 5000000 /dev/zero; echo tail >&2").withOutputLimit(1000));
        assertEquals(1000, r.stdout().length);
        assertTrue(r.stdoutTruncated());
        assertFalse(r.stderrTruncated());
        assertEquals(4_999_000, r.stdoutDropped());
        assertEquals(0, r.stderrDropped());
        assertEquals("tail\n", r.stderrText());
    }

    @Test
    void commandTimeoutStopsTheCommandAndSaysSo() throws Exception {
        MinaServer s = server();
        Connection c = closeLater(open(plugin(), params(s.port(), MinaServer.USER, PW)));
        long t0 = System.nanoTime();
        TimedOutException e = assertThrows(TimedOutException.class, () -> c.exec(Command.shell(
                "echo started; exec sleep 60").withTimeout(Duration.ofSeconds(1))));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 6000, "timed out after " + ms + " ms");
        assertTrue(e.getMessage().contains("timed out after 1s"), e.getMessage());
        assertNotNull(e.partial());
        assertEquals("started\n", e.partial().stdoutText());
        // that the remote process is gone is checked against OpenSSH (OpenSshInteropTest): MINA's test
        // server does not implement the "signal" channel request
        assertEquals("ok\n", c.exec(Command.shell("echo ok")).stdoutText(), "the connection still serves");
    }

    @Test
    void wrongPasswordIsAnAuthenticationFailureThatNeverShowsThePassword() throws Exception {
        MinaServer s = server();
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                () -> open(plugin(), params(s.port(), MinaServer.USER, Secret.of("hunter2-wrong"))));
        assertTrue(e.getMessage().contains("authentication failed for user tester"), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + s.port()), e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"), e.getMessage());
    }

    @Test
    void keyboardInteractiveAnswersThePasswordPrompt() throws Exception {
        MinaServer s = closeLater(MinaServer.start(o -> o.keyboardInteractiveOnly = true));
        s.trust(dir.resolve("known_hosts"), false);
        Connection c = closeLater(open(plugin(), params(s.port(), MinaServer.USER, PW)));
        assertEquals("kbd\n", c.exec(Command.shell("echo kbd")).stdoutText());
    }

    @Test
    void publicKeysOfEveryTypeAndPassphraseProtected() throws Exception {
        for (String[] k : new String[][] {{"ed25519", ""}, {"ecdsa", ""}, {"rsa", ""}, {"ed25519", "pass phrase"}}) {
            Path key = keygen(dir, "id_" + k[0] + (k[1].isEmpty() ? "" : "_enc"), k[0], k[1]);
            MinaServer s = closeLater(MinaServer.start(o -> {
                o.password = false;
                try {
                    o.authorizedKey = publicKey(key);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
            s.trust(dir.resolve("known_hosts"), false);
            SshPlugin p = plugin();
            Object[] extras = k[1].isEmpty() ? new Object[] {"private_key_file", key.toString()}
                    : new Object[] {"private_key_file", key.toString(), "private_key_passphrase", Secret.of(k[1])};
            Connection c = closeLater(open(p, params(s.port(), MinaServer.USER, null, extras)));
            assertEquals(k[0] + "\n", c.exec(Command.shell("echo " + k[0])).stdoutText());
            if (!k[1].isEmpty()) {
                AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class,
                        () -> open(p, params(s.port(), MinaServer.USER, null, "private_key_file", key.toString())));
                assertTrue(e.getMessage().contains("set private_key_passphrase"), e.getMessage());
            }
        }
    }

    @Test
    void strictRefusesAnUnknownHostWithItsFingerprint() throws Exception {
        MinaServer s = closeLater(MinaServer.start(o -> { }));
        HostKeyRejectedException e = assertThrows(HostKeyRejectedException.class,
                () -> open(plugin(), params(s.port(), MinaServer.USER, PW)));
        assertTrue(e.getMessage().contains(KeyUtils.getFingerPrint(s.hostKey.getPublic())), e.getMessage());
        assertTrue(e.getMessage().contains("[127.0.0.1]:" + s.port()), e.getMessage());
        assertTrue(e.getMessage().contains("strict"), e.getMessage());
    }

    @Test
    void acceptNewRecordsTheKeyAndRefusesAChangedOneNamingFileAndLine() throws Exception {
        Path kh = dir.resolve("known_hosts");
        Files.writeString(kh, "# comment\nother.example ssh-ed25519 "
                + "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n");
        MinaServer s = closeLater(MinaServer.start(o -> { }));
        SshPlugin p = plugin("host_key_checking", "accept-new");
        closeLater(open(p, params(s.port(), MinaServer.USER, PW))).close();
        List<String> lines = Files.readAllLines(kh);
        assertEquals(3, lines.size());
        assertTrue(lines.get(2).startsWith("[127.0.0.1]:" + s.port() + " ssh-ed25519 "), lines.get(2));
        // strict now knows it
        closeLater(open(plugin(), params(s.port(), MinaServer.USER, PW)));

        s.close();
        MinaServer impostor = closeLater(MinaServer.start(o -> o.password = true));
        int port = impostor.port();
        // re-record the first server's key for the impostor's port, so that the impostor's key is "changed"
        Files.writeString(kh, Files.readString(kh).replace("[127.0.0.1]:" + s.port(), "[127.0.0.1]:" + port));
        HostKeyRejectedException e = assertThrows(HostKeyRejectedException.class,
                () -> open(p, params(port, MinaServer.USER, PW)));
        assertTrue(e.getMessage().contains("HOST KEY CHANGED"), e.getMessage());
        assertTrue(e.getMessage().contains(kh + ":3"), e.getMessage());
        assertTrue(e.getMessage().contains(KeyUtils.getFingerPrint(impostor.hostKey.getPublic())), e.getMessage());
        assertTrue(e.getMessage().contains(KeyUtils.getFingerPrint(s.hostKey.getPublic())), e.getMessage());
        assertEquals(3, Files.readAllLines(kh).size(), "accept-new never replaces a recorded key");
    }

    @Test
    void hashedEntriesMatchAndOffConnectsWithoutAFile() throws Exception {
        MinaServer s = closeLater(MinaServer.start(o -> { }));
        s.trust(dir.resolve("known_hosts"), true);
        assertTrue(Files.readString(dir.resolve("known_hosts")).startsWith("|1|"));
        closeLater(open(plugin(), params(s.port(), MinaServer.USER, PW)));
        SshPlugin off = TestSupport.plugin(dir.resolve("absent"), "host_key_checking", "off");
        cleanup.add(0, off::deactivate);
        closeLater(open(off, params(s.port(), MinaServer.USER, PW)));
        assertFalse(Files.exists(dir.resolve("absent")));
    }

    @Test
    void concurrentAcceptNewWritersNeverCorruptKnownHosts() throws Exception {
        int n = 12;
        List<MinaServer> servers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            servers.add(closeLater(MinaServer.start(o -> { })));
        }
        SshPlugin p = plugin("host_key_checking", "accept-new", "hash_known_hosts", true);
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (MinaServer s : servers) {
            Thread t = new Thread(() -> {
                try {
                    go.await();
                    open(p, params(s.port(), MinaServer.USER, PW)).close();
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            t.start();
            threads.add(t);
        }
        go.countDown();
        for (Thread t : threads) {
            t.join(60_000);
        }
        assertEquals(List.of(), errors);
        KnownHosts kh = new KnownHosts(dir.resolve("known_hosts"));
        assertEquals(n, Files.readAllLines(dir.resolve("known_hosts")).size());
        for (MinaServer s : servers) {
            List<KnownHosts.Line> found = kh.lookup("127.0.0.1", s.port());
            assertEquals(1, found.size());
            assertTrue(KeyUtils.compareKeys(s.hostKey.getPublic(), found.get(0).key()));
        }
    }

    @Test
    void closedPortIsUnreachableAndASilentServerTimesOutWithinConnectTimeout() throws Exception {
        int closed;
        try (ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = ss.getLocalPort();
        }
        SshPlugin p = plugin("connect_timeout", "1s");
        ConnectFailedException refused = assertThrows(ConnectFailedException.class,
                () -> open(p, params(closed, MinaServer.USER, PW)));
        assertTrue(refused.getMessage().contains("connection refused"), refused.getMessage());

        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (!silent.isClosed()) {
                        accepted.add(silent.accept()); // accept, then say nothing
                    }
                } catch (java.io.IOException e) {
                    // closed at the end of the test
                }
            });
            acceptor.start();
            long t0 = System.nanoTime();
            TimedOutException e = assertThrows(TimedOutException.class,
                    () -> open(p, params(silent.getLocalPort(), MinaServer.USER, PW)));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms >= 900 && ms < 3000, "took " + ms + " ms");
            assertTrue(e.getMessage().contains("sent no SSH banner within 1s"), e.getMessage());
            silent.close();
            acceptor.join(5000);
            for (Socket sock : accepted) {
                sock.close();
            }
        }
    }

    @Test
    void sftpPutAndFetchStreamKeepModeAndLeaveNoTemporaryFile() throws Exception {
        MinaServer s = server();
        Connection c = closeLater(open(plugin("verify_checksum", true), params(s.port(), MinaServer.USER, PW)));
        Path local = dir.resolve("payload.bin");
        byte[] data = new byte[3_000_000];
        new Random(1).nextBytes(data);
        Files.write(local, data);
        Path remoteDir = Files.createDirectory(dir.resolve("remote"));
        String remote = remoteDir.resolve("payload.bin").toString();
        Files.writeString(Path.of(remote), "old content");
        c.put(local, remote, 0640);
        assertArrayEquals(data, Files.readAllBytes(Path.of(remote)));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(remote))));
        try (var names = Files.list(remoteDir)) {
            assertEquals(List.of("payload.bin"), names.map(f -> f.getFileName().toString()).toList());
        }
        Files.setPosixFilePermissions(local, PosixFilePermissions.fromString("rwxr-x---"));
        c.put(local, remote, Connection.KEEP_MODE);
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(remote))));

        Path back = dir.resolve("back/payload.bin");
        c.fetch(remote, back);
        assertArrayEquals(data, Files.readAllBytes(back));
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(back)));

        RemoteFileNotFoundException missing = assertThrows(RemoteFileNotFoundException.class,
                () -> c.fetch(remoteDir.resolve("nope").toString(), dir.resolve("nope")));
        assertTrue(missing.getMessage().contains("no such file"), missing.getMessage());
        assertFalse(Files.exists(dir.resolve("nope")));
    }

    @Test
    void scpWhenTheServerHasNoSftpSubsystem() throws Exception {
        MinaServer s = closeLater(MinaServer.start(o -> o.sftp = false));
        s.trust(dir.resolve("known_hosts"), false);
        // verified without verify_checksum: the operator did not name SCP
        Connection c = closeLater(open(plugin(), params(s.port(), MinaServer.USER, PW)));
        Path local = dir.resolve("scp.bin");
        byte[] data = new byte[1_000_000];
        new Random(2).nextBytes(data);
        Files.write(local, data);
        String remote = dir.resolve("scp-remote.bin").toString();
        List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        io.conduit.api.connection.Trace trace = new io.conduit.api.connection.Trace() {
            @Override
            public boolean on(int level) {
                return level == CONNECTION;
            }

            @Override
            public void line(int level, String text) {
                lines.add(text);
            }
        };
        c.put(local, remote, 0600, trace);
        assertEquals(List.of("ssh: sent over scp (transfer_method auto: the server has no SFTP subsystem, so files go"
                + " over scp, verified by sha256)"), lines);
        assertTrue(s.commands.stream().anyMatch(l -> l.contains("sha256sum")), "verified: " + s.commands);
        assertArrayEquals(data, Files.readAllBytes(Path.of(remote)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(remote))));
        c.fetch(remote, dir.resolve("scp-back.bin"));
        assertArrayEquals(data, Files.readAllBytes(dir.resolve("scp-back.bin")));
        assertThrows(RemoteFileNotFoundException.class, () -> c.fetch(dir + "/missing", dir.resolve("m")));
    }

    @Test
    void jumpHostWithItsOwnKeyCheckAndTimeoutsThroughTheHop() throws Exception {
        Path key = keygen(dir, "id_jump", "ed25519", "");
        MinaServer jump = closeLater(MinaServer.start(o -> {
            o.forwarding = true;
            o.password = false;
            try {
                o.authorizedKey = publicKey(key);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }));
        MinaServer target = server();
        jump.trust(dir.resolve("known_hosts"), false);
        SshPlugin p = plugin("private_key_file", key.toString(), "connect_timeout", "2s");
        Connection c = closeLater(open(p, params(target.port(), MinaServer.USER, PW,
                "proxy_jump", MinaServer.USER + "@127.0.0.1:" + jump.port())));
        assertEquals("through\n", c.exec(Command.shell("echo through")).stdoutText());
        assertEquals(1, jump.sessions.get());
        assertEquals(1, target.sessions.get());

        // an unknown jump host is refused on its own key
        MinaServer unknownJump = closeLater(MinaServer.start(o -> o.forwarding = true));
        HostKeyRejectedException e = assertThrows(HostKeyRejectedException.class, () -> open(p,
                params(target.port(), MinaServer.USER, PW, "proxy_jump", "127.0.0.1:" + unknownJump.port())));
        assertTrue(e.getMessage().contains("[127.0.0.1]:" + unknownJump.port()), e.getMessage());

        // a silent target behind the jump host times out within connect_timeout
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                List<Socket> keep = new ArrayList<>();
                try {
                    while (!silent.isClosed()) {
                        keep.add(silent.accept());
                    }
                } catch (java.io.IOException ignored) {
                    // closed
                }
            });
            acceptor.start();
            long t0 = System.nanoTime();
            assertThrows(TimedOutException.class, () -> open(p, params(silent.getLocalPort(), MinaServer.USER, PW,
                    "proxy_jump", MinaServer.USER + "@127.0.0.1:" + jump.port())));
            assertTrue((System.nanoTime() - t0) / 1_000_000 < 5000);
            silent.close();
            acceptor.join(5000);
        }
    }

    @Test
    void isAliveIsFalseOnceTheServerIsGoneAndCallsThenFailAsLost() throws Exception {
        MinaServer s = server();
        Connection c = closeLater(open(plugin(), params(s.port(), MinaServer.USER, PW)));
        assertTrue(c.isAlive());
        s.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        boolean alive = true;
        while (alive && System.nanoTime() < deadline) {
            alive = c.isAlive();
        }
        assertFalse(alive);
        assertThrows(ConnectFailedException.class, () -> c.exec(Command.shell("true")));
    }

    /**
     * The link drops without a close (no FIN, no RST): the session still looks open, so only an answer from the
     * server proves it alive. isAlive asks for one and says no when none comes; the session state alone would say
     * yes for minutes.
     */
    @Test
    void isAliveIsFalseOnceTheLinkFreezesSilently() throws Exception {
        MinaServer s = server();
        FreezingProxy proxy = closeLater(new FreezingProxy(s.port()));
        Connection c = closeLater(open(plugin(), params(proxy.port(), MinaServer.USER, PW,
                "host_key_checking", "accept-new")));
        assertEquals("up\n", c.exec(Command.shell("echo up")).stdoutText());
        assertTrue(c.isAlive());
        assertTrue(c.isAlive(), "a probe leaves the session as it was");
        proxy.freeze();
        assertFalse(c.isAlive(), "no answer through a frozen link");
    }

    @Test
    void deactivateClosesConnectionsAndStopsEveryClientThread() throws Exception {
        MinaServer s = server();
        SshPlugin p = TestSupport.plugin(dir.resolve("known_hosts"));
        Connection c = open(p, params(s.port(), MinaServer.USER, PW));
        assertEquals(1, p.openConnections());
        // only this plugin's client's threads: another test's client (or the test server's) may still be stopping
        String client = "sshd-" + p.clientName() + "-";
        assertFalse(clientThreads(client).isEmpty(), "the client's threads are named after it: " + client);
        p.deactivate();
        assertFalse(c.isAlive());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        List<String> left;
        while (!(left = clientThreads(client)).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(List.of(), left, "client threads left after deactivate");
    }

    private static List<String> clientThreads(String prefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(prefix)).toList();
    }
}
