package io.conduit.itests;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.AfterClass;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.ops4j.pax.exam.Configuration;
import org.ops4j.pax.exam.Option;
import org.ops4j.pax.exam.junit.PaxExam;
import org.ops4j.pax.exam.spi.reactors.ExamReactorStrategy;
import org.ops4j.pax.exam.spi.reactors.PerClass;
import org.osgi.framework.Bundle;

import com.google.gson.Gson;

import io.conduit.api.connection.Command;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Runner;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;

/**
 * The docker plugin and inventory source in the distribution, against the real dockerd that
 * scripts/env/dockerd.sh starts: the shell on containers, each failure on its own host, and upgrades of
 * docker.bundle under a run (5 in the suite, 20 in the soak) that lose no result and leave no thread of an old
 * version.
 */
@RunWith(PaxExam.class)
@ExamReactorStrategy(PerClass.class)
public class DockerPluginIT extends ConduitTestSupport {
    private static final String RUN = Long.toHexString(System.nanoTime() & 0xffffff);
    private static final List<String> CONTAINERS = new ArrayList<>();

    @Configuration
    public Option[] configuration() {
        // etc/io.conduit.connections.cfg of the distribution applies: plugin_wait 15 s covers an update's gap
        return distribution(true);
    }

    @AfterClass
    public static void removeContainers() throws Exception {
        if (!CONTAINERS.isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of("rm", "-f"));
            cmd.addAll(CONTAINERS);
            docker(cmd.toArray(String[]::new));
        }
    }

    private static String docker(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(cmd + " did not finish in 60 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.exitValue() != 0) {
            throw new IOException(cmd + ": " + out + " (run scripts/env/dockerd.sh first)");
        }
        return out;
    }

    private static synchronized String container(String name, String image, String... labels) throws Exception {
        String full = "conduit-pit-" + RUN + "-" + name;
        List<String> cmd = new ArrayList<>(List.of("run", "-d", "--network", "none", "--name", full,
                "--label", "conduit.pit=" + RUN));
        for (String label : labels) {
            cmd.add("--label");
            cmd.add(label);
        }
        cmd.add(image);
        CONTAINERS.add(full);
        docker(cmd.toArray(String[]::new));
        return full;
    }

    @Test
    public void shellOnContainersFromTheDockerSource() throws Exception {
        Bundle docker = bundle("io.conduit.docker");
        assertNotNull("docker.bundle installed", docker);
        assertEquals(Bundle.ACTIVE, docker.getState());
        String plugins = execute("conduit:plugins");
        assertTrue(plugins, plugins.lines().anyMatch(l -> l.startsWith("docker ") && l.contains("active")));

        String web1 = container("web1", "conduit-test:busybox", "conduit.groups=web,prod", "env=prod");
        String web2 = container("web2", "conduit-test:busybox", "conduit.groups=web", "env=staging");
        String source = "docker:label=conduit.pit=" + RUN;

        String hosts = execute("conduit:hosts -i " + source);
        assertTrue(hosts, hosts.contains(web1) && hosts.contains(web2) && hosts.contains("docker"));
        String prod = execute("conduit:hosts -i " + source + " prod");
        assertTrue(prod, prod.contains(web1) && !prod.contains(web2));

        Shell run = session("conduit:run -i " + source + " web 'echo hi from $(hostname)'");
        assertTrue(run.out(), run.out().contains(web1 + " | OK | rc=0") && run.out().contains(web2 + " | OK | rc=0"));
        assertEquals(Integer.valueOf(0), run.exit());

        Shell json = session("conduit:run --json -i " + source + " all 'id -u'");
        @SuppressWarnings("unchecked")
        Map<String, Object> doc = new Gson().fromJson(json.out(), Map.class);
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> results = (List<Map<String, Object>>) doc.get("hosts");
        assertEquals(json.out(), 2, results.size());
        for (Map<String, Object> r : results) {
            assertEquals(json.out(), "0\n", r.get("stdout"));
        }

        Path payload = inventory("docker-payload.txt", "payload " + RUN + "\n");
        Shell put = session("conduit:put -m 0640 -i " + source + " all " + payload + " /tmp/payload.txt");
        assertTrue(put.out(), put.out().contains(web1 + " | CHANGED") && put.out().contains(web2 + " | CHANGED"));
        Path fetched = WORK.resolve("docker-fetched");
        Shell fetch = session("conduit:fetch -i " + source + " all /tmp/payload.txt " + fetched);
        assertTrue(fetch.out(), fetch.out().contains(web1 + " | OK"));
        assertEquals("payload " + RUN + "\n", Files.readString(fetched.resolve(web2).resolve("payload.txt")));
        Shell ping = session("conduit:ping -i " + source + " all");
        assertTrue(ping.out(), ping.out().contains(web1 + " | OK") && ping.out().contains(web2 + " | OK"));
    }

    @Test
    public void eachFailureOnItsOwnHostWhileTheOthersSucceed() throws Exception {
        String ok = container("ok", "conduit-test:busybox");
        String stopped = container("stopped", "conduit-test:busybox");
        docker("stop", "-t", "0", stopped);
        String noshell = container("noshell", "conduit-test:noshell");
        Path inv = inventory("docker-failures.yaml", String.join("\n",
                "defaults:",
                "  connection: docker",
                "hosts:",
                "  ok:",
                "    hostname: " + ok,
                "  stopped:",
                "    hostname: " + stopped,
                "  missing:",
                "    hostname: conduit-pit-no-such-container",
                "  nodaemon:",
                "    hostname: " + ok,
                "    connection_options:",
                "      docker:",
                "        extras:",
                "          docker_host: unix:///tmp/conduit-no-daemon.sock",
                "  noshell:",
                "    hostname: " + noshell,
                ""));
        Shell run = session("conduit:run -i " + inv + " all 'echo hi'");
        String out = run.out();
        assertTrue(out, out.contains("ok | OK | rc=0"));
        assertTrue(out, out.contains("stopped | UNREACHABLE") && out.contains("is not running (status exited"));
        assertTrue(out, out.contains("missing | UNREACHABLE") && out.contains("no container \"conduit-pit-no-such-container\""));
        assertTrue(out, out.contains("nodaemon | UNREACHABLE")
                && out.contains("docker daemon at unix:///tmp/conduit-no-daemon.sock is unreachable"));
        assertTrue(out, out.contains("noshell | FAILED") && out.contains("has no /bin/sh"));
    }

    private static Set<String> dockerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith("docker-java") || n.startsWith("conduit-docker"))
                .collect(Collectors.toSet());
    }

    /** The plugin instances that own live threads: conduit-docker-io-INSTANCE-N. */
    private static Set<String> threadOwners() {
        return dockerThreads().stream().filter(n -> n.startsWith("conduit-docker"))
                .map(n -> n.replaceAll("^conduit-docker-[a-z]+-([0-9a-f]+)-\\d+$", "$1")).collect(Collectors.toSet());
    }

    /**
     * Upgrades of the plugin under a run: 5 in the suite, and as many as {@code -Dconduit.upgrade.rounds=N} asks
     * (20 for the soak: {@code ./mvnw verify -pl itests -Dit.test=DockerPluginIT -Dconduit.upgrade.rounds=20}).
     */
    private static final int ROUNDS = Integer.getInteger("conduit.upgrade.rounds", 5);

    @Test
    public void upgradesUnderARunLoseNoResultAndLeaveNoOldThread() throws Exception {
        Bundle docker = bundle("io.conduit.docker");
        String target = container("upgrade", "conduit-test:busybox");
        StringBuilder yaml = new StringBuilder("defaults:\n  connection: docker\n  connection_options:\n    docker:\n"
                + "      extras:\n        container: " + target + "\nhosts:\n");
        int hosts = 60;
        for (int i = 1; i <= hosts; i++) {
            yaml.append(String.format("  c%02d: {}%n", i));
        }
        Path inv = inventory("docker-upgrade.yaml", yaml.toString());
        Task task = new Task() {
            @Override
            public HostResult execute(TaskContext ctx) throws IOException {
                var exec = ctx.connection().exec(Command.shell("sleep 0.05; echo done").withStdin(new byte[] {1}));
                return HostResult.fromExec(ctx.host().name(), exec, exec.exitCode() == 0);
            }

            @Override
            public String describe() {
                return "docker probe";
            }
        };
        Runner runner = service(Runner.class);
        ExecutorService background = Executors.newSingleThreadExecutor();
        try {
            for (int round = 1; round <= ROUNDS; round++) {
                CountDownLatch some = new CountDownLatch(round == 1 ? hosts / 4 : 1);
                RunListener listener = new RunListener() {
                    @Override
                    public void finished(HostResult result) {
                        some.countDown();
                    }
                };
                Future<RunResult> running = background.submit(() -> runner.run("all", task,
                        new RunOptions(inv.toString(), 4, null, null), listener));
                assertTrue("round " + round + ": hosts finishing", some.await(60, TimeUnit.SECONDS));
                docker.update(); // the same jar: a new bundle revision, a new class loader, new components
                RunResult result = running.get(120, TimeUnit.SECONDS);
                assertEquals(hosts, result.hosts().size());
                for (HostResult h : result.hosts()) {
                    assertEquals("round " + round + " " + h.host() + ": " + h.error(), Status.OK, h.status());
                    assertEquals("done\n", h.stdoutText());
                }
            }
        } finally {
            background.shutdown();
        }
        assertEquals(Bundle.ACTIVE, docker.getState());
        // old revisions' threads end when their components deactivate; allow the last sockets to close
        await("threads of old docker plugin versions to end", 20, () -> threadOwners().size() <= 1
                && dockerThreads().stream().noneMatch(n -> n.startsWith("docker-java")));
        System.out.println("docker threads after " + ROUNDS + " upgrades: " + dockerThreads());
    }
}
