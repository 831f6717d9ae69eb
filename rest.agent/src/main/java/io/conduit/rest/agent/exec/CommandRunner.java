package io.conduit.rest.agent.exec;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs commands through {@code sh -c}, feeding stdin, keeping at most a limit of stdout and stderr, and killing
 * the whole process tree when the timeout passes or the agent stops.
 */
public final class CommandRunner {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private final Path workdir;
    private final Set<Process> running = ConcurrentHashMap.newKeySet();
    private final java.util.Map<String, Process> byId = new ConcurrentHashMap<>();

    /** What a command did. */
    public record Outcome(int exitCode, byte[] stdout, byte[] stderr, boolean stdoutTruncated,
            boolean stderrTruncated, boolean timedOut, Duration duration) {
    }

    /**
     * @param workdir the directory commands start in
     */
    public CommandRunner(Path workdir) {
        this.workdir = workdir;
    }

    /**
     * Runs one command and waits for it, at most {@code timeout}.
     *
     * @param command the shell line, run by {@code sh -c}
     * @param stdin bytes for standard input (then end of file)
     * @param timeout how long it may run; then it and its descendants are killed
     * @param outputLimit bytes of stdout and of stderr to keep
     * @param id the client's id for the command, for {@link #cancel}; or {@code null}
     * @return what it did
     * @throws IOException the shell could not be started
     * @throws InterruptedException the agent is stopping
     */
    public Outcome run(String command, byte[] stdin, Duration timeout, long outputLimit, String id)
            throws IOException, InterruptedException {
        long start = System.nanoTime();
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", command);
        if (workdir != null && workdir.toFile().isDirectory()) {
            builder.directory(workdir.toFile());
        }
        Process process = builder.start();
        running.add(process);
        if (id != null) {
            byId.put(id, process);
        }
        try {
            Capped out = new Capped(outputLimit);
            Capped err = new Capped(outputLimit);
            Thread outReader = pump(process.getInputStream(), out, "out");
            Thread errReader = pump(process.getErrorStream(), err, "err");
            Thread writer = daemon(() -> {
                try (OutputStream in = process.getOutputStream()) {
                    in.write(stdin);
                } catch (IOException e) {
                    // the command ended without reading all of its stdin: normal for `head` and friends
                }
            }, "stdin");
            writer.start();
            boolean timedOut = !process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (timedOut) {
                killTree(process);
                process.waitFor(10, TimeUnit.SECONDS);
            }
            // a background child may still hold the pipes open; don't wait for it past the deadline
            long left = Math.max(1000, timeout.toMillis() - Duration.ofNanos(System.nanoTime() - start).toMillis());
            outReader.join(left);
            errReader.join(Math.max(1, left / 10));
            int exit = process.isAlive() ? -1 : process.exitValue();
            return new Outcome(exit, out.bytes(), err.bytes(), out.truncated(), err.truncated(), timedOut,
                    Duration.ofNanos(System.nanoTime() - start));
        } catch (InterruptedException e) {
            killTree(process);
            throw e;
        } finally {
            running.remove(process);
            if (id != null) {
                byId.remove(id, process);
            }
        }
    }

    /**
     * Kills a running command and its process tree (its client gave up on it).
     *
     * @param id the id the client gave the command
     * @return whether such a command was running
     */
    public boolean cancel(String id) {
        Process process = byId.get(id);
        if (process == null) {
            return false;
        }
        killTree(process);
        return true;
    }

    /** Kills every command still running (the agent is stopping). */
    public void killAll() {
        running.forEach(CommandRunner::killTree);
    }

    private static void killTree(Process process) {
        // descendants first, while they are still children of the shell and can be found
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.descendants().forEach(ProcessHandle::destroyForcibly);
    }

    private static Thread pump(InputStream in, Capped sink, String what) {
        Thread t = daemon(() -> {
            byte[] buffer = new byte[16384];
            try (in) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    sink.write(buffer, n);
                }
            } catch (IOException e) {
                // the process was killed
            }
        }, what);
        t.start();
        return t;
    }

    private static Thread daemon(Runnable body, String what) {
        Thread t = new Thread(body, "agent-cmd-" + what + "-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    }

    /** Keeps the first {@code limit} bytes and counts the rest. */
    private static final class Capped {
        private final long limit;
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private long total;

        Capped(long limit) {
            this.limit = limit;
        }

        synchronized void write(byte[] bytes, int length) {
            total += length;
            int keep = (int) Math.min(length, Math.max(0, limit - kept.size()));
            kept.write(bytes, 0, keep);
        }

        synchronized byte[] bytes() {
            return kept.toByteArray();
        }

        synchronized boolean truncated() {
            return total > kept.size();
        }
    }
}
