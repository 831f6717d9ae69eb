package io.conduit.docker.connection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.docker.DockerCli;
import io.conduit.docker.client.DockerDefaults;

/** The docker plugin against the real dockerd that scripts/env/dockerd.sh starts. */
class DockerConnectionTest {
    private static final DockerCli CLI = new DockerCli();
    private static DockerPlugin plugin;
    private static String main;
    private static String noshell;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws IOException {
        plugin = new DockerPlugin(DockerDefaults.from(null, System.getenv()));
        main = CLI.run("main", DockerCli.BUSYBOX);
        noshell = CLI.run("noshell", DockerCli.NOSHELL);
    }

    @AfterAll
    static void stop() throws IOException {
        plugin.deactivate();
        CLI.removeAll();
    }

    private static Connection open(String container) throws IOException {
        return open(container, Map.of());
    }

    private static Connection open(String container, Map<String, Object> extras) throws IOException {
        Connection c = plugin.create(new ConnectionKey(container, "docker"));
        c.open(new ConnectionParams(container, 0, null, null, null, extras));
        return c;
    }

    private static ExecResult sh(Connection c, String line) throws IOException {
        return c.exec(Command.shell(line).withTimeout(Duration.ofSeconds(30)));
    }

    @Test
    void exitCodesComeFromTheExecInspection() throws IOException {
        try (Connection c = open(main)) {
            assertEquals(0, sh(c, "true").exitCode());
            assertEquals(3, sh(c, "exit 3").exitCode());
            assertEquals(1, c.exec(Command.argv(List.of("false"))).exitCode());
            assertEquals(137, sh(c, "kill -9 $$").exitCode());
        }
    }

    @Test
    void stdoutAndStderrStayApartAsBytes() throws IOException {
        try (Connection c = open(main)) {
            ExecResult r = sh(c, "printf 'out\\n'; printf 'err\\n' >&2; printf '\\000\\377\\001'");
            assertArrayEquals(new byte[] {'o', 'u', 't', '\n', 0, (byte) 0xff, 1}, r.stdout());
            assertEquals("err\n", r.stderrText());
        }
    }

    @Test
    void stdinReachesTheCommandAndEnds() throws IOException {
        byte[] data = new byte[3 * 1024 * 1024 + 17];
        new Random(5).nextBytes(data);
        try (Connection c = open(main)) {
            ExecResult r = c.exec(Command.argv(List.of("cat")).withStdin(data).withOutputLimit(data.length)
                    .withTimeout(Duration.ofSeconds(30)));
            assertEquals(0, r.exitCode());
            assertArrayEquals(data, r.stdout());
            ExecResult count = c.exec(Command.shell("wc -c").withStdin("hello".getBytes(StandardCharsets.UTF_8)));
            assertEquals("5", count.stdoutText().trim());
        }
    }

    @Test
    void outputIsCappedAtTheLimitAndCounted() throws IOException {
        try (Connection c = open(main)) {
            ExecResult r = c.exec(Command.shell("yes | head -c 5000000; echo done >&2").withOutputLimit(1000));
            assertEquals(1000, r.stdout().length);
            assertTrue(r.stdoutTruncated());
            assertFalse(r.stderrTruncated());
            assertEquals(4_999_000, r.stdoutDropped());
            assertEquals(0, r.stderrDropped());
            assertEquals("done\n", r.stderrText());
        }
    }

    @Test
    void environmentAndWorkingDirectory() throws IOException {
        try (Connection c = open(main)) {
            ExecResult r = c.exec(Command.shell("echo \"$GREETING\"; pwd").withEnv(Map.of("GREETING", "hello 'world' $x"))
                    .withCwd("/tmp"));
            assertEquals("hello 'world' $x\n/tmp\n", r.stdoutText());
            ExecResult argv = c.exec(Command.argv(List.of("pwd")).withCwd("/etc"));
            assertEquals("/etc\n", argv.stdoutText());
        }
    }

