package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
        try (LoopbackSshd sshd = sshd(dir.resolve("sshd"))) {
            StringBuilder inventory = new StringBuilder(String.join("\n",
                    "defaults:",
                    "  connection: ssh",
                    "  hostname: 127.0.0.1",
                    "  port: " + sshd.port(),
                    "  username: root",
                    "  connection_options:",
                    "    ssh:",
                    "      extras: {private_key_file: " + sshd.dir().resolve("client") + ", known_hosts_file: "
                            + sshd.dir().resolve("known_hosts") + ", look_for_keys: false, host_key_checking: strict}",
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
                String log = Files.readString(sshd.dir().resolve("sshd.log"));
                accepted = ports(ACCEPTED, log);
                closed = ports(CLOSED, log);
                if (accepted.size() == HOSTS && closed.containsAll(accepted)
                        && sshd.process().descendants().noneMatch(ProcessHandle::isAlive)) {
                    break;
                }
                sshd.process().waitFor(100, TimeUnit.MILLISECONDS);
            } while (System.nanoTime() < deadline);
            assertEquals(HOSTS, accepted.size(), "one login per host: " + accepted);
            assertTrue(closed.containsAll(accepted), "sessions still open on the host after Conduit exited: accepted "
                    + accepted + ", ended " + closed);
            assertTrue(sshd.process().descendants().noneMatch(ProcessHandle::isAlive),
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

    /** sshd with one key login ({@code DIR/client}), logging each session's start and end; DIR/known_hosts trusts it. */
    private static LoopbackSshd sshd(Path dir) throws Exception {
        Files.createDirectories(dir);
        LoopbackSshd.keygen(dir.resolve("client"));
        LoopbackSshd sshd = LoopbackSshd.start(dir, "PasswordAuthentication no", "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password", "AuthorizedKeysFile " + dir.resolve("client.pub"),
                "MaxStartups 100", "LogLevel VERBOSE");
        Files.writeString(dir.resolve("known_hosts"),
                "[127.0.0.1]:" + sshd.port() + " " + Files.readString(dir.resolve("host.pub")));
        return sshd;
    }
}
