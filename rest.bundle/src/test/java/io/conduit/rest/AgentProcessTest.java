package io.conduit.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.Secret;
import io.conduit.rest.agent.tls.Certificates;
import io.conduit.rest.RestPlugin;
import io.conduit.rest.support.Configs;

/** The agent as an operator runs it: {@code java -jar rest.agent/target/conduit-rest-agent.jar}. */
class AgentProcessTest {
    private static final Pattern LISTENING = Pattern.compile("listening on https://127\\.0\\.0\\.1:(\\d+)/api/v1");

    @TempDir
    Path tmp;

    private static List<String> java(String... args) {
        Path jar = Path.of(System.getProperty("conduit.agent.jar", "../rest.agent/target/conduit-rest-agent.jar"));
        assertTrue(Files.isRegularFile(jar), "the agent jar is built by rest.agent before rest.bundle: " + jar);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", jar.toString()));
        command.addAll(List.of(args));
        return command;
    }

    @Test
    void helpListsEveryFlagAndABadFlagExitsWithAMessage() throws Exception {
        Process help = new ProcessBuilder(java("--help")).redirectErrorStream(true).start();
        String text = new String(help.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(help.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, help.exitValue());
        for (String flag : List.of("--bind", "--port", "--token-file", "--state-dir", "--san", "--keystore",
                "--keystore-password-file", "--no-tls", "--api-path", "--max-request-size", "--max-file-size",
                "--max-output", "--max-command-timeout", "--max-commands", "--workdir", "--help")) {
            assertTrue(text.contains(flag + " "), flag + " missing from --help:\n" + text);
        }

        Process bad = new ProcessBuilder(java("--prot", "1")).start();
        String err = new String(bad.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bad.waitFor(30, TimeUnit.SECONDS));
        assertEquals(2, bad.exitValue());
        assertTrue(err.contains("unknown option --prot; see --help"), err);
    }

    @Test
    void firstStartMakesACaPrintsItsFingerprintAndServesThePlugin() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), "process-token\n");
        Path state = tmp.resolve("state");
        Process agent = new ProcessBuilder(java("--bind", "127.0.0.1", "--port", "0", "--token-file", token.toString(),
                "--state-dir", state.toString())).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        RestPlugin plugin = new RestPlugin(Configs.defaults());
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
            // the agent prints its address and fingerprints once it listens: read up to the CA fingerprint
            List<String> lines = CompletableFuture.supplyAsync(() -> {
                List<String> read = new ArrayList<>();
                try {
                    String line;
                    while ((line = out.readLine()) != null) {
                        read.add(line);
                        if (line.startsWith("server certificate SHA-256 fingerprint")) {
                            break;
                        }
                    }
                } catch (java.io.IOException e) {
                    read.add("read failed: " + e);
                }
                return read;
            }).get(60, TimeUnit.SECONDS);
            String all = String.join("\n", lines);
            Matcher m = LISTENING.matcher(all);
            assertTrue(m.find(), all);
            int port = Integer.parseInt(m.group(1));

            Path ca = state.resolve("ca.pem");
            assertTrue(Files.isRegularFile(ca), all);
            X509Certificate caCert;
            try (var in = Files.newInputStream(ca)) {
                caCert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            assertTrue(all.contains("CA certificate SHA-256 fingerprint: " + Certificates.fingerprint(caCert)), all);

            Connection c = plugin.create(new ConnectionKey("proc", "rest"));
            c.open(new ConnectionParams("localhost", port, null, null, null,
                    Map.of("token", Secret.of("process-token"), "ca_file", ca.toString())));
            assertEquals("from the agent process\n", c.exec(Command.shell("echo from the agent process")).stdoutText());
            c.close();
        } finally {
            plugin.deactivate();
            agent.destroy();
            assertTrue(agent.waitFor(30, TimeUnit.SECONDS));
        }
    }
}
