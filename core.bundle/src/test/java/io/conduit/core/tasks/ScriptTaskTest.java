package io.conduit.core.tasks;

import static io.conduit.core.tasks.LocalRun.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.testing.HostProcesses;

/**
 * The {@code script} task on this machine. Each script prints the directory it was copied into as its first line,
 * so that the test can check on the host that the directory is gone: after success, failure, its own timeout and
 * the host's deadline (ansible/ansible#5339 and ansible/ansible-modules-core#5096: temporary directories and
 * files left on the hosts after tasks ran).
 */
class ScriptTaskTest {
    @TempDir
    Path dir;
    private LocalRun run;
    private final ScriptTaskPlugin plugin = new ScriptTaskPlugin();

    @BeforeEach
    void setUp() throws Exception {
        run = new LocalRun(dir, "{}");
    }

    @AfterEach
    void tearDown() {
        run.close();
    }

    private Path script(String body) throws Exception {
        return Files.writeString(dir.resolve("job.sh"), "#!/bin/sh\necho \"$(dirname \"$0\")\"\n" + body);
    }

    private static Path copiedInto(HostResult r) {
        String first = r.stdoutText().lines().findFirst().orElseThrow(() -> new AssertionError("no output: " + r));
        Path p = Path.of(first);
        assertTrue(p.getFileName().toString().startsWith("conduit-script."), first);
        return p;
    }

    @Test
    void runsWithItsArgumentsAndLeavesNothingBehind() throws Exception {
        Path src = script("printf '%s|' \"$@\"; echo; pwd\n");
        Files.setPosixFilePermissions(src, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        Task task = plugin.create(params(plugin, "src", src.toString(), "args", List.of("one", "two words", "-x"),
                "chdir", dir.toString()));
        HostResult r = run.one(task);
        assertEquals(Status.OK, r.status(), r::toString);
        List<String> lines = r.stdoutText().lines().toList();
        assertEquals("one|two words|-x|", lines.get(1));
        assertEquals(dir.toString(), lines.get(2));
        assertFalse(Files.exists(copiedInto(r)), "the script's directory is left on the host");
    }

    @Test
    void anInterpreterRunsAScriptWithoutAShebang() throws Exception {
        Path src = Files.writeString(dir.resolve("plain.sh"),
                "echo \"$(dirname \"$0\")\"; echo \"$BASH_VERSION\" | cut -c1\n");
        HostResult r = run.one(plugin.create(params(plugin, "src", src.toString(), "interpreter", "/bin/bash")));
        assertEquals(Status.OK, r.status(), r::toString);
        assertTrue(r.stdoutText().lines().toList().get(1).matches("[0-9]"), r.stdoutText());
        assertFalse(Files.exists(copiedInto(r)));
    }

    @Test
    void aFailingScriptFailsTheHostAndLeavesNothingBehind() throws Exception {
        HostResult r = run.one(plugin.create(params(plugin, "src", script("exit 3\n").toString())));
        assertEquals(Status.FAILED, r.status());
        assertEquals("exit code 3", r.error());
        assertFalse(Files.exists(copiedInto(r)));
    }

    @Test
    void aScriptStoppedAtItsTimeoutLeavesNoProcessAndNoDirectory() throws Exception {
        long mark = HostProcesses.mark();
        HostResult r = run.one(plugin.create(params(plugin, "src", script("sleep " + mark + "\n").toString(),
                "timeout", "1s")));
        assertEquals(Status.FAILED, r.status());
        assertTrue(r.error().startsWith("command timed out after 1 s"), r.error());
        assertFalse(Files.exists(copiedInto(r)));
        assertEquals(List.of(), HostProcesses.survivors(mark, Duration.ofSeconds(2)));
    }

    @Test
    void aScriptStoppedAtTheHostsDeadlineLeavesNoDirectory() throws Exception {
        long mark = HostProcesses.mark();
        HostResult r = run.one(plugin.create(params(plugin, "src", script("sleep " + mark + "\n").toString())),
                new RunOptions(null, null, Duration.ofSeconds(2), null));
        assertEquals(Status.FAILED, r.status());
        assertTrue(r.error().startsWith("timed out after 2 s"), r.error());
        assertFalse(Files.exists(copiedInto(r)));
        assertEquals(List.of(), HostProcesses.survivors(mark, Duration.ofSeconds(2)));
    }

    @Test
    void anInterruptedScriptIsStoppedAndItsDirectoryRemoved() throws Exception {
        long mark = HostProcesses.mark();
        Path where = dir.resolve("where");
        // the directory goes to a file here: an interrupted run's output is not the place to look for it
        Path src = Files.writeString(dir.resolve("long.sh"), "#!/bin/sh\ndirname \"$0\" > " + where + "\nsleep " + mark
                + "\n");
        Task task = plugin.create(params(plugin, "src", src.toString()));
        AtomicReference<HostResult> result = new AtomicReference<>();
        Thread shell = new Thread(() -> {
            try {
                result.set(run.one(task));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "shell");
        shell.start();
        HostProcesses.awaitRunning(mark, 1, Duration.ofSeconds(30));
        shell.interrupt(); // what Gogo does on Ctrl-C
        shell.join(30_000);
        assertFalse(shell.isAlive(), "the run returned after the interrupt");
        assertEquals(Status.FAILED, result.get().status(), () -> result.get().toString());
        assertFalse(Files.exists(Path.of(Files.readString(where).strip())), "the script's directory is left");
        assertEquals(List.of(), HostProcesses.survivors(mark, Duration.ofSeconds(2)));
    }

    @Test
    void aMissingScriptIsRefusedBeforeAnythingRuns() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> plugin.create(params(plugin, "src", dir.resolve("nope.sh").toString())));
        assertEquals("src: no such file " + dir.resolve("nope.sh"), e.getMessage());
        assertEquals("script: src: no such file " + dir.resolve("nope.sh"),
                LocalRun.refusal("script", plugin, "src", dir.resolve("nope.sh").toString()));
    }
}
