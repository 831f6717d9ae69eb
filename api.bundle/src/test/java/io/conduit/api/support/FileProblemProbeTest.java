package io.conduit.api.connection;

import io.conduit.api.support.FileProblemProbe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.testing.SmallFileSystems;

/**
 * The probe on real file systems (a full tmpfs, a read-only one), under dash with coreutils and under busybox sh
 * (as in small containers); as root and, for permission, as nobody.
 */
class FileProblemProbeTest {
    @TempDir
    static Path base;
    private static final SmallFileSystems FS = new SmallFileSystems();
    private static Path full;
    private static Path readOnly;

    @BeforeAll
    static void mount() throws IOException {
        full = FS.full(base.resolve("full"));
        readOnly = FS.readOnly(base.resolve("ro dir; $(x)"));
        Files.createDirectories(base.resolve("a dir"));
        Files.writeString(base.resolve("a file"), "x");
        Files.createDirectories(base.resolve("locked"), java.nio.file.attribute.PosixFilePermissions
                .asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setPosixFilePermissions(base, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void unmount() throws IOException {
        FS.close();
    }

    private static FileProblem probe(String shell, String target, long bytes, String... asUser) throws Exception {
        Command c = FileProblemProbe.command(target, bytes);
        List<String> argv = new ArrayList<>(List.of(asUser));
        argv.addAll(shell.equals("busybox") ? List.of("busybox", "sh", "-c", c.line()) : List.of("sh", "-c",
                c.line()));
        Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("the probe did not end");
        }
        return FileProblemProbe.read(new ExecResult(p.exitValue(), out, new byte[0], Duration.ZERO, false, false));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sh", "busybox"})
    void findsEachCauseWithoutWriting(String shell) throws Exception {
        assertEquals(FileProblem.NO_SPACE, probe(shell, full + "/new file", 100_000));
        assertEquals(FileProblem.READ_ONLY, probe(shell, readOnly + "/sub/x", 1));
        assertEquals(FileProblem.IS_A_DIRECTORY, probe(shell, base + "/a dir", 1));
        assertEquals(FileProblem.MISSING_DIRECTORY, probe(shell, base + "/no/such/dir/x", 1));
        assertEquals(FileProblem.NOT_A_DIRECTORY, probe(shell, base + "/a file/below/x", 1));
        assertEquals(FileProblem.PERMISSION, probe(shell, base + "/locked/x", 1, "runuser", "-u", "nobody",
                "--"));
        assertEquals(FileProblem.NAME_TOO_LONG, probe(shell, base + "/a dir/" + "n".repeat(256), 1));
        assertEquals(FileProblem.NAME_TOO_LONG, probe(shell, base + "/a dir/" + "\u00e9".repeat(128), 1),
                "bytes count, not characters");
        assertNull(probe(shell, base + "/a dir/" + "\u00e9".repeat(127), 1));
        assertNull(probe(shell, base + "/a dir/fine", 1), "a writable directory with room has no problem");
        assertEquals(List.of("a dir", "a file", "full", "locked", "ro dir; $(x)"), Files.list(base).map(p -> p
                .getFileName().toString()).sorted().toList(), "the probe wrote nothing");
    }

    @org.junit.jupiter.api.Test
    void readsTheAnswerAfterWhatALoginShellPrinted() {
        assertEquals(FileProblem.NO_SPACE, FileProblemProbe.read(new ExecResult(0, "Welcome!\nno-space\n"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), new byte[0], Duration.ZERO, false, false)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"scp: /srv/x: No space left on device", "write failed: Disk quota exceeded",
            "mv: cannot overwrite directory: Is a directory", "open: Read-only file system",
            "Permission denied", "File name too long"})
    void readsTheErrnoTextOfEveryTool(String message) {
        FileProblem p = FileProblem.fromErrorText(message);
        org.junit.jupiter.api.Assertions.assertNotNull(p, message);
        org.junit.jupiter.api.Assertions.assertTrue(message.toLowerCase().contains(p.reason().split(" ")[0])
                || p != FileProblem.NO_SPACE, message);
    }
}
