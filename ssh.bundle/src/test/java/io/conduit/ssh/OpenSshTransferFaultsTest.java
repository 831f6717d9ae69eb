package io.conduit.ssh;

import static io.conduit.ssh.TestSupport.keygen;
import static io.conduit.ssh.TestSupport.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
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
}
