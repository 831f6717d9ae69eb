package io.conduit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.After;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

import com.google.gson.Gson;

/**
 * The rest plugin in the distribution: it resolves against the distribution's Gson, and the shell's run, put,
 * fetch and ping work on two reference agents ({@code java -jar rest.agent/target/conduit-rest-agent.jar}) on
 * 127.0.0.1, each with its own generated CA, while a host with a wrong token fails alone.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class RestPluginIT extends ConduitTestSupport {
    private static final Pattern LISTENING = Pattern.compile("listening on https://127\\.0\\.0\\.1:(\\d+)/api/v1");
    private final List<Process> agents = new ArrayList<>();

    @Configuration
    public Option[] configuration() {
        // the plugin arrives as in production: FileInstall installs deploy/*.jar (etc/org.apache.felix.fileinstall-deploy.cfg)
        return distribution(false);
    }

    @After
    public void stopAgents() throws InterruptedException {
        for (Process p : agents) {
            p.destroy();
            p.waitFor(30, TimeUnit.SECONDS);
        }
    }

    /** Starts an agent process on a free port and returns the port, once it listens. */
    private int startAgent(Path dir, String token) throws Exception {
        Path jar = DIST.resolve("../../../rest.agent/target/conduit-rest-agent.jar").normalize().toAbsolutePath();
        assertTrue("build rest.agent first: " + jar, Files.isRegularFile(jar));
        Files.createDirectories(dir);
        Path tokenFile = Files.writeString(dir.resolve("token"), token + "\n");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                jar.toString(), "--bind", "127.0.0.1", "--port", "0", "--token-file", tokenFile.toString(),
                "--state-dir", dir.resolve("state").toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        agents.add(p);
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String listening = CompletableFuture.supplyAsync(() -> {
            try {
                for (String line; (line = out.readLine()) != null;) {
                    if (line.contains("listening on")) {
                        return line;
                    }
                }
                return "the agent exited";
            } catch (java.io.IOException e) {
                return e.toString();
            }
        }).get(60, TimeUnit.SECONDS);
        Matcher m = LISTENING.matcher(listening);
        assertTrue(listening, m.find());
        return Integer.parseInt(m.group(1));
    }

    @Test
    @SuppressWarnings("unchecked")
    public void runPutFetchAndPingOnTwoAgentsWhileAWrongTokenFailsAlone() throws Exception {
        await("FileInstall to start io.conduit.rest from deploy/", 60, () -> {
            Bundle rest = bundle("io.conduit.rest");
            return rest != null && rest.getState() == Bundle.ACTIVE;
        });
        await("the rest plugin to register", 30, () -> {
            try {
                return execute("conduit:plugins").lines().anyMatch(l -> l.startsWith("rest ") && l.contains("active"));
            } catch (Exception e) {
                return false;
            }
        });

        Path work = Files.createDirectories(WORK.resolve("rest"));
        int port1 = startAgent(work.resolve("agent1"), "token-one");
        int port2 = startAgent(work.resolve("agent2"), "token-two");
        Path inventory = inventory("rest.yaml", String.join("\n",
                "defaults:",
                "  connection: rest",
                "hosts:",
                "  dev1:",
                "    hostname: 127.0.0.1",
                "    port: " + port1,
                "    connection_options:",
                "      rest:",
                "        extras:",
                "          token: ${file:" + work.resolve("agent1/token") + "}",
                "          ca_file: " + work.resolve("agent1/state/ca.pem"),
                "  dev2:",
                "    hostname: 127.0.0.1",
                "    port: " + port2,
                "    connection_options:",
                "      rest:",
                "        extras:",
                "          token: ${file:" + work.resolve("agent2/token") + "}",
                "          ca_file: " + work.resolve("agent2/state/ca.pem"),
                "  intruder:",
                "    hostname: 127.0.0.1",
                "    port: " + port1,
                "    connection_options:",
                "      rest:",
                "        extras:",
                "          token: not-the-token",
                "          ca_file: " + work.resolve("agent1/state/ca.pem"),
                ""));

        Shell run = session("conduit:run --json -i " + inventory + " all 'echo hi from the agent'");
        Map<String, Object> doc = new Gson().fromJson(run.out(), Map.class);
        List<Map<String, Object>> hosts = (List<Map<String, Object>>) doc.get("hosts");
        assertEquals(run.out(), 3, hosts.size());
        for (Map<String, Object> h : hosts) {
            if (h.get("host").equals("intruder")) {
                assertEquals(run.out(), "failed", h.get("status"));
                assertTrue(run.out(), String.valueOf(h.get("error")).contains("401"));
                assertTrue(run.out(), !String.valueOf(h.get("error")).contains("not-the-token"));
            } else {
                assertEquals(run.out(), "ok", h.get("status"));
                assertTrue(run.out(), "hi from the agent\n".equals(h.get("stdout")));
            }
        }
        assertEquals(Integer.valueOf(2), run.exit());

        Shell ping = session("conduit:ping -i " + inventory + " 'dev*'");
        assertTrue(ping.out(), ping.out().contains("dev1 | OK") && ping.out().contains("dev2 | OK"));

        byte[] payload = new byte[300_000];
        new java.util.Random(1).nextBytes(payload);
        Path src = Files.write(work.resolve("payload file.bin"), payload);
        Path remoteDir = Files.createDirectories(work.resolve("remote"));
        Shell put = session("conduit:put -i " + inventory + " -m 0600 'dev*' '" + src + "' '" + remoteDir
                + "/copied é.bin'");
        assertTrue(put.out(), put.out().contains("dev1 | CHANGED") && put.out().contains("dev2 | CHANGED"));
        Shell fetch = session("conduit:fetch -i " + inventory + " 'dev*' '" + remoteDir + "/copied é.bin' "
                + work.resolve("fetched"));
        assertTrue(fetch.out(), fetch.out().contains("dev1 | OK") && fetch.out().contains("dev2 | OK"));
        for (String host : List.of("dev1", "dev2")) {
            assertTrue(host, java.util.Arrays.equals(payload,
                    Files.readAllBytes(work.resolve("fetched").resolve(host).resolve("copied é.bin"))));
        }
    }
}
