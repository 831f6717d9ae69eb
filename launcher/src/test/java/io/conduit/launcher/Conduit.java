package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the assembled distribution's {@code bin/conduit} as a real process, bounded. */
final class Conduit {
    /** The distribution, passed by failsafe ({@code launcher/target/conduit}). */
    static final Path DIST = Path.of(System.getProperty("conduit.dist", "target/conduit")).toAbsolutePath();
    /** The reactor root, passed by failsafe. */
    static final Path REACTOR = Path.of(System.getProperty("conduit.reactor", "..")).toAbsolutePath().normalize();
    /** Generous: the machine may be busy; a start normally takes about a second. */
    static final Duration BOUND = Duration.ofSeconds(90);

    /** What a run printed and how it ended. */
    record Result(int exit, String out, String err, Duration took, long pid) {
        @Override
        public String toString() {
            return "exit " + exit + " after " + took.toMillis() + " ms\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Conduit() {
    }

    /**
     * Starts bin/conduit for a test that reads its stdout as it comes ({@link Process#getInputStream()}); stderr
     * goes to {@code err}. The caller bounds its reads and destroys the process when done.
     *
     * @param err where stderr goes
     * @param args its arguments
     * @return the running process, its stdin closed
     */
    static Process start(Path err, String... args) throws IOException {
        return start(DIST, java.util.Map.of(), err, args);
    }

    /**
     * Starts the bin/conduit of a given distribution for a test that reads its stdout as it comes.
     *
     * @param dist the distribution
     * @param env added to the environment
     * @param err where stderr goes
     * @param args its arguments
     * @return the running process, its stdin closed
     */
    static Process start(Path dist, java.util.Map<String, String> env, Path err, String... args) throws IOException {
        Path bin = dist.resolve("bin/conduit");
        assertTrue(Files.isExecutable(bin), bin + " is missing: the package phase assembles it");
        List<String> command = new ArrayList<>();
        command.add(bin.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(err.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().remove("CONDUIT_DEBUG");
        pb.environment().remove("CONDUIT_DATA");
        pb.environment().putAll(env);
        return pb.start();
    }

    static Result run(String... args) throws IOException, InterruptedException {
        return withInput(null, args);
    }

    /**
     * Runs bin/conduit.
     *
     * @param stdin what to write to its standard input (then closed), or null for none
     * @param args its arguments
     * @return its exit status and output
     */
    static Result withInput(String stdin, String... args) throws IOException, InterruptedException {
        return withEnv(java.util.Map.of(), stdin, args);
    }

    /**
     * Runs bin/conduit with extra environment variables.
     *
     * @param env added to the environment
     * @param stdin what to write to its standard input (then closed), or null for none
     * @param args its arguments
     * @return its exit status and output
     */
    static Result withEnv(java.util.Map<String, String> env, String stdin, String... args)
            throws IOException, InterruptedException {
        return withEnv(env, stdin, DIST, args);
    }

    /**
     * Runs the bin/conduit of a given distribution folder.
     *
     * @param env added to the environment
     * @param stdin what to write to its standard input (then closed), or null for none
     * @param dist the distribution
     * @param args its arguments
     * @return its exit status and output
     */
    static Result withEnv(java.util.Map<String, String> env, String stdin, Path dist, String... args)
            throws IOException, InterruptedException {
        return in(null, env, stdin, dist, args);
    }

    /**
     * Runs bin/conduit in a working directory of the test's choosing.
     *
     * @param cwd the working directory, or null for the test's
     * @param env added to the environment
     * @param stdin what to write to its standard input (then closed), or null for none
     * @param dist the distribution
     * @param args its arguments
     * @return its exit status and output
     */
    static Result in(Path cwd, java.util.Map<String, String> env, String stdin, Path dist, String... args)
            throws IOException, InterruptedException {
        Path bin = dist.resolve("bin/conduit");
        assertTrue(Files.isExecutable(bin), bin + " is missing: the package phase assembles it");
        List<String> command = new ArrayList<>();
        command.add(bin.toString());
        command.addAll(List.of(args));
        Path out = Files.createTempFile("conduit-out", ".txt");
        Path err = Files.createTempFile("conduit-err", ".txt");
        Path in = Files.createTempFile("conduit-in", ".txt");
        Files.writeString(in, stdin == null ? "" : stdin);
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(in.toFile());
        if (cwd != null) {
            pb.directory(cwd.toFile());
        }
        pb.environment().remove("CONDUIT_DEBUG");
        pb.environment().remove("CONDUIT_DATA");
        pb.environment().putAll(env);
        long t0 = System.nanoTime();
        Process p = pb.start();
        try {
            if (!p.waitFor(BOUND.toSeconds(), TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                fail("bin/conduit " + String.join(" ", args) + " did not end within " + BOUND.toSeconds() + " s;"
                        + " stdout so far:\n" + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8), Duration.ofNanos(System.nanoTime() - t0), p.pid());
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
            Files.deleteIfExists(in);
        }
    }

    /**
     * Copies the assembled distribution, without its data/, for a test that changes etc/ or deploy/ (the shared
     * one stays intact for the other tests).
     *
     * @param into the folder to create the copy in
     * @return the copy's folder
     */
    static Path copyOfDistribution(Path into) throws IOException {
        try (java.util.stream.Stream<Path> all = Files.walk(DIST)) {
            for (Path p : all.sorted(java.util.Comparator.naturalOrder()).toList()) {
                Path rel = DIST.relativize(p);
                if (rel.startsWith("data")) {
                    continue;
                }
                Path target = into.resolve(rel.toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
        return into;
    }
}
