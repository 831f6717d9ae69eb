package io.conduit.ssh;

import static io.conduit.ssh.TestSupport.keygen;
import static io.conduit.ssh.TestSupport.params;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.testing.FileNameScenario;

/**
 * Every file name the host accepts, put and fetched over SFTP, SCP and the pipe against Debian's OpenSSH sshd: with
 * SCP and the pipe the path travels on a command line, which the login shell reads.
 */
class OpenSshFileNamesTest {
    @TempDir
    static Path base;
    private static OpenSshd sshd;
    private static Path key;
    private static Path knownHosts;

    @BeforeAll
    static void start() throws Exception {
        key = keygen(Files.createDirectories(base.resolve("keys")), "id_ed25519", "ed25519", "");
        Path authorized = Files.writeString(base.resolve("authorized_keys"), Files.readString(Path.of(key + ".pub")));
        sshd = OpenSshd.start(base.resolve("sshd"), authorized);
        knownHosts = Files.writeString(base.resolve("known_hosts"), sshd.knownHosts("ed25519"));
    }

    @AfterAll
    static void stop() throws IOException {
        if (sshd != null) {
            sshd.close();
        }
    }

    private static void run(String method, FileNameScenario scenario) throws Exception {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        try (Connection c = plugin.create(new ConnectionKey("target", "ssh"))) {
            c.open(params(sshd.port, "root", null, "private_key_file", key.toString(), "transfer_method", method,
                    "verify_checksum", true));
            scenario.run(c::put, c::fetch, FileNameScenario.LOCAL, base.resolve("host-" + method).toString(),
                    Files.createDirectories(base.resolve("here-" + method)));
        } finally {
            plugin.deactivate();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sftp", "scp", "pipe"})
    void everyNameIsPutAndFetchedAndNoneRunsACommand(String method) throws Exception {
        // the remote scp cannot send a name holding a line break (it would cut its header line): refused by name
        run(method, new FileNameScenario().refusingFetchOf(name -> method.equals("scp") && name.contains("\n")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sftp", "scp", "pipe"})
    void aRelativeNameWithALeadingDashIsAFileInTheLoginDirectoryNotAnOption(String method) throws Exception {
        String name = "-rf conduit-names-" + method + "-" + Long.toHexString(System.nanoTime());
        Path home = Path.of(System.getProperty("user.home")); // root's login directory, as sshd starts it
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        try (Connection c = plugin.create(new ConnectionKey("target", "ssh"))) {
            c.open(params(sshd.port, "root", null, "private_key_file", key.toString(), "transfer_method", method,
                    "verify_checksum", true));
            c.put(Files.writeString(base.resolve("dash-" + method), "dash"), name, 0600);
            org.junit.jupiter.api.Assertions.assertEquals("dash", Files.readString(home.resolve(name)));
            c.fetch(name, base.resolve("dash-back-" + method));
            org.junit.jupiter.api.Assertions.assertEquals("dash", Files.readString(base.resolve("dash-back-" + method)));
        } finally {
            plugin.deactivate();
            Files.deleteIfExists(home.resolve(name));
        }
    }

    @Test
    void scpRefusesToFetchANameWithALineBreakAndSaysWhatToDo() throws Exception {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        try (Connection c = plugin.create(new ConnectionKey("target", "ssh"))) {
            c.open(params(sshd.port, "root", null, "private_key_file", key.toString(), "transfer_method", "scp"));
            Path file = Files.writeString(Files.createDirectories(base.resolve("nl")).resolve("a\nb"), "x");
            ConnectionException e = org.junit.jupiter.api.Assertions.assertThrows(ConnectionException.class,
                    () -> c.fetch(file.toString(), base.resolve("nl-back")));
            assertTrue(e.getMessage().contains("a?b") && e.getMessage().contains("transfer_method: sftp"),
                    e.getMessage());
        } finally {
            plugin.deactivate();
        }
    }
}
