package io.conduit.core.local;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.TimedOutException;

/** The local plugin against the real machine: processes, pipes, files. */
class LocalConnectionTest {
    @TempDir
    Path dir;
    private final LocalPlugin plugin = new LocalPlugin();
    private Connection connection;

    @BeforeEach
    void open() throws Exception {
        connection = plugin.create(new ConnectionKey("here", "local"));
        connection.open(new ConnectionParams("localhost", 0, null, null, null, Map.of()));
    }

    @AfterEach
    void close() {
        connection.close();
        plugin.deactivate();
    }

    @Test
    void keepsExitCodeStdoutAndStderrApartAsBytes() throws Exception {
        ExecResult r = connection.exec(Command.shell("printf '\\000\\377ok'; echo oops >&2; exit 7"));
        assertEquals(7, r.exitCode());
        assertArrayEquals(new byte[] {0, (byte) 0xff, 'o', 'k'}, r.stdout());
        assertEquals("oops\n", r.stderrText());
    }

    @Test
    void passesStdinEnvAndCwd() throws Exception {
        ExecResult r = connection.exec(Command.shell("cat; echo \" $X in $(pwd)\"")
                .withStdin("from stdin".getBytes(StandardCharsets.UTF_8)).withEnv(Map.of("X", "it's"))
                .withCwd(dir.toString()));
        assertEquals("from stdin it's in " + dir.toRealPath() + "\n", r.stdoutText());
    }

    @Test
    void timeoutKillsTheProcessTreeAndKeepsWhatWasPrinted() throws Exception {
        Path pidFile = dir.resolve("child.pid");
        long start = System.nanoTime();
        TimedOutException e = assertThrows(TimedOutException.class, () -> connection.exec(Command.shell(
                "echo started; sh -c 'echo $$ > " + pidFile + "; exec sleep 60' & sleep 60")
                .withTimeout(Duration.ofMillis(500))));
        assertTrue((System.nanoTime() - start) / 1_000_000 < 5_000, "returned at the deadline");
        assertNotNull(e.partial());
        assertEquals("started\n", e.partial().stdoutText());
        // the background grandchild was killed too, not left running after the deadline
        long child = Long.parseLong(Files.readString(pidFile).trim());
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false)) {
            assertTrue(System.nanoTime() < deadline, "process " + child + " outlived the timeout");
            Thread.onSpinWait();
        }
    }

    @Test
    void outputIsCappedAtTheLimit() throws Exception {
        ExecResult r = connection.exec(Command.shell("head -c 100000 /dev/zero").withOutputLimit(1000));
        assertEquals(1000, r.stdout().length);
        assertTrue(r.stdoutTruncated());
        assertEquals(99_000, r.stdoutDropped());
    }

    @Test
    void putSetsTheModeAndFetchCopiesBack() throws Exception {
        Path local = Files.write(dir.resolve("src.bin"), new byte[] {1, 2, 3});
        Path remote = dir.resolve("dst.bin");
        connection.put(local, remote.toString(), 0640);
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(remote)));
        Path back = dir.resolve("back.bin");
        connection.fetch(remote.toString(), back);
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(back));
        try (var files = Files.list(dir)) {
            assertEquals(java.util.Set.of("src.bin", "dst.bin", "back.bin"), files.map(p -> p.getFileName().toString())
                    .collect(java.util.stream.Collectors.toSet()), "no temporary file left");
        }
    }

    @Test
    void fetchingAMissingFileSaysSo() {
        RemoteFileNotFoundException e = assertThrows(RemoteFileNotFoundException.class,
                () -> connection.fetch(dir.resolve("nope").toString(), dir.resolve("x")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }

    /** Smallest case of the old fault: sudo run by root never asks, so the password must not reach stdin. */
    @Test
    void aBecomePasswordNobodyAskedForNeverReachesTheCommand() throws Exception {
        io.conduit.api.testing.BecomeEnvironment.require();
        ExecResult r = connection.exec(Command.shell("cat; echo end").withBecome(
                io.conduit.api.connection.Become.sudo("root", io.conduit.api.connection.Secret.of("s3cret"))));
        assertEquals("end\n", r.stdoutText());
        assertEquals("", r.stderrText());
    }

    @Test
    void aFailedTransferNamesItsCauseAndLeavesNothingBehind(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path big = java.nio.file.Files.write(dir.resolve("big"), new byte[512 * 1024]);
        try (io.conduit.api.testing.SmallFileSystems fs = new io.conduit.api.testing.SmallFileSystems()) {
            Path full = fs.full(dir.resolve("full"));
            Path readOnly = fs.readOnly(dir.resolve("ro"));
            java.nio.file.Files.createDirectories(dir.resolve("a dir"));
            java.util.Map<String, io.conduit.api.connection.FileProblem> cases = new java.util.LinkedHashMap<>();
            cases.put(full + "/f", io.conduit.api.connection.FileProblem.NO_SPACE);
            cases.put(readOnly + "/sub/f", io.conduit.api.connection.FileProblem.READ_ONLY);
            cases.put(dir + "/a dir", io.conduit.api.connection.FileProblem.IS_A_DIRECTORY);
            cases.put(dir + "/missing/f", io.conduit.api.connection.FileProblem.MISSING_DIRECTORY);
            cases.put(big + "/f", io.conduit.api.connection.FileProblem.NOT_A_DIRECTORY);
            cases.put(dir + "/" + "n".repeat(256), io.conduit.api.connection.FileProblem.NAME_TOO_LONG);
            for (var c : cases.entrySet()) {
                Path parent = Path.of(c.getKey()).getParent();
                java.util.List<String> before = java.nio.file.Files.isDirectory(parent) ? names(parent) : null;
                io.conduit.api.connection.TransferFailedException e = org.junit.jupiter.api.Assertions.assertThrows(
                        io.conduit.api.connection.TransferFailedException.class, () -> connection.put(big, c.getKey(),
                                0644), c.getKey());
                assertEquals(c.getValue(), e.problem(), c.getKey());
                String m = io.conduit.api.testing.OperatorText.messageForPeople(e);
                assertTrue(m.startsWith("put " + c.getKey() + ": " + c.getValue().reason()) && m.endsWith(
                        "nothing was left behind"), m);
                if (before != null) {
                    assertEquals(before, names(parent), "the directory is as it was: " + c.getKey());
                }
            }
        }
        // fetch: the cause is on this side, said as such, and no local file is made
        java.io.IOException fetch = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
                () -> connection.fetch(big.toString(), dir.resolve("missing/g")));
        String m = io.conduit.api.testing.OperatorText.messageForPeople(fetch);
        assertEquals("fetch " + big + " into " + dir.resolve("missing/g") + ": the directory does not exist here"
                + " (create it here first); nothing was left behind", m);
    }

    private static java.util.List<String> names(Path dir) throws java.io.IOException {
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void theEnvironmentIsTheCommandsAloneNotTheWrappers() throws Exception {
        // a PATH without the wrapper's tools, and names the wrapper uses for its own state
        io.conduit.api.connection.ExecResult r = connection.exec(io.conduit.api.connection.Command
                .shell("echo \"$PATH|$s|$c|$g\"").withEnv(java.util.Map.of("PATH", "/nonexistent", "s", "S", "c", "C",
                        "g", "G")));

        assertEquals(0, r.exitCode(), r.stderrText());
        assertEquals("/nonexistent|S|C|G\n", r.stdoutText());
    }
}
