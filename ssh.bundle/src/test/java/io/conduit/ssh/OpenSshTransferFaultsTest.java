package io.conduit.ssh;

import static io.conduit.api.testing.OperatorText.messageForPeople;
import static io.conduit.ssh.TestSupport.keygen;
import static io.conduit.ssh.TestSupport.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.support.FileNames;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.api.testing.SmallFileSystems;

/**
 * Each cause of a failed transfer, over SFTP, SCP and the pipe, against Debian's OpenSSH sshd writing to real file
 * systems of this machine (a full tmpfs, a read-only one; {@link SmallFileSystems}): the failure is a
 * {@link TransferFailedException} naming the cause, and the host's directory (listed directly, not through the
 * plugin) and the local one hold exactly what they held before. OpenSSH's sftp-server names only ENOENT and EACCES;
 * the other causes come from the probe. A quota cannot be made on tmpfs here (no quota tools), so it is not tested.
 */
class OpenSshTransferFaultsTest {
    @TempDir
    static Path base;
    private static final SmallFileSystems FS = new SmallFileSystems();
    private static OpenSshd sshd;
    private static Path key;
    private static Path knownHosts;
    private static Path full;
    private static Path readOnly;
    private static Path writable;
    private static Path locked;
    private static Path secret;
    private static Path local;
    /** 4 MB: many SFTP writes in flight when the host refuses one. */
    private static Path big;
    /** 100 MB, sparse: a put that runs long enough to lose its connection under it. */
    private static Path huge;

