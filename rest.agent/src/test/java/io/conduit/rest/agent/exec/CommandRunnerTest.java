package io.conduit.rest.agent.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.StopOutcome;

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
                // long enough for a loaded machine to start the grandchild before the deadline: CI saw 500 ms miss it
                new byte[0], Duration.ofSeconds(3), 100, null);
        assertTrue(o.timedOut());
        long grandchild = Long.parseLong(Files.readString(pid).strip());
        ProcessHandle.of(grandchild).ifPresent(p -> p.onExit().orTimeout(10, TimeUnit.SECONDS).join());
    }

    /** A unique {@code sleep} duration: the mark of one test's processes in /proc. */
    private static long mark() {
        return 300 + java.util.concurrent.ThreadLocalRandom.current().nextLong(999_000);
    }

    /** @return how many live (not zombie) {@code sleep MARK} processes there are */
    private static int sleeping(long mark) throws IOException {
        int found = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                try {
                    if (Arrays.equals(Files.readAllBytes(p.resolve("cmdline")),
                            ("sleep\0" + mark + "\0").getBytes(StandardCharsets.US_ASCII))
                            && !Files.readString(p.resolve("stat")).contains(") Z ")) {
                        found++;
                    }
                } catch (IOException e) {
                    // not a process, or it ended while we looked
                }
            }
        }
        return found;
    }

    /** Polls /proc until {@code count} sleeps with the mark run (or none, for 0), failing after {@code within}. */
    private static void await(long mark, int count, Duration within) throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        while (count == 0 ? sleeping(mark) > 0 : sleeping(mark) < count) {
            assertTrue(System.nanoTime() - deadline < 0, "sleep " + mark + ": not " + count + " within " + within);
            Thread.sleep(20); // nothing signals a foreign process's start or end
        }
    }

    @Test
    void cancelStopsTheWholeGroupAndSaysSo() throws Exception {
        CommandRunner runner = new CommandRunner(tmp);
        long mark = mark();
        CompletableFuture<CommandRunner.Outcome> run = CompletableFuture.supplyAsync(() -> {
            try {
                return runner.run("trap '' TERM; sleep " + mark + " & sleep " + mark, new byte[0],
                        Duration.ofSeconds(60), 100, "c1");
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        });
        await(mark, 2, Duration.ofSeconds(10));
        assertEquals(null, runner.cancel("no-such-id"));
        assertEquals(CommandRunner.Finished.STOPPED, runner.cancel("c1").get(15, TimeUnit.SECONDS));
        await(mark, 0, Duration.ofMillis(500));
        CommandRunner.Outcome o = run.get(5, TimeUnit.SECONDS);
        assertEquals(CommandRunner.StopReason.CANCELLED, o.stopped());
        assertEquals(StopOutcome.CONFIRMED, o.stopOutcome());
        assertFalse(o.timedOut());
    }

    @Test
    void aClientThatIsGoneStopsTheCommand() throws Exception {
        long mark = mark();
        AtomicInteger ticks = new AtomicInteger();
        CommandRunner.Outcome o = new CommandRunner(tmp).run(new CommandRunner.Spec("sleep " + mark + " & sleep "
                + mark, new byte[0], null, Duration.ofSeconds(60), 100, null, null), Duration.ofMillis(200),
                new CommandRunner.Listener() {
                    @Override
                    public void tick() throws IOException {
                        if (ticks.incrementAndGet() == 3) {
                            throw new IOException("Broken pipe");
                        }
                    }
                });
        await(mark, 0, Duration.ofMillis(500));
        assertEquals(CommandRunner.StopReason.CLIENT_GONE, o.stopped());
        assertEquals(StopOutcome.CONFIRMED, o.stopOutcome());
    }

    /**
     * A command that does not read a big stdin: the wrapper's copy of stdin blocks, so closing the pipe cannot
     * reach it; the runner kills the command's sessions itself and does not claim a confirmed stop.
     */
    @Test
    void aCommandStuckOnItsStdinIsKilledAndTheStopIsNotClaimedConfirmed() throws Exception {
        long mark = mark();
        long start = System.nanoTime();
        CommandRunner.Outcome o = new CommandRunner(tmp).run("sleep " + mark + " & sleep " + mark,
                new byte[4 << 20], Duration.ofSeconds(1), 100, null);
        await(mark, 0, Duration.ofMillis(500));
        assertTrue(o.timedOut());
        assertEquals(StopOutcome.UNCONFIRMED, o.stopOutcome());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.compareTo(CommandRunner.STOP_WAIT.plusSeconds(5)) < 0, "took " + took);
    }
}
