package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Insecure choices are announced, not whispered: a token over plain HTTP is refused unless the host allows it,
 * and a run that uses such a host prints one line on the console (stderr) naming the choice and the hosts. One
 * bin/conduit run against the reference agent started with --no-tls checks both, and that the refusal's message
 * is in words.
 */
class InsecureChoicesIT {
    private static final Pattern LISTENING = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)/");

    @TempDir
    Path dir;

    @Test
    void aTokenOverPlainHttpIsRefusedUnlessAllowedAndAnnouncedOncePerRun() throws Exception {
        Path jar = Conduit.REACTOR.resolve("rest.agent/target/conduit-rest-agent.jar");
        assertTrue(Files.isRegularFile(jar), jar + " is built by rest.agent");
        Path token = Files.writeString(dir.resolve("token"), "plain-" + System.nanoTime() + "\n");
        Process agent = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-jar", jar.toString(), "--bind", "127.0.0.1", "--port", "0", "--no-tls",
                "--token-file", token.toString(), "--state-dir", dir.resolve("state").toString(),
                "--workdir", Files.createDirectories(dir.resolve("work")).toString())
                .redirectError(dir.resolve("agent.log").toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    return null;
                }
            }).get(60, TimeUnit.SECONDS);
            Matcher m = LISTENING.matcher(String.valueOf(line));
            assertTrue(m.find(), "the agent did not start: " + line);
            String port = m.group(1);
            Path inventory = Files.writeString(dir.resolve("inventory.yaml"), String.join("\n",
                    "defaults:",
                    "  connection: rest",
                    "  hostname: 127.0.0.1",
                    "  port: " + port,
                    "  connection_options:",
                    "    rest:",
                    "      extras:",
                    "        use_ssl: false",
                    "        token: ${file:" + token + "}",
                    "hosts:",
                    "  lab1:",
                    "    connection_options: {rest: {extras: {allow_plain_http_token: true}}}",
                    "  lab2:",
                    "    connection_options: {rest: {extras: {allow_plain_http_token: true}}}",
                    "  prod1: {}",
                    ""));

            Conduit.Result r = Conduit.run("-c", "conduit:run -i " + inventory + " all 'echo hi'");

            assertEquals(Main.EXIT_HOSTS_FAILED, r.exit(), r::toString);
            List<String> warnings = r.err().lines().filter(l -> l.startsWith("conduit: WARNING: insecure:")).toList();
            assertEquals(List.of("conduit: WARNING: insecure: use_ssl: false with a token (allow_plain_http_token:"
                    + " true; the token crosses the network in clear text) on lab1, lab2"), warnings, r::toString);
            assertTrue(r.out().contains("prod1: use_ssl is false and a token is set: the token would cross the"
                    + " network in clear text; use HTTPS (use_ssl: true), or set"
                    + " connection_options.rest.extras.allow_plain_http_token: true to send it anyway"), r::toString);
            assertEquals(2, r.out().lines().filter(l -> l.trim().equals("hi")).count(), r::toString);
            assertFalse(r.out().contains(Files.readString(token).trim()), "the token is never printed");
            assertFalse(r.out().matches("(?s).*[a-z]+\\.[a-z]+\\.[A-Z]\\w*(Exception|Error).*"), r::toString);
        } finally {
            agent.destroy();
            agent.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