    @Test
    void userFromBecomeFromOptionOrTheContainerDefault() throws IOException {
        try (Connection c = open(main)) {
            assertEquals("0", sh(c, "id -u").stdoutText().trim());
            ExecResult become = c.exec(Command.shell("id -un; echo $HOME").withBecome(Become.sudo("conduit", null)));
            assertEquals("conduit\n/home/conduit\n", become.stdoutText());
        }
        try (Connection c = open(main, Map.of("user", "1000:1000"))) {
            assertEquals("1000:1000", sh(c, "echo $(id -u):$(id -g)").stdoutText().trim());
        }
        try (Connection c = open(main, Map.of("user", "nosuchuser"))) {
            ExecResult r = sh(c, "id");
            assertEquals(126, r.exitCode());
            assertTrue(r.stderrText().contains("has no user \"nosuchuser\"; set the user option"), r.stderrText());
            ExecResult cwd = c.exec(Command.argv(List.of("pwd")).withCwd("/nope").withBecome(Become.sudo("root", null)));
            assertTrue(cwd.exitCode() != 0, cwd.toString());
            assertTrue(cwd.stderrText().contains("has no directory /nope") || cwd.stdoutText().contains("/nope"),
                    cwd.stderrText() + cwd.stdoutText());
        }
    }

    @Test
    void ptyMergesOutputOnATerminal() throws IOException {
        try (Connection c = open(main)) {
            ExecResult r = c.exec(Command.shell("tty; echo err >&2").withPty(true));
            assertTrue(r.stdoutText().startsWith("/dev/pts/"), r.stdoutText());
            assertTrue(r.stdoutText().contains("err"));
            assertEquals(0, r.stderr().length);
        }
    }

    @Test
    void timeoutKillsTheCommandAndItsChildren() throws IOException {
        try (Connection c = open(main)) {
            long start = System.nanoTime();
            TimedOutException e = assertThrows(TimedOutException.class, () -> c.exec(
                    Command.shell("echo started; sleep 300 & sleep 301; echo never").withTimeout(Duration.ofSeconds(1))));
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(millis < 5000, "took " + millis + " ms");
            assertEquals(Duration.ofSeconds(1), e.limit());
            assertTrue(e.getMessage().contains("did not finish within 1s"), e.getMessage());
            // the command wrapper ended the process group and confirmed it
            assertEquals(StopOutcome.CONFIRMED, e.outcome(), e.getMessage());
            assertTrue(e.getMessage().endsWith(StopOutcome.CONFIRMED.description()), e.getMessage());
            assertNotNull(e.partial());
            assertEquals("started\n", e.partial().stdoutText());
            // no sleep 300 / 301 left in the container
            ExecResult ps = sh(c, "ps -o args | grep -c '^sleep 30[01]' || true");
            assertEquals("0", ps.stdoutText().trim(), "left running: " + sh(c, "ps -o pid,args").stdoutText());
            // the connection still works
            assertEquals("ok\n", sh(c, "echo ok").stdoutText());
        }
    }

