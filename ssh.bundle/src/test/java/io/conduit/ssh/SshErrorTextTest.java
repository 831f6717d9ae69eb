package io.conduit.ssh;

import static io.conduit.api.testing.OperatorText.messageForPeople;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.StopOutcome;
import io.conduit.api.testing.HostProcesses;

/**
 * What an operator reads when the port is not an SSH server's or sshd dies under a command: the mismatch named,
 * whether the command may still be running, no Java class names. And {@code host_key_checking: off} is reported
 * for the console.
 */
class SshErrorTextTest {
    @TempDir
    static Path base;
    private static OpenSshd sshd;
    private static Path key;
    private static Path knownHosts;

    @BeforeAll
    static void startServer() throws Exception {
        Path keys = Files.createDirectories(base.resolve("keys"));
        key = TestSupport.keygen(keys, "id_ed25519", "ed25519", "");
        Path authorized = Files.writeString(base.resolve("authorized_keys"), Files.readString(Path.of(key + ".pub")));
        sshd = OpenSshd.start(base.resolve("sshd"), authorized);
        knownHosts = Files.writeString(base.resolve("known_hosts"), sshd.knownHosts("ed25519"));
    }

    @AfterAll
    static void stopServer() throws IOException {
        if (sshd != null) {
            sshd.close();
        }
    }

    @Test
    void minasPrintedObjectsAreCutFromALibrarysReason() {
        // as MINA 2.15 words a write on a channel whose session died, and a start on a closed channel
        assertEquals("Failed to execute: Broken pipe", SshText.words(new IOException("ChannelAsyncOutputStream"
                + "[SftpChannelSubsystem[id=1, recipient=0]-ClientSessionImpl[rvop@/127.0.0.1:2299][sftp]]"
                + " cmd=SSH_MSG_CHANNEL_DATA]: Failed (IOException) to execute: Broken pipe")));
        assertEquals("Closing", SshText.words(new java.io.EOFException("Closing: SftpChannelSubsystem[id=1,"
                + " recipient=0]-ClientSessionImpl[rvop@/127.0.0.1:2300][sftp]")));
        assertEquals("Incorrect identification (null characters not allowed)", SshText.words(
                new IOException("Incorrect identification (null characters not allowed)")));
    }

    @Test
    void aPortAnsweringGarbageIsNamedAsNotSsh() throws Exception {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            CompletableFuture.runAsync(() -> {
                Random random = new Random(11);
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        byte[] noise = new byte[64 << 10];
                        random.nextBytes(noise);
                        s.getOutputStream().write(noise);
                        s.getInputStream().read(new byte[4096]);
                    } catch (IOException e) {
                        // the client gave up, or the test ended
                    }
                }
            });
            ConnectFailedException e = assertThrows(ConnectFailedException.class, () -> TestSupport.open(plugin,
                    TestSupport.params(server.getLocalPort(), "root", null, "private_key_file", key.toString())));
            String m = messageForPeople(e);
            System.out.println("SshErrorTextTest: garbage: " + m);
            assertTrue(m.contains("not SSH") && !m.contains("closed the connection"), m);
        } finally {
            plugin.deactivate();
        }
    }

    @Test
    void sshdKilledUnderACommandSaysItMayStillRun() throws Exception {
        SshPlugin plugin = TestSupport.plugin(knownHosts);
        long mark = HostProcesses.mark();
        try (Connection c = TestSupport.open(plugin, TestSupport.params(sshd.port, "root", null,
                "private_key_file", key.toString()))) {
            CompletableFuture<Void> killer = CompletableFuture.runAsync(() -> {
                try {
                    HostProcesses.awaitRunning(mark, 1, Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                sshd.killSessions();
            });
            IOException e = assertThrows(IOException.class,
                    () -> c.exec(Command.shell("sleep " + mark).withTimeout(Duration.ofSeconds(60))));
            killer.join();
            String m = messageForPeople(e);
            System.out.println("SshErrorTextTest: sshd killed: " + m);
            assertTrue(m.contains(StopOutcome.UNCONFIRMED.description()), m);
        } finally {
            HostProcesses.kill(mark);
            plugin.deactivate();
        }
    }

    @Test
    void hostKeyCheckingOffAcceptsAChangedKeyAndIsReportedForTheConsole() throws Exception {
        // a known_hosts whose key for the host is another one: off accepts the changed key (as the README says)
        String[] other = Files.readString(Path.of(key + ".pub")).trim().split(" ");
        Path changed = Files.writeString(base.resolve("changed_known_hosts"),
                "[127.0.0.1]:" + sshd.port + " " + other[0] + " " + other[1] + "\n");
        SshPlugin off = TestSupport.plugin(changed, "host_key_checking", "off");
        SshPlugin strict = TestSupport.plugin(knownHosts);
        try (Connection c = TestSupport.open(off, TestSupport.params(sshd.port, "root", null,
                "private_key_file", key.toString()));
                Connection d = TestSupport.open(strict, TestSupport.params(sshd.port, "root", null,
                        "private_key_file", key.toString()))) {
            assertEquals(List.of("host_key_checking: off (host keys are not checked, a changed key is accepted)"),
                    c.warnings());
            assertEquals(List.of(), d.warnings());
        } finally {
            off.deactivate();
            strict.deactivate();
        }
    }
}
