package io.conduit.docker.connection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.RemoteFileNotFoundException;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.api.testing.SmallFileSystems;
import io.conduit.docker.DockerCli;
import io.conduit.docker.client.DockerDefaults;

/**
 * Failed puts and fetches against the real dockerd: each cause is named ({@link TransferFailedException}) and
 * nothing is left behind, checked in the container with {@code docker exec} (no {@code .conduit-*} file, the target
 * unchanged) and on this machine; and paths under tmpfs mounts, which the archive API cannot see, are put and
 * fetched through an exec.
 */
class DockerTransferFaultsTest {
    private static final DockerCli CLI = new DockerCli();
    private static DockerPlugin plugin;
    /** /full: a 256 KiB tmpfs volume; /ro: a volume mounted read-only; /run/x: a 128 KiB tmpfs; /mnt/t: tmpfs. */
    private static String faults;
    /** --read-only root file system with a tmpfs at /run/w; root without CAP_DAC_OVERRIDE. */
    private static String readOnlyRoot;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() throws IOException {
        plugin = new DockerPlugin(DockerDefaults.from(null, System.getenv()));
        String full = CLI.tmpfsVolume("full", "256k");
        String ro = CLI.tmpfsVolume("ro", "256k");
        faults = CLI.runWith("faults", List.of("-v", full + ":/full", "-v", ro + ":/ro:ro", "--tmpfs",
                "/run/x:size=128k", "--mount", "type=tmpfs,destination=/mnt/t"), DockerCli.BUSYBOX);
        // without CAP_DAC_OVERRIDE root in the container obeys file modes: a permission failure an exec can meet
        readOnlyRoot = CLI.runWith("rofs", List.of("--read-only", "--tmpfs", "/run/w", "--cap-drop", "DAC_OVERRIDE",
                "--cap-drop", "DAC_READ_SEARCH"), DockerCli.BUSYBOX);
    }

    @AfterAll
    static void stop() throws IOException {
        if (plugin != null) {
            plugin.deactivate();
        }
        CLI.removeAll();
    }

    private static Connection open(String container) throws IOException {
        Connection c = plugin.create(new ConnectionKey(container, "docker"));
        c.open(new ConnectionParams(container, 0, null, null, null, Map.of()));
        return c;
    }

    /** Everything in a directory of the container, hidden files too, as ls shows it (one line each). */
    private static String ls(String container, String dir) throws IOException {
        return CLI.exec(container, "ls", "-A", dir).text();
    }

    private Path file(String name, int size) throws IOException {
        byte[] data = new byte[size];
        new Random(size).nextBytes(data);
        return Files.write(tmp.resolve(name), data);
    }

    private static TransferFailedException expect(FileProblem problem, String path, Executable call) {
        TransferFailedException e = assertThrows(TransferFailedException.class, call::run);
        assertEquals(problem, e.problem(), e.getMessage());
        // a fetch's local failure: "fetch REMOTE into LOCAL: REASON here (ADVICE)"
        assertTrue(e.getMessage().startsWith("put " + path + ": " + problem.reason() + " (") || e.getMessage()
                .startsWith("fetch ") && e.getMessage().contains(" into " + path + ": " + problem.reason() + " here (")
                || e.getMessage().startsWith("fetch " + path + ": " + problem.reason() + " ("), e.getMessage());
        assertTrue(e.getMessage().endsWith("nothing was left behind"), e.getMessage());
        return e;
    }

    private interface Executable {
        void run() throws Exception;
    }

    @Test
    void putOntoAFullVolumeSaysSoAndFreesTheSpace() throws Exception {
        try (Connection c = open(faults)) {
            Path big = file("big", 400 * 1024);
            c.exec(io.conduit.api.connection.Command.shell("true")); // the connection's first exec, out of the figure
            long start = System.nanoTime();
            TransferFailedException e = expect(FileProblem.NO_SPACE, "/full/big", () -> c.put(big, "/full/big", 0644));
            System.out.println("NO_SPACE (" + (System.nanoTime() - start) / 1_000_000 + " ms): " + e.getMessage());
            assertEquals("", ls(faults, "/full"), "left in the volume");
            // the space is free again: a file that fits goes in
            c.put(file("fits", 100 * 1024), "/full/fits", 0644);
            assertEquals("fits", ls(faults, "/full"));
        }
    }

    @Test
    void putOntoAReadOnlyVolumeOrRootFileSystem() throws Exception {
        Path f = file("f", 10);
        try (Connection c = open(faults)) {
            TransferFailedException e = expect(FileProblem.READ_ONLY, "/ro/f", () -> c.put(f, "/ro/f", 0644));
            System.out.println("READ_ONLY: " + e.getMessage());
            assertEquals("", ls(faults, "/ro"));
        }
        try (Connection c = open(readOnlyRoot)) {
            expect(FileProblem.READ_ONLY, "/etc/f", () -> c.put(f, "/etc/f", 0644));
            assertFalse(ls(readOnlyRoot, "/etc").contains(".conduit-"));
            // its tmpfs is writable, through an exec
            c.put(f, "/run/w/f", 0600);
            assertArrayEquals(Files.readAllBytes(f), CLI.exec(readOnlyRoot, "cat", "/run/w/f").out());
        }
    }

