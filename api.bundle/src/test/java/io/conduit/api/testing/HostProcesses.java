package io.conduit.api.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * What a host runs, seen from the host's side: the tests' servers (sshd, the REST agent, the local plugin)
 * run on this machine, so their commands are in {@code /proc}. Each command carries a unique {@code sleep}
 * duration as its mark. Shared by every module's tests through api.bundle's test-jar.
 */
public final class HostProcesses {
    private HostProcesses() {
    }

    /** @return a sleep duration no other test uses, in seconds (300-999 299), as the mark of one command */
    public static long mark() {
        return 300 + ThreadLocalRandom.current().nextLong(999_000);
    }

    /** @return the pids of live (not zombie) {@code sleep MARK} processes */
    public static List<Long> sleeping(long mark) {
        List<Long> found = new ArrayList<>();
        String wanted = "sleep\0" + mark + "\0";
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (cmd.equals(wanted) && !Files.readString(p.resolve("stat")).contains(") Z ")) {
                        found.add(Long.parseLong(name));
                    }
                } catch (IOException e) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return found;
    }

    /** Waits up to {@code within} until {@code count} processes with the mark run; fails otherwise. */
    public static void awaitRunning(long mark, int count, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (sleeping(mark).size() < count) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("sleep " + mark + " did not start " + count + " times on the host within "
                        + within);
            }
            Thread.sleep(20); // polling /proc: nothing signals a foreign process start
        }
    }

    /**
     * Waits up to {@code within} for every process with the mark to end.
     *
     * @return the pids still running after that, empty when none survived
     */
    public static List<Long> survivors(long mark, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        List<Long> left = sleeping(mark);
        while (!left.isEmpty() && System.nanoTime() - deadline < 0) {
            Thread.sleep(20);
            left = sleeping(mark);
        }
        return left;
    }

    /** Ends what a failed test left behind, so that one failure does not leave sleeps for days. */
    public static void kill(long mark) {
        for (long pid : sleeping(mark)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }
}
