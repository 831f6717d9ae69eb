package io.conduit.rest.agent.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandRunnerTest {
    @TempDir
    Path tmp;

    @Test
    void stdinGoesInOutputIsCappedAndTheExitCodeComesBack() throws Exception {
        CommandRunner runner = new CommandRunner(tmp);
        CommandRunner.Outcome cat = runner.run("cat; echo d >&2; exit 7", "abc".getBytes(StandardCharsets.UTF_8),
                Duration.ofSeconds(30), 2, null);
        assertEquals(7, cat.exitCode());
        assertArrayEquals("ab".getBytes(StandardCharsets.UTF_8), cat.stdout());
        assertTrue(cat.stdoutTruncated());
        assertFalse(cat.stderrTruncated());
        assertFalse(cat.timedOut());
        assertEquals(tmp.toString() + "\n", new String(runner.run("pwd", new byte[0], Duration.ofSeconds(30), 100, null)
                .stdout(), StandardCharsets.UTF_8));
    }

    @Test
    void theTimeoutKillsTheWholeProcessTree() throws Exception {
        Path pid = tmp.resolve("pid");
        CommandRunner.Outcome o = new CommandRunner(tmp).run("sh -c 'sleep 60 & echo $! > " + pid + "; wait'",
                new byte[0], Duration.ofMillis(500), 100, null);
        assertTrue(o.timedOut());
        long grandchild = Long.parseLong(Files.readString(pid).strip());
        ProcessHandle.of(grandchild).ifPresent(p -> p.onExit().orTimeout(10, TimeUnit.SECONDS).join());
    }
}