    @Test
    void permissionDeniedToRootWithoutDacOverride() throws Exception {
        Path f = file("f", 10);
        // the file first: afterwards root may not write into the directory either
        assertEquals(0, CLI.exec(readOnlyRoot, "sh", "-c", "mkdir /run/w/theirs && echo secret > /run/w/theirs/secret"
                + " && chmod 600 /run/w/theirs/secret && chown 1000:1000 /run/w/theirs/secret /run/w/theirs"
                + " && chmod 755 /run/w/theirs").status());
        try (Connection c = open(readOnlyRoot)) {
            TransferFailedException put = expect(FileProblem.PERMISSION, "/run/w/theirs/f",
                    () -> c.put(f, "/run/w/theirs/f", 0644));
            System.out.println("PERMISSION: " + put.getMessage());
            assertEquals("secret", ls(readOnlyRoot, "/run/w/theirs"));
            expect(FileProblem.PERMISSION, "/run/w/theirs/secret",
                    () -> c.fetch("/run/w/theirs/secret", tmp.resolve("secret")));
            assertEquals(List.of("f"), list(tmp));
        }
    }

    @Test
    void putOntoADirectoryAMissingDirectoryAFileOrATooLongName() throws Exception {
        Path f = file("f", 10);
        try (Connection c = open(faults)) {
            CLI.exec(faults, "mkdir", "-p", "/srv/p/adir");
            expect(FileProblem.IS_A_DIRECTORY, "/srv/p/adir", () -> c.put(f, "/srv/p/adir", 0644));
            assertEquals("", ls(faults, "/srv/p/adir"));
            expect(FileProblem.MISSING_DIRECTORY, "/no/such/f", () -> c.put(f, "/no/such/f", 0644));
            expect(FileProblem.NOT_A_DIRECTORY, "/etc/passwd/f", () -> c.put(f, "/etc/passwd/f", 0644));
            String tooLong = "/srv/p/" + "n".repeat(256);
            TransferFailedException e = expect(FileProblem.NAME_TOO_LONG, tooLong, () -> c.put(f, tooLong, 0644));
            System.out.println("NAME_TOO_LONG: " + e.getMessage().replace("n".repeat(256), "n{256}"));
            assertEquals("adir", ls(faults, "/srv/p"), "left in /srv/p");
            assertEquals("3 /etc/passwd", CLI.exec(faults, "wc", "-l", "/etc/passwd").text(), "target changed");
        }
    }

    @Test
    void fetchFailuresNameTheCauseAndLeaveNoLocalFile() throws Exception {
        try (Connection c = open(faults); SmallFileSystems small = new SmallFileSystems()) {
            expect(FileProblem.NOT_A_DIRECTORY, "/etc/passwd/x", () -> c.fetch("/etc/passwd/x", tmp.resolve("x")));
            String tooLong = "/tmp/" + "n".repeat(256);
            expect(FileProblem.NAME_TOO_LONG, tooLong, () -> c.fetch(tooLong, tmp.resolve("y")));
            assertThrows(RemoteFileNotFoundException.class, () -> c.fetch("/tmp/none", tmp.resolve("z")));
            assertEquals(List.of(), list(tmp));

            // the local side: a full and a read-only file system
            c.put(file("data", 200 * 1024), "/tmp/data", 0644);
            Path full = small.full(tmp.resolve("full"));
            TransferFailedException e = expect(FileProblem.NO_SPACE, full.resolve("data").toString(),
                    () -> c.fetch("/tmp/data", full.resolve("data")));
            System.out.println("local NO_SPACE: " + e.getMessage());
            assertEquals(List.of("filler"), list(full));
            Path ro = small.readOnly(tmp.resolve("ro"));
            expect(FileProblem.READ_ONLY, ro.resolve("sub/data").toString(),
                    () -> c.fetch("/tmp/data", ro.resolve("sub/data")));
            assertEquals(List.of(), list(ro.resolve("sub")));
            // under a tmpfs mount, through the exec: the same local failure, the same cleanup
            c.put(file("data", 200 * 1024), "/mnt/t/data", 0644);
            expect(FileProblem.NO_SPACE, full.resolve("data").toString(),
                    () -> c.fetch("/mnt/t/data", full.resolve("data")));
            assertEquals(List.of("filler"), list(full));
        }
    }

