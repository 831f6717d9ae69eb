package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.testing.BecomeEnvironment;

/**
 * No secret of a run in what {@code bin/conduit} prints or logs, with every logger at TRACE: hosts of every
 * plugin (the system's OpenSSH sshd with a password login and sudo asking for it, local, the rest agent, a
 * docker container) print the login and become password, split over two writes, and the agent's token; the
 * table and {@code --json} show {@code ***}; a file holding the password is put into the container; neither the
 * console nor the log files hold a secret, in clear or as the hex of a library's packet dump.
 */
class SecretsIT {
    /** The sudo user's login and sudo password; the value of the ssh tests' TestUsers. */
    private static final String USER = "conduit-sudo";
    private static final String PASSWORD = "Sudo-Pw-4-Conduit";
    /** The rest agent's token. */
    private static final String TOKEN = "Agent-Token-0f-Secrets-IT";

    @TempDir
    Path work;

    @Test
    void withEveryLoggerAtTraceNoPasswordIsPrintedOrLogged() throws Exception {
        BecomeEnvironment.require();
        sudoUser();
        Path dist = copyOfDistribution(work.resolve("conduit"));
        // what an operator hunting a problem writes: everything at TRACE, MINA SSHD included, on the console too
        Path cfg = dist.resolve("etc/org.ops4j.pax.logging.cfg");
        // (every logger's level line, the libraries' included; their caps are filter lines and stay)
        String logging = Files.readString(cfg)
                .replaceAll("(?m)^(log4j2\\.(rootLogger|logger\\.\\w+)\\.level) = \\w+$", "$1 = TRACE")
                .replace("log4j2.rootLogger.appenderRef.console.level = ERROR",
                        "log4j2.rootLogger.appenderRef.console.level = TRACE");
        for (String logger : List.of("rootLogger", "logger.sshd", "logger.hcwire", "logger.dockerjava")) {
            assertTrue(logging.contains("log4j2." + logger + ".level = TRACE"), logger + " is raised");
        }
        // and a logger of its own for the client session and channels, which dump the packets
        logging += "\nlog4j2.logger.packets.name = org.apache.sshd.client\nlog4j2.logger.packets.level = TRACE\n";
        Files.writeString(cfg, logging);
        Path data = Files.createDirectories(work.resolve("data"));

        String container = "conduit-secrets-" + ProcessHandle.current().pid();
        Path token = Files.writeString(Files.createDirectories(work.resolve("agent")).resolve("token"), TOKEN + "\n");
        try (LoopbackSshd sshd = LoopbackSshd.start(work.resolve("sshd"), "PasswordAuthentication yes",
                "PubkeyAuthentication no", "LogLevel ERROR");
                Agent agent = Agent.start(work.resolve("agent"), token);
                Container docker = Container.start(container)) {
            // box's login password, the become password of every host (the inventory's, the run's) and the
            // agent's token are the run's secrets
            Path inventory = Files.writeString(work.resolve("inventory.yaml"), String.join("\n",
                    "defaults:",
                    "  data: {become_password: '${env:BOX_PASSWORD}'}",
                    "hosts:",
                    "  box:",
                    "    connection: ssh",
                    "    hostname: 127.0.0.1",
                    "    port: " + sshd.port(),
                    "    username: " + USER,
                    "    password: ${env:BOX_PASSWORD}",
                    "    connection_options:",
                    "      ssh:",
                    "        extras: {host_key_checking: accept-new, known_hosts_file: " + work.resolve("known_hosts")
                            + ", look_for_keys: false, identity_agent: none}",
                    "  here:",
                    "    connection: local",
                    "  dev:",
                    "    connection: rest",
                    "    hostname: 127.0.0.1",
                    "    port: " + agent.port,
                    "    connection_options:",
                    "      rest:",
                    "        extras: {token: " + TOKEN + ", ca_file: " + work.resolve("agent/state/ca.pem") + "}",
                    "  " + container + ":",
                    "    connection: docker",
                    ""));
            // the password's two halves in two writes, then sudo's proof that it was used
            String halves = "printf '" + PASSWORD.substring(0, 5) + "'; printf '" + PASSWORD.substring(5) + "\\n'";
            Map<String, String> env = Map.of("BOX_PASSWORD", PASSWORD, "CONDUIT_BECOME_PASSWORD", PASSWORD,
                    "CONDUIT_DATA", data.toString());
            // (the words as a system shell would pass them: the line holds both ' and \, which Gogo cannot carry)
            Conduit.Result table = Conduit.withEnv(env, null, dist, "run", "-i", inventory.toString(), "-b",
                    "box:here", halves + "; id -un");
            // every plugin; the password in one write (one docker stream frame, which HttpClient's wire log would
            // show whole), never whole on the command line; the agent's host prints its token too
            Conduit.Result json = Conduit.withEnv(env, null, dist, "-c", "conduit:run -i " + inventory
                    + " --json all 'p=" + PASSWORD.substring(0, 5) + "; echo \"${p}" + PASSWORD.substring(5)
                    + "\"; cat " + token + " 2>/dev/null; true'");

            // a file holding the password, put into the container: HttpClient's wire log would show its bytes
            Path conf = Files.writeString(work.resolve("app.conf"), "password=" + PASSWORD + "\n");
            Conduit.Result put = Conduit.withEnv(env, null, dist, "-c", "conduit:put -i " + inventory + " "
                    + container + " " + conf + " /tmp/app.conf");

            for (Conduit.Result r : List.of(table, json, put)) {
                assertEquals(0, r.exit(), r::toString);
                assertFalse(r.out().contains(PASSWORD) || r.err().contains(PASSWORD), r::toString);
                assertFalse(r.out().contains(TOKEN) || r.err().contains(TOKEN), r::toString);
            }
            assertEquals(2, table.out().lines().filter(l -> l.equals("  ***")).count(), table::toString);
            assertEquals(2, table.out().lines().filter(l -> l.equals("  root")).count(), "sudo took it: " + table);
            assertTrue(table.err().contains("conduit: TRACE"), "the console is at TRACE");
            List<String> stdouts = json.out().lines().filter(l -> l.contains("\"stdout\": ")).map(String::trim)
                    .sorted().toList();
            // box's user cannot read the token file; here and dev (the agent) run as root on this machine
            assertEquals(List.of("\"stdout\": \"***\\n\",", "\"stdout\": \"***\\n\",",
                    "\"stdout\": \"***\\n***\\n\",", "\"stdout\": \"***\\n***\\n\","), stdouts, json::toString);
        }

        String hex = HexFormat.ofDelimiter(" ").formatHex(PASSWORD.substring(0, 8).getBytes(StandardCharsets.UTF_8));
        StringBuilder logs = new StringBuilder();
        try (Stream<Path> files = Files.walk(data)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> f.toString().contains("log")).toList()) {
                logs.append(Files.readString(f, StandardCharsets.ISO_8859_1));
            }
        }
        assertTrue(logs.toString().contains("| TRACE |"), "the log is at TRACE");
        assertTrue(logs.toString().contains("org.apache.sshd.osgi"), "MINA SSHD's lines below TRACE are logged");
        assertFalse(logs.toString().contains(PASSWORD), "the password is in the log");
        assertFalse(logs.toString().contains(TOKEN), "the token is in the log");
        assertFalse(logs.toString().toLowerCase().contains(hex), "the password is in a hex dump of the log");
        // MINA SSHD dumps packets and channel data (hex and text) at TRACE only: none of its TRACE lines may pass
        List<String> dumps = logs.toString().lines().filter(l -> l.contains("| TRACE |")
                && l.contains("| org.apache.sshd.")).limit(5).toList();
        assertEquals(List.of(), dumps, "MINA SSHD logged at TRACE");
    }

    /** The sudo user with its password and rule, as the ssh tests' TestUsers makes it (idempotent). */
    private static void sudoUser() throws Exception {
        if (run("id", "-u", USER) != 0) {
            assertEquals(0, run("useradd", "-m", "-s", "/bin/sh", USER), "useradd " + USER);
        }
        Process p = new ProcessBuilder("chpasswd").redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write((USER + ":" + PASSWORD + "\n").getBytes(StandardCharsets.UTF_8));
        }
        assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "chpasswd");
        Path rule = Path.of("/etc/sudoers.d/" + USER);
        Files.writeString(rule, USER + " ALL=(ALL:ALL) ALL\n");
        Files.setPosixFilePermissions(rule, PosixFilePermissions.fromString("r--r-----"));
    }

    private static int run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        return p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
    }

    private static Path copyOfDistribution(Path dist) throws IOException {
        return Conduit.copyOfDistribution(dist);
    }

    /** The reference rest agent ({@code rest.agent}'s jar) on a free 127.0.0.1 port. */
    private record Agent(int port, Process process) implements AutoCloseable {
        static Agent start(Path dir, Path token) throws Exception {
            Path jar = Conduit.REACTOR.resolve("rest.agent/target/conduit-rest-agent.jar");
            assertTrue(Files.isRegularFile(jar), "build rest.agent first: " + jar);
            Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                    jar.toString(), "--bind", "127.0.0.1", "--port", "0", "--token-file", token.toString(),
                    "--state-dir", dir.resolve("state").toString())
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            Agent agent = new Agent(0, p);
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String l; (l = out.readLine()) != null;) {
                        if (l.contains("listening on")) {
                            return l;
                        }
                    }
                    return "the agent exited";
                } catch (IOException e) {
                    return e.toString();
                }
            }).get(60, TimeUnit.SECONDS);
            Matcher m = Pattern.compile("listening on https://127\\.0\\.0\\.1:(\\d+)/").matcher(line);
            if (!m.find()) {
                agent.close();
                throw new IOException("the agent did not start: " + line);
            }
            return new Agent(Integer.parseInt(m.group(1)), p);
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** A container of the test image ({@code scripts/env/dockerd.sh} builds it), without network, removed after. */
    private record Container(String name) implements AutoCloseable {
        static Container start(String name) throws Exception {
            assertEquals(0, run("docker", "run", "-d", "--network", "none", "--name", name, "conduit-test:busybox"),
                    "docker run conduit-test:busybox (run scripts/env/dockerd.sh first)");
            return new Container(name);
        }

        @Override
        public void close() throws Exception {
            run("docker", "rm", "-f", name);
        }
    }

}
