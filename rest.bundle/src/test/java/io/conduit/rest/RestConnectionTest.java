package io.conduit.rest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.AuthenticationFailedException;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.Secret;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.rest.agent.Agent;
import io.conduit.rest.agent.tls.Certificates;
import io.conduit.rest.connection.RestConnection;
import io.conduit.rest.RestPlugin;
import io.conduit.rest.support.Configs;
import io.conduit.rest.support.TestAgents;

/** The plugin against the reference agent over HTTPS on 127.0.0.1, each agent with its own generated CA. */
class RestConnectionTest {
    private static final String TOKEN = "t0ken-" + Long.toHexString(new Random().nextLong());

    @TempDir
    Path tmp;
    private TestAgents agents;
    private RestPlugin plugin;
    private Agent agent;

    @BeforeEach
    void start() throws Exception {
        agents = new TestAgents(tmp.resolve("agents"));
        agent = agents.start(TOKEN);
        plugin = new RestPlugin(Configs.defaults());
    }

    @AfterEach
    void stop() {
        plugin.deactivate();
        agents.close();
    }

    private Map<String, Object> trusting(Agent a) {
        Map<String, Object> extras = new HashMap<>();
        extras.put("token", Secret.of(TOKEN));
        extras.put("ca_file", a.caFile().toString());
        return extras;
    }

    private RestConnection open(Agent a, Map<String, Object> extras) throws IOException {
        return open("127.0.0.1", a.port(), extras);
    }

