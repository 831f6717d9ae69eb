package io.conduit.ssh;

import static io.conduit.ssh.TestSupport.keygen;
import static io.conduit.ssh.TestSupport.params;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.testing.PutFetchScenario;
import io.conduit.core.testing.TaskTransfers;

/** What put and fetch do on every plugin ({@link PutFetchScenario}), over ssh to Debian's OpenSSH sshd, with each
 * transfer method. */
class OpenSshPutFetchTest {
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

    @ParameterizedTest
    @ValueSource(strings = {"sftp", "scp"})
    void putAndFetchBehaveAsOnEveryPlugin(String method) throws Exception {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        try (Connection c = plugin.create(new ConnectionKey("target", "ssh"))) {
            c.open(params(sshd.port, "root", null, "private_key_file", key.toString(), "transfer_method", method));
            new PutFetchScenario().run(new TaskTransfers(c, "target"), PutFetchScenario.THIS_MACHINE,
                    base.resolve("host-" + method).toString(), Files.createDirectories(base.resolve("here-" + method)));
        } finally {
            plugin.deactivate();
        }
    }
}
