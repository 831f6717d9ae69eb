package io.conduit.core.tasks;

import static io.conduit.core.tasks.LocalRun.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;

/** The {@code file} task on this machine: what is on disk afterwards, and what the host reports. */
class FileTaskTest {
    @TempDir
    Path dir;
    private LocalRun run;
    private final FileTaskPlugin plugin = new FileTaskPlugin();

    @BeforeEach
    void setUp() throws Exception {
        run = new LocalRun(dir, "{}");
    }

    @AfterEach
    void tearDown() {
        run.close();
    }

    private Task file(Object... keyValues) {
        return plugin.create(params(plugin, keyValues));
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aModeChangeIsMadeAndReportedAndTheSecondRunIsOk() throws Exception {
        Path f = Files.writeString(dir.resolve("app.conf"), "x=1\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        Task task = file("path", f.toString(), "mode", "0600");
        HostResult first = run.one(task);
        assertEquals(Status.CHANGED, first.status(), first::toString);
        assertEquals("changed " + f + ": mode 0644 -> 0600\n", first.stdoutText());
        assertEquals("rw-------", mode(f));
        assertEquals("x=1\n", Files.readString(f), "the content is not the file task's");
        HostResult second = run.one(task);
        assertEquals(Status.OK, second.status(), second::toString);
        assertEquals("ok " + f + "\n", second.stdoutText());
    }

    @Test
    void checkModeReportsTheChangeAndTouchesNothing() throws Exception {
        Path f = Files.writeString(dir.resolve("app.conf"), "x=1\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
        FileTime before = Files.getLastModifiedTime(f);
        Path newDir = dir.resolve("new/sub");
        HostResult r = run.one(file("path", f.toString(), "mode", "0600"), true, false);
        assertEquals(Status.CHANGED, r.status());
        assertEquals("would change " + f + ": mode 0644 -> 0600\n", r.stdoutText());
        assertEquals("rw-r--r--", mode(f));
        assertEquals(before, Files.getLastModifiedTime(f));
        HostResult d = run.one(file("path", newDir.toString(), "state", "directory"), true, false);
        assertEquals(Status.CHANGED, d.status());
        assertEquals("would change " + newDir + ": new directory, mode 0755\n", d.stdoutText());
        assertFalse(Files.exists(dir.resolve("new")), "check mode made a directory");
        HostResult gone = run.one(file("path", f.toString(), "state", "absent"), true, false);
        assertEquals("would change " + f + ": removed\n", gone.stdoutText());
        assertTrue(Files.exists(f), "check mode removed the file");
    }

    @Test
    void aDirectoryIsMadeWithItsParentsAndModeOnce() throws Exception {
        Path d = dir.resolve("a b/-c");
        Task task = file("path", d.toString(), "state", "directory", "mode", "0750");
        HostResult first = run.one(task);
        assertEquals(Status.CHANGED, first.status(), first::toString);
        assertTrue(Files.isDirectory(d));
        assertEquals("rwxr-x---", mode(d));
        assertEquals(Status.OK, run.one(task).status());
    }

    @Test
    void absentRemovesADirectoryWithWhatItHoldsThenIsOk() throws Exception {
        Path d = Files.createDirectories(dir.resolve("tree/sub"));
        Files.writeString(d.resolve("f"), "x");
        Task task = file("path", dir.resolve("tree").toString(), "state", "absent");
        HostResult first = run.one(task);
        assertEquals("changed " + dir.resolve("tree") + ": directory removed with all it holds\n", first.stdoutText());
        assertFalse(Files.exists(dir.resolve("tree")));
        assertEquals(Status.OK, run.one(task).status());
    }

    @Test
    void stateFileNeverCreatesAFileAndSaysWhatToUseInstead() throws Exception {
        Path f = dir.resolve("typo.conf");
        HostResult r = run.one(file("path", f.toString(), "state", "present"));
        assertEquals(Status.FAILED, r.status());
        assertTrue(r.error().contains("no such file " + f + "; state=file does not create files: use state=touch"),
                r.error());
        assertFalse(Files.exists(f));
    }

    @Test
    void touchMakesAnEmptyFileOnceAndLeavesAnExistingFilesContent() throws Exception {
        Path f = dir.resolve("flag");
        Task task = file("path", f.toString(), "state", "touch", "mode", "0640");
        HostResult first = run.one(task);
        assertEquals("changed " + f + ": new empty file, mode 0640\n", first.stdoutText());
        assertEquals(0, Files.size(f));
        assertEquals("rw-r-----", mode(f));
        Files.writeString(f, "kept");
        HostResult second = run.one(task);
        assertEquals(Status.OK, second.status(), second::toString);
        assertEquals("kept", Files.readString(f));
    }

    @Test
    void theOwnerAlreadyThereIsNoChange() throws Exception {
        Path f = Files.writeString(dir.resolve("mine"), "x");
        String me = Files.getOwner(f).getName();
        HostResult r = run.one(file("path", f.toString(), "owner", me));
        assertEquals(Status.OK, r.status(), r::toString);
    }

    @Test
    void aFileWhereADirectoryIsWantedFailsAndStaysAFile() throws Exception {
        Path f = Files.writeString(dir.resolve("plain"), "x");
        HostResult r = run.one(file("path", f.toString(), "state", "directory"));
        assertEquals(Status.FAILED, r.status());
        assertTrue(r.error().contains(f + " is a regular file, not a directory"), r.error());
        assertTrue(Files.isRegularFile(f));
    }

    /**
     * ansible/ansible#13159 and #5409: an unquoted {@code mode: 2775} in YAML reached the file module as a decimal
     * number and set nonsense bits. Here a mode without a leading 0 (which is what such a number turns into) is
     * refused before anything runs, whether it came as text or as the number YAML made of it.
     */
    @Test
    void aModeThatYamlTurnedIntoANumberIsRefusedBeforeAnythingRuns() throws Exception {
        Path f = Files.writeString(dir.resolve("shared"), "x");
        // as the task catalog says it: the task named once ("task: file: file: mode ..." before)
        String text = LocalRun.refusal("file", plugin, "path", f.toString(), "state", "directory", "mode", "2775");
        assertTrue(text.startsWith("file: mode: \"2775\" is not an octal mode; write it with a leading 0"), text);
        // what YAML 1.1 makes of an unquoted 02775
        IllegalArgumentException number = assertThrows(IllegalArgumentException.class,
                () -> file("path", f.toString(), "mode", 1533L));
        assertTrue(number.getMessage().contains("\"1533\" is not an octal mode"), number.getMessage());
    }

    @Test
    void absentWithAModeIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> file("path", "/tmp/x", "state", "absent", "mode", "0600"));
        assertEquals("state=absent removes /tmp/x; mode, owner and group cannot go with it", e.getMessage());
        assertEquals("file: state=absent removes /tmp/x; mode, owner and group cannot go with it",
                LocalRun.refusal("file", plugin, "path", "/tmp/x", "state", "absent", "mode", "0600"));
    }
}
