package io.conduit.core.tasks;

import static io.conduit.core.tasks.LocalRun.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Become;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.testing.BecomeEnvironment;
import io.conduit.core.task.ScopedTask;

/**
 * The tasks with the caller's become ({@link ScopedTask}, as {@code -b} and a runbook step's {@code become} give
 * it): what they make on the host belongs to the become user, and owners change only when they differ. Needs root
 * and sudo ({@link BecomeEnvironment}).
 */
class BecomeTasksTest {
    @TempDir
    Path tmp;
    private Path shared;
    private LocalRun run;

    @BeforeEach
    void setUp() throws Exception {
        BecomeEnvironment.require();
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        shared = Files.createDirectories(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));
        run = new LocalRun(tmp, "{who: world}");
    }

    @AfterEach
    void tearDown() {
        if (run != null) {
            run.close();
        }
    }

    private static Task asNobody(Task task) {
        return new ScopedTask(task, Become.sudo("nobody", null), null);
    }

    @Test
    void fileAndTemplateMakeWhatTheBecomeUserOwns() throws Exception {
        FileTaskPlugin file = new FileTaskPlugin();
        Path made = shared.resolve("made");
        HostResult r = run.one(asNobody(file.create(params(file, "path", made.toString(), "state", "directory"))));
        assertEquals(Status.CHANGED, r.status(), r::toString);
        assertEquals("nobody", Files.getOwner(made).getName());
        TemplateTaskPlugin template = new TemplateTaskPlugin();
        Path src = Files.writeString(tmp.resolve("t.peb"), "hello {{ data.who }}\n");
        Path dest = made.resolve("hello");
        HostResult t = run.one(asNobody(template.create(params(template, "src", src.toString(), "dest",
                dest.toString(), "mode", "0600"))));
        assertEquals(Status.CHANGED, t.status(), t::toString);
        assertEquals("nobody", Files.getOwner(dest).getName());
        assertEquals("hello world\n", Files.readString(dest));
    }

    @Test
    void aScriptRunsAsTheBecomeUserAndItsDirectoryIsGone() throws Exception {
        ScriptTaskPlugin script = new ScriptTaskPlugin();
        Path src = Files.writeString(tmp.resolve("who.sh"), "#!/bin/sh\necho \"$(dirname \"$0\")\"\nid -un\n");
        Files.setPosixFilePermissions(src, PosixFilePermissions.fromString("rw-r--r--"));
        HostResult r = run.one(asNobody(script.create(params(script, "src", src.toString()))));
        assertEquals(Status.OK, r.status(), r::toString);
        assertEquals("nobody", r.stdoutText().lines().toList().get(1));
        assertFalse(Files.exists(Path.of(r.stdoutText().lines().findFirst().orElseThrow())));
    }

    @Test
    void aDirectoryThatCannotBeRemovedIsSaidNotHidden() throws Exception {
        ScriptTaskPlugin script = new ScriptTaskPlugin();
        // the script leaves a directory its own user cannot empty: rm -rf as nobody fails on it
        Path src = Files.writeString(tmp.resolve("stuck.sh"), "#!/bin/sh\nd=\"$(dirname \"$0\")\"\necho \"$d\"\n"
                + "mkdir \"$d/ro\" && touch \"$d/ro/f\" && chmod 555 \"$d/ro\"\n");
        Path left = null;
        try {
            HostResult r = run.one(asNobody(script.create(params(script, "src", src.toString()))));
            left = Path.of(r.stdoutText().lines().findFirst().orElseThrow());
            assertEquals(Status.FAILED, r.status());
            assertTrue(r.error().startsWith("script: ran, but its directory " + left + " could not be removed"
                    + " from the host: "), r.error());
        } finally {
            if (left != null) {
                TextDiff.deleteTree(left); // as root, the test can
            }
        }
    }

    @Test
    void anOwnerAndGroupChangeIsMadeOnceAndReported() throws Exception {
        FileTaskPlugin file = new FileTaskPlugin();
        Path f = Files.writeString(shared.resolve("owned"), "x");
        String group = Files.readAllLines(Path.of("/etc/group")).stream().anyMatch(l -> l.startsWith("nogroup:"))
                ? "nogroup" : "nobody";
        Task task = file.create(params(file, "path", f.toString(), "owner", "nobody", "group", group));
        HostResult first = run.one(task);
        assertEquals("changed " + f + ": owner root -> nobody, group root -> " + group + "\n", first.stdoutText());
        assertEquals("nobody", Files.getOwner(f).getName());
        assertEquals(Status.OK, run.one(task).status());
        HostResult bad = run.one(file.create(params(file, "path", f.toString(), "owner", "no-such-user-x")));
        assertEquals(Status.FAILED, bad.status());
        assertTrue(bad.error().contains("give a user and group that exist on the host"), bad.error());
        assertEquals("nobody", Files.getOwner(f).getName());
    }
}