    @BeforeAll
    static void start() throws Exception {
        TestUsers.ensure();
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        key = keygen(Files.createDirectories(base.resolve("keys")), "id_ed25519", "ed25519", "");
        Path authorized = Files.writeString(base.resolve("authorized_keys"), Files.readString(Path.of(key + ".pub")));
        Files.setPosixFilePermissions(authorized, PosixFilePermissions.fromString("rw-r--r--"));
        sshd = OpenSshd.start(base.resolve("sshd"), authorized);
        knownHosts = Files.writeString(base.resolve("known_hosts"), sshd.knownHosts("ed25519"));
        full = FS.full(base.resolve("full"));
        readOnly = FS.readOnly(base.resolve("ro")).resolve("sub");
        writable = Files.createDirectories(base.resolve("w"));
        Files.createDirectories(writable.resolve("a dir"));
        Files.writeString(writable.resolve("kept"), "old");
        locked = Files.createDirectories(base.resolve("locked")); // root's, 0755: others may not write
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        secret = Files.writeString(base.resolve("secret"), "root only");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        local = Files.write(base.resolve("local.bin"), new byte[200_000]);
        big = Files.write(base.resolve("big.bin"), new byte[4_000_000]);
        huge = base.resolve("huge.bin");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(100_000_000);
        }
        Files.setPosixFilePermissions(huge, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterAll
    static void stop() throws IOException {
        FS.close();
        if (sshd != null) {
            sshd.close();
        }
    }

    private static Connection open(SshPlugin plugin, String user, String method) throws IOException {
        Connection c = plugin.create(new ConnectionKey("faults", "ssh"));
        c.open(params(sshd.port, user, null, "private_key_file", key.toString(), "transfer_method", method));
        return c;
    }

    private static Set<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** The call fails naming the cause, and {@code dir} holds what it held before. */
    private static void fails(FileProblem cause, Path dir, Executable call) throws IOException {
        Set<String> before = list(dir);
        TransferFailedException e = assertThrows(TransferFailedException.class, call);
        assertEquals(cause, e.problem(), e.getMessage());
        assertTrue(e.getMessage().contains(cause.reason()) && e.getMessage().endsWith("nothing was left behind"),
                e.getMessage());
        assertEquals(before, list(dir), "the directory is as it was: " + e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"sftp", "scp", "pipe"})
    void eachCauseOfAFailedPutIsNamedAndLeavesNothing(String method) throws Exception {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        try (Connection c = open(plugin, "root", method)) {
            fails(FileProblem.NO_SPACE, full, () -> c.put(local, full + "/new", 0644));
            for (int i = 0; i < 5; i++) { // MINA's SFTP writes in flight once hid the cause (WritePendingException)
                fails(FileProblem.NO_SPACE, full, () -> c.put(big, full + "/new", 0644));
            }
            // OpenSSH's sftp-server answers "no such file" for ENOTDIR too: the probe tells them apart
            fails(FileProblem.NOT_A_DIRECTORY, writable, () -> c.put(local, writable + "/kept/new", 0644));
            fails(FileProblem.READ_ONLY, readOnly, () -> c.put(local, readOnly + "/new", 0644));
            fails(FileProblem.IS_A_DIRECTORY, writable, () -> c.put(local, writable + "/a dir", 0644));
            fails(FileProblem.MISSING_DIRECTORY, writable, () -> c.put(local, writable + "/no dir/new", 0644));
            fails(FileProblem.NAME_TOO_LONG, writable, () -> c.put(local, writable + "/" + "n".repeat(256), 0644));
            assertEquals("old", Files.readString(writable.resolve("kept")));
        } finally {
            plugin.deactivate();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sftp", "scp", "pipe"})
    void permissionIsNamedForPutAndFetchAndNothingIsLeftHereOrThere(String method) throws Exception {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        Path here = Files.createDirectories(base.resolve("here-" + method));
        try (Connection c = open(plugin, TestUsers.TARGET, method)) {
            fails(FileProblem.PERMISSION, locked, () -> c.put(local, locked + "/new", 0644));
            fails(FileProblem.PERMISSION, here, () -> c.fetch(secret.toString(), here.resolve("secret")));
            assertEquals(Set.of(), list(here), "no local file, no temporary one");
        } finally {
            plugin.deactivate();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sftp", "scp", "pipe"})
    void aFetchThatCannotWriteItsCopyHereNamesTheCauseHereAndLeavesNothing(String method) throws Exception {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        try (Connection c = open(plugin, "root", method)) {
            for (Path into : List.of(full.resolve("copy"), readOnly.resolve("copy"))) {
                FileProblem cause = into.startsWith(full) ? FileProblem.NO_SPACE : FileProblem.READ_ONLY;
                fails(cause, into.getParent(), () -> c.fetch(local.toString(), into));
                TransferFailedException e = assertThrows(TransferFailedException.class,
                        () -> c.fetch(local.toString(), into));
                assertEquals("fetch " + local + " into " + into + ": " + cause.reason() + " here ("
                        + cause.advice(FileProblem.Side.HERE_WRITE) + "); nothing was left behind", e.getMessage());
            }
        } finally {
            plugin.deactivate();
        }
    }

    /**
     * Starts a put of {@link #huge} into {@code dir}, waits until its temporary file on the host holds bytes, then
     * runs {@code kill}, and returns how the put failed.
     */
    private static ConnectFailedException putLosingItsConnection(Connection c, Path dir, Runnable kill)
            throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> put = pool.submit(() -> {
                c.put(huge, dir + "/huge.bin", 0644);
                return null;
            });
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!started(dir)) { // nothing on the host signals the first bytes: poll, with a deadline
                assertTrue(System.nanoTime() < deadline, "the put's temporary file did not appear in " + dir);
                try {
                    put.get(5, TimeUnit.MILLISECONDS);
                    fail("the put ended before its connection was lost");
                } catch (TimeoutException e) {
                    // still running
                }
            }
            kill.run();
            ExecutionException e = assertThrows(ExecutionException.class, () -> put.get(60, TimeUnit.SECONDS));
            return assertInstanceOf(ConnectFailedException.class, e.getCause(), String.valueOf(e.getCause()));
        } finally {
            pool.shutdownNow();
        }
    }

    private static boolean started(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> p.getFileName().toString().startsWith(FileNames.TEMPORARY_PREFIX)
                    && p.toFile().length() > 0);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sftp", "scp", "pipe"})
    void aPutWhoseConnectionDiesLeavesNoTemporaryFileWhileTheHostIsReachable(String method) throws Exception {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        Path dir = Files.createDirectories(base.resolve("lost-" + method));
        try (Connection c = open(plugin, "root", method)) {
            ConnectFailedException e = putLosingItsConnection(c, dir, sshd::killSessions);
            assertTrue(messageForPeople(e).matches(".*: put " + dir + "/huge.bin: the connection was lost during the"
                    + " transfer \\(sshd on the host went away, or the network failed\\); the temporary file "
                    + dir + "/\\.conduit-\\S+ was removed"), e.getMessage());
            assertEquals(Set.of(), list(dir), e.getMessage());
        } finally {
            plugin.deactivate();
        }
    }

    @org.junit.jupiter.api.Test
    void aTemporaryFileLeftWhileTheHostWasDownIsRemovedAtTheNextConnection() throws Exception {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        Path dir = Files.createDirectories(base.resolve("down"));
        try (Connection c = open(plugin, "root", "sftp")) {
            ConnectFailedException e = putLosingItsConnection(c, dir, () -> {
                try {
                    sshd.stopAll();
                } catch (IOException x) {
                    throw new java.io.UncheckedIOException(x);
                }
            });
            Set<String> left = list(dir);
            assertEquals(1, left.size(), e.getMessage());
            String tmp = dir + "/" + left.iterator().next();
            assertEquals(e.getMessage().replaceFirst(".*: put ", "put "), "put " + dir + "/huge.bin: the connection was"
                    + " lost during the transfer (sshd on the host went away, or the network failed); the temporary"
                    + " file " + tmp + " may be left on the host; it is removed at the next connection to the host");
            sshd.restart();
            try (Connection next = open(plugin, "root", "sftp")) {
                assertEquals(Set.of(), list(dir), "removed when the plugin connected again");
            }
        } finally {
            plugin.deactivate();
        }
    }

    @org.junit.jupiter.api.Test
    void noSftpSubsystemIsSaidInWordsWithoutTheLibrarysObjects() throws Exception {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        try (OpenSshd bare = OpenSshd.start(base.resolve("sshd-bare"), base.resolve("authorized_keys"),
                "Subsystem sftp /nonexistent/sftp-server")) {
            Path kh = Files.writeString(base.resolve("known_hosts-bare"), bare.knownHosts("ed25519"));
            SshPlugin p = TestSupport.plugin(kh);
            try (Connection c = p.create(new ConnectionKey("bare", "ssh"))) {
                c.open(params(bare.port, "root", null, "private_key_file", key.toString(), "transfer_method",
                        "sftp"));
                IOException e = assertThrows(IOException.class, () -> c.put(local, writable + "/bare", 0644));
                assertTrue(messageForPeople(e).endsWith(": the server has no SFTP subsystem (it closed the SFTP channel"
                        + " at its start); enable it in sshd_config (Subsystem sftp ...) or set transfer_method: scp"
                        + " or pipe"), e.getMessage());
                assertFalse(e.getMessage().matches(".*(Impl|Subsystem)\\[.*"), e.getMessage());
            } finally {
                p.deactivate();
            }
        } finally {
            plugin.deactivate();
        }
    }
}