    @Test
    void concurrentExecsOnOneConnection() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try (Connection c = open(main)) {
            List<Future<ExecResult>> results = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                int n = i;
                results.add(pool.submit(() -> c.exec(Command.argv(List.of("echo", "n" + n)))));
            }
            for (int i = 0; i < 32; i++) {
                assertEquals("n" + i + "\n", results.get(i).get(60, TimeUnit.SECONDS).stdoutText());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void putAndFetchRoundTrips() throws Exception {
        try (Connection c = open(main)) {
            Path empty = Files.createFile(tmp.resolve("empty"));
            c.put(empty, "/tmp/empty", 0600);
            assertEquals("0 600 0:0", sh(c, "stat -c '%s %a %u:%g' /tmp/empty").stdoutText().trim());
            Path back = tmp.resolve("empty.back");
            c.fetch("/tmp/empty", back);
            assertEquals(0, Files.size(back));

            byte[] big = new byte[50 * 1024 * 1024];
            new Random(7).nextBytes(big);
            Path local = tmp.resolve("big.bin");
            Files.write(local, big);
            Files.setPosixFilePermissions(local, PosixFilePermissions.fromString("rwxr-x---"));
            long start = System.nanoTime();
            c.put(local, "/tmp/big.bin", Connection.KEEP_MODE);
            long putMillis = (System.nanoTime() - start) / 1_000_000;
            String sha = sha256(big);
            assertEquals(sha + "  /tmp/big.bin", sh(c, "sha256sum /tmp/big.bin").stdoutText().trim());
            assertEquals("750", sh(c, "stat -c %a /tmp/big.bin").stdoutText().trim());
            assertEquals("", sh(c, "ls -a /tmp | grep -F .conduit- || true").stdoutText().trim(), "temp file left");
            Path fetched = tmp.resolve("big.back");
            start = System.nanoTime();
            c.fetch("/tmp/big.bin", fetched);
            long fetchMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(sha, sha256(Files.readAllBytes(fetched)));
            assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(fetched)));
            System.out.printf("50 MiB put %d ms, fetch %d ms%n", putMillis, fetchMillis);

            // replacing keeps working, and an explicit mode wins
            c.put(empty, "/tmp/big.bin", 0644);
            assertEquals("0 644", sh(c, "stat -c '%s %a' /tmp/big.bin").stdoutText().trim());
        }
    }

    @Test
    void putFilesBelongToTheConnectionUser() throws Exception {
        Path file = Files.writeString(tmp.resolve("owned"), "mine\n");
        try (Connection c = open(main, Map.of("user", "conduit"))) {
            c.put(file, "/home/conduit/owned", 0640);
            assertEquals("640 1000:1000", sh(c, "stat -c '%a %u:%g' /home/conduit/owned").stdoutText().trim());
            assertEquals("mine\n", sh(c, "cat /home/conduit/owned").stdoutText());
        }
    }

    @Test
    void fetchFollowsLinksAndReportsMissingFiles() throws Exception {
        try (Connection c = open(main)) {
            sh(c, "echo target > /tmp/target.txt && ln -sf target.txt /tmp/link.txt");
            Path out = tmp.resolve("link");
            c.fetch("/tmp/link.txt", out);
            assertEquals("target\n", Files.readString(out));
            RemoteFileNotFoundException e = assertThrows(RemoteFileNotFoundException.class,
                    () -> c.fetch("/tmp/does-not-exist", tmp.resolve("x")));
            assertTrue(e.getMessage().contains("has no file /tmp/does-not-exist"), e.getMessage());
            ConnectionException dir = assertThrows(ConnectionException.class, () -> c.fetch("/etc", tmp.resolve("y")));
            assertTrue(dir.getMessage().contains("is a directory"), dir.getMessage());
            TransferFailedException put = assertThrows(TransferFailedException.class,
                    () -> c.put(out, "/no/such/dir/file", 0644));
            assertEquals(FileProblem.MISSING_DIRECTORY, put.problem(), put.getMessage());
            sh(c, "mkdir -p /tmp/adir");
            TransferFailedException intoDir = assertThrows(TransferFailedException.class,
                    () -> c.put(out, "/tmp/adir", 0644));
            assertEquals(FileProblem.IS_A_DIRECTORY, intoDir.problem(), intoDir.getMessage());
            assertEquals("", sh(c, "ls -A /tmp/adir; ls -a /tmp | grep -F .conduit- || true").stdoutText());
        }
    }

    @Test
    void containerWithoutAShell() throws Exception {
        try (Connection c = open(noshell)) {
            ExecResult r = c.exec(Command.argv(List.of("echo", "no", "shell")));
            assertEquals(0, r.exitCode());
            assertEquals("no shell\n", r.stdoutText());
            assertEquals("a=1\n", c.exec(Command.argv(List.of("cat")).withStdin("a=1\n".getBytes(StandardCharsets.UTF_8)))
                    .stdoutText());
            ExecResult line = c.exec(Command.shell("echo hi"));
            assertTrue(line.exitCode() == 126 || line.exitCode() == 127, "exit " + line.exitCode());
            assertTrue(line.stderrText().contains("has no /bin/sh"), line.stderrText());
            // put without mv writes in place; fetch reads it back
            Path file = Files.writeString(tmp.resolve("f"), "data");
            c.put(file, "/tmp/f", 0644);
            Path back = tmp.resolve("f.back");
            c.fetch("/tmp/f", back);
            assertEquals("data", Files.readString(back));
            // in place, the tar entry carries the target's own name: 255 bytes need a PAX record
            String longName = "é".repeat(123) + " ;$(x) '-"; // 255 bytes of UTF-8
            c.put(file, "/tmp/" + longName, 0644);
            c.fetch("/tmp/" + longName, tmp.resolve(longName));
            assertEquals("data", Files.readString(tmp.resolve(longName)));
            // a timeout cannot kill without sh/kill: said so plainly
            TimedOutException e = assertThrows(TimedOutException.class, () -> c.exec(
                    Command.argv(List.of("sleep", "2")).withTimeout(Duration.ofMillis(300))));
            assertTrue(e.getMessage().contains("could NOT be stopped"), e.getMessage());
            assertEquals(StopOutcome.UNCONFIRMED, e.outcome(), e.getMessage());
        }
    }

    @Test
    void stoppedContainerIsRefusedAtOpen() throws Exception {
        String stopped = CLI.run("stopped", DockerCli.BUSYBOX);
        CLI.docker("stop", "-t", "0", stopped);
        ConnectFailedException e = assertThrows(ConnectFailedException.class, () -> open(stopped));
        assertTrue(e.getMessage().contains("\"" + stopped + "\""), e.getMessage());
        assertTrue(e.getMessage().contains("is not running (status exited"), e.getMessage());
        assertTrue(e.getMessage().contains("docker start " + stopped), e.getMessage());
    }

    @Test
    void containerStoppedOrRemovedWhileConnected() throws Exception {
        String doomed = CLI.run("doomed", DockerCli.BUSYBOX);
        try (Connection c = open(doomed)) {
            assertTrue(c.isAlive());
            CLI.docker("stop", "-t", "0", doomed);
            assertFalse(c.isAlive());
            ConnectFailedException stopped = assertThrows(ConnectFailedException.class, () -> sh(c, "true"));
            assertTrue(stopped.getMessage().contains("is not running"), stopped.getMessage());
            CLI.docker("rm", "-f", doomed);
            ConnectFailedException gone = assertThrows(ConnectFailedException.class, () -> sh(c, "true"));
            assertTrue(gone.getMessage().contains("no longer exists"), gone.getMessage());
            assertThrows(ConnectFailedException.class, () -> c.fetch("/etc/passwd", tmp.resolve("p")));
        }
    }

    @Test
    void noSuchContainer() {
        ConnectFailedException e = assertThrows(ConnectFailedException.class, () -> open("conduit-no-such-container"));
        assertTrue(e.getMessage().startsWith("no container \"conduit-no-such-container\" on the docker daemon at unix://"),
                e.getMessage());
    }

    @Test
    void daemonUnreachableNamesTheAddress() {
        ConnectFailedException unix = assertThrows(ConnectFailedException.class,
                () -> open(main, Map.of("docker_host", "unix:///tmp/conduit-no-daemon.sock")));
        assertTrue(unix.getMessage().startsWith("docker daemon at unix:///tmp/conduit-no-daemon.sock is unreachable"),
                unix.getMessage());
        ConnectFailedException tcp = assertThrows(ConnectFailedException.class,
                () -> open(main, Map.of("docker_host", "tcp://127.0.0.1:1")));
        assertTrue(tcp.getMessage().startsWith("docker daemon at tcp://127.0.0.1:1 is unreachable"), tcp.getMessage());
    }

    @Test
    void closeBreaksACommandInFlight() throws Exception {
        Connection c = open(main);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<ExecResult> running = pool.submit(() -> c.exec(Command.shell("echo go; sleep 30")));
            // wait until the exec is really started: the plugin holds its stream
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (((DockerConnection) c).streamsInFlight() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            c.close();
            Exception e = assertThrows(Exception.class, () -> running.get(5, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof ConnectionException, String.valueOf(e.getCause()));
            assertTrue(e.getCause().getMessage().contains("was closed"), e.getCause().getMessage());
            // and the command does not keep running in the container (killed in the background: poll, bounded)
            try (Connection probe = open(main)) {
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                String left = "?";
                while (System.nanoTime() < until) {
                    left = sh(probe, "ps -o args | grep -c '^sleep 30$' || true").stdoutText().trim();
                    if (left.equals("0")) {
                        break;
                    }
                }
                assertEquals("0", left, "the command cut off by close is still running");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    static String sha256(byte[] data) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(data));
    }

    static Map<String, Object> extras(Object... kv) {
        Map<String, Object> m = new HashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static Set<String> none() {
        return Set.of();
    }
}