    private RestConnection open(String host, int port, Map<String, Object> extras) throws IOException {
        RestConnection c = (RestConnection) plugin.create(new ConnectionKey("dev", "rest"));
        try {
            c.open(new ConnectionParams(host, port, null, null, null, extras));
        } catch (IOException | RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    @Test
    void validTokenRunsCommandsWithExitCodeOutputStdinEnvAndCwd() throws Exception {
        try (Connection c = open(agent, trusting(agent))) {
            assertTrue(c.isAlive());
            ExecResult r = c.exec(Command.shell("echo hello; echo oops >&2; exit 3"));
            assertEquals(3, r.exitCode());
            assertEquals("hello\n", r.stdoutText());
            assertEquals("oops\n", r.stderrText());

            byte[] binary = new byte[256];
            for (int i = 0; i < binary.length; i++) {
                binary[i] = (byte) i;
            }
            assertArrayEquals(binary, c.exec(Command.shell("cat").withStdin(binary)).stdout());

            Path dir = Files.createDirectories(tmp.resolve("work dir ü"));
            ExecResult env = c.exec(Command.shell("printf '%s|' \"$GREETING\"; pwd")
                    .withEnv(Map.of("GREETING", "hi 'there' $HOME")).withCwd(dir.toString()));
            assertEquals("hi 'there' $HOME|" + dir + "\n", env.stdoutText());
        }
    }

    @Test
    void outputIsCappedAtTheCommandsLimit() throws Exception {
        try (Connection c = open(agent, trusting(agent))) {
            ExecResult r = c.exec(Command.shell("head -c 100000 /dev/zero").withOutputLimit(1000));
            assertEquals(0, r.exitCode());
            assertEquals(1000, r.stdout().length);
            assertTrue(r.stdoutTruncated());
            assertFalse(r.stderrTruncated());
            assertEquals(99_000, r.stdoutDropped(), "the agent's count and the plugin's, in all");
            assertEquals(0, r.stderrDropped());
        }
    }

    @Test
    void wrongTokenIsAnAuthenticationFailureThatNeverShowsTheToken() throws Exception {
        Map<String, Object> extras = trusting(agent);
        String wrong = "wr0ng-" + TOKEN;
        extras.put("token", Secret.of(wrong));
        AuthenticationFailedException e = assertThrows(AuthenticationFailedException.class, () -> open(agent, extras));
        assertTrue(e.getMessage().contains("127.0.0.1:" + agent.port()), e.getMessage());
        assertTrue(e.getMessage().contains("401"), e.getMessage());
        assertTrue(e.getMessage().contains("token"), e.getMessage());
        assertFalse(e.getMessage().contains(wrong) || e.getMessage().contains(TOKEN), e.getMessage());

        extras.remove("token");
        AuthenticationFailedException none = assertThrows(AuthenticationFailedException.class, () -> open(agent, extras));
        assertTrue(none.getMessage().contains("no token is set"), none.getMessage());
    }

    @Test
    void untrustedCertificateFailsToConnectUnlessVerificationIsOff() throws Exception {
        Map<String, Object> extras = trusting(agent);
        extras.remove("ca_file"); // the JDK's trust store does not know the agent's CA
        ConnectFailedException e = assertThrows(ConnectFailedException.class, () -> open(agent, extras));
        assertTrue(e.getMessage().contains("certificate not trusted"), e.getMessage());
        assertTrue(e.getMessage().contains("ca_file"), e.getMessage());

        Agent other = agents.start(TOKEN); // another CA: trusting it is not trusting this agent
        extras.put("ca_file", other.caFile().toString());
        ConnectFailedException wrongCa = assertThrows(ConnectFailedException.class, () -> open(agent, extras));
        assertTrue(wrongCa.getMessage().contains("certificate not trusted"), wrongCa.getMessage());

        extras.put("verify_ssl", false);
        try (Connection c = open(agent, extras)) {
            assertEquals("ok\n", c.exec(Command.shell("echo ok")).stdoutText());
        }
    }

    @Test
    void hostnameMismatchSaysWhichNamesTheCertificateHas() throws Exception {
        // an operator's key store whose certificate names only device.example, served on 127.0.0.1
        Certificates.Issued ca = Certificates.ca("Test CA", Duration.ofDays(1));
        Certificates.Issued server = Certificates.server(ca, "device.example", List.of("device.example"),
                Duration.ofDays(1));
        java.security.KeyStore store = java.security.KeyStore.getInstance("PKCS12");
        store.load(null, null);
        char[] password = "changeit".toCharArray();
        store.setKeyEntry("server", server.keys().getPrivate(), password,
                new java.security.cert.Certificate[] {server.certificate(), ca.certificate()});
        Path p12 = tmp.resolve("device.p12");
        try (OutputStream out = Files.newOutputStream(p12)) {
            store.store(out, password);
        }
        Path passwordFile = tmp.resolve("device.pass");
        Files.writeString(passwordFile, "changeit\n");
        Path caFile = tmp.resolve("device-ca.pem");
        Files.writeString(caFile, Certificates.pem(ca.certificate()));
        Agent device = agents.start(TOKEN, "--keystore", p12.toString(), "--keystore-password-file",
                passwordFile.toString());

        Map<String, Object> extras = trusting(device);
        extras.put("ca_file", caFile.toString());
        ConnectFailedException e = assertThrows(ConnectFailedException.class, () -> open(device, extras));
        assertTrue(e.getMessage().contains("hostname mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains("device.example"), e.getMessage());
        assertTrue(e.getMessage().contains("'127.0.0.1'"), e.getMessage());
    }

    @Test
    void binaryFilesRoundTripThroughRawStreamingAndThroughJson() throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(42).nextBytes(data);
        Path local = Files.write(tmp.resolve("data.bin"), data);
        Path empty = Files.write(tmp.resolve("empty.bin"), new byte[0]);
        Path remoteDir = Files.createDirectories(tmp.resolve("remote"));

        for (boolean raw : new boolean[] {true, false}) {
            Map<String, Object> extras = trusting(agent);
            extras.put("raw_files", raw);
            try (RestConnection c = open(agent, extras)) {
                assertEquals(raw, c.rawFiles());
                String remote = remoteDir.resolve("data-" + raw + ".bin").toString();
                c.put(local, remote, 0640);
                assertEquals(sha256(local), sha256(Path.of(remote)));
                assertEquals("640", c.exec(Command.shell("stat -c %a '" + remote + "'")).stdoutText().strip());
                Path back = tmp.resolve("back-" + raw + ".bin");
                c.fetch(remote, back);
                assertEquals(sha256(local), sha256(back));

                String remoteEmpty = remoteDir.resolve("empty-" + raw).toString();
                c.put(empty, remoteEmpty, Connection.KEEP_MODE);
                assertEquals(0, Files.size(Path.of(remoteEmpty)));
                Path emptyBack = tmp.resolve("empty-back-" + raw);
                Files.writeString(emptyBack, "old content is replaced");
                c.fetch(remoteEmpty, emptyBack);
                assertEquals(0, Files.size(emptyBack));
            }
        }
    }

    @Test
    void fetchedFilesGetTheDeviceFilesModeAndPutSetsOrKeepsIt() throws Exception {
        Path remoteDir = Files.createDirectories(tmp.resolve("modes"));
        Path script = Files.writeString(remoteDir.resolve("run.sh"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-x--x"));
        Path local = Files.writeString(tmp.resolve("tool"), "tool\n");
        Files.setPosixFilePermissions(local, PosixFilePermissions.fromString("rwxr-x---"));
        for (boolean raw : new boolean[] {true, false}) {
            Map<String, Object> extras = trusting(agent);
            extras.put("raw_files", raw);
            try (RestConnection c = open(agent, extras)) {
                Path back = tmp.resolve("run-" + raw + ".sh");
                Files.writeString(back, "an older copy, 0600");
                Files.setPosixFilePermissions(back, PosixFilePermissions.fromString("rw-------"));
                c.fetch(script.toString(), back);
                assertEquals("rwxr-x--x", PosixFilePermissions.toString(Files.getPosixFilePermissions(back)));

                Path kept = remoteDir.resolve("tool-" + raw);
                c.put(local, kept.toString(), Connection.KEEP_MODE);
                assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)));
                c.put(local, kept.toString(), 0604);
                assertEquals("rw----r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(kept)));
            }
        }
    }

    @Test
    void aFileOverTheDevicesLimitIsRefusedBeforeItIsSent() throws Exception {
        Agent limited = agents.start(TOKEN, "--max-file-size", "1k");
        Path dir = Files.createDirectories(tmp.resolve("limited"));
        Path local = Files.write(tmp.resolve("firmware.bin"), new byte[4096]);
        try (Connection c = open(limited, trusting(limited))) {
            ConnectionException e = assertThrows(ConnectionException.class,
                    () -> c.put(local, dir.resolve("firmware.bin").toString(), 0644));
            assertTrue(e.getMessage().contains("is 4096 bytes, over the device's limit of 1024 bytes (max_file_size in its"
                    + " /api/v1/health); start the agent with a larger --max-file-size"), e.getMessage());
            assertEquals(List.of(), Files.list(dir).toList());
        }
    }

    @Test
    void hundredMebibytesStreamRawAndArriveIntact() throws Exception {
        Path big = tmp.resolve("big.bin");
        Random random = new Random(7);
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(big)) {
            for (int i = 0; i < 100; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        String remote = tmp.resolve("remote big.bin").toString();
        try (RestConnection c = open(agent, trusting(agent))) {
            assertTrue(c.rawFiles());
            c.put(big, remote, 0600);
            assertEquals(sha256(big), sha256(Path.of(remote)));
            Path back = tmp.resolve("big-back.bin");
            c.fetch(remote, back);
            assertEquals(100L << 20, Files.size(back));
            assertEquals(sha256(big), sha256(back));
        }
    }

    @Test
    void pathsWithSpacesAndNonAsciiCharacters() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("dossier été/文件 dir"));
        Path local = Files.writeString(tmp.resolve("naïve file ü.txt"), "grüße, 世界\n");
        for (boolean raw : new boolean[] {true, false}) {
            Map<String, Object> extras = trusting(agent);
            extras.put("raw_files", raw);
            try (Connection c = open(agent, extras)) {
                String remote = dir.resolve("résumé & co " + raw + ".txt").toString();
                c.put(local, remote, 0644);
                assertEquals("grüße, 世界\n", Files.readString(Path.of(remote)));
                Path back = tmp.resolve("zurück " + raw + " ü.txt");
                c.fetch(remote, back);
                assertEquals("grüße, 世界\n", Files.readString(back));
                assertEquals("grüße, 世界\n", c.exec(Command.argv(List.of("cat", remote))).stdoutText());
            }
        }
    }

    @Test
    void fetchingAMissingFileIsRemoteFileNotFoundAndWritingIntoAMissingDirectorySaysSo() throws Exception {
        try (Connection c = open(agent, trusting(agent))) {
            RemoteFileNotFoundException e = assertThrows(RemoteFileNotFoundException.class,
                    () -> c.fetch("/no/such/file here", tmp.resolve("x")));
            assertTrue(e.getMessage().contains("/no/such/file here"), e.getMessage());
            assertFalse(Files.exists(tmp.resolve("x")));

            Path local = Files.writeString(tmp.resolve("small.txt"), "x");
            TransferFailedException noDir = assertThrows(TransferFailedException.class,
                    () -> c.put(local, tmp.resolve("no such dir/file.txt").toString(), 0644));
            assertEquals(FileProblem.MISSING_DIRECTORY, noDir.problem(), noDir.getMessage());
            assertTrue(noDir.getMessage().contains("the directory does not exist (create it first"),
                    noDir.getMessage());
        }
    }

    @Test
    void aCommandOutlivingItsTimeoutIsKilledWithItsChildren() throws Exception {
        Path pidFile = tmp.resolve("sleeper.pid");
        try (Connection c = open(agent, trusting(agent))) {
            long start = System.nanoTime();
            TimedOutException e = assertThrows(TimedOutException.class, () -> c.exec(
                    Command.shell("sleep 60 & echo $! > '" + pidFile + "'; echo started; wait")
                            .withTimeout(Duration.ofSeconds(1))));
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            assertTrue(took.compareTo(Duration.ofSeconds(15)) < 0, "took " + took);
            assertTrue(e.getMessage().contains("timed out after 1s"), e.getMessage());
            assertEquals(Duration.ofSeconds(1), e.limit());
            assertEquals("started\n", new String(e.partial().stdout(), StandardCharsets.UTF_8));

            long pid = Long.parseLong(Files.readString(pidFile).strip());
            ProcessHandle.of(pid).ifPresent(sleeper -> {
                try {
                    sleeper.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception ex) {
                    throw new AssertionError("the background sleep " + pid + " survived the timeout", ex);
                }
            });
            assertTrue(c.isAlive(), "the connection is still usable");
        }
    }

    @Test
    void anAgentStoppedMidRunFailsItsHostWhileAnotherAgentGoesOn() throws Exception {
        Agent other = agents.start(TOKEN);
        Path started = tmp.resolve("started");
        try (Connection doomed = open(agent, trusting(agent)); Connection healthy = open(other, trusting(other))) {
            CompletableFuture<ExecResult> running = CompletableFuture.supplyAsync(() -> {
                try {
                    return doomed.exec(Command.shell("touch '" + started + "'; sleep 30"));
                } catch (IOException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            awaitFile(started, Duration.ofSeconds(10));
            agent.stop();

            ExecutionException e = assertThrows(ExecutionException.class, () -> running.get(15, TimeUnit.SECONDS));
            ConnectionException failure = assertInstanceOf(ConnectionException.class, e.getCause());
            assertTrue(failure.getMessage().contains("127.0.0.1:" + agent.port()), failure.getMessage());
            assertTrue(failure.getMessage().contains(StopOutcome.UNCONFIRMED.description()), failure.getMessage());

            assertEquals("still here\n", healthy.exec(Command.shell("echo still here")).stdoutText());
            assertFalse(doomed.isAlive());
            ConnectFailedException refused = assertThrows(ConnectFailedException.class, () -> open(agent, trusting(agent)));
            assertTrue(refused.getMessage().contains("connection refused"), refused.getMessage());
        }
    }

    @Test
    void commandsOverTheAgentsLimitAreRefusedWithWhy() throws Exception {
        Agent small = agents.start(TOKEN, "--max-commands", "1");
        Path running = tmp.resolve("running");
        Path release = tmp.resolve("release");
        try (Connection c = open(small, trusting(small))) {
            CompletableFuture<ExecResult> first = CompletableFuture.supplyAsync(() -> {
                try {
                    return c.exec(Command.shell("touch '" + running + "'; while [ ! -e '" + release
                            + "' ]; do sleep 0.05; done; echo released").withTimeout(Duration.ofSeconds(30)));
                } catch (IOException e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            awaitFile(running, Duration.ofSeconds(10));
            ConnectionException busy = assertThrows(ConnectionException.class, () -> c.exec(Command.shell("true")));
            assertTrue(busy.getMessage().contains("503") && busy.getMessage().contains("--max-commands"),
                    busy.getMessage());
            Files.createFile(release);
            assertEquals("released\n", first.get(30, TimeUnit.SECONDS).stdoutText());
            assertEquals(0, c.exec(Command.shell("true")).exitCode());
        }
    }

    @Test
    void closeCancelsACallInFlight() throws Exception {
        Connection c = open(agent, trusting(agent));
        CompletableFuture<ExecResult> running = CompletableFuture.supplyAsync(() -> {
            try {
                return c.exec(Command.shell("sleep 30"));
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        // nothing signals that the request is on the wire; close in either state must end the call
        c.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> running.get(10, TimeUnit.SECONDS));
        assertInstanceOf(ConnectionException.class, e.getCause());
    }

    @Test
    void hostsWithTheSameTlsSettingsShareOneHttpClient() throws Exception {
        Agent other = agents.start(TOKEN);
        try (Connection a = open(agent, trusting(agent)); Connection b = open(agent, trusting(agent));
                Connection c = open(other, trusting(other))) {
            assertEquals(2, plugin.clients().size(), "one client per CA file, not per host");
            assertEquals("1\n", a.exec(Command.shell("echo 1")).stdoutText());
            assertEquals("2\n", b.exec(Command.shell("echo 2")).stdoutText());
            assertEquals("3\n", c.exec(Command.shell("echo 3")).stdoutText());
        }
    }

    @Test
    void closingTheConnectionKillsTheCommandItWasWaitingFor() throws Exception {
        Path pidFile = tmp.resolve("orphan.pid");
        Connection c = open(agent, trusting(agent));
        CompletableFuture<ExecResult> running = CompletableFuture.supplyAsync(() -> {
            try {
                return c.exec(Command.shell("sleep 120 & echo $! > '" + pidFile + ".tmp'; mv '" + pidFile
                        + ".tmp' '" + pidFile + "'; wait"));
            } catch (IOException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
        awaitFile(pidFile, Duration.ofSeconds(10));
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        c.close(); // what the core does on a host timeout: the agent must not keep the command running
        ExecutionException e = assertThrows(ExecutionException.class, () -> running.get(10, TimeUnit.SECONDS));
        assertInstanceOf(ConnectionException.class, e.getCause());
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().orTimeout(10, TimeUnit.SECONDS).join());
    }

    @Test
    void deactivateLeavesNoPluginThreads() throws Exception {
        for (int i = 0; i < 3; i++) {
            Connection c = open(agent, trusting(agent));
            c.exec(Command.shell("true"));
        }
        plugin.deactivate();
        List<String> left = Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive)
                .map(Thread::getName).filter(n -> n.startsWith("conduit-rest-http")).toList();
        assertEquals(List.of(), left);
    }

    @Test
    void refusedPortIsConnectFailedWithThePort() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ConnectFailedException e = assertThrows(ConnectFailedException.class,
                () -> open("127.0.0.1", port, trusting(agent)));
        assertTrue(e.getMessage().startsWith("127.0.0.1:" + port + ": connection refused"), e.getMessage());
    }

    /** Waits for a file to appear, on file system events (the agent's child signals only through the disk). */
    static void awaitFile(Path file, Duration limit) throws Exception {
        try (java.nio.file.WatchService watch = file.getFileSystem().newWatchService()) {
            file.getParent().register(watch, java.nio.file.StandardWatchEventKinds.ENTRY_CREATE);
            long deadline = System.nanoTime() + limit.toNanos();
            while (!Files.exists(file)) {
                long left = deadline - System.nanoTime();
                assertTrue(left > 0, file + " did not appear within " + limit);
                java.nio.file.WatchKey key = watch.poll(left, TimeUnit.NANOSECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        }
    }

    @Test
    void aDeviceThatAcceptsButNeverAnswersTimesOutWithinTheDeadlines() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // accept, then say nothing: no TLS, no HTTP
                    }
                } catch (IOException e) {
                    // closed at the end of the test
                }
            });
            acceptor.start();
            try {
                for (boolean ssl : new boolean[] {true, false}) {
                    Map<String, Object> extras = trusting(agent);
                    extras.put("use_ssl", ssl);
                    extras.put("allow_plain_http_token", true);
                    extras.put("connect_timeout", Duration.ofSeconds(1));
                    extras.put("request_timeout", Duration.ofSeconds(1));
                    extras.put("retries", 0L);
                    long start = System.nanoTime();
                    TimedOutException e = assertThrows(TimedOutException.class,
                            () -> open("127.0.0.1", silent.getLocalPort(), extras));
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    assertTrue(took.compareTo(Duration.ofSeconds(10)) < 0, "took " + took);
                    assertTrue(e.getMessage().startsWith("127.0.0.1:" + silent.getLocalPort() + ": "), e.getMessage());
                    // with TLS the handshake never completes (connect deadline); without, no answer comes
                    assertTrue(e.getMessage().contains(ssl ? "could not connect within 1s"
                            : "no answer within the request's deadline (request_timeout 1s"), e.getMessage());
                }
            } finally {
                silent.close();
                acceptor.join(5000);
                for (java.net.Socket s : held) {
                    s.close();
                }
            }
        }
    }

    static String sha256(Path file) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) >= 0) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }
}