    @Test
    void tmpfsMountsArePutAndFetchedThroughAnExec() throws Exception {
        byte[] data = new byte[3 * 1024 * 1024 + 5];
        new Random(3).nextBytes(data);
        Path local = Files.write(tmp.resolve("bin"), data);
        Files.setPosixFilePermissions(local, PosixFilePermissions.fromString("rwxr-x---"));
        try (Connection c = open(faults)) {
            // --mount type=tmpfs, --tmpfs, /dev/shm: every one of them, checked in the container
            for (String dir : List.of("/mnt/t", "/dev/shm/t")) {
                CLI.exec(faults, "mkdir", "-p", dir);
                c.put(local, dir + "/bin", Connection.KEEP_MODE);
                assertEquals(DockerConnectionTest.sha256(data), CLI.exec(faults, "sha256sum", dir + "/bin").text()
                        .split(" ")[0]);
                assertEquals("750 0:0", CLI.exec(faults, "stat", "-c", "%a %u:%g", dir + "/bin").text());
                assertEquals("bin", ls(faults, dir));
                Path back = tmp.resolve("back" + dir.replace('/', '-'));
                c.fetch(dir + "/bin", back);
                assertArrayEquals(data, Files.readAllBytes(back));
                assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(back)));
            }
            // a file a command wrote under the mount (the archive API said it did not exist), and a link to it
            CLI.exec(faults, "sh", "-c", "printf 'made\\nhere\\n' > /run/x/made; ln -s /run/x/made /tmp/link");
            c.fetch("/run/x/made", tmp.resolve("made"));
            assertEquals("made\nhere\n", Files.readString(tmp.resolve("made")));
            c.fetch("/tmp/link", tmp.resolve("link"));
            assertEquals("made\nhere\n", Files.readString(tmp.resolve("link")));
            // failures through the exec: the same causes, nothing left
            TransferFailedException e = expect(FileProblem.NO_SPACE, "/run/x/big",
                    () -> c.put(file("big", 200 * 1024), "/run/x/big", 0644));
            System.out.println("tmpfs NO_SPACE: " + e.getMessage());
            assertEquals("made", ls(faults, "/run/x"));
            CLI.exec(faults, "mkdir", "/run/x/dir");
            Path small = file("small", 10);
            expect(FileProblem.IS_A_DIRECTORY, "/run/x/dir", () -> c.put(small, "/run/x/dir", 0644));
            expect(FileProblem.MISSING_DIRECTORY, "/run/x/no/f", () -> c.put(small, "/run/x/no/f", 0644));
            assertEquals("dir\nmade", ls(faults, "/run/x"));
            assertThrows(RemoteFileNotFoundException.class, () -> c.fetch("/run/x/none", tmp.resolve("none")));
            ConnectionException dir = assertThrows(ConnectionException.class,
                    () -> c.fetch("/run/x/dir", tmp.resolve("dir")));
            assertTrue(dir.getMessage().contains("/run/x/dir is a directory"), dir.getMessage());
            assertFalse(Files.exists(tmp.resolve("none")) || Files.exists(tmp.resolve("dir")));
        }
    }

    @Test
    void aPutThroughAnExecCutByCloseLeavesNothing() throws Exception {
        Path big = file("cut", 40 * 1024 * 1024);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            CLI.exec(faults, "mkdir", "-p", "/dev/shm/c");
            Connection c = open(faults);
            java.util.concurrent.Future<?> put = pool.submit(() -> {
                c.put(big, "/dev/shm/c/cut", 0644);
                return null;
            });
            long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (((DockerConnection) c).transfersInFlight() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            c.close();
            Exception e = assertThrows(Exception.class, () -> put.get(30, java.util.concurrent.TimeUnit.SECONDS));
            System.out.println("cut by close: " + e.getCause().getMessage());
            assertTrue(e.getCause() instanceof ConnectionException, String.valueOf(e.getCause()));
            // the script in the container removes its temporary file once its stdin ends short (bounded poll)
            long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            String left = "?";
            while (System.nanoTime() < until && !(left = ls(faults, "/dev/shm/c")).isEmpty()) {
                Thread.onSpinWait();
            }
            assertEquals("", left, "left in /dev/shm/c");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void tmpfsMountInAContainerWithoutAShellIsRefusedWithTheReason() throws Exception {
        String noshell = CLI.runWith("noshell-tmpfs", List.of("--tmpfs", "/run/n"), DockerCli.NOSHELL);
        try (Connection c = open(noshell)) {
            ConnectionException put = assertThrows(ConnectionException.class,
                    () -> c.put(file("f", 1), "/run/n/f", 0644));
            System.out.println("no shell: " + put.getMessage());
            assertTrue(put.getMessage().contains("/run/n is a mount that the archive API cannot see"), put.getMessage());
            assertTrue(put.getMessage().contains("no /bin/sh"), put.getMessage());
            ConnectionException fetch = assertThrows(ConnectionException.class,
                    () -> c.fetch("/run/n/f", tmp.resolve("f")));
            assertTrue(fetch.getMessage().contains("no /bin/sh"), fetch.getMessage());
        }
    }

    private static List<String> list(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void anInterruptedPutSaysSoAndRemovesItsTemporaryFile() throws Exception {
        // 4 GiB, sparse: the upload takes seconds, so the interrupt comes while the daemon is writing
        Path big = tmp.resolve("big");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(4L << 30);
        }
        try (Connection c = open(faults)) {
            c.exec(io.conduit.api.connection.Command.shell("mkdir -p /tmp/up"));
            java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
            java.util.concurrent.atomic.AtomicBoolean flagKept = new java.util.concurrent.atomic.AtomicBoolean();
            Thread worker = new Thread(() -> {
                try {
                    c.put(big, "/tmp/up/big", 0644);
                } catch (Throwable e) {
                    thrown.set(e);
                }
                flagKept.set(Thread.currentThread().isInterrupted());
            }, "put-worker");
            worker.start();
            // interrupt while the daemon is writing the temporary file, well before its end: watched in the
            // container's upper directory on this machine (a docker exec per look is slower than the upload)
            Path up = Path.of(CLI.docker("inspect", "-f", "{{.GraphDriver.Data.UpperDir}}", faults), "tmp", "up");
            long written = -1;
            long until = System.nanoTime() + 30_000_000_000L;
            while (written <= 0 && worker.isAlive() && System.nanoTime() < until) {
                try (java.util.stream.Stream<Path> files = Files.list(up)) {
                    for (Path p : (Iterable<Path>) files::iterator) {
                        if (p.getFileName().toString().startsWith(".conduit-")) {
                            written = Files.size(p);
                        }
                    }
                } catch (IOException e) {
                    // the file was renamed or removed between the listing and the size
                }
                java.util.concurrent.locks.LockSupport.parkNanos(100_000); // a poll, not a race's cover
            }
            assertTrue(written > 0 && written < 1L << 30, "no upload in progress seen: " + written + " bytes, "
                    + thrown.get());
            long start = System.nanoTime();
            worker.interrupt();
            worker.join(30_000);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertFalse(worker.isAlive(), "put still running 30 s after the interrupt");
            Throwable e = thrown.get();
            System.out.println("INTERRUPTED PUT (" + ms + " ms): " + e);
            assertTrue(e instanceof io.conduit.api.connection.CommandStoppedException, String.valueOf(e));
            assertEquals("put /tmp/up/big in container \"" + faults + "\": interrupted; nothing was left behind",
                    e.getMessage());
            assertEquals(io.conduit.api.connection.StopOutcome.CONFIRMED,
                    ((io.conduit.api.connection.CommandStoppedException) e).outcome());
            assertTrue(flagKept.get(), "the interrupt flag is set again for the caller");
            assertEquals("", ls(faults, "/tmp/up"), "left in the container");
            // the connection still works after the interrupt
            assertEquals(0, c.exec(io.conduit.api.connection.Command.shell("true")).exitCode());
        }
    }

    @Test
    void relativeRemotePathsStartInTheContainersWorkingDirectory() throws Exception {
        String wd = CLI.runWith("wd", List.of("-w", "/srv/app"), DockerCli.BUSYBOX);
        Path f = file("rel", 1000);
        try (Connection c = open(wd); Connection root = open(faults)) {
            c.put(f, "rel.txt", 0640);
            c.put(f, "./dot.txt", 0640);
            assertEquals(List.of("dot.txt", "rel.txt"), List.of(ls(wd, "/srv/app").split("\n")));
            Path back = tmp.resolve("back");
            c.fetch("rel.txt", back);
            assertArrayEquals(Files.readAllBytes(f), Files.readAllBytes(back));
            // the file operations run in the same directory: they see the same file
            io.conduit.api.connection.RemoteFile st = c.stat("rel.txt", false,
                    io.conduit.api.connection.FileAccess.of(java.time.Duration.ofSeconds(30)),
                    io.conduit.api.connection.Trace.OFF).orElseThrow();
            assertEquals(1000, st.size());
            expect(FileProblem.MISSING_DIRECTORY, "/srv/app/no/x", () -> c.put(f, "no/x", 0644));
            // no WorkingDir: the root directory
            root.put(f, "rel-in-root.txt", 0644);
            assertEquals(0, CLI.exec(faults, "rm", "/rel-in-root.txt").status());
            ConnectionException empty = assertThrows(ConnectionException.class, () -> c.fetch("", back));
            assertEquals("fetch in container \"" + wd + "\": the remote path is empty; give an absolute path, or one"
                    + " relative to the container's working directory (/srv/app)", empty.getMessage());
        }
    }
}
