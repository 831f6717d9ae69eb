package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12: the end of {@code bin/conduit -c} closes the connections the pool kept open, all of them, and the
 * hosts see it: every SSH session a real OpenSSH sshd accepted has ended once the process has exited, and
 * Conduit's log reports no connection left behind.
 */
class ExitClosesConnectionsIT {
    private static final int HOSTS = 6;
    private static final Pattern ACCEPTED = Pattern.compile("Accepted publickey for \\S+ from 127\\.0\\.0\\.1 port (\\d+)");
    private static final Pattern CLOSED = Pattern.compile(
            "(?:Connection closed by|Disconnected from user \\S+|Received disconnect from) 127\\.0\\.0\\.1 port (\\d+)");

    @TempDir
    Path dir;

    @Test
    void everySessionTheRunOpenedHasEndedOnTheHostWhenTheProcessHasExited() throws Exception {
        try (Sshd sshd = Sshd.start(dir.resolve("sshd"))) {
            StringBuilder inventory = new StringBuilder(String.join("\n",
                    "defaults:",
                    "  connection: ssh",
                    "  hostname: 127.0.0.1",
                    "  port: " + sshd.port,
                    "  username: root",
                    "  connection_options:",
                    "    ssh:",
                    "      extras: {private_key_file: " + sshd.dir.resolve("client") + ", known_hosts_file: "
                            + sshd.dir.resolve("known_hosts") + ", look_for_keys: false, host_key_checking: strict}",
                    "hosts:", ""));
            for (int i = 1; i <= HOSTS; i++) {
                inventory.append("  h").append(i).append(": {}\n"); // one pooled connection per host
            }
            Path inv = Files.writeString(dir.resolve("inventory.yaml"), inventory);
            Path data = Files.createDirectories(dir.resolve("data"));

            Conduit.Result r = Conduit.withEnv(Map.of("CONDUIT_DATA", data.toString()), null,
                    "-c", "conduit:run -i " + inv + " all true");

            assertEquals(0, r.exit(), r.toString());
            assertTrue(r.out().contains(HOSTS + " hosts: " + HOSTS + " ok"), r.toString());
            // sshd logs a session's end from the session's own process: wait for those, bounded
            Set<String> accepted = new TreeSet<>();
            Set<String> closed = new TreeSet<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            do {
                String log = Files.readString(sshd.dir.resolve("sshd.log"));
                accepted = ports(ACCEPTED, log);
                closed = ports(CLOSED, log);
                if (accepted.size() == HOSTS && closed.containsAll(accepted)
                        && sshd.process.descendants().noneMatch(ProcessHandle::isAlive)) {
                    break;
                }
                sshd.process.waitFor(100, TimeUnit.MILLISECONDS);
            } while (System.nanoTime() < deadline);
            assertEquals(HOSTS, accepted.size(), "one login per host: " + accepted);
            assertTrue(closed.containsAll(accepted), "sessions still open on the host after Conduit exited: accepted "
                    + accepted + ", ended " + closed);
            assertTrue(sshd.process.descendants().noneMatch(ProcessHandle::isAlive),
                    "sshd still serves a session of the exited Conduit");
            String log = Files.readString(data.resolve("log/conduit.log"));
            List<String> leftOpen = log.lines().filter(l -> l.contains("still open") || l.contains("still closing"))
                    .toList();
            assertTrue(leftOpen.isEmpty(), "Conduit left connections to their fate: " + leftOpen);
        }
    }

    private static Set<String> ports(Pattern p, String log) {
        Set<String> ports = new TreeSet<>();
        Matcher m = p.matcher(log);
        while (m.find()) {
            ports.add(m.group(1));
        }
        return ports;
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    /** The system's OpenSSH sshd on a free 127.0.0.1 port, one key login, logging each session's start and end. */
    private record Sshd(Path dir, int port, Process process) implements AutoCloseable {
        static Sshd start(Path dir) throws Exception {
            Files.createDirectories(dir);
            Files.createDirectories(Path.of("/run/sshd")); // Debian's privilege separation directory
            for (String key : List.of("host", "client")) {
                assertEquals(0, run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir.resolve(key).toString()),
                        "ssh-keygen");
            }
            Files.copy(dir.resolve("client.pub"), dir.resolve("authorized_keys"));
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Files.writeString(dir.resolve("known_hosts"),
                    "[127.0.0.1]:" + port + " " + Files.readString(dir.resolve("host.pub")));
            Path config = Files.writeString(dir.resolve("sshd_config"), String.join("\n",
                    "Port " + port, "ListenAddress 127.0.0.1", "HostKey " + dir.resolve("host"),
                    "PidFile " + dir.resolve("sshd.pid"), "UsePAM no", "PasswordAuthentication no",
                    "KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "PermitRootLogin prohibit-password",
                    "AuthorizedKeysFile " + dir.resolve("authorized_keys"), "StrictModes no", "UseDNS no",
                    "PrintMotd no", "PrintLastLog no", "MaxStartups 100", "LogLevel VERBOSE", ""));
            Process p = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
            Sshd sshd = new Sshd(dir, port, p);
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) { // nothing signals "listening": poll the port with a deadline
                assertTrue(p.isAlive(), () -> "sshd exited: " + read(dir.resolve("sshd.log")));
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                    s.setSoTimeout(2000);
                    InputStream in = s.getInputStream();
                    if (new String(in.readNBytes(4), StandardCharsets.US_ASCII).equals("SSH-")) {
                        return sshd;
                    }
                } catch (IOException e) {
                    p.waitFor(50, TimeUnit.MILLISECONDS);
                }
            }
            sshd.close();
            throw new IOException("sshd did not listen on 127.0.0.1:" + port + " within 20 s");
        }

        private static String read(Path file) {
            try {
                return Files.readString(file);
            } catch (IOException e) {
                return e.toString();
            }
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
